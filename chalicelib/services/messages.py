"""Messages: building one (a single send, or one number of a task) and every change of its
state after that. Sending, dispatch, delivery receipts and the task fan-out all write a
message through here, so each rule holds in one place:

- a new message is logged with a conditional put (its id is derived or random: a retry can
  never log it twice), and paid for in the same transaction (``log_and_reserve``), or logged
  as ``blocked`` and never charged (``block``, ``log_blocked``);
- a status moves only forward (``domain.message_status.may_move``), conditional on the
  status read, together with what changes with it: its booking (billing state and refund,
  ``services.billing``), for a task's message the task's counters, and the report
  aggregates (``domain.report_counts``: logged, delivered, failed) — one write, so none of
  them can happen alone, miss a move or repeat one (``move_status``, ``book``, and the
  logging functions, which count the new message in the same transaction);
- every move tells the customer's webhook (``status_events``), after the write.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain import billing_states, report_counts, task_states
from ..domain import message_status as states
from ..domain.segments import Segmentation, price_micros
from ..errors import Blacklisted
from ..store import reports as report_store
from ..store.accounts import cached_zone
from ..store.base import cancelled_by_condition, set_actions, transaction, update_if, utcnow
from ..store.messages import Message, get_message, index_keys, log_new_in
from ..store.tasks import TaskCounter, counter_shard
from . import billing, status_events

log = logging.getLogger(__name__)

#: Tries of a transaction that clashed with another one on a shared item (``commit``).
CONFLICT_TRIES = 3


class AlreadyLogged(Exception):
    """A message with this id is logged already (a replay, or a concurrent twin)."""


# --- building --------------------------------------------------------------------------------

def new(message_id: str, *, account_id: str, user_id: str | None, app_id: str | None, source: str, type: str,
        to: str, country: str, sender: str | None, text: str, billed: Segmentation, carrier: Segmentation,
        unit_price_micros: int, task_id: str | None = None, task_name: str | None = None, **extra) -> Message:
    """A new ``queued`` message, its price reserved (``billing = reserved``): segments billed
    by ``billed`` (the domestic rule in mainland China), parts the carrier counts by
    ``carrier``. ``extra``: client_ref, callback_url, request_hash. Its ``report_day`` is the
    account's local day now: the day the report aggregates count it on, whenever it moves."""
    now = utcnow()
    return Message(
        message_id, account_id=account_id, user_id=user_id, app_id=app_id, task_id=task_id, task_name=task_name,
        source=source, type=type, to=to, country=country, sender=sender, text=text, segments=billed.segments,
        carrier_parts=carrier.segments, encoding=carrier.encoding, unit_price_micros=unit_price_micros,
        price_micros=price_micros(billed.segments, unit_price_micros), billing=billing_states.RESERVED,
        status=states.QUEUED, created_at=now, updated_at=now,
        report_day=report_counts.local_day(now, cached_zone(account_id)),
        **index_keys(account_id, message_id, to, now, task_id), **extra)


def block(message: Message, reason: str) -> Message:
    """``message`` made a blacklisted one (``reason``: "number" or "country"): ``blocked``
    from the start, never charged, never pending."""
    message.status, message.err_code = states.BLOCKED, reason
    message.billing, message.price_micros = billing_states.NONE, 0
    message.pending, message.delivered_at = None, message.created_at
    return message


# --- logging ---------------------------------------------------------------------------------

def log_blocked(message: Message) -> Blacklisted:
    """Log a blocked message and count it in the report aggregates, in one transaction
    (once: a concurrent replay may have logged it first), and return the refusal to raise."""
    try:
        commit(lambda tx: log_in(tx, message))
    except TransactWriteError as exc:
        if not cancelled_by_condition(exc):
            raise
        message = get_message(message.message_id) or message
    return Blacklisted(message.message_id, message.err_code or "number")


def log_and_reserve(message: Message, actor: str) -> None:
    """Log a queued message, count it in the report aggregates and reserve its price, in one
    transaction. AlreadyLogged if its id exists; AccountInactive or InsufficientBalance if
    the account cannot pay."""
    def build(tx: TransactWrite) -> None:
        billing.reserve(tx, message.account_id, int(message.price_micros), message.message_id, actor)
        log_in(tx, message)
    try:
        commit(build)
    except TransactWriteError as exc:
        if not cancelled_by_condition(exc):
            raise
        # Which condition failed? Read rather than trust item positions in the transaction.
        if get_message(message.message_id) is not None:
            raise AlreadyLogged() from None
        raise billing.refusal(message.account_id, int(message.price_micros)) from None


def log_in(tx: TransactWrite, message: Message) -> None:
    """In ``tx``: log a new message (the transaction fails if its id is logged already) and
    count it in the report aggregates. A task's slice groups its messages' counts instead
    (``fanout``): a transaction may touch an aggregate item only once."""
    log_new_in(tx, message)
    key = report_store.key_of(message)
    if key is not None:
        report_store.add_in(tx, message.account_id, message.message_id, key, report_counts.on_log(message.status))


def commit(build: Callable[[TransactWrite], None]) -> None:
    """Run one transaction that ``build`` fills. One that clashed with another transaction
    on a shared item (a busy report aggregate, counter shard or balance) was cancelled whole,
    so it is tried again, up to ``CONFLICT_TRIES`` times; any other failure raises at once."""
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            with transaction() as tx:
                build(tx)
            return
        except TransactWriteError as exc:
            if attempt == CONFLICT_TRIES or not _clashed(exc):
                raise
        time.sleep(random.uniform(0.01, 0.05) * attempt)


def _clashed(exc: TransactWriteError) -> bool:
    """Cancelled because another transaction held one of its items, and for nothing else."""
    codes = {reason.code for reason in exc.cancellation_reasons or [] if reason is not None} - {"None"}
    return codes == {"TransactionConflict"}


# --- status moves ----------------------------------------------------------------------------

def move_status(message: Message, new: str, *, values: dict | None = None, actions: tuple = (), condition=None,
                refund_micros: int = 0) -> bool:
    """Move ``message`` to ``new`` if that is a forward move from the status we read, and
    tell the customer's webhook. False if someone moved it first or ``condition`` failed
    (``message`` is then re-read).

    What changes with the status goes in the same write, so none of it can happen alone:
    ``values`` (attributes; None removes), further update ``actions``, a ``condition``, a
    refund, and — for a task's message — the task's counters."""
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
    refund, the task's counter shard and the report aggregates (a move that ends a message)."""
    report = _report_changes(message, current, values["status"])
    if not message.task_id and not refund_micros and report is None:
        return update_if(message, actions, guard)

    def build(tx: TransactWrite) -> None:
        tx.update(message, actions=actions, condition=guard)
        if refund_micros:
            billing.refund(tx, message.account_id, refund_micros, message.message_id)
        if message.task_id:
            tx.update(counter_shard(message.task_id, message.message_id),
                      actions=_counter_actions(message, current, values))
        if report is not None:
            report_store.add_in(tx, message.account_id, message.message_id, *report)
    try:
        commit(build)
    except TransactWriteError as exc:
        if cancelled_by_condition(exc):
            return False
        raise
    return True


def _report_changes(message: Message, current: str, new: str) -> tuple[report_counts.CountKey, dict] | None:
    """What the move adds to the report aggregates, and where; None for nothing (a move
    that does not end the message, or a message from before issue 15: the backfill's)."""
    key = report_store.key_of(message)
    amounts = report_counts.on_move(current, new)
    return (key, amounts) if key is not None and amounts else None


def _counter_actions(message: Message, current: str, values: dict) -> list:
    """What the move adds to the task's counters, judged on the message as written."""
    changes = task_states.counter_changes(current, values["status"], values.get("billing", message.billing),
                                          int(message.segments or 0), billing.task_cost(message, values))
    return [getattr(TaskCounter, name).add(amount) for name, amount in changes.items()]


# --- booking the carrier's answer ------------------------------------------------------------

def book(message: Message, new: str, booking: billing.Booking, values: dict) -> None:
    """Book the carrier's answer (``booking``, plus ``values``) and move to ``new``, in one
    write, once: the condition ``billing = reserved`` makes a second booking of the same
    message a no-op. When a delivery receipt moved the message first (it may beat the
    worker), only the booking is left to do."""
    values = {**values, **booking.values(), "pending": None, "updated_at": utcnow()}
    if move_status(message, new, values=values, condition=Message.billing == billing_states.RESERVED,
                   refund_micros=booking.refund_micros):
        return
    if message.billing != billing_states.RESERVED:  # ``message`` was re-read by move_status
        log.info("billing of %s was booked before; not again", message.message_id)
        return
    _book_without_move(message, values, booking.refund_micros)


def _book_without_move(message: Message, values: dict, refund_micros: int) -> None:
    """Write ``values`` and the refund in one transaction, once (``billing = reserved``),
    without a status change. The status move before it counted the whole reservation in a
    task's cost, so the refund comes off that cost in the same write."""
    try:
        with transaction() as tx:
            tx.update(message, actions=set_actions(Message, values),
                      condition=Message.billing == billing_states.RESERVED)
            if refund_micros:
                billing.refund(tx, message.account_id, refund_micros, message.message_id)
                billing.take_off_task_cost(tx, message, refund_micros)
    except TransactWriteError as exc:
        message.refresh(consistent_read=True)
        if cancelled_by_condition(exc) and message.billing != billing_states.RESERVED:
            log.info("billing of %s was booked before; not again", message.message_id)
            return
        raise
    for name, value in values.items():  # what we wrote, without reading it back
        setattr(message, name, value)
