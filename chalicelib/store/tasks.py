"""Bulk tasks in the tasks table, and the conditional writes that run them. One table, a
handful of items per task whatever its size (ARCHITECTURE.md: a recipient is not a table row
before it is sent); number uploads share it (``store.uploads``):

- ``TASK#<id> / META``: the task: what to send, to whom (an upload), when, and its state.
- ``TASK#<id> / CHUNK#<n>``: fan-out progress of one chunk file: a compare-and-set cursor
  (numbers before it are logged, reserved and being sent), the slice being sent, a lease.
- ``TASK#<id>#N<shard> / COUNT``: the task's counters split over ``COUNTER_SHARDS``
  partitions (many workers add at once; ARCHITECTURE.md: no hot keys), summed on read.

GSIs: ``account-index`` (``acct``, ``ckey``) lists an account's tasks newest first (only task
items carry ``acct``); the sparse ``due-index`` (``due``, ``due_key``) holds only tasks
waiting for their time (``DUE``) or sending (``RUN``) and uploads being parsed (``PARSE``),
so the schedulers read what is due and nothing else.

Every change of a task is conditional on what was read (its status and version, a chunk's
cursor and lease, the count of tickets handed out), so of two workers racing, one wins and
the other learns it from a False.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from ..domain import task_states as states
from .base import (
    Prefix,
    cancelled_by_condition,
    encode_cursor,
    get_item,
    iso,
    set_actions,
    start_key,
    table_meta,
    transaction,
    update_if,
    utcnow,
)
from .messages import shard_of

META = "META"
COUNT = "COUNT"
COUNTER_SHARDS = 16
#: Due-index partitions: tasks waiting for their time, and sending tasks (checked each minute).
DUE = "DUE"
RUNNING = "RUN"
#: ``set_actions`` values taking an item (task or upload) out of the sparse due-index.
OFF_DUE_INDEX = {"due": None, "due_key": None}
#: Counter fields (all start at 0): numbers skipped for the blacklist or never sent (balance
#: ran out), messages the carrier took, and their final outcomes, segments and cost.
COUNTER_FIELDS = ("blocked", "unsent", "submitted", "delivered", "failed", "segments", "cost_micros")


def task_pk(task_id: str) -> str:
    return f"TASK#{task_id}"


def chunk_sk(index: int) -> str:
    return f"CHUNK#{index:06d}"


def counter_pk(task_id: str, shard: int) -> str:
    return f"TASK#{task_id}#N{shard:02d}"


def task_ckey(created_iso: str, task_id: str) -> str:
    return f"{created_iso}#{task_id}"


def due_key(send_at_iso: str, item_id: str) -> str:
    return f"{send_at_iso}#{item_id}"


class AccountIndex(GlobalSecondaryIndex["Task"]):
    class Meta:
        index_name = "account-index"
        projection = AllProjection()
    acct = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "due-index"
        projection = AllProjection()
    due = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class Task(Model):
    """A bulk task. ``version`` grows with every edit; the scheduler starts a task only at
    the version it read, so an edit a moment before the start is never overtaken."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=META)
    task_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    app_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    senders: MapAttribute[str, str] = MapAttribute(default=dict)  # country -> the From resolved for it
    requested_from = UnicodeAttribute(null=True)  # the From asked for (None: each country's bound one)
    signature_id = UnicodeAttribute(null=True)
    template_id = UnicodeAttribute(null=True)
    content = UnicodeAttribute()  # as the customer wrote it (domestic: without the signature)
    text = UnicodeAttribute()  # what is sent (domestic: 【signature】 + content)
    blacklist_check = BooleanAttribute(default=True)
    upload_id = UnicodeAttribute()
    total = NumberAttribute()
    chunk_count = NumberAttribute()
    countries: MapAttribute[str, Any] = MapAttribute(default=dict)
    estimate: MapAttribute[str, Any] = MapAttribute(default=dict)  # segments, cost_micros, by country
    warning = UnicodeAttribute(null=True)
    send_at = UTCDateTimeAttribute()
    scheduled = BooleanAttribute(default=False)  # send_at was asked for (not "now")
    status = UnicodeAttribute()  # domain.task_states
    reason = UnicodeAttribute(null=True)  # why it failed or stopped
    version = NumberAttribute(default=1)
    released = NumberAttribute(default=0)  # chunk tickets handed to the queue
    chunks_done = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    acct = UnicodeAttribute()
    ckey = UnicodeAttribute()
    due = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    by_account = AccountIndex()
    by_due = DueIndex()


class TaskChunk(Model):
    """Fan-out progress of one chunk: numbers ``[0, cursor)`` are logged and reserved;
    ``[slice_start, cursor)`` is the slice that was being sent when the cursor last moved."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    cursor = NumberAttribute(default=0)
    slice_start = NumberAttribute(default=0)
    done = BooleanAttribute(default=False)
    lease_until = NumberAttribute(default=0)
    lease_owner = UnicodeAttribute(null=True)

    @property
    def index(self) -> int:
        return int(self.sk.split("#", 1)[1])


class TaskCounter(Model):
    """One shard of a task's counters."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=COUNT)
    blocked = NumberAttribute(default=0)
    unsent = NumberAttribute(default=0)
    submitted = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    segments = NumberAttribute(default=0)
    cost_micros = NumberAttribute(default=0)


# --- reads ------------------------------------------------------------------------------------

def get_task(task_id: str) -> Task | None:
    return get_item(Task, task_pk(task_id), META)


def counters(task_id: str) -> dict[str, int]:
    """The task's counters: its shards summed (one BatchGetItem)."""
    totals = dict.fromkeys(COUNTER_FIELDS, 0)
    keys = [(counter_pk(task_id, shard), COUNT) for shard in range(COUNTER_SHARDS)]
    for shard in TaskCounter.batch_get(keys):
        for name in COUNTER_FIELDS:
            totals[name] += int(getattr(shard, name) or 0)
    return totals


def due_to_start(upto: datetime) -> Iterator[Task]:
    """Scheduled tasks whose time has come (the index's copies: re-read before acting)."""
    return Task.by_due.query(DUE, Task.due_key <= iso(upto) + "~")


def due_for_check(upto: datetime) -> Iterator[Task]:
    """Sending tasks whose minute check is due (the index's copies: re-read before acting)."""
    return Task.by_due.query(RUNNING, Task.due_key <= iso(upto) + "~")


def done_chunks(task: Task) -> set[int]:
    return {chunk.index for chunk in TaskChunk.query(task.pk, TaskChunk.sk.startswith("CHUNK#"),
                                                     filter_condition=TaskChunk.done == True)}  # noqa: E712


# The list's filters, each a DynamoDB filter condition on a value already checked.
TASK_FILTERS: dict[str, Callable[[str], Condition]] = {
    "status": lambda value: Task.status == value,
    "task_id": lambda value: Task.task_id == value,
    "name": lambda value: Task.name.contains(value),
    "user": lambda value: Task.created_by == value,
    "country": lambda code: Task.countries[code].exists(),  # a map key: a country code only
}


def account_tasks(account_id: str, filters: dict[str, str | None], cursor: str | None,
                  page_size: int) -> ResultIterator[Task]:
    """An account's tasks newest first (a PynamoDB result iterator), filtered in DynamoDB by
    ``filters`` (TASK_FILTERS' names; a blank value is no filter), from after ``cursor`` (an
    ``account_tasks_cursor``; CursorError for anything else)."""
    condition = None
    for name, value in filters.items():
        if value:
            test = TASK_FILTERS[name](value)
            condition = test if condition is None else condition & test
    start = start_key(cursor, pk=Prefix("TASK#"), sk=META, acct=account_id, ckey=Prefix())
    return Task.by_account.query(account_id, scan_index_forward=False, filter_condition=condition,
                                 last_evaluated_key=start, page_size=page_size)


def account_tasks_cursor(last: Task) -> str:
    """The cursor that resumes ``account_tasks`` after ``last``."""
    return encode_cursor({"pk": {"S": last.pk}, "sk": {"S": last.sk}, "acct": {"S": last.acct},
                          "ckey": {"S": last.ckey}})


# --- the task: conditional on what was read ----------------------------------------------------

def save_new(task: Task) -> None:
    task.save(condition=Task.pk.does_not_exist())


def change(task: Task, values: dict[str, Any]) -> bool:
    """Write ``values`` (None removes) to the task as read: only if its status and version are
    still those; False (``task`` re-read) if a start, pause or edit got there first."""
    if update_if(task, set_actions(Task, values), (Task.status == task.status) & (Task.version == task.version)):
        return True
    task.refresh(consistent_read=True)
    return False


def start_sending(task: Task, now: datetime, check_at: datetime) -> bool:
    """``scheduled → sending`` for the version read, due for its first check at ``check_at``."""
    return update_if(task, [Task.status.set(states.SENDING), Task.started_at.set(now), Task.updated_at.set(now),
                            Task.due.set(RUNNING), Task.due_key.set(due_key(iso(check_at), task.task_id))],
                     (Task.status == states.SCHEDULED) & (Task.version == task.version))


def hand_out_tickets(task: Task, count: int) -> bool:
    """Count ``count`` more tickets as released, if no one else released any since ``task``
    was read (two ticks never hand out the same chunks)."""
    return update_if(task, [Task.released.add(count)], Task.released == task.released)


def schedule_check(task: Task, at: datetime) -> None:
    task.update(actions=[Task.due_key.set(due_key(iso(at), task.task_id))])


def note_progress(task: Task, now: datetime) -> None:
    task.update(actions=[Task.updated_at.set(now)])


def stop_sending(task: Task, reason: str) -> bool:
    """Give a sending task the reason it must stop (every chunk worker sees it), once."""
    return update_if(task, [Task.reason.set(reason), Task.updated_at.set(utcnow())],
                     (Task.status == states.SENDING) & Task.reason.does_not_exist())


def finish(task: Task, status: str, reason: str | None) -> bool:
    """``sending → status`` (completed or failed, with ``reason``), out of the due-index."""
    now = utcnow()
    values = {"status": status, "completed_at": now, "updated_at": now, **OFF_DUE_INDEX}
    if reason:
        values["reason"] = reason
    return update_if(task, set_actions(Task, values), Task.status == states.SENDING)


# --- chunks and counters -----------------------------------------------------------------------

def lease_chunk(task: Task, index: int, owner: str, until: int, now: int) -> TaskChunk | None:
    """The chunk, leased to ``owner`` until ``until`` (epoch s), if it is not done and no one
    holds a live lease; its progress so far is kept."""
    chunk = TaskChunk(task.pk, chunk_sk(index))
    taken = update_if(chunk, [TaskChunk.lease_owner.set(owner), TaskChunk.lease_until.set(until),
                              TaskChunk.cursor.set(TaskChunk.cursor | 0),
                              TaskChunk.slice_start.set(TaskChunk.slice_start | 0),
                              TaskChunk.done.set(TaskChunk.done | False)],
                      TaskChunk.sk.does_not_exist()
                      | ((TaskChunk.done == False) & (TaskChunk.lease_until < now)))  # noqa: E712
    return chunk if taken else None


def end_lease(chunk: TaskChunk, owner: str) -> bool:
    return update_if(chunk, [TaskChunk.lease_until.set(0)], TaskChunk.lease_owner == owner)


def advance_cursor(tx: TransactWrite, chunk: TaskChunk, start: int, count: int, owner: str) -> None:
    """In ``tx``: the chunk's cursor moves from ``start`` past ``count`` numbers, only if it is
    still at ``start`` and ``owner`` still holds the lease."""
    tx.update(chunk, actions=[TaskChunk.cursor.set(start + count), TaskChunk.slice_start.set(start)],
              condition=(TaskChunk.cursor == start) & (TaskChunk.lease_owner == owner))


def counter_shard(task_id: str, key: str) -> TaskCounter:
    """The counter item that changes keyed by ``key`` (a message id) go to."""
    return TaskCounter(counter_pk(task_id, shard_of(key, COUNTER_SHARDS)), COUNT)


def count(tx: TransactWrite, task_id: str, key: str, amounts: dict[str, int]) -> None:
    """In ``tx``: add ``amounts`` (counter field → amount) to the task's counters."""
    tx.update(counter_shard(task_id, key), actions=[getattr(TaskCounter, name).add(amount)
                                                    for name, amount in amounts.items()])


def close_chunk(task: Task, chunk: TaskChunk, owner: str, unsent: int) -> bool:
    """Mark the chunk done and count it on the task (with the numbers it could not send),
    once: False if it was closed before or ``owner`` lost its lease."""
    try:
        with transaction() as tx:
            tx.update(chunk, actions=[TaskChunk.done.set(True), TaskChunk.lease_until.set(0)],
                      condition=(TaskChunk.done == False) & (TaskChunk.lease_owner == owner))  # noqa: E712
            tx.update(task, actions=[Task.chunks_done.add(1), Task.updated_at.set(utcnow())])
            if unsent:
                count(tx, task.task_id, chunk.sk, {"unsent": unsent})
    except TransactWriteError as exc:
        if cancelled_by_condition(exc):
            return False
        raise
    return True
