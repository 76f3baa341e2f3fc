"""Customer webhooks: the account's endpoint and the log of deliveries.

- ``pk = CFG#<account>``, ``sk = CONFIG``: URL and the signing secret (KMS ciphertext,
  bound to the account by encryption context, plus a short hint for the portal).
- ``pk = D#<account>#<shard>``, ``sk = <created ISO>#<event id>``: one item per event
  delivery with its attempts. An account's deliveries spread over ``DELIVERY_SHARDS``
  partitions (status events can come at the carrier's pace, ~1,000/s) and are merged
  newest first at read; items expire after 30 days (TTL).
- ``pk = M#<account>#<message>``, ``sk`` = the delivery's sort key: a keys-only pointer per
  delivery, so "the deliveries of message X" is one small query plus a BatchGet (the
  delivery's partition follows from the event id at the end of ``sk``) instead of a
  filtered read of every shard. Written with the delivery in one BatchWriteItem.
"""
from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from .base import get_item, table_meta, utcnow

CONFIG_SK = "CONFIG"
DELIVERY_SHARDS = 8
DELIVERY_TTL_SECONDS = 30 * 24 * 3600
DELIVERY_STATUSES = ("pending", "delivered", "retrying", "dead_lettered")


def config_pk(account_id: str) -> str:
    return f"CFG#{account_id}"


def delivery_pk(account_id: str, event_id: str) -> str:
    shard = int(hashlib.sha1(event_id.encode()).hexdigest()[:8], 16) % DELIVERY_SHARDS
    return f"D#{account_id}#{shard}"


def message_ref_pk(account_id: str, message_id: str) -> str:
    return f"M#{account_id}#{message_id}"


def delivery_sk(created_iso: str, event_id: str) -> str:
    """Time ordered and unique: ``<created ISO>#<event id>`` (ISO times contain no ``#``)."""
    return f"{created_iso}#{event_id}"


def event_id_of(sk: str) -> str:
    return sk.split("#", 1)[1]


class WebhookConfig(Model):
    Meta = table_meta("webhooks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=CONFIG_SK)
    url = UnicodeAttribute(null=True)  # None: a secret exists (for per-message callbacks) but no URL
    secret_ciphertext = UnicodeAttribute()
    secret_hint = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)


class Delivery(Model):
    Meta = table_meta("webhooks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    url = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | delivered | retrying | dead_lettered
    attempts = NumberAttribute(default=0)
    last_status_code = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    expires_at = NumberAttribute()


class DeliveryRef(Model):
    """Pointer from a message to one of its deliveries (keys only, same TTL)."""
    Meta = table_meta("webhooks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute()


# --- reads and writes -------------------------------------------------------------------------

def get_config(account_id: str, consistent: bool = True) -> WebhookConfig | None:
    return get_item(WebhookConfig, config_pk(account_id), CONFIG_SK, consistent=consistent)


def record_pending(delivery: Delivery) -> None:
    """A new delivery and its per-message pointer, in one BatchWriteItem (append-only rows)."""
    with Delivery.batch_write() as batch:
        batch.save(delivery)
        batch.save(DeliveryRef(message_ref_pk(delivery.account_id, delivery.message_id), delivery.sk,
                               expires_at=delivery.expires_at))


def record_attempt(delivery: Delivery, status: str, attempts: int, code: int | None, error: str | None,
                   next_at: datetime | None, now: datetime) -> None:
    actions: list[Action] = [Delivery.status.set(status), Delivery.attempts.set(attempts), Delivery.updated_at.set(now),
               Delivery.last_error.set(error) if error else Delivery.last_error.remove(),
               Delivery.next_attempt_at.set(next_at) if next_at else Delivery.next_attempt_at.remove()]
    if code is not None:
        actions.append(Delivery.last_status_code.set(code))
    delivery.update(actions=actions)


def deliveries_of_account(account_id: str, before: str | None, page_size: int) -> Iterator[Delivery]:
    """Every delivery of the account strictly older than ``before``, newest first (its shards
    merged)."""
    range_condition = (Delivery.sk < before) if before else None
    queries = [Delivery.query(f"D#{account_id}#{shard}", range_condition, scan_index_forward=False,
                              page_size=page_size) for shard in range(DELIVERY_SHARDS)]
    return heapq.merge(*queries, key=lambda d: d.sk, reverse=True)


def deliveries_of_message(account_id: str, message_id: str, before: str | None) -> Iterator[Delivery]:
    """The message's deliveries strictly older than ``before``, newest first: the pointers
    name the sort key, and the event id in it names the shard."""
    refs = iter(DeliveryRef.query(message_ref_pk(account_id, message_id),
                                  (DeliveryRef.sk < before) if before else None, scan_index_forward=False))
    while chunk := [ref.sk for _, ref in zip(range(25), refs, strict=False)]:
        keys = [(delivery_pk(account_id, event_id_of(sk)), sk) for sk in chunk]
        found = {d.sk: d for d in Delivery.batch_get(keys)}
        yield from (found[sk] for sk in chunk if sk in found)
