"""The task scheduler: starts tasks when their time comes and looks after sending ones
(EventBridge ticks ``tick`` every minute; the local runner faster).

Recipients stay in their upload's S3 chunk files until they are sent. Starting a task is one
conditional state change (``store.tasks.start_sending``: a pause or edit a moment before wins);
then small work tickets (task, chunk) go to the ``tasks`` queue, no more at a time than the
carrier budget can drain in ``TICKET_HORIZON`` seconds, and each tick (and each finished
chunk) tops them up. A sending task whose chunks stop finishing has lost tickets: they are
sent again. The chunk worker itself is ``services.fanout``.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from .. import aws
from ..config import settings
from ..domain import task_states as states
from ..store import tasks as store
from ..store.base import utcnow
from ..store.tasks import Task, counters, get_task

log = logging.getLogger(__name__)

QUEUE = "tasks"
CHECK_EVERY = timedelta(minutes=1)
#: A sending task with no chunk finished for this long has lost tickets: send them again.
STALLED_AFTER = timedelta(minutes=20)
#: Tickets in flight per task cover this many seconds of the carrier budget.
TICKET_HORIZON = 120
INSUFFICIENT_BALANCE = "insufficient_balance"


def tick(now: datetime | None = None) -> dict[str, int]:
    """Start every task that is due, and look after every sending one. Reads the sparse
    due-index only (scheduled and sending tasks, nothing else)."""
    now = now or utcnow()
    started = checked = 0
    for task in store.due_to_start(now):
        fresh = get_task(task.task_id)  # the index lags; start from the table's version
        if fresh is not None and fresh.status == states.SCHEDULED and fresh.due == store.DUE and start(fresh):
            started += 1
    for task in store.due_for_check(now):
        fresh = get_task(task.task_id)
        if fresh is not None and fresh.status == states.SENDING:
            check(fresh, now)
            checked += 1
    return {"started": started, "checked": checked}


def start(task: Task) -> bool:
    """``scheduled → sending`` for the version read, then the first tickets. False when the
    task was not (or no longer) startable."""
    now = utcnow()
    if not store.start_sending(task, now, check_at=now + CHECK_EVERY):
        return False
    log.info("task %s started: %d numbers in %d chunks", task.task_id, task.total, task.chunk_count)
    if int(task.chunk_count) == 0:
        finish(task)
    else:
        release(task)
    return True


def check(task: Task, now: datetime | None = None) -> None:
    """Once a minute per sending task: top up its tickets, finish it if every chunk is done,
    and re-send the tickets of a task that has stalled (tickets lost or dead-lettered)."""
    now = now or utcnow()
    store.schedule_check(task, now + CHECK_EVERY)
    if int(task.chunks_done) >= int(task.chunk_count):
        finish(task)
        return
    if release(task):
        return
    if task.updated_at < now - STALLED_AFTER:
        done = store.done_chunks(task)
        open_chunks = [index for index in range(int(task.released)) if index not in done]
        log.warning("task %s stalled; re-sending %d ticket(s)", task.task_id, len(open_chunks))
        store.note_progress(task, now)
        send_tickets(task.task_id, open_chunks)


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
    if not store.hand_out_tickets(task, count):
        return 0
    send_tickets(task.task_id, range(first, first + count))
    return count


def send_tickets(task_id: str, chunks: Iterable[int]) -> None:
    aws.send_messages(QUEUE, ({"task_id": task_id, "chunk": chunk} for chunk in chunks))


def finish(task: Task) -> None:
    """``sending → completed`` (or ``failed`` with its reason) once every chunk is done."""
    if task.status != states.SENDING:
        return
    reason = task.reason
    status = states.FAILED if reason else states.COMPLETED
    if reason == INSUFFICIENT_BALANCE:
        reason = (f"{INSUFFICIENT_BALANCE}: the balance ran out; "
                  f"{counters(task.task_id)['unsent']} number(s) were not sent")
    if store.finish(task, status, reason):
        log.info("task %s %s", task.task_id, status)
