"""Bulk tasks and their number uploads (seed: 任务管理). One table, a handful of items per
task whatever its size (ARCHITECTURE.md: a recipient is not a table row before it is sent):

- ``UPLOAD#<id> / META``: a parsed number list: counts, countries, where its chunk files are.
- ``UPLOAD#<id> / PART#<n>`` and ``/ BUCKET#<n>``: a large list parsed in parallel
  (``services.upload_parts``): what each byte-range part read, what each hash bucket kept.
- ``TASK#<id> / META``: the task: what to send, to whom (an upload), when, and its state.
- ``TASK#<id> / CHUNK#<n>``: fan-out progress of one chunk file: a compare-and-set cursor
  (numbers before it are logged, reserved and being sent), the slice being sent, a lease.
- ``TASK#<id>#N<shard> / COUNT``: the task's counters split over ``COUNTER_SHARDS``
  partitions (many workers add at once; ARCHITECTURE.md: no hot keys), summed on read.

GSIs: ``account-index`` (``acct``, ``ckey``) lists an account's tasks newest first (only task
items carry ``acct``); the sparse ``due-index`` (``due``, ``due_key``) holds only tasks
waiting for their time or sending (``DUE``, ``RUN``) and uploads being parsed (``PARSE``),
so the schedulers read what is due and nothing else.
"""
from __future__ import annotations

from pynamodb.attributes import (BooleanAttribute, MapAttribute, NumberAttribute, NumberSetAttribute,
                                 UnicodeAttribute, UTCDateTimeAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta

META = "META"
COUNT = "COUNT"
COUNTER_SHARDS = 16
DUE = "DUE"
#: ``set_actions`` values taking an item (task or upload) out of the sparse due-index.
OFF_DUE_INDEX = {"due": None, "due_key": None}
#: Counter fields (all start at 0): numbers skipped for the blacklist or never sent (balance
#: ran out), messages the carrier took, and their final outcomes, segments and cost.
COUNTER_FIELDS = ("blocked", "unsent", "submitted", "delivered", "failed", "segments", "cost_micros")


def upload_pk(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def part_sk(part: int) -> str:
    return f"PART#{part:05d}"


def bucket_sk(bucket: int) -> str:
    return f"BUCKET#{bucket:05d}"


def task_pk(task_id: str) -> str:
    return f"TASK#{task_id}"


def chunk_sk(index: int) -> str:
    return f"CHUNK#{index:06d}"


def counter_pk(task_id: str, shard: int) -> str:
    return f"TASK#{task_id}#N{shard:02d}"


def task_ckey(created_iso: str, task_id: str) -> str:
    return f"{created_iso}#{task_id}"


def due_key(send_at_iso: str, task_id: str) -> str:
    return f"{send_at_iso}#{task_id}"


class AccountIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "account-index"
        projection = AllProjection()
    acct = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "due-index"
        projection = AllProjection()
    due = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class Upload(Model):
    """A number list. ``status``: parsing → ready | failed. Valid numbers live in
    ``chunk_count`` gzip csv files (``e164,country`` lines) under ``chunks/<upload id>/``."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=META)
    upload_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    kind = UnicodeAttribute()  # international | domestic
    filename = UnicodeAttribute()
    source_key = UnicodeAttribute()
    status = UnicodeAttribute()
    error = UnicodeAttribute(null=True)
    total_rows = NumberAttribute(default=0)
    valid = NumberAttribute(default=0)
    invalid = NumberAttribute(default=0)
    duplicates = NumberAttribute(default=0)
    countries = MapAttribute(default=dict)  # ISO country -> valid numbers
    chunk_count = NumberAttribute(default=0)
    report_key = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    parse_started_at = UTCDateTimeAttribute(null=True)
    parsed_at = UTCDateTimeAttribute(null=True)
    # A large csv parsed in parallel (services.upload_parts); unset for one-worker parses.
    source_bytes = NumberAttribute(null=True)
    part_bytes = NumberAttribute(null=True)
    part_count = NumberAttribute(null=True)
    buckets = NumberAttribute(null=True)
    parts_done = NumberSetAttribute(null=True)  # parts whose numbers are in the buckets
    merged = NumberSetAttribute(null=True)  # buckets deduplicated, and ``buckets`` for the report
    merging_at = UTCDateTimeAttribute(null=True)  # when the merge tickets went out
    next_chunk = NumberAttribute(null=True)  # chunk indices handed out to buckets so far
    bucket_offsets = MapAttribute(default=dict)  # bucket -> its first chunk index
    # While a presigned upload is parsed: due-index entry (``PARSE``, stalled-at#id), and how
    # many times a stalled parse was resumed.
    due = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    parse_revivals = NumberAttribute(default=0)
    by_due = DueIndex()


class UploadPart(Model):
    """One byte range of a large list, parsed: its line count (to number the file's rows)
    and its counts (``valid`` before duplicates are dropped)."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    lines = NumberAttribute()
    total_rows = NumberAttribute()
    valid = NumberAttribute()
    invalid = NumberAttribute()


class UploadBucket(Model):
    """One hash bucket of a large list, deduplicated into ``chunks`` chunk files."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    valid = NumberAttribute()
    chunks = NumberAttribute()
    countries = MapAttribute(default=dict)


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
    senders = MapAttribute(default=dict)  # country -> the From resolved for it
    requested_from = UnicodeAttribute(null=True)  # the From asked for (None: each country's bound one)
    signature_id = UnicodeAttribute(null=True)
    template_id = UnicodeAttribute(null=True)
    content = UnicodeAttribute()  # as the customer wrote it (domestic: without the signature)
    text = UnicodeAttribute()  # what is sent (domestic: 【signature】 + content)
    blacklist_check = BooleanAttribute(default=True)
    upload_id = UnicodeAttribute()
    total = NumberAttribute()
    chunk_count = NumberAttribute()
    countries = MapAttribute(default=dict)
    estimate = MapAttribute(default=dict)  # segments, cost_micros, by country
    warning = UnicodeAttribute(null=True)
    send_at = UTCDateTimeAttribute()
    scheduled = BooleanAttribute(default=False)  # send_at was asked for (not "now")
    status = UnicodeAttribute()
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


def get_upload(upload_id: str) -> Upload | None:
    try:
        return Upload.get(upload_pk(upload_id), META, consistent_read=True)
    except Upload.DoesNotExist:
        return None


def get_task(task_id: str) -> Task | None:
    try:
        return Task.get(task_pk(task_id), META, consistent_read=True)
    except Task.DoesNotExist:
        return None


def counters(task_id: str) -> dict[str, int]:
    """The task's counters: its shards summed (one BatchGetItem)."""
    totals = dict.fromkeys(COUNTER_FIELDS, 0)
    keys = [(counter_pk(task_id, shard), COUNT) for shard in range(COUNTER_SHARDS)]
    for shard in TaskCounter.batch_get(keys):
        for name in COUNTER_FIELDS:
            totals[name] += int(getattr(shard, name) or 0)
    return totals
