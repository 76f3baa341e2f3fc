"""The message log: one item per SMS, plus the carrier's ids and early delivery receipts.

Key design (ARCHITECTURE.md: no hot partition, no Scan on a request path):

- ``pk = <message id>, sk = "MSG"``: the message. Ids are random (or a hash of the
  idempotency key), so writes spread over all partitions.
- ``pk = "C#<carrier message id>"``, ``sk = "R#<received>"``: a delivery receipt that named
  no message of ours (no or unknown ``client-ref``): kept for 30 days for support, never
  applied to a customer's message. Receipts normally find their message directly: every
  submit carries our message id as Vonage's ``client-ref``, so a receipt that arrives before
  the worker has recorded the carrier ids still lands on the right message.
- GSIs, all keyed by ``ckey = <created ISO>#<message id>`` (unique, time ordered):
  ``account-time-index`` on ``acct_day = <account>#<UTC day>#<shard>`` (one account's day is
  spread over ``ACCOUNT_SHARDS`` partitions and merged at read), ``recipient-index`` on
  ``acct_to = <account>#<E.164>``, ``task-index`` on ``task_shard = <task>#<shard>``, and
  the sparse ``pending-index`` on ``pending = P#<shard>`` that holds only messages still
  queued (the sweeper re-enqueues any the dispatch queue lost).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain import billing_states as billing
from ..domain import message_status as states
from ..domain.timeline import ckey
from .base import get_item, save_if_new, table_meta, update_if, utcnow

MESSAGE_SK = "MSG"
ACCOUNT_SHARDS = 8
TASK_SHARDS = 8
PENDING_SHARDS = 4


def shard_of(message_id: str, shards: int) -> int:
    return int(hashlib.sha1(message_id.encode()).hexdigest()[:8], 16) % shards


def account_day_key(account_id: str, day: str, shard: int) -> str:
    return f"{account_id}#{day}#{shard}"


def recipient_key(account_id: str, e164: str) -> str:
    return f"{account_id}#{e164}"


def task_shard_key(task_id: str, shard: int) -> str:
    return f"{task_id}#{shard}"


def pending_key(shard: int) -> str:
    return f"P#{shard}"


def carrier_pk(carrier_message_id: str) -> str:
    return f"C#{carrier_message_id}"


class AccountTimeIndex(GlobalSecondaryIndex["Message"]):
    class Meta:
        index_name = "account-time-index"
        projection = AllProjection()
    acct_day = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class RecipientIndex(GlobalSecondaryIndex["Message"]):
    class Meta:
        index_name = "recipient-index"
        projection = AllProjection()
    acct_to = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class TaskIndex(GlobalSecondaryIndex["Message"]):
    class Meta:
        index_name = "task-index"
        projection = AllProjection()
    task_shard = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class PendingIndex(GlobalSecondaryIndex["Message"]):
    class Meta:
        index_name = "pending-index"
        projection = AllProjection()
    pending = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class Message(Model):
    """One SMS. ``price_micros`` is what was reserved (segments × unit price);
    ``refunded_micros`` what went back; the charge is their difference once ``billing`` is
    ``settled`` (or ``refunded`` when nothing was charged)."""
    Meta = table_meta("messages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=MESSAGE_SK)

    account_id = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    app_id = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    task_name = UnicodeAttribute(null=True)
    source = UnicodeAttribute()  # api | vonage | task
    type = UnicodeAttribute()  # transactional | marketing
    to = UnicodeAttribute()  # E.164
    country = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    segments = NumberAttribute()  # billed segments (the domestic rule for CN)
    carrier_parts = NumberAttribute(default=1)  # parts the carrier will count (GSM/UCS-2)
    encoding = UnicodeAttribute()
    unit_price_micros = NumberAttribute(default=0)
    price_micros = NumberAttribute(default=0)
    refunded_micros = NumberAttribute(default=0)
    billing = UnicodeAttribute(default=billing.NONE)  # domain.billing_states
    status = UnicodeAttribute()  # domain.message_status
    err_code = UnicodeAttribute(null=True)
    err_text = UnicodeAttribute(null=True)
    carrier_ids = ListAttribute(of=UnicodeAttribute, null=True)
    # carrier id -> last receipt status (the map exists, so paths in it can be SET)
    part_status: MapAttribute[str, Any] = MapAttribute(default=dict)
    client_ref = UnicodeAttribute(null=True)
    callback_url = UnicodeAttribute(null=True)
    request_hash = UnicodeAttribute(null=True)
    submit_attempt = NumberAttribute(default=0)
    submit_started_at = UTCDateTimeAttribute(null=True)
    # The account's local day of creation (YYYY-MM-DD): the day the message counts on in the
    # report aggregates (store.reports). Absent on messages logged before issue 15, which
    # only the backfill counts.
    report_day = UnicodeAttribute(null=True)

    created_at = UTCDateTimeAttribute()
    submitted_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)  # when a final state was reached
    updated_at = UTCDateTimeAttribute(null=True)

    ckey = UnicodeAttribute()
    acct_day = UnicodeAttribute()
    acct_to = UnicodeAttribute()
    task_shard = UnicodeAttribute(null=True)
    pending = UnicodeAttribute(null=True)

    by_account_day = AccountTimeIndex()
    by_recipient = RecipientIndex()
    by_task = TaskIndex()
    by_pending = PendingIndex()

    @property
    def message_id(self) -> str:
        return self.pk

    @property
    def is_final(self) -> bool:
        return self.status in states.FINAL


class UnmatchedReceipt(Model):
    """A delivery receipt that named no message of ours; kept (TTL 30 days) for support."""
    Meta = table_meta("messages")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    payload: MapAttribute[str, Any] = MapAttribute()
    expires_at = NumberAttribute()


def index_keys(account_id: str, message_id: str, to: str, created_at: datetime,
               task_id: str | None = None, *, queued: bool = True) -> dict[str, Any]:
    """The GSI attributes of a new message (one place that knows how keys are sharded)."""
    day = created_at.strftime("%Y-%m-%d")
    return {
        "ckey": ckey(created_at, message_id),
        "acct_day": account_day_key(account_id, day, shard_of(message_id, ACCOUNT_SHARDS)),
        "acct_to": recipient_key(account_id, to),
        "task_shard": task_shard_key(task_id, shard_of(message_id, TASK_SHARDS)) if task_id else None,
        "pending": pending_key(shard_of(message_id, PENDING_SHARDS)) if queued else None,
    }


def get_message(message_id: str) -> Message | None:
    return get_item(Message, message_id, MESSAGE_SK)


def pending_since(cutoff: datetime, per_shard: int) -> Iterator[Message]:
    """Messages still in the pending index that were created before ``cutoff``."""
    upper = ckey(cutoff, "")
    for shard in range(PENDING_SHARDS):
        yield from Message.by_pending.query(pending_key(shard), Message.ckey < upper, limit=per_shard)


#: What the report backfill reads of a message (``scan_unreported``).
_REPORTED_ATTRIBUTES = ["pk", "sk", "account_id", "created_at", "type", "country", "source", "user_id", "app_id",
                        "status"]


def scan_unreported(segment: int, total_segments: int) -> Iterator[Message]:
    """Messages logged before issue 15 (no ``report_day``) in one segment of a parallel Scan:
    for the one-off report backfill only, never on a request path. Only the attributes a
    report counts are read."""
    condition = (Message.sk == MESSAGE_SK) & Message.report_day.does_not_exist()
    return Message.scan(condition, segment=segment, total_segments=total_segments,
                        attributes_to_get=_REPORTED_ATTRIBUTES)


# --- writes: every one conditional on what it must not overwrite -------------------------------

def log_new(message: Message) -> bool:
    """Write a new message; False (nothing written) if its id is logged already."""
    return save_if_new(message)


def log_new_in(tx: TransactWrite, message: Message) -> None:
    """In ``tx``: write a new message; the transaction fails if its id is logged already."""
    tx.save(message, condition=Message.pk.does_not_exist())


def claim_for_submit(message: Message) -> bool:
    """Stamp the start of a submit attempt on a queued message no one has claimed."""
    attempt = int(message.submit_attempt or 0) + 1
    return update_if(message, [Message.submit_started_at.set(utcnow()), Message.submit_attempt.set(attempt)],
                     (Message.status == states.QUEUED) & Message.submit_started_at.does_not_exist())


def release_submit_claim(message: Message) -> None:
    """Drop our claim (the carrier refused in a way that sent nothing), for a later retry."""
    message.update(actions=[Message.submit_started_at.remove()],
                   condition=Message.submit_attempt == message.submit_attempt)


def mark_in_doubt(message: Message, note: str) -> None:
    """A queued, claimed message whose submit outcome is unknown: noted, out of the pending
    index, stamped as submitted when the claim was made."""
    now = utcnow()
    message.update(actions=[Message.err_text.set(note), Message.pending.remove(),
                            Message.submitted_at.set(message.submit_started_at or now),
                            Message.updated_at.set(now)],
                   condition=Message.status == states.QUEUED)


def settle_reserved(message: Message, in_doubt_note: str | None = None) -> bool:
    """``billing reserved → settled`` (the carrier took it: the reservation stays charged);
    with ``in_doubt_note`` only while the message still carries that note."""
    condition = Message.billing == billing.RESERVED
    if in_doubt_note is not None:
        condition &= Message.err_text == in_doubt_note
    return update_if(message, [Message.billing.set(billing.SETTLED)], condition)


def not_final_part(carrier_id: str) -> Condition:
    """Condition: the segment has no receipt yet, or only a provisional one."""
    part = Message.part_status[carrier_id]
    condition: Condition = part.does_not_exist() | part.is_in(*states.RECEIPT_PROVISIONAL)
    return condition


def record_part_status(message: Message, carrier_id: str, status: str, err_code: str | None) -> bool:
    """Store one segment's receipt status, unless the message is final or (for a provisional
    status) the segment already has a final one."""
    actions = [Message.part_status[carrier_id].set(status), Message.updated_at.set(utcnow())]
    if err_code is not None:
        actions.append(Message.err_code.set(err_code))
    condition = ~Message.status.is_in(*states.FINAL)
    if status in states.RECEIPT_PROVISIONAL:
        condition &= not_final_part(carrier_id)
    return update_if(message, actions, condition)
