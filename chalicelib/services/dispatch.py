"""Submitting queued messages to the carrier exactly once, and the bookkeeping after it.

SQS delivers at least once, workers die, the carrier times out; none of it may send an SMS
twice, lose one, or charge twice. The protocol, per message:

1. Skip anything no longer ``queued`` (a redelivered ticket finds its work done).
2. Take rate budget (segments), then *claim* the message: a conditional update stamps
   ``submit_started_at`` only if no one has. A message found claimed but still queued is
   *in doubt* — a worker died after claiming, maybe after the carrier took it — and is never
   resubmitted: it is marked ``submitted`` (unconfirmed) and its delivery receipt, which
   carries our message id as ``client-ref``, settles it.
3. Submit with ``client-ref`` = our message id. A refusal the carrier answered (5xx after
   retries, throttling, connection refused) releases the claim for a later retry; a lost
   answer (read timeout) leaves the message in doubt.
4. Record the result: carrier ids and billing (refund of rejected segments) in one
   transaction conditioned on ``billing = reserved``, then the status change.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..carrier import platform_client, platform_credentials
from ..carrier.vonage import STATUS_OK, CarrierError, SubmitResult
from ..config import settings
from ..domain import message_status as states
from ..domain.segments import UCS2
from ..store.base import update_if, utcnow
from ..store.messages import Message, get_message
from . import billing, status_events
from .directory import connection
from .ratelimit import RateLimitTimeout, SharedRateLimiter

log = logging.getLogger(__name__)

MAX_SUBMIT_ATTEMPTS = 5
CARRIER_UNAVAILABLE = "carrier_unavailable"
#: A claim older than this belongs to a dead worker (the Lambda timeout is 30 s; the
#: queue's visibility timeout, after which its ticket comes back, is 180 s).
ORPHAN_AFTER = timedelta(minutes=3)
IN_DOUBT = "submit outcome unknown; awaiting the carrier's delivery receipt"


class RetryLater(Exception):
    """The message could not be submitted now; its ticket goes back to the queue."""


_limiter: SharedRateLimiter | None = None


def limiter() -> SharedRateLimiter:
    """The carrier key's budget, shared with every other worker through DynamoDB."""
    global _limiter
    if _limiter is None:
        _limiter = SharedRateLimiter(f"carrier#{platform_credentials()['api_key']}", settings().carrier_tps)
    return _limiter


def reset() -> None:
    global _limiter
    _limiter = None


def dispatch(message_id: str) -> str:
    """Submit one message if it still needs it; returns what happened (for logs and tests).
    Raises RetryLater when the ticket should come back later."""
    message = get_message(message_id)
    if message is None:
        log.warning("dispatch ticket for unknown message %s dropped", message_id)
        return "unknown"
    if message.status != states.QUEUED:
        _settle_orphan(message)
        return "done-before"
    if message.submit_started_at is not None:
        return _settle_in_doubt(message)
    try:
        limiter().acquire(int(message.carrier_parts or 1))
    except RateLimitTimeout as exc:
        raise RetryLater(str(exc)) from None
    if not _claim(message):
        return "claimed-elsewhere"
    try:
        result = platform_client().send_sms(
            to=message.to, sender=message.sender, text=message.text, client_ref=message.message_id,
            unicode=message.encoding == UCS2, callback=settings().dlr_callback_url)
    except CarrierError as exc:
        return _carrier_failed(message, exc)
    record_result(message, result)
    return message.status


def _claim(message: Message) -> bool:
    attempt = int(message.submit_attempt or 0) + 1
    return update_if(message, [Message.submit_started_at.set(utcnow()), Message.submit_attempt.set(attempt)],
                     (Message.status == states.QUEUED) & Message.submit_started_at.does_not_exist())


def _release(message: Message) -> None:
    message.update(actions=[Message.submit_started_at.remove()],
                   condition=Message.submit_attempt == message.submit_attempt)


def _carrier_failed(message: Message, exc: CarrierError) -> str:
    if exc.maybe_sent:
        log.warning("carrier answer lost for %s (%s): left in doubt", message.message_id, exc)
        return _settle_in_doubt(message)
    if int(message.submit_attempt) >= MAX_SUBMIT_ATTEMPTS:  # still claimed: no one else submits
        _finish_unsent(message, states.FAILED, CARRIER_UNAVAILABLE, str(exc))
        return states.FAILED
    _release(message)
    raise RetryLater(f"carrier did not take {message.message_id}: {exc}") from None


def record_result(message: Message, result: SubmitResult) -> None:
    """Book the carrier's answer: ids, settlement and refund of rejected parts (once), then
    the status (``submitted``, or ``rejected`` when no part was taken)."""
    accepted = [p for p in result.parts if p.status == STATUS_OK]
    if not accepted:
        first = result.parts[0] if result.parts else None
        _finish_unsent(message, states.REJECTED, first.status if first else "unknown",
                       first.error_text if first else "empty carrier answer")
        return
    rejected = len(result.parts) - len(accepted)
    refund = int(message.price_micros) * rejected // len(result.parts)
    now = utcnow()
    values = {"carrier_ids": [p.message_id for p in accepted], "submitted_at": now, "billing": "settled",
              "refunded_micros": refund, "pending": None, "updated_at": now}
    if rejected:
        first = next(p for p in result.parts if p.status != STATUS_OK)
        values.update(err_code=first.status, err_text=first.error_text or "part rejected")
    _book(message, values, refund)
    move_status(message, states.SUBMITTED)


def _finish_unsent(message: Message, status: str, err_code: str, err_text: str | None) -> None:
    """Nothing reached the handset: refund the whole reservation and end the message."""
    _book(message, {"billing": "refunded", "refunded_micros": int(message.price_micros), "err_code": err_code,
                    "err_text": (err_text or "")[:500] or None, "pending": None, "updated_at": utcnow()},
          int(message.price_micros))
    move_status(message, status)


def _book(message: Message, values: dict, refund_micros: int) -> None:
    """Write ``values`` (None removes) and the refund in one transaction, once: the
    condition ``billing = reserved`` makes a second booking of the same message a no-op."""
    actions = [getattr(Message, name).set(value) if value is not None else getattr(Message, name).remove()
               for name, value in values.items()]
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(message, actions=actions, condition=Message.billing == "reserved")
            if refund_micros:
                billing.refund(tx, message.account_id, refund_micros, message.message_id)
    except TransactWriteError as exc:
        message.refresh(consistent_read=True)
        if billing.condition_failed(exc) and message.billing != "reserved":
            log.info("billing of %s was booked before; not again", message.message_id)
            return
        raise
    for name, value in values.items():  # what we wrote, without reading it back
        setattr(message, name, value)


def _settle_in_doubt(message: Message) -> str:
    """A claimed message still ``queued``: finish whatever the last worker got to."""
    if message.billing == "refunded":  # it booked a refusal, then died before the status
        move_status(message, states.FAILED if message.err_code == CARRIER_UNAVAILABLE else states.REJECTED)
        return message.status
    if message.billing == "settled":  # it booked the submit, then died before the status
        move_status(message, states.SUBMITTED)
        return message.status
    now = utcnow()
    message.update(actions=[Message.err_text.set(IN_DOUBT), Message.pending.remove(),
                            Message.submitted_at.set(message.submit_started_at or now),
                            Message.updated_at.set(now)],
                   condition=Message.status == states.QUEUED)
    move_status(message, states.SUBMITTED)
    return "in-doubt"


def _settle_orphan(message: Message) -> None:
    """A receipt ended a claimed message before its worker booked it, and that worker is
    long gone (its ticket came back): the carrier took it, so the reservation is settled."""
    claimed = message.submit_started_at
    if message.billing != "reserved" or claimed is None or utcnow() - claimed < ORPHAN_AFTER:
        return
    update_if(message, [Message.billing.set("settled")], Message.billing == "reserved")


def move_status(message: Message, new: str, **extra) -> bool:
    """Move ``message`` to ``new`` if that is a forward move from the status we read, and
    tell the customer's webhook. False if someone moved it first (the caller re-reads)."""
    current = message.status
    if not states.may_move(current, new):
        return False
    now = utcnow()
    actions = [Message.status.set(new), Message.updated_at.set(now)]
    if states.is_final(new):
        actions += [Message.delivered_at.set(now), Message.pending.remove()]
    actions += [getattr(Message, name).set(value) for name, value in extra.items()]
    if not update_if(message, actions, Message.status == current):
        message.refresh(consistent_read=True)
        return False
    status_events.changed(message)
    return True


def stale_after() -> timedelta:
    """How long a queued message may wait before the sweeper re-enqueues its ticket."""
    return timedelta(minutes=10)


def requeue_stale(now=None, per_shard: int = 500) -> int:
    """Re-enqueue messages still ``queued`` long after acceptance (their ticket was lost:
    SQS refused it, or it went to the dead-letter queue). Reads the sparse pending index
    only — never the log — and relies on ``dispatch`` being idempotent for duplicates."""
    from ..store.messages import PENDING_SHARDS, ckey, pending_key
    from .sending import enqueue
    cutoff = ckey((now or utcnow()) - stale_after(), "")
    requeued = 0
    for shard in range(PENDING_SHARDS):
        for item in Message.by_pending.query(pending_key(shard), Message.ckey < cutoff, limit=per_shard):
            if item.status == states.QUEUED and enqueue(item.message_id):
                requeued += 1
    return requeued
