"""Number uploads in the tasks table, and the conditional writes that move them along.

- ``UPLOAD#<id> / META``: a parsed number list: counts, countries, where its chunk files are.
- ``UPLOAD#<id> / PART#<n>`` and ``/ BUCKET#<n>``: a large list parsed in parallel
  (``services.upload_parts``): what each byte-range part read, what each hash bucket kept.

A presigned upload being parsed is *watched*: it sits in the table's sparse ``due-index``
under ``PARSE``, keyed by the time it counts as stalled, and every step a worker finishes
moves that time on (``watch_until``). Ready and failed uploads leave the index.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from ..domain import upload_states as states
from .base import as_dict, get_item, iso, set_actions, table_meta, update_if, utcnow
from .tasks import META, OFF_DUE_INDEX, DueIndex, due_key

#: The due-index partition of uploads being parsed.
PARSE_WATCH = "PARSE"


def upload_pk(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def part_sk(part: int) -> str:
    return f"PART#{part:05d}"


def bucket_sk(bucket: int) -> str:
    return f"BUCKET#{bucket:05d}"


class Upload(Model):
    """A number list. Valid numbers live in ``chunk_count`` gzip csv files (``e164,country``
    lines) under ``chunks/<upload id>/``."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=META)
    upload_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    kind = UnicodeAttribute()  # international | domestic
    filename = UnicodeAttribute()
    source_key = UnicodeAttribute()
    status = UnicodeAttribute()  # domain.upload_states
    error = UnicodeAttribute(null=True)
    total_rows = NumberAttribute(default=0)
    valid = NumberAttribute(default=0)
    invalid = NumberAttribute(default=0)
    duplicates = NumberAttribute(default=0)
    countries: MapAttribute[str, int] = MapAttribute(default=dict)  # ISO country -> valid numbers
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
    bucket_offsets: MapAttribute[str, Any] = MapAttribute(default=dict)  # bucket -> its first chunk index
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
    countries: MapAttribute[str, int] = MapAttribute(default=dict)


# --- reads ------------------------------------------------------------------------------------

def get_upload(upload_id: str) -> Upload | None:
    return get_item(Upload, upload_pk(upload_id), META)


def parts_of(upload_id: str) -> list[tuple[int, UploadPart]]:
    """(part number, record) of every part parsed so far, in part order."""
    records = UploadPart.query(upload_pk(upload_id), UploadPart.sk.startswith("PART#"), consistent_read=True)
    return [(int(record.sk.split("#", 1)[1]), record) for record in records]


def buckets_of(upload_id: str) -> list[UploadBucket]:
    return list(UploadBucket.query(upload_pk(upload_id), UploadBucket.sk.startswith("BUCKET#"),
                                   consistent_read=True))


def part_recorded(upload_id: str, part: int) -> bool:
    return _exists(UploadPart, upload_id, part_sk(part))


def bucket_recorded(upload_id: str, bucket: int) -> bool:
    return _exists(UploadBucket, upload_id, bucket_sk(bucket))


def _exists(model: type[Model], upload_id: str, sk: str) -> bool:
    return get_item(model, upload_pk(upload_id), sk) is not None


def watched_until(upto: datetime) -> Iterator[Upload]:
    """Uploads whose watch ran out at or before ``upto`` (the index's copies: re-read them)."""
    return Upload.by_due.query(PARSE_WATCH, Upload.due_key <= iso(upto) + "~")


# --- conditional writes -----------------------------------------------------------------------

def watch_actions(upload_id: str, until: datetime) -> list[Action]:
    """Update actions (re)arming an upload's watch: stalled at ``until``."""
    return [Upload.due.set(PARSE_WATCH), Upload.due_key.set(due_key(iso(until), upload_id))]


def claim_for_parse(upload: Upload, watch_until: datetime) -> bool:
    """``uploading → parsing``, watched; False if another worker claimed it first."""
    return update_if(upload, [Upload.status.set(states.PARSING), Upload.parse_started_at.set(utcnow()),
                              *watch_actions(upload.upload_id, watch_until)], Upload.status == states.UPLOADING)


def hand_back(upload: Upload) -> bool:
    """``parsing → uploading`` (still watched), so the S3 event's retry claims it again."""
    return update_if(upload, [Upload.status.set(states.UPLOADING), Upload.parse_started_at.remove()],
                     Upload.status == states.PARSING)


def fail_parse(upload: Upload, error: str) -> bool:
    """A parsing upload failed with ``error``; False if it was not parsing any more."""
    return _fail(upload, error, Upload.status == states.PARSING)


def fail_stalled(upload: Upload, error: str) -> bool:
    """A stalled upload failed, unless a worker moved its watch since it was read."""
    return _fail(upload, error, Upload.due_key == upload.due_key)


def _fail(upload: Upload, error: str, condition: Condition) -> bool:
    return update_if(upload, set_actions(Upload, {"status": states.FAILED, "error": error, "parsed_at": utcnow(),
                                                  **OFF_DUE_INDEX}), condition)


def mark_ready(upload: Upload, values: dict[str, Any], *, new: bool = False) -> bool:
    """Record a finished parse's ``values`` (counts, countries, chunks, report) and ``ready``:
    a new upload is saved as such; a parsing one changes only if it is still parsing."""
    values = {**values, "status": states.READY, "parsed_at": utcnow(), **OFF_DUE_INDEX}
    if new:
        for name, value in values.items():
            setattr(upload, name, value)
        upload.save(condition=Upload.pk.does_not_exist())
        return True
    return update_if(upload, set_actions(Upload, values), Upload.status == states.PARSING)


def split_into_parts(upload: Upload, source_bytes: int, part_bytes: int, part_count: int, buckets: int) -> None:
    upload.update(actions=set_actions(Upload, {"source_bytes": source_bytes, "part_bytes": part_bytes,
                                               "part_count": part_count, "buckets": buckets, "next_chunk": 0,
                                               "bucket_offsets": {}}))


def record_part_parsed(upload: Upload, part: int, watch_until: datetime) -> None:
    upload.update(actions=[Upload.parts_done.add({part}), *watch_actions(upload.upload_id, watch_until)])


def record_merges_sent(upload: Upload, watch_until: datetime) -> None:
    upload.update(actions=[Upload.merging_at.set(utcnow()), *watch_actions(upload.upload_id, watch_until)])


def record_merged(upload: Upload, step: int, watch_until: datetime) -> None:
    upload.update(actions=[Upload.merged.add({step}), *watch_actions(upload.upload_id, watch_until)])


def reserve_chunk_run(upload: Upload, bucket: int, count: int) -> int:
    """The first of ``count`` chunk indices for ``bucket``: taken from the upload's next free
    index once (compare-and-set); a redone merge gets the same run back."""
    key = str(bucket)
    update_if(upload, [Upload.bucket_offsets[key].set(Upload.next_chunk),
                       Upload.next_chunk.set(Upload.next_chunk + count)],
              Upload.bucket_offsets[key].does_not_exist())
    offsets = as_dict(upload.bucket_offsets)
    if key not in offsets:  # reserved by an earlier run; the item we hold predates it
        upload.refresh(consistent_read=True)
        offsets = as_dict(upload.bucket_offsets)
    return int(offsets[key])


def unwatch(upload: Upload) -> bool:
    """Take a finished upload out of the index, unless its watch moved since it was read."""
    return update_if(upload, set_actions(Upload, OFF_DUE_INDEX), Upload.due_key == upload.due_key)


def claim_stalled(upload: Upload, now: datetime, watch_until: datetime) -> bool:
    """Claim a stalled upload for one more parse (one more revival), unless its watch moved
    since it was read: of two sweeps, one wins."""
    return update_if(upload, [Upload.status.set(states.PARSING), Upload.parse_started_at.set(now),
                              Upload.parse_revivals.add(1), *watch_actions(upload.upload_id, watch_until)],
                     (Upload.due_key == upload.due_key) & Upload.status.is_in(states.UPLOADING, states.PARSING))
