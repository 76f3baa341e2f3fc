"""Exports (下载中心) in the tasks table, and the conditional writes that run them:

- ``EXPORT#<id> / META``: the export: what (type, format, language, filters), whose, its
  state and file. ``acct = <account>#EXPORT`` puts it in the table's ``account-index``, so
  an account's exports list newest first with one Query (a creation range is a key range).
- ``EXPORT#<id> / SEG#<n>``: one segment of a messages export, written by its own worker:
  rows, bytes. Its existence is what "segment n is done" means, so a redelivered ticket
  never writes a segment twice.

A pending or running export is *watched*: it sits in the sparse ``due-index`` under
``EXPORT``, keyed by the time it counts as stalled; every page a worker writes moves that
on (``heartbeat``), and the sweeper finds only exports whose workers all stopped. Final
exports leave the index.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, NumberSetAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from ..domain import exports as states
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
from .tasks import META, OFF_DUE_INDEX, DueIndex, due_key

#: The due-index partition of exports being worked on.
EXPORT_WATCH = "EXPORT"


def export_pk(export_id: str) -> str:
    return f"EXPORT#{export_id}"


def segment_sk(index: int) -> str:
    return f"SEG#{index:05d}"


def account_exports_key(account_id: str) -> str:
    return f"{account_id}#EXPORT"


class ExportAccountIndex(GlobalSecondaryIndex["Export"]):
    """The tasks table's ``account-index``, where exports carry ``acct = <account>#EXPORT``."""
    class Meta:
        index_name = "account-index"
        projection = AllProjection()
    acct = UnicodeAttribute(hash_key=True)
    ckey = UnicodeAttribute(range_key=True)


class Export(Model):
    """One export. ``filters`` is the validated filter set as JSON (what the worker reads and
    what the API shows). ``segments`` is None until the worker has planned the work."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=META)
    export_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    created_by = UnicodeAttribute()  # a user id, or an app id for an app caller
    app_id = UnicodeAttribute(null=True)  # set for app callers: they export what they sent
    type = UnicodeAttribute()
    format = UnicodeAttribute()
    lang = UnicodeAttribute()
    filters = UnicodeAttribute()  # JSON
    status = UnicodeAttribute()  # domain.exports
    error = UnicodeAttribute(null=True)
    rows = NumberAttribute(default=0)
    bytes = NumberAttribute(default=0)
    segments = NumberAttribute(null=True)
    segment_ranges = UnicodeAttribute(null=True)  # JSON [[start iso, end iso], ...], newest first
    segments_done = NumberSetAttribute(null=True)
    resumes = NumberAttribute(default=0)
    file_key = UnicodeAttribute(null=True)
    filename = UnicodeAttribute()
    multipart_id = UnicodeAttribute(null=True)  # the upload the finaliser joins segments in
    created_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    expires_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    acct = UnicodeAttribute()
    ckey = UnicodeAttribute()
    due = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    by_account = ExportAccountIndex()
    by_due = DueIndex()


class ExportSegment(Model):
    """A finished segment of a messages export: its rows and its object's size."""
    Meta = table_meta("tasks")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    rows = NumberAttribute()
    bytes = NumberAttribute()

    @property
    def index(self) -> int:
        return int(self.sk.split("#", 1)[1])


# --- reads ------------------------------------------------------------------------------------

def get_export(export_id: str) -> Export | None:
    return get_item(Export, export_pk(export_id), META)


def segments_of(export: Export) -> list[ExportSegment]:
    return list(ExportSegment.query(export.pk, ExportSegment.sk.startswith("SEG#"), consistent_read=True))


def account_exports(account_id: str, *, export_type: str | None, lower: str, upper: str, cursor: str | None,
                    page_size: int) -> ResultIterator[Export]:
    """An account's exports newest first, created in ``[lower, upper)`` (ISO times), of one
    type if given, from after ``cursor`` (an ``account_exports_cursor``)."""
    acct = account_exports_key(account_id)
    condition = (Export.type == export_type) if export_type else None
    start = start_key(cursor, pk=Prefix("EXPORT#"), sk=META, acct=acct, ckey=Prefix())
    return Export.by_account.query(acct, Export.ckey.between(lower, upper), scan_index_forward=False,
                                   filter_condition=condition, last_evaluated_key=start, page_size=page_size)


def account_exports_cursor(last: Export) -> str:
    return encode_cursor({"pk": {"S": last.pk}, "sk": {"S": last.sk}, "acct": {"S": last.acct},
                          "ckey": {"S": last.ckey}})


def stalled(upto: datetime) -> Iterator[Export]:
    """Watched exports whose stall time has passed (the index's copies: re-read before acting)."""
    return Export.by_due.query(EXPORT_WATCH, Export.due_key <= iso(upto) + "~")


# --- writes -----------------------------------------------------------------------------------

def save_new(export: Export) -> None:
    export.save(condition=Export.pk.does_not_exist())


def watch_values(export_id: str, until: datetime) -> dict[str, Any]:
    return {"due": EXPORT_WATCH, "due_key": due_key(iso(until), export_id)}


def start(export: Export, values: dict[str, Any]) -> bool:
    """``pending → running`` with ``values`` (the plan), once."""
    now = utcnow()
    values = {**values, "status": states.RUNNING, "started_at": now, "updated_at": now}
    return _move(export, values, Export.status == states.PENDING)


def heartbeat(export: Export, until: datetime) -> bool:
    """A worker is alive: the stall time moves on. False once the export is no longer
    running (cancelled, failed, finished): the worker stops."""
    return update_if(export, set_actions(Export, watch_values(export.export_id, until)),
                     Export.status == states.RUNNING)


def record_segment(export: Export, index: int, rows: int, size: int) -> bool:
    """Segment ``index`` is done: its item, and the export's rows and done set, in one
    transaction, once (False if it was recorded before or the export stopped running)."""
    try:
        with transaction() as tx:
            tx.save(ExportSegment(export.pk, segment_sk(index), rows=rows, bytes=size),
                    condition=ExportSegment.sk.does_not_exist())
            tx.update(export, actions=[Export.rows.add(rows), Export.segments_done.add({index}),
                                       Export.updated_at.set(utcnow())],
                      condition=Export.status == states.RUNNING)
    except TransactWriteError as exc:
        if cancelled_by_condition(exc):
            return False
        raise
    return True


def set_multipart(export: Export, multipart_id: str) -> bool:
    """Remember the finaliser's multipart upload, unless another finaliser's is already kept."""
    return update_if(export, [Export.multipart_id.set(multipart_id)],
                     Export.multipart_id.does_not_exist() & (Export.status == states.RUNNING))


def succeed(export: Export, rows: int, size: int, file_key: str) -> bool:
    """``running → succeeded`` with the file's rows and size, out of the watch."""
    now = utcnow()
    values = {"status": states.SUCCEEDED, "rows": rows, "bytes": size, "file_key": file_key, "finished_at": now,
              "updated_at": now, **OFF_DUE_INDEX}
    return _move(export, values, Export.status == states.RUNNING)


def fail(export: Export, error: str) -> bool:
    """``pending | running → failed`` with the reason, out of the watch."""
    now = utcnow()
    values = {"status": states.FAILED, "error": error, "finished_at": now, "updated_at": now, **OFF_DUE_INDEX}
    return _move(export, values, Export.status.is_in(*states.CANCELLABLE))


def cancel(export: Export) -> bool:
    """``pending | running → cancelled``, out of the watch (workers see it at their next page)."""
    now = utcnow()
    values = {"status": states.CANCELLED, "finished_at": now, "updated_at": now, **OFF_DUE_INDEX}
    return _move(export, values, Export.status.is_in(*states.CANCELLABLE))


def claim_resume(export: Export, until: datetime) -> bool:
    """The sweeper takes a stalled export (compare-and-set on its stall key: two sweeps never
    both take it) and counts the resume."""
    values = {**watch_values(export.export_id, until), "updated_at": utcnow()}
    return update_if(export, [*set_actions(Export, values), Export.resumes.add(1)],
                     (Export.due_key == export.due_key) & Export.status.is_in(*states.CANCELLABLE))


def delete(export: Export) -> None:
    """The export's items (the file is deleted by the caller first)."""
    with ExportSegment.batch_write() as batch:
        for segment in segments_of(export):
            batch.delete(segment)
    export.delete()


def _move(export: Export, values: dict[str, Any], condition: Condition) -> bool:
    if update_if(export, set_actions(Export, values), condition):
        for name, value in values.items():
            setattr(export, name, value)
        return True
    export.refresh(consistent_read=True)
    return False
