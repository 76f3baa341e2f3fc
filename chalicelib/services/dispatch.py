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
4. Record the result: carrier ids, billing (refund of rejected segments) and the status
   change in one write conditioned on ``billing = reserved`` (``messages.book``).
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Literal, cast

from .. import aws
from ..carrier import platform_client, platform_credentials
from ..carrier.vonage import STATUS_OK, CarrierError, SubmitResult
from ..config import settings
from ..domain import billing_states
from ..domain import message_status as states
from ..domain.segments import UCS2
from ..store.base import utcnow
from ..store.messages import Message, claim_for_submit, get_message, mark_in_doubt, pending_since, release_submit_claim
from . import billing, messages
from .ratelimit import RateLimitTimeout, SharedRateLimiter

log = logging.getLogger(__name__)

MAX_SUBMIT_ATTEMPTS = 5
CARRIER_UNAVAILABLE = "carrier_unavailable"
#: A claim older than this belongs to a dead worker (the Lambda timeout is 30 s; the
#: queue's visibility timeout, after which its ticket comes back, is 180 s).
ORPHAN_AFTER = timedelta(minutes=3)
#: How long a queued message may wait before the sweeper re-enqueues its ticket.
STALE_AFTER = timedelta(minutes=10)
IN_DOUBT = "submit outcome unknown; awaiting the carrier's delivery receipt"
QUEUE = "dispatch"

#: What ``dispatch`` did: the message's status after it, or why it did nothing.
Outcome = Literal["unknown", "done-before", "claimed-elsewhere", "in-doubt", "submitted", "rejected", "failed",
                  "delivered", "expired", "queued"]


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


def dispatch(message_id: str) -> Outcome:
    """Submit one message if it still needs it; returns what happened (for logs and tests).
    Raises RetryLater when the ticket should come back later."""
    message = get_message(message_id)
    if message is None:
        log.warning("dispatch ticket for unknown message %s dropped", message_id)
        return "unknown"
    return dispatch_message(message)


def dispatch_message(message: Message) -> Outcome:
    """``dispatch`` for a message already read (or just written) by the caller."""
    if message.status != states.QUEUED:
        _settle_orphan(message)
        return "done-before"
    if message.submit_started_at is not None:
        return _settle_in_doubt(message)
    try:
        limiter().acquire(int(message.carrier_parts or 1))
    except RateLimitTimeout as exc:
        raise RetryLater(str(exc)) from None
    if not claim_for_submit(message):
        return "claimed-elsewhere"
    try:
        result = platform_client().send_sms(
            to=message.to, sender=message.sender, text=message.text, client_ref=message.message_id,
            unicode=message.encoding == UCS2, callback=settings().dlr_callback_url)
    except CarrierError as exc:
        return _carrier_failed(message, exc)
    record_result(message, result)
    return _status(message)


def _status(message: Message) -> Outcome:
    return cast(Outcome, message.status)  # a message status, each of which Outcome lists


def _carrier_failed(message: Message, exc: CarrierError) -> Outcome:
    if exc.maybe_sent:
        log.warning("carrier answer lost for %s (%s): left in doubt", message.message_id, exc)
        return _settle_in_doubt(message)
    if int(message.submit_attempt) >= MAX_SUBMIT_ATTEMPTS:  # still claimed: no one else submits
        _finish_unsent(message, states.FAILED, CARRIER_UNAVAILABLE, str(exc))
        return "failed"
    release_submit_claim(message)
    raise RetryLater(f"carrier did not take {message.message_id}: {exc}") from None


def record_result(message: Message, result: SubmitResult) -> None:
    """Book the carrier's answer: ids, settlement and refund of rejected parts (once), and
    the status (``submitted``, or ``rejected`` when no part was taken)."""
    accepted = [p for p in result.parts if p.status == STATUS_OK]
    if not accepted:
        first = result.parts[0] if result.parts else None
        _finish_unsent(message, states.REJECTED, first.status if first else "unknown",
                       first.error_text if first else "empty carrier answer")
        return
    rejected = len(result.parts) - len(accepted)
    values = {"carrier_ids": [p.message_id for p in accepted], "submitted_at": utcnow()}
    if rejected:
        first_refused = next(p for p in result.parts if p.status != STATUS_OK)
        values.update(err_code=first_refused.status, err_text=first_refused.error_text or "part rejected")
    messages.book(message, states.SUBMITTED, billing.submitted(message, len(result.parts), rejected), values)


def _finish_unsent(message: Message, status: str, err_code: str, err_text: str | None) -> None:
    """Nothing reached the handset: the whole reservation goes back and the message ends."""
    messages.book(message, status, billing.unsent(message),
                  {"err_code": err_code, "err_text": (err_text or "")[:500] or None})


def _settle_in_doubt(message: Message) -> Outcome:
    """A claimed message still ``queued``: finish whatever the last worker got to."""
    if message.billing == billing_states.REFUNDED:  # it booked a refusal, then died before the status
        messages.move_status(message, states.FAILED if message.err_code == CARRIER_UNAVAILABLE else states.REJECTED)
        return _status(message)
    if message.billing == billing_states.SETTLED:  # it booked the submit, then died before the status
        messages.move_status(message, states.SUBMITTED)
        return _status(message)
    mark_in_doubt(message, IN_DOUBT)
    messages.move_status(message, states.SUBMITTED)
    return "in-doubt"


def _settle_orphan(message: Message) -> None:
    """A receipt ended a claimed message before its worker booked it, and that worker is
    long gone (its ticket came back): the carrier took it, so the reservation is settled."""
    claimed = message.submit_started_at
    if message.billing != billing_states.RESERVED or claimed is None or utcnow() - claimed < ORPHAN_AFTER:
        return
    billing.settle(message)


def enqueue(message_id: str) -> bool:
    """Hand a queued message to the dispatch workers. A failure here loses nothing: the
    message stays ``queued`` in the pending index, and the sweeper re-enqueues it."""
    try:
        aws.client("sqs").send_message(QueueUrl=aws.queue_url(QUEUE),
                                       MessageBody=json.dumps({"message_id": message_id}))
        return True
    except Exception:
        log.exception("could not enqueue %s for dispatch; the sweeper will", message_id)
        return False


def requeue_stale(now=None, per_shard: int = 500) -> int:
    """Re-enqueue messages still ``queued`` long after acceptance (their ticket was lost:
    SQS refused it, or it went to the dead-letter queue). Reads the sparse pending index
    only — never the log — and relies on ``dispatch`` being idempotent for duplicates."""
    requeued = 0
    for item in pending_since((now or utcnow()) - STALE_AFTER, per_shard):
        if item.status == states.QUEUED and enqueue(item.message_id):
            requeued += 1
    return requeued
