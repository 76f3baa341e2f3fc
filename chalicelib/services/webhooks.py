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
import heapq
import ipaddress
import json
import logging
import math
import random
import secrets
import socket
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from pynamodb.exceptions import PutError

from .. import aws
from ..config import settings
from ..domain import webhook_signing
from ..domain.money import format_amount
from ..store import audit
from ..store.base import CursorError, decode_cursor, encode_cursor, iso, utcnow
from ..store.messages import Message
from ..store.webhooks import (CONFIG_SK, DELIVERY_SHARDS, DELIVERY_TTL_SECONDS, Delivery, WebhookConfig, config_pk,
                              delivery_pk)
from .directory import FieldError
from .identity import Caller

log = logging.getLogger(__name__)

QUEUE = "webhooks"
MAX_URL = 2048
RETRY_WINDOW = timedelta(hours=24)
MAX_SQS_DELAY = 900
USER_AGENT = "JMC-Webhooks/1"


# --- the endpoint and its secret --------------------------------------------------------------

def check_url(url: object, field: str = "url") -> str:
    """An absolute http(s) URL; on cloud stages https only and never a private address
    (the platform must not be turned into a probe of its own network)."""
    if not isinstance(url, str) or not url.strip():
        raise FieldError(field, "is required", 400 if url is None else 422)
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError(field, f"must be an absolute http(s) URL of at most {MAX_URL} characters")
    if not settings().is_local:
        if parts.scheme != "https":
            raise FieldError(field, "must use https")
        if _is_private(parts.hostname):
            raise FieldError(field, "must not point at a private, loopback or link-local address")
    return url


def _is_private(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False  # unresolvable now; delivery will fail and be retried/recorded
    return any(_private_ip(a) for a in addresses)


def _private_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast


def _context(account_id: str) -> dict[str, str]:
    return {"account_id": account_id, "purpose": "webhook-signing"}


def _encrypt(account_id: str, secret: str) -> str:
    blob = aws.client("kms").encrypt(KeyId=settings().kms_key_alias, Plaintext=secret.encode(),
                                     EncryptionContext=_context(account_id))["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def get_config(account_id: str) -> WebhookConfig | None:
    try:
        return WebhookConfig.get(config_pk(account_id), CONFIG_SK, consistent_read=True)
    except WebhookConfig.DoesNotExist:
        return None


def set_url(caller: Caller, account_id: str, url: object) -> WebhookConfig:
    """Create or change the account's webhook URL (a secret is created with it)."""
    url = check_url(url)
    config = get_config(account_id)
    if config is None:
        config = _create(account_id, url, caller.actor)
    else:
        config.update(actions=[WebhookConfig.url.set(url), WebhookConfig.updated_at.set(utcnow())])
    audit.record(account_id, "webhook.url_set", caller.actor, url)
    return config


def _create(account_id: str, url: str | None, actor: str) -> WebhookConfig:
    secret = _new_secret()
    config = WebhookConfig(config_pk(account_id), url=url, secret_ciphertext=_encrypt(account_id, secret),
                           secret_hint=secret[-4:], created_by=actor)
    try:
        config.save(condition=WebhookConfig.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        config = get_config(account_id)  # created concurrently: keep that one
        if url is not None:
            config.update(actions=[WebhookConfig.url.set(url)])
    return config


def rotate_secret(caller: Caller) -> str:
    """A new signing secret, returned once; the old one stops signing at once."""
    config = get_config(caller.account_id) or _create(caller.account_id, None, caller.actor)
    secret = _new_secret()
    config.update(actions=[WebhookConfig.secret_ciphertext.set(_encrypt(caller.account_id, secret)),
                           WebhookConfig.secret_hint.set(secret[-4:]), WebhookConfig.updated_at.set(utcnow())])
    _secret_cache.pop(caller.account_id, None)
    audit.record(caller.account_id, "webhook.secret_rotated", caller.actor)
    return secret


_secret_cache: dict[str, tuple[str, str, float]] = {}
_SECRET_TTL = 300.0


def signing_secret(account_id: str) -> str:
    """The account's secret (created if missing), decrypted at most every 5 minutes per process."""
    cached = _secret_cache.get(account_id)
    if cached and time.monotonic() - cached[2] < _SECRET_TTL:
        return cached[1]
    config = get_config(account_id) or _create(account_id, None, "system")
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
    target = message.callback_url
    if not target:
        config = get_config(message.account_id)
        target = config.url if config else None
    if not target:
        return False
    event = event_for(message)
    delivery = Delivery(delivery_pk(message.account_id, event["event_id"]),
                        f"{iso(utcnow())}#{event['event_id']}", account_id=message.account_id,
                        event_id=event["event_id"], message_id=message.message_id, url=target, status="pending",
                        expires_at=int(time.time()) + DELIVERY_TTL_SECONDS)
    delivery.save()
    _enqueue({"event": event, "url": target, "account_id": message.account_id,
              "delivery": [delivery.pk, delivery.sk], "attempt": 0, "first_attempt_at": None})
    return True


def _enqueue(ticket: dict, delay: float = 0) -> None:
    # Round up: a ticket due in 0.4 s must not come straight back (and spin) as "waiting".
    aws.client("sqs").send_message(QueueUrl=aws.queue_url(QUEUE), MessageBody=json.dumps(ticket),
                                   DelaySeconds=min(MAX_SQS_DELAY, max(0, math.ceil(delay))))


# --- delivery ---------------------------------------------------------------------------------

def deliver(ticket: dict, now: datetime | None = None) -> str:
    """One attempt for one event; returns delivered | retrying | dead_lettered | waiting.
    A failing customer endpoint is an outcome, not an error: only platform failures raise."""
    now = now or utcnow()
    not_before = ticket.get("not_before")
    if not_before and datetime.fromisoformat(not_before) > now:
        _enqueue(ticket, (datetime.fromisoformat(not_before) - now).total_seconds())
        return "waiting"
    first = datetime.fromisoformat(ticket["first_attempt_at"]) if ticket.get("first_attempt_at") else now
    attempt = int(ticket.get("attempt", 0)) + 1
    code, error = _post(ticket, signing_secret(ticket["account_id"]))
    delivery = Delivery(*ticket["delivery"])
    if code is not None and 200 <= code < 300:
        _record(delivery, "delivered", attempt, code, None, None, now)
        return "delivered"
    delay = webhook_signing.backoff_seconds(attempt, settings().webhook_retry_base, jitter=random.uniform(-0.1, 0.1))
    retry_at = now + timedelta(seconds=delay)
    if retry_at - first > RETRY_WINDOW:
        _record(delivery, "dead_lettered", attempt, code, error, None, now)
        aws.client("sqs").send_message(QueueUrl=aws.queue_url(QUEUE + "-dlq"),
                                       MessageBody=json.dumps({**ticket, "attempt": attempt}))
        return "dead_lettered"
    _record(delivery, "retrying", attempt, code, error, retry_at, now)
    _enqueue({**ticket, "attempt": attempt, "first_attempt_at": first.isoformat(),
              "not_before": retry_at.isoformat()}, delay)
    return "retrying"


def _post(ticket: dict, secret: str) -> tuple[int | None, str | None]:
    body = json.dumps(ticket["event"], separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-JMC-Event-Id": ticket["event"]["event_id"], "X-JMC-Timestamp": str(timestamp),
               "X-JMC-Signature": webhook_signing.signature(secret, timestamp, body)}
    try:
        reply = requests.post(ticket["url"], data=body, headers=headers, timeout=settings().webhook_timeout,
                              allow_redirects=False)
    except requests.RequestException as exc:
        return None, type(exc).__name__
    return reply.status_code, None if reply.status_code < 300 else f"HTTP {reply.status_code}"


def _record(delivery: Delivery, status: str, attempts: int, code: int | None, error: str | None,
            next_at: datetime | None, now: datetime) -> None:
    actions = [Delivery.status.set(status), Delivery.attempts.set(attempts), Delivery.updated_at.set(now),
               Delivery.last_error.set(error) if error else Delivery.last_error.remove(),
               Delivery.next_attempt_at.set(next_at) if next_at else Delivery.next_attempt_at.remove()]
    if code is not None:
        actions.append(Delivery.last_status_code.set(code))
    delivery.update(actions=actions)


# --- the delivery log -------------------------------------------------------------------------

def deliveries(account_id: str, limit: int, cursor: str | None, message_id: str | None = None,
               status: str | None = None) -> tuple[list[Delivery], str | None]:
    """Newest first across the account's shards; the cursor is the last item's sort key."""
    position = decode_cursor(cursor)
    before = position.get("before") if position else None
    if position is not None and not isinstance(before, str):
        raise CursorError("is not a cursor this API returned")
    condition = None
    for attr, value in ((Delivery.message_id, message_id), (Delivery.status, status)):
        if value:
            condition = (attr == value) if condition is None else condition & (attr == value)
    range_condition = (Delivery.sk < before) if before else None
    queries = [Delivery.query(f"D#{account_id}#{shard}", range_condition, filter_condition=condition,
                              scan_index_forward=False, page_size=100) for shard in range(DELIVERY_SHARDS)]
    items = []
    for item in heapq.merge(*queries, key=lambda d: d.sk, reverse=True):
        items.append(item)
        if len(items) == limit:
            break
    return items, (encode_cursor({"before": items[-1].sk}) if len(items) == limit else None)
