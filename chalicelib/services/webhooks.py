"""Customer webhooks: the account's URL and signing secret, status events queued for it,
and their delivery — signed, retried with exponential backoff for 24 hours, then
dead-lettered — with every attempt visible to the customer.

The secret is stored as a KMS ciphertext bound to the account (encryption context) and
decrypted only to sign or to show it to the owner once (audited). Per-message
``callback_url``s are signed with the same secret; an account without a webhook gets a
secret on first need, so no delivery ever goes out unsigned.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import logging
import math
import random
import secrets
import socket
import time
from datetime import datetime, timedelta
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

import requests

from .. import aws
from ..config import settings
from ..domain import urls, webhook_signing
from ..domain.money import format_amount
from ..errors import CursorError, FieldError, missing_or_invalid
from ..store import audit
from ..store import webhooks as store
from ..store.base import decode_cursor, encode_cursor, iso, save_if_new, utcnow
from ..store.messages import Message
from ..store.webhooks import (
    DELIVERY_STATUSES,
    DELIVERY_TTL_SECONDS,
    Delivery,
    WebhookConfig,
    config_pk,
    delivery_pk,
    delivery_sk,
)
from .identity import Caller

log = logging.getLogger(__name__)

QUEUE = "webhooks"
MAX_URL = 2048
RETRY_WINDOW = timedelta(hours=24)
MAX_SQS_DELAY = 900
USER_AGENT = "JMC-Webhooks/1"

#: What one delivery attempt came to.
Outcome = Literal["delivered", "retrying", "dead_lettered", "waiting"]


class Report(NamedTuple):
    """What one pass over a queued event came to, for the log: the outcome, the endpoint's
    host (not its path or query, which may carry a customer's token), the attempt made (when
    waiting: the last one made), what the endpoint answered, and when the next attempt is due."""
    outcome: Outcome
    event_id: str
    host: str
    attempt: int
    code: int | None = None
    error: str | None = None
    next_at: datetime | None = None


class Attempt(NamedTuple):
    """One POST to a customer endpoint: the HTTP status it answered (None if none), and
    what went wrong (None when it took the event)."""
    code: int | None
    error: str | None


# --- the endpoint and its secret --------------------------------------------------------------

def check_url(url: object, field: str = "url") -> str:
    """An absolute http(s) URL with a well-formed host and no credentials; on cloud stages
    https only and never a private address (the platform must not be turned into a probe of
    its own network). The URL is returned as given (stripped)."""
    if not isinstance(url, str) or not url.strip():
        raise missing_or_invalid(field, url, "is required")
    url = url.strip()
    if len(url) > MAX_URL:
        raise FieldError(field, f"must be at most {MAX_URL} characters")
    try:
        parts = urls.split_delivery_url(url)
    except urls.UrlError as exc:
        raise FieldError(field, str(exc)) from None
    if not settings().is_local:
        if parts.scheme != "https":
            raise FieldError(field, "must use https")
        if _is_private(parts.host):
            raise FieldError(field, "must not point at a private, loopback or link-local address")
    return url


def _is_private(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False  # unresolvable now; delivery will fail and be retried/recorded
    return any(_private_ip(str(a)) for a in addresses)


def _private_ip(address: str) -> bool:
    """Anything but a public unicast address: private, loopback, link-local, shared (CGNAT),
    reserved, unspecified, IPv4-mapped private ones, multicast."""
    ip = ipaddress.ip_address(address.split("%")[0])
    return not ip.is_global or ip.is_multicast


def _context(account_id: str) -> dict[str, str]:
    return {"account_id": account_id, "purpose": "webhook-signing"}


def _encrypt(account_id: str, secret: str) -> str:
    blob = aws.client("kms").encrypt(KeyId=settings().kms_key_alias, Plaintext=secret.encode(),
                                     EncryptionContext=_context(account_id))["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def get_config(account_id: str, consistent: bool = True) -> WebhookConfig | None:
    """The account's webhook item. Hot paths (one read per status event, up to ~1,000/s per
    account on one item) pass ``consistent=False``: half the read cost, and a URL change is
    seen within a second anyway."""
    return store.get_config(account_id, consistent)


#: Status events read the account's webhook URL through this per-process memory: one read
#: per account every few seconds instead of one per status change (two per message).
_url_cache: dict[str, tuple[str | None, float]] = {}
_URL_TTL = 5.0


def configured_url(account_id: str) -> str | None:
    """The account's webhook URL (or None), as of at most ``_URL_TTL`` seconds ago; a change
    made in this process is seen at once."""
    cached = _url_cache.get(account_id)
    if cached and time.monotonic() - cached[1] < _URL_TTL:
        return cached[0]
    config = get_config(account_id, consistent=False)
    url = config.url if config else None
    _url_cache[account_id] = (url, time.monotonic())
    return url


def reset() -> None:
    """Forget what this process remembers (tests start each case on a fresh emulator)."""
    _url_cache.clear()
    _secret_cache.clear()


def set_url(caller: Caller, account_id: str, url: object) -> WebhookConfig:
    """Create or change the account's webhook URL (a secret is created with it)."""
    url = check_url(url)
    config = get_config(account_id)
    if config is None:
        config = _create(account_id, url, caller.actor)
    else:
        config.update(actions=[WebhookConfig.url.set(url), WebhookConfig.updated_at.set(utcnow())])
    _url_cache.pop(account_id, None)
    audit.record(account_id, "webhook.url_set", caller.actor, url)
    return config


def _create(account_id: str, url: str | None, actor: str) -> WebhookConfig:
    secret = _new_secret()
    config = WebhookConfig(config_pk(account_id), url=url, secret_ciphertext=_encrypt(account_id, secret),
                           secret_hint=secret[-4:], created_by=actor)
    if not save_if_new(config):
        existing = get_config(account_id)  # created concurrently: keep that one
        if existing is None:
            raise RuntimeError(f"the webhook of {account_id} was created and removed at once")
        config = existing
        if url is not None:
            config.update(actions=[WebhookConfig.url.set(url)])
    _url_cache.pop(account_id, None)
    return config


def rotate_secret(caller: Caller) -> str:
    """A new signing secret, returned once. This process signs with it at once; warm
    delivery workers elsewhere pick it up within ``_SECRET_TTL`` seconds, and an event signed
    with the old one in that window is retried (and then signed with the new one)."""
    config = get_config(caller.account_id) or _create(caller.account_id, None, caller.actor)
    secret = _new_secret()
    config.update(actions=[WebhookConfig.secret_ciphertext.set(_encrypt(caller.account_id, secret)),
                           WebhookConfig.secret_hint.set(secret[-4:]), WebhookConfig.updated_at.set(utcnow())])
    _secret_cache.pop(caller.account_id, None)
    audit.record(caller.account_id, "webhook.secret_rotated", caller.actor)
    return secret


# account id -> (ciphertext, plaintext, when the ciphertext was last checked)
_secret_cache: dict[str, tuple[str, str, float]] = {}
_SECRET_TTL = 30.0


def signing_secret(account_id: str) -> str:
    """The account's secret (created if missing). The item is re-read at most every
    ``_SECRET_TTL`` seconds per process (it is one hot item per account) and KMS is called
    only when its ciphertext changed, i.e. after a rotation."""
    cached = _secret_cache.get(account_id)
    if cached and time.monotonic() - cached[2] < _SECRET_TTL:
        return cached[1]
    config = get_config(account_id, consistent=False) or _create(account_id, None, "system")
    if cached and cached[0] == config.secret_ciphertext:
        secret = cached[1]
    else:
        secret = aws.client("kms").decrypt(CiphertextBlob=base64.b64decode(config.secret_ciphertext),
                                           EncryptionContext=_context(account_id))["Plaintext"].decode()
    _secret_cache[account_id] = (config.secret_ciphertext, secret, time.monotonic())
    return secret


# --- events ---------------------------------------------------------------------------------

def event_for(message: Message) -> dict:
    """The JSON a customer receives when ``message`` changes status."""
    return {
        "event_id": f"{message.message_id}:{message.status}", "type": "message.status",
        "message_id": message.message_id, "status": message.status, "to": message.to,
        "country": message.country, "segments": int(message.segments),
        "price": format_amount(int(message.price_micros) - int(message.refunded_micros or 0)),
        "err_code": message.err_code, "client_ref": message.client_ref, "task_id": message.task_id,
        "created_at": iso(message.created_at), "submitted_at": iso(message.submitted_at),
        "delivered_at": iso(message.delivered_at),
    }


def notify_status(message: Message) -> bool:
    """Queue the status event for the message's ``callback_url`` or the account's webhook;
    False when neither exists (nothing is sent)."""
    target = message.callback_url or configured_url(message.account_id)
    if not target:
        return False
    _queue_event(message.account_id, target, event_for(message), message.message_id)
    return True


def notify_account(account_id: str, event: dict, subject_id: str) -> bool:
    """Queue an account event (``event`` has its ``event_id`` and ``type``, e.g. an export's
    ``export.succeeded``) for the account's webhook, signed and retried like status events;
    ``subject_id`` (the export id) is what the delivery log is searched by. False without
    a webhook."""
    target = configured_url(account_id)
    if not target:
        return False
    _queue_event(account_id, target, event, subject_id)
    return True


def _queue_event(account_id: str, target: str, event: dict, subject_id: str) -> None:
    expires_at = int(time.time()) + DELIVERY_TTL_SECONDS
    sort_key = delivery_sk(iso(utcnow()), event["event_id"])
    delivery = Delivery(delivery_pk(account_id, event["event_id"]), sort_key, account_id=account_id,
                        event_id=event["event_id"], message_id=subject_id, url=target, status="pending",
                        expires_at=expires_at)
    store.record_pending(delivery)
    _enqueue({"event": event, "url": target, "account_id": account_id,
              "delivery": [delivery.pk, delivery.sk], "attempt": 0, "first_attempt_at": None})


def _enqueue(ticket: dict, delay: float = 0) -> None:
    # Round up: a ticket due in 0.4 s must not come straight back (and spin) as "waiting".
    aws.client("sqs").send_message(QueueUrl=aws.queue_url(QUEUE), MessageBody=json.dumps(ticket),
                                   DelaySeconds=min(MAX_SQS_DELAY, max(0, math.ceil(delay))))


# --- delivery ---------------------------------------------------------------------------------

def deliver(ticket: dict, now: datetime | None = None) -> Report:
    """One attempt for one event (or, before its time, a re-delay). A failing customer
    endpoint is an outcome, not an error: only platform failures raise."""
    now = now or utcnow()
    report = functools.partial(Report, event_id=ticket["event"]["event_id"],
                               host=urlsplit(ticket["url"]).hostname or "?")
    not_before = ticket.get("not_before")
    if not_before and datetime.fromisoformat(not_before) > now:
        _enqueue(ticket, (datetime.fromisoformat(not_before) - now).total_seconds())
        return report("waiting", attempt=int(ticket.get("attempt", 0)), next_at=datetime.fromisoformat(not_before))
    first = datetime.fromisoformat(ticket["first_attempt_at"]) if ticket.get("first_attempt_at") else now
    attempt = int(ticket.get("attempt", 0)) + 1
    code, error = _post(ticket, signing_secret(ticket["account_id"]))
    delivery = Delivery(*ticket["delivery"])
    if code is not None and 200 <= code < 300:
        store.record_attempt(delivery, "delivered", attempt, code, None, None, now)
        return report("delivered", attempt=attempt, code=code)
    delay = webhook_signing.backoff_seconds(attempt, settings().webhook_retry_base, jitter=random.uniform(-0.1, 0.1))
    retry_at = now + timedelta(seconds=delay)
    if retry_at - first > RETRY_WINDOW:
        store.record_attempt(delivery, "dead_lettered", attempt, code, error, None, now)
        aws.client("sqs").send_message(QueueUrl=aws.queue_url(QUEUE + "-dlq"),
                                       MessageBody=json.dumps({**ticket, "attempt": attempt}))
        return report("dead_lettered", attempt=attempt, code=code, error=error)
    store.record_attempt(delivery, "retrying", attempt, code, error, retry_at, now)
    _enqueue({**ticket, "attempt": attempt, "first_attempt_at": first.isoformat(),
              "not_before": retry_at.isoformat()}, delay)
    return report("retrying", attempt=attempt, code=code, error=error, next_at=retry_at)


def _post(ticket: dict, secret: str) -> Attempt:
    """POST the signed event. Only the status line and headers are
    read (``stream=True``): a customer's response body can be of any size. On cloud stages
    the host is resolved again first, so a name that has since been pointed at a private
    address is refused (a resolver that answers differently to requests' own lookup a moment
    later is not caught; pinning the address would close that too)."""
    if not settings().is_local and _is_private(urlsplit(ticket["url"]).hostname or ""):
        return Attempt(None, "refused: the host resolves to a private address")
    body = json.dumps(ticket["event"], separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-JMC-Event-Id": ticket["event"]["event_id"], "X-JMC-Timestamp": str(timestamp),
               "X-JMC-Signature": webhook_signing.signature(secret, timestamp, body)}
    try:
        with requests.post(ticket["url"], data=body, headers=headers, timeout=settings().webhook_timeout,
                           allow_redirects=False, stream=True) as reply:
            code = reply.status_code
    except requests.RequestException as exc:
        return Attempt(None, type(exc).__name__)
    return Attempt(code, None if 200 <= code < 300 else f"HTTP {code}")


# --- the delivery log -------------------------------------------------------------------------

LOG_PAGE_EXAMINED = 1000  # deliveries one page of the log reads at most when filtering by status


def deliveries(account_id: str, limit: int, cursor: str | None, message_id: str | None = None,
               status: str | None = None) -> tuple[list[Delivery], str | None]:
    """The account's deliveries, newest first, optionally of one message and/or in one status.

    Plans: with ``message_id``, that message's pointers (one query) and a BatchGet of the
    deliveries; otherwise the account's shards, merged newest first. ``status`` is matched
    as items are read and a page examines at most ``LOG_PAGE_EXAMINED`` deliveries, so a rare
    status never turns one request into a read of 30 days of events: such a page may hold
    fewer than ``limit`` items (even none) and still carry a ``next_cursor``. The cursor is
    the sort key of the last delivery examined, bound to the filters (FieldError/CursorError
    for an unknown status or a foreign cursor)."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise FieldError("status", f"must be one of {', '.join(DELIVERY_STATUSES)}")
    digest = hashlib.sha256(json.dumps([message_id, status]).encode()).hexdigest()[:16]
    before = _cursor_position(cursor, digest)
    if message_id:
        stream = store.deliveries_of_message(account_id, message_id, before)
    else:
        stream = store.deliveries_of_account(account_id, before, page_size=100 if status else min(limit, 100))
    items, examined, last = [], 0, None
    for delivery in stream:
        examined, last = examined + 1, delivery.sk
        if status is None or delivery.status == status:
            items.append(delivery)
            if len(items) == limit:
                break
        if examined >= LOG_PAGE_EXAMINED:
            break
    more = len(items) == limit or examined >= LOG_PAGE_EXAMINED
    return items, (encode_cursor({"before": last, "f": digest}) if more else None)


def _cursor_position(cursor: str | None, digest: str) -> str | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    if position.get("f") != digest or not isinstance(position.get("before"), str):
        raise CursorError("belongs to a query with other filters")
    return position["before"]
