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
   change in one write conditioned on ``billing = reserved``.
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
from ..domain import task_states
from ..domain.segments import UCS2
from ..store.base import set_actions, update_if, utcnow
from ..store.messages import Message, get_message, shard_of
from ..store.tasks import COUNT, COUNTER_SHARDS, TaskCounter, counter_pk
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
    return dispatch_message(message)


def dispatch_message(message: Message) -> str:
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
    """Book the carrier's answer: ids, settlement and refund of rejected parts (once), and
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
    _book_and_move(message, states.SUBMITTED, values, refund)


def _finish_unsent(message: Message, status: str, err_code: str, err_text: str | None) -> None:
    """Nothing reached the handset: refund the whole reservation and end the message."""
    _book_and_move(message, status, {"billing": "refunded", "refunded_micros": int(message.price_micros),
                                     "err_code": err_code, "err_text": (err_text or "")[:500] or None,
                                     "pending": None, "updated_at": utcnow()},
                   int(message.price_micros))


def _book_and_move(message: Message, new: str, values: dict, refund_micros: int) -> None:
    """Book ``values`` and the refund, and move to ``new``, in one write, once: the
    condition ``billing = reserved`` makes a second booking of the same message a no-op.
    When a delivery receipt moved the message first (it may beat the worker), only the
    booking is left to do."""
    if move_status(message, new, values=values, condition=Message.billing == "reserved",
                   refund_micros=refund_micros):
        return
    if message.billing != "reserved":  # ``message`` was re-read by move_status
        log.info("billing of %s was booked before; not again", message.message_id)
        return
    _book(message, values, refund_micros)


def _book(message: Message, values: dict, refund_micros: int) -> None:
    """Write ``values`` (None removes) and the refund in one transaction, once (``billing =
    reserved``), without a status change. The status move before it counted the whole
    reservation in a task's cost, so the refund comes off that cost in the same write."""
    actions = set_actions(Message, values)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(message, actions=actions, condition=Message.billing == "reserved")
            if refund_micros:
                billing.refund(tx, message.account_id, refund_micros, message.message_id)
                if message.task_id:
                    tx.update(counter_shard(message.task_id, message.message_id),
                              actions=[TaskCounter.cost_micros.add(-refund_micros)])
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


def move_status(message: Message, new: str, *, values: dict | None = None, actions: tuple = (), condition=None,
                refund_micros: int = 0) -> bool:
    """Move ``message`` to ``new`` if that is a forward move from the status we read, and
    tell the customer's webhook. False if someone moved it first or ``condition`` failed
    (``message`` is then re-read).

    What changes with the status goes in the same write, so none of it can happen alone:
    ``values`` (attributes; None removes), further update ``actions``, a ``condition``, a
    refund, and — for a task's message — the task's counters (so they can neither miss nor
    repeat a move)."""
    current = message.status
    if not states.may_move(current, new):
        return False
    now = utcnow()
    values = {**(values or {}), "status": new, "updated_at": now}
    if states.is_final(new):
        values.update(delivered_at=now, pending=None)
    guard = Message.status == current
    if condition is not None:
        guard &= condition
    if not _write_status(message, current, values, [*set_actions(Message, values), *actions], guard, refund_micros):
        message.refresh(consistent_read=True)
        return False
    for name, value in values.items():
        setattr(message, name, value)
    status_events.changed(message)
    return True


def _write_status(message: Message, current: str, values: dict, actions: list, guard, refund_micros: int) -> bool:
    """One UpdateItem when the message alone changes; otherwise one transaction with the
    refund and the task counter shard."""
    if not message.task_id and not refund_micros:
        return update_if(message, actions, guard)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(message, actions=actions, condition=guard)
            if refund_micros:
                billing.refund(tx, message.account_id, refund_micros, message.message_id)
            if message.task_id:
                tx.update(counter_shard(message.task_id, message.message_id),
                          actions=_counter_actions(message, current, values))
    except TransactWriteError as exc:
        if billing.condition_failed(exc):
            return False
        raise
    return True


def _counter_actions(message: Message, current: str, values: dict) -> list:
    """What the move adds to the task's counters, judged on the message as written."""
    billing_state = values.get("billing", message.billing)
    charged = int(message.price_micros or 0) - int(values.get("refunded_micros", message.refunded_micros) or 0)
    changes = task_states.counter_changes(current, values["status"], billing_state, int(message.segments or 0),
                                          charged)
    return [getattr(TaskCounter, name).add(amount) for name, amount in changes.items()]


def counter_shard(task_id: str, message_id: str) -> TaskCounter:
    """The counter item a task message's changes go to (spread over the shards by id)."""
    return TaskCounter(counter_pk(task_id, shard_of(message_id, COUNTER_SHARDS)), COUNT)


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
