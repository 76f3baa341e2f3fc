"""The chunk worker: sends one chunk of a bulk task's numbers, exactly once (ARCHITECTURE.md,
scale design). Tickets come from ``services.scheduler``.

A worker (``send_chunk``) leases its chunk, then works through it in slices. Each slice is
one DynamoDB transaction: the balance reserved for its price, its log rows written (ids
derived from task and number), the blacklisted ones logged as ``blocked``, and the chunk's
cursor moved from where it was read (compare-and-set). Only then are its messages
submitted, through the same exactly-once dispatch path as single messages. So:

- a redelivered ticket finds the cursor past what was logged, and the carrier never sees
  a number twice;
- a worker that dies mid-slice leaves a cursor whose last slice (``slice_start``) the next
  worker re-dispatches: unclaimed messages are sent, claimed ones are settled from their
  delivery receipts (``dispatch``), never resubmitted;
- when the balance runs out the task stops: the rest of every chunk is counted ``unsent``
  and the task ends ``failed`` with the reason.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..config import settings
from ..domain import message_status as message_states
from ..domain import report_counts
from ..domain import task_states as states
from ..domain.segments import Segmentation
from ..store import reports as report_store
from ..store import tasks as store
from ..store.base import as_dict, cancelled_by_condition
from ..store.messages import Message, get_message, log_new_in
from ..store.tasks import Task, TaskChunk, get_task
from . import billing, blacklist, catalog, dispatch, messages, scheduler, sending, uploads

log = logging.getLogger(__name__)

#: Numbers logged and reserved per transaction. DynamoDB allows 100 items: the 25 messages,
#: 4 of bookkeeping (balance, ledger entry, cursor, blocked counter) and at most 50 report
#: aggregates (a day and a month item per distinct day, country and user: 2 for most slices).
SLICE = 25
SEND_THREADS = 4

#: What ``send_chunk`` did with its ticket.
Outcome = Literal["not-sending", "leased-elsewhere", "continued", "done", "unsent", "done-before"]


class LeaseLost(Exception):
    """Another worker took this chunk over (ours had expired)."""


class Route(NamedTuple):
    """How the task's text goes to one country: billed and carrier segmentation, the
    price of a segment, the From."""
    billed: Segmentation
    carrier: Segmentation
    unit_price_micros: int
    sender: str | None


def message_id_for(task_id: str, e164: str) -> str:
    """The message id of ``e164`` in a task: derived, so a redelivered slice cannot log a
    number twice."""
    return "msg_" + hashlib.sha256(f"{task_id}|{e164}".encode()).hexdigest()[:20]


def send_chunk(task_id: str, index: int, deadline: float | None = None) -> Outcome:
    """Send what is left of one chunk; returns what happened (for logs and tests). Stops
    at ``deadline`` (epoch seconds) and hands the rest to a fresh ticket."""
    task = get_task(task_id)
    if task is None or task.status != states.SENDING or not 0 <= index < int(task.chunk_count):
        return "not-sending"
    owner = secrets.token_hex(8)
    now = time.time()
    chunk = store.lease_chunk(task, index, owner, until=int(now + settings().task_work_seconds + 60), now=int(now))
    if chunk is None:
        return "leased-elsewhere"
    numbers = uploads.read_chunk(task.upload_id, index)
    if int(chunk.slice_start) < int(chunk.cursor):  # the last worker may have died mid-slice
        _redispatch(task, numbers[int(chunk.slice_start):int(chunk.cursor)])
    routes = Routes(task)
    deadline = deadline or time.time() + settings().task_work_seconds
    while int(chunk.cursor) < len(numbers):
        if task.reason:
            return _close(task, chunk, owner, unsent=len(numbers) - int(chunk.cursor))
        if time.time() > deadline:
            _hand_over(task, chunk, owner)
            return "continued"
        logged = _log_slice(task, chunk, owner, numbers, routes)
        if logged is None:
            _stop_for_balance(task)
            return _close(task, chunk, owner, unsent=len(numbers) - int(chunk.cursor))
        _dispatch_all(logged)
    return _close(task, chunk, owner)


class Routes:
    """Per country: the task's Route (read once a chunk: prices, signatures and senders are
    the same for every number)."""

    def __init__(self, task: Task):
        self._task = task
        self._prices = catalog.effective_prices(task.account_id)
        self._cache: dict[str, Route] = {}

    def __call__(self, country: str) -> Route:
        if country not in self._cache:
            billed, carrier = sending.segmentation_for(country, self._task.text, self._task.account_id)
            unit = self._prices[country][0]  # priced when the task was made: a price since removed stops the chunk
            self._cache[country] = Route(billed, carrier, unit, as_dict(self._task.senders).get(country))
        return self._cache[country]


def _log_slice(task: Task, chunk: TaskChunk, owner: str, numbers: list[tuple[str, str]], routes: Routes,
               size: int = SLICE) -> list[Message] | None:
    """Log and reserve the next slice in one transaction; the messages to send, or None
    when the balance cannot cover even one more."""
    start = int(chunk.cursor)
    while size >= 1:
        part = numbers[start:start + size]
        blocked = blacklist.blocked_numbers(task.app_id, part) if task.blacklist_check else {}
        logged = [_message(task, e164, country, routes(country), blocked.get(e164)) for e164, country in part]
        to_send = [m for m in logged if m.status == message_states.QUEUED]
        try:
            _commit_slice(task, chunk, owner, start, logged, len(part) - len(to_send))
        except TransactWriteError as exc:
            if not cancelled_by_condition(exc):
                raise
            chunk.refresh(consistent_read=True)
            if chunk.lease_owner != owner or int(chunk.cursor) != start:
                raise LeaseLost(f"{task.task_id} chunk {chunk.sk}") from None
            size //= 2  # the balance (or the account) said no: try a smaller slice
            continue
        chunk.slice_start, chunk.cursor = start, start + len(part)
        return to_send
    return None


def _message(task: Task, e164: str, country: str, route: Route, blocked: str | None) -> Message:
    message = messages.new(
        message_id_for(task.task_id, e164), account_id=task.account_id, user_id=task.created_by,
        app_id=task.app_id, task_id=task.task_id, task_name=task.name, source="task",
        type=message_states.MARKETING, to=e164, country=country, sender=route.sender, text=task.text,
        billed=route.billed, carrier=route.carrier, unit_price_micros=route.unit_price_micros)
    return messages.block(message, blocked) if blocked else message


def _commit_slice(task: Task, chunk: TaskChunk, owner: str, start: int, logged: list[Message],
                  blocked: int) -> None:
    """One transaction: the slice's price reserved, its messages logged, the cursor moved
    (only from ``start``, only while ``owner`` holds the lease), its blocked numbers counted,
    and the report aggregates added (grouped by item: a transaction touches an item once; in
    the shard of the slice's first message)."""
    price = sum(int(m.price_micros) for m in logged)
    reported = report_counts.grouped((key, report_counts.on_log(m.status)) for m in logged
                                     if (key := report_store.key_of(m)) is not None)

    def build(tx: TransactWrite) -> None:
        if price:
            billing.reserve(tx, task.account_id, price, f"{task.task_id}/{chunk.sk}/{start}", task.created_by)
        for message in logged:
            log_new_in(tx, message)
        store.advance_cursor(tx, chunk, start, len(logged), owner)
        if blocked:
            store.count(tx, task.task_id, logged[0].message_id, {"blocked": blocked})
        for key, amounts in reported.items():
            report_store.add_in(tx, task.account_id, logged[0].message_id, key, amounts)
    messages.commit(build)


def _dispatch_all(to_send: list[Message]) -> None:
    """Submit a slice's messages (a few at a time: the carrier round trip dominates)."""
    if not to_send:
        return
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(to_send))) as pool:
        list(pool.map(_dispatch_one, to_send))


def _dispatch_one(message: Message) -> None:
    try:
        dispatch.dispatch_message(message)
    except dispatch.RetryLater as exc:  # the carrier said "not now": the dispatch queue retries it
        log.info("%s: %s", message.message_id, exc)
        dispatch.enqueue(message.message_id)


def _redispatch(task: Task, numbers: list[tuple[str, str]]) -> None:
    for e164, _ in numbers:
        message = get_message(message_id_for(task.task_id, e164))
        if message is not None:
            _dispatch_one(message)


def _hand_over(task: Task, chunk: TaskChunk, owner: str) -> None:
    """Out of time: a fresh ticket carries on from the cursor; our lease ends now."""
    scheduler.send_tickets(task.task_id, [chunk.index])
    store.end_lease(chunk, owner)


def _stop_for_balance(task: Task) -> None:
    """The balance cannot pay for more: every chunk stops (what is left is ``unsent``)."""
    store.stop_sending(task, scheduler.INSUFFICIENT_BALANCE)
    task.reason = task.reason or scheduler.INSUFFICIENT_BALANCE


def _close(task: Task, chunk: TaskChunk, owner: str, unsent: int = 0) -> Outcome:
    """Mark the chunk done (once) and count it on the task; finish the task after its last."""
    if not store.close_chunk(task, chunk, owner, unsent):
        return "done-before"
    task.refresh(consistent_read=True)
    if int(task.chunks_done) >= int(task.chunk_count):
        scheduler.finish(task)
    else:
        scheduler.release(task)
    return "unsent" if unsent else "done"
