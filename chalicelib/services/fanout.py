"""Starting bulk tasks and fanning them out to the carrier (ARCHITECTURE.md, scale design).

Recipients stay in their upload's S3 chunk files until they are sent. Starting a task is
one conditional state change; then small work tickets (task, chunk) go to the ``tasks``
queue, no more at a time than the carrier budget can drain in ``TICKET_HORIZON`` seconds,
and the scheduler's tick tops them up as chunks finish.

A chunk worker (``send_chunk``) leases its chunk, then works through it in slices. Each
slice is one DynamoDB transaction: the balance reserved for its price, its log rows
written (ids derived from task and number), the blacklisted ones logged as ``blocked``, and
the chunk's cursor moved from where it was read (compare-and-set). Only then are its
messages submitted, through the same exactly-once dispatch path as single messages. So:

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
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from .. import aws
from ..config import settings
from ..domain import message_status as message_states
from ..domain import task_states as states
from ..domain.segments import price_micros
from ..store.base import as_dict, iso, set_actions, update_if, utcnow
from ..store.messages import Message, get_message, index_keys
from ..store.tasks import (DUE, OFF_DUE_INDEX, Task, TaskChunk, TaskCounter, chunk_sk, counters, due_key, get_task,
                           task_pk)
from . import billing, blacklist, catalog, dispatch, sending, uploads
from .directory import connection

log = logging.getLogger(__name__)

QUEUE = "tasks"
RUNNING = "RUN"  # due-index partition of sending tasks: the tick checks each once a minute
CHECK_EVERY = timedelta(minutes=1)
#: A sending task with no chunk finished for this long has lost tickets: send them again.
STALLED_AFTER = timedelta(minutes=20)
#: Tickets in flight per task cover this many seconds of the carrier budget.
TICKET_HORIZON = 120
#: Numbers logged and reserved per transaction (DynamoDB allows 100 items; 3 are bookkeeping).
SLICE = 25
SEND_THREADS = 4
INSUFFICIENT_BALANCE = "insufficient_balance"


class LeaseLost(Exception):
    """Another worker took this chunk over (ours had expired)."""


def message_id_for(task_id: str, e164: str) -> str:
    """The message id of ``e164`` in a task: derived, so a redelivered slice cannot log a
    number twice."""
    return "msg_" + hashlib.sha256(f"{task_id}|{e164}".encode()).hexdigest()[:20]


# --- starting and tickets --------------------------------------------------------------------

def start(task: Task) -> bool:
    """``scheduled → sending`` for the version read (a pause or edit a moment before wins),
    then the first tickets. False when the task was not (or no longer) startable."""
    now = utcnow()
    started = update_if(task, [Task.status.set(states.SENDING), Task.started_at.set(now), Task.updated_at.set(now),
                               Task.due.set(RUNNING), Task.due_key.set(due_key(iso(now + CHECK_EVERY), task.task_id))],
                        (Task.status == states.SCHEDULED) & (Task.version == task.version))
    if not started:
        return False
    log.info("task %s started: %d numbers in %d chunks", task.task_id, task.total, task.chunk_count)
    if int(task.chunk_count) == 0:
        _finish(task)
    else:
        release(task)
    return True


def ticket_window() -> int:
    cfg = settings()
    return max(2, math.ceil(cfg.carrier_tps * TICKET_HORIZON / cfg.task_chunk_size))


def release(task: Task) -> int:
    """Hand out tickets up to the window. The count moves first (compare-and-set, so two
    ticks never hand out the same chunks); tickets lost after it are found by ``check``."""
    outstanding = int(task.released) - int(task.chunks_done)
    count = min(ticket_window() - outstanding, int(task.chunk_count) - int(task.released))
    if count <= 0:
        return 0
    first = int(task.released)
    if not update_if(task, [Task.released.add(count)], Task.released == first):
        return 0
    send_tickets(task.task_id, range(first, first + count))
    return count


def send_tickets(task_id: str, chunks) -> None:
    aws.send_messages(QUEUE, ({"task_id": task_id, "chunk": chunk} for chunk in chunks))


def tick(now=None) -> dict[str, int]:
    """The scheduler: start every task that is due, and look after every sending one.
    Reads the sparse due-index only (scheduled and sending tasks, nothing else)."""
    now = now or utcnow()
    upto = iso(now) + "~"
    started = checked = 0
    for task in Task.by_due.query(DUE, Task.due_key <= upto):
        fresh = get_task(task.task_id)  # the index lags; start from the table's version
        if fresh is not None and fresh.status == states.SCHEDULED and fresh.due == DUE and start(fresh):
            started += 1
    for task in Task.by_due.query(RUNNING, Task.due_key <= upto):
        fresh = get_task(task.task_id)
        if fresh is not None and fresh.status == states.SENDING:
            check(fresh, now)
            checked += 1
    return {"started": started, "checked": checked}


def check(task: Task, now=None) -> None:
    """Once a minute per sending task: top up its tickets, finish it if every chunk is done,
    and re-send the tickets of a task that has stalled (tickets lost or dead-lettered)."""
    now = now or utcnow()
    task.update(actions=[Task.due_key.set(due_key(iso(now + CHECK_EVERY), task.task_id))])
    if int(task.chunks_done) >= int(task.chunk_count):
        _finish(task)
        return
    if release(task):
        return
    if task.updated_at < now - STALLED_AFTER:
        open_chunks = _open_chunks(task)
        log.warning("task %s stalled; re-sending %d ticket(s)", task.task_id, len(open_chunks))
        task.update(actions=[Task.updated_at.set(now)])
        send_tickets(task.task_id, open_chunks)


def _open_chunks(task: Task) -> list[int]:
    done = {int(c.sk.split("#")[1]) for c in TaskChunk.query(task.pk, TaskChunk.sk.startswith("CHUNK#"),
                                                              filter_condition=TaskChunk.done == True)}  # noqa: E712
    return [index for index in range(int(task.released)) if index not in done]


# --- the chunk worker ------------------------------------------------------------------------

def send_chunk(task_id: str, index: int, deadline: float | None = None) -> str:
    """Send what is left of one chunk; returns what happened (for logs and tests). Stops
    at ``deadline`` (epoch seconds) and hands the rest to a fresh ticket."""
    task = get_task(task_id)
    if task is None or task.status != states.SENDING or not 0 <= index < int(task.chunk_count):
        return "not-sending"
    owner = secrets.token_hex(8)
    chunk = _lease(task, index, owner)
    if chunk is None:
        return "leased-elsewhere"
    numbers = uploads.read_chunk(task.upload_id, index)
    if int(chunk.slice_start) < int(chunk.cursor):  # the last worker may have died mid-slice
        _redispatch(task, numbers[int(chunk.slice_start):int(chunk.cursor)])
    routes = _Routes(task)
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


def _lease(task: Task, index: int, owner: str) -> TaskChunk | None:
    now = time.time()
    chunk = TaskChunk(task.pk, chunk_sk(index))
    taken = update_if(chunk, [TaskChunk.lease_owner.set(owner),
                              TaskChunk.lease_until.set(int(now + settings().task_work_seconds + 60)),
                              TaskChunk.cursor.set(TaskChunk.cursor | 0),
                              TaskChunk.slice_start.set(TaskChunk.slice_start | 0),
                              TaskChunk.done.set(TaskChunk.done | False)],
                      TaskChunk.sk.does_not_exist() | ((TaskChunk.done == False) & (TaskChunk.lease_until < int(now))))  # noqa: E712
    return chunk if taken else None


class _Routes:
    """Per country: the From, segmentation and unit price of the task's text (read once a
    chunk: prices, signatures and senders are the same for every number)."""

    def __init__(self, task: Task):
        self._task = task
        self._prices = catalog.effective_prices(task.account_id)
        self._cache: dict[str, tuple] = {}

    def __call__(self, country: str) -> tuple:
        if country not in self._cache:
            billed, carrier = sending.segmentation_for(country, self._task.text, self._task.account_id)
            unit = self._prices.get(country, (None,))[0]
            sender = as_dict(self._task.senders).get(country)
            self._cache[country] = (billed, carrier, unit, sender)
        return self._cache[country]


def _log_slice(task: Task, chunk: TaskChunk, owner: str, numbers: list[tuple[str, str]],
               routes: Callable[[str], tuple], size: int = SLICE) -> list[Message] | None:
    """Log and reserve the next slice in one transaction; the messages to send, or None
    when the balance cannot cover even one more."""
    start = int(chunk.cursor)
    while size >= 1:
        part = numbers[start:start + size]
        blocked = blacklist.blocked_numbers(task.app_id, part) if task.blacklist_check else set()
        messages = [_message(task, e164, country, routes, blocked=e164 in blocked) for e164, country in part]
        to_send = [m for m in messages if m.status == message_states.QUEUED]
        try:
            _commit_slice(task, chunk, owner, start, messages, len(part) - len(to_send))
        except TransactWriteError as exc:
            if not billing.condition_failed(exc):
                raise
            chunk.refresh(consistent_read=True)
            if chunk.lease_owner != owner or int(chunk.cursor) != start:
                raise LeaseLost(f"{task.task_id} chunk {chunk.sk}") from None
            size //= 2  # the balance (or the account) said no: try a smaller slice
            continue
        chunk.slice_start, chunk.cursor = start, start + len(part)
        return to_send
    return None


def _commit_slice(task: Task, chunk: TaskChunk, owner: str, start: int, messages: list[Message],
                  blocked: int) -> None:
    price = sum(int(m.price_micros) for m in messages)
    with TransactWrite(connection=connection()) as tx:
        if price:
            billing.reserve(tx, task.account_id, price, f"{task.task_id}/{chunk.sk}/{start}", task.created_by)
        for message in messages:
            tx.save(message, condition=Message.pk.does_not_exist())
        tx.update(chunk, actions=[TaskChunk.cursor.set(start + len(messages)), TaskChunk.slice_start.set(start)],
                  condition=(TaskChunk.cursor == start) & (TaskChunk.lease_owner == owner))
        if blocked:
            tx.update(dispatch.counter_shard(task.task_id, messages[0].message_id),
                      actions=[TaskCounter.blocked.add(blocked)])


def _message(task: Task, e164: str, country: str, routes: Callable[[str], tuple], *, blocked: bool) -> Message:
    billed, carrier, unit, sender = routes(country)
    message_id = message_id_for(task.task_id, e164)
    now = utcnow()
    message = Message(
        message_id, account_id=task.account_id, user_id=task.created_by, app_id=task.app_id, task_id=task.task_id,
        task_name=task.name, source="task", type="marketing", to=e164, country=country, sender=sender,
        text=task.text, segments=billed.segments, carrier_parts=carrier.segments, encoding=carrier.encoding,
        unit_price_micros=unit, price_micros=price_micros(billed.segments, unit), billing="reserved",
        status=message_states.QUEUED, created_at=now, updated_at=now,
        **index_keys(task.account_id, message_id, e164, now, task.task_id, queued=not blocked))
    if blocked:
        message.status, message.billing, message.price_micros = message_states.BLOCKED, "none", 0
        message.err_code, message.delivered_at = "blacklisted", now
    return message


def _dispatch_all(messages: list[Message]) -> None:
    """Submit a slice's messages (a few at a time: the carrier round trip dominates)."""
    if not messages:
        return
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(messages))) as pool:
        list(pool.map(_dispatch_one, messages))


def _dispatch_one(message: Message) -> None:
    try:
        dispatch.dispatch_message(message)
    except dispatch.RetryLater as exc:  # the carrier said "not now": the dispatch queue retries it
        log.info("%s: %s", message.message_id, exc)
        sending.enqueue(message.message_id)


def _redispatch(task: Task, numbers: list[tuple[str, str]]) -> None:
    for e164, _ in numbers:
        message = get_message(message_id_for(task.task_id, e164))
        if message is not None:
            _dispatch_one(message)


def _hand_over(task: Task, chunk: TaskChunk, owner: str) -> None:
    """Out of time: a fresh ticket carries on from the cursor; our lease ends now."""
    send_tickets(task.task_id, [int(chunk.sk.split("#")[1])])
    update_if(chunk, [TaskChunk.lease_until.set(0)], TaskChunk.lease_owner == owner)


def _stop_for_balance(task: Task) -> None:
    """The balance cannot pay for more: every chunk stops (what is left is ``unsent``)."""
    update_if(task, [Task.reason.set(INSUFFICIENT_BALANCE), Task.updated_at.set(utcnow())],
              (Task.status == states.SENDING) & Task.reason.does_not_exist())
    task.reason = task.reason or INSUFFICIENT_BALANCE


def _close(task: Task, chunk: TaskChunk, owner: str, unsent: int = 0) -> str:
    """Mark the chunk done (once) and count it on the task; finish the task after its last."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(chunk, actions=[TaskChunk.done.set(True), TaskChunk.lease_until.set(0)],
                      condition=(TaskChunk.done == False) & (TaskChunk.lease_owner == owner))  # noqa: E712
            tx.update(task, actions=[Task.chunks_done.add(1), Task.updated_at.set(utcnow())])
            if unsent:
                tx.update(dispatch.counter_shard(task.task_id, f"{chunk.sk}"), actions=[TaskCounter.unsent.add(unsent)])
    except TransactWriteError as exc:
        if billing.condition_failed(exc):
            return "done-before"
        raise
    task.refresh(consistent_read=True)
    if int(task.chunks_done) >= int(task.chunk_count):
        _finish(task)
    else:
        release(task)
    return "unsent" if unsent else "done"


def _finish(task: Task) -> None:
    """``sending → completed`` (or ``failed`` with its reason) once every chunk is done."""
    if task.status != states.SENDING:
        return
    reason = task.reason
    status = states.FAILED if reason else states.COMPLETED
    if reason == INSUFFICIENT_BALANCE:
        reason = (f"{INSUFFICIENT_BALANCE}: the balance ran out; "
                  f"{counters(task.task_id)['unsent']} number(s) were not sent")
    actions = [Task.status.set(status), Task.completed_at.set(utcnow()), Task.updated_at.set(utcnow()),
               *set_actions(Task, OFF_DUE_INDEX)]
    if reason:
        actions.append(Task.reason.set(reason))
    if update_if(task, actions, Task.status == states.SENDING):
        log.info("task %s %s", task.task_id, status)
