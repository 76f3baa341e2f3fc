"""The export worker of the download center (下载中心): writes the files of task statistics
(任务统计), one task's 费用统计 / 失败详情, the message log (日志查询), reports (报告下载)
and the call log (通话记录), as csv or xlsx in Chinese or English. Asking for, listing and
cancelling exports is ``services.downloads``.

**Running** (``handle``, the ``exports`` queue; every ticket may come twice or after its
worker died):

- ``run``: ``pending → running`` once, with the plan. A csv of the log over the account's
  days (or a task's) is cut into time segments (``domain.exports.plan_segments``), one
  ``segment`` ticket each, all at once; everything else is written by this worker alone.
- ``segment``: the segment's rows, newest first, streamed to its own work object (parts go
  up as they fill); then its ``SEG#n`` item and the export's counts in one transaction, once.
  Whoever records the last segment sends ``finish``.
- ``finish``: joins the segments into the export's file with one multipart upload
  (``files.exports.plan_parts``: big segments are copied inside S3, small ones joined), then
  ``running → succeeded`` and the account's webhook hears ``export.succeeded``.

Every page written moves the export's stall time on (``heartbeat``), which fails once the
export is no longer running: a cancelled export's workers stop at their next page and
abort their uploads. The sweeper (``resume_stalled``) resends the tickets of an export
whose workers all stopped (segments recorded are kept), and after ``MAX_RESUMES`` fails it
with the reason, so an export is never left ``running``.
"""
from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from .. import aws
from ..config import settings
from ..domain import exports as domain
from ..domain.call_events import CURRENCY as CALL_CURRENCY
from ..errors import JmcError
from ..files.exports import CsvWriter, Part, XlsxWriter, plan_parts
from ..store import exports as store
from ..store import files
from ..store.accounts import get_account
from ..store.base import iso, utcnow
from ..store.exports import Export
from ..store.tasks import get_task
from . import directory, message_log, reports, tasks, voice, webhooks

log = logging.getLogger(__name__)

QUEUE = "exports"
#: An export whose workers wrote nothing for this long counts as stalled (a Lambda runs 15
#: minutes at most, and a worker writes a page every few seconds).
STALL = timedelta(minutes=20)
MAX_RESUMES = 3
#: What one worker writes as xlsx in its 15 minutes, with room to spare (openpyxl: ~6,000 rows/s
#: per core for the log's 16 columns, bench/bench_exports.py); csv has no limit.
XLSX_MAX_ROWS = 4_000_000
#: Parts the finaliser puts at once (S3 copies run inside S3; the worker mostly waits).
FINISH_THREADS = 8

class Stopped(Exception):
    """The export is no longer running (cancelled, failed or finished elsewhere)."""


class CannotExport(Exception):
    """The export cannot be made as asked; ``str(exc)`` says why, and it fails with that."""



def _log_filters(export: Export) -> message_log.Filters:
    data = json.loads(export.filters)
    data["start"], data["end"] = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
    return message_log.Filters(**data)


def account_zone(account_id: str) -> tzinfo:
    """The zone the account reads its times in (UTC when it has none)."""
    account = get_account(account_id)
    return ZoneInfo(account.timezone if account and account.timezone else "UTC")



def discard_work(export: Export) -> None:
    """The segments' work objects of a cancelled or deleted export."""
    if export.segments:
        files.delete([_segment_key(export, i) for i in range(int(export.segments))])




# --- working ----------------------------------------------------------------------------------

def handle(ticket: Mapping[str, Any]) -> str:
    """One ticket of the ``exports`` queue; what happened, for the log."""
    export = store.get_export(str(ticket.get("export_id")))
    if export is None or export.status in domain.FINAL:
        return "nothing to do"
    step = ticket.get("step")
    try:
        if step == "run":
            return _run(export, resume=bool(ticket.get("resume")))
        if step == "segment":
            return _segment(export, int(ticket["segment"]))
        if step == "finish":
            return _finish(export)
    except Stopped:
        return "stopped: the export is no longer running"
    except JmcError as exc:  # the filters were checked when asked; the world changed since
        _fail(export, exc.message)
        return f"failed: {exc.message}"
    except CannotExport as exc:
        _fail(export, str(exc))
        return f"failed: {exc}"
    raise ValueError(f"unknown export step {step!r}")


def _run(export: Export, *, resume: bool) -> str:
    if export.status == domain.PENDING:
        ranges = _segment_ranges(export)
        values: dict[str, Any] = store.watch_values(export.export_id, utcnow() + STALL)
        if ranges is not None:
            values.update(segments=len(ranges), segment_ranges=json.dumps([[iso(a), iso(b)] for a, b in ranges]))
        if not store.start(export, values):
            return "started by another worker"
    elif not resume:
        return "running already"
    if export.segments:
        done = set(export.segments_done or ())
        missing = [i for i in range(int(export.segments)) if i not in done]
        if not missing:
            send_tickets([{"export_id": export.export_id, "step": "finish"}])
            return "all segments recorded: finishing"
        send_tickets([{"export_id": export.export_id, "step": "segment", "segment": i} for i in missing])
        return f"{len(missing)} segment ticket(s) sent"
    rows, size = _write_whole(export)
    _succeed(export, rows, size)
    return f"written: {rows} rows, {size} bytes"


def _segment_ranges(export: Export) -> list[tuple[datetime, datetime]] | None:
    """The time segments of a csv of the log over days or a task; None: one worker."""
    if export.type not in ("messages", "task_cost", "task_failures") or export.format != "csv":
        return None
    filters = _log_filters(export)
    if filters.plan == "task":
        estimates = _task_rows_per_day(export.account_id, filters.task_id or "", filters.end)
    elif filters.plan == "days":
        estimates = _rows_per_day(export, filters)
    else:
        return None
    return domain.plan_segments(filters.start, filters.end, estimates, target_rows=settings().export_segment_rows)


def _task_rows_per_day(account_id: str, task_id: str, until: datetime) -> dict[date, int]:
    """A task's recipients spread evenly over the time it sent (its messages are made as it
    sends), per UTC day."""
    task = get_task(task_id)
    if task is None or task.account_id != account_id:
        return {}
    began = task.started_at or task.created_at
    return domain.spread_over_days(int(task.total or 0), began, task.completed_at or until)


def _rows_per_day(export: Export, filters: message_log.Filters) -> dict[date, int]:
    """What each UTC day of the range is expected to hold, from the report aggregates (they
    count every status, so a status filter makes this an overestimate: more workers, each
    with less to do)."""
    zone = account_zone(export.account_id)
    first, last = filters.start.astimezone(zone).date(), filters.end.astimezone(zone).date()
    local = reports.daily_totals(export.account_id, first, last, type=filters.type, country=filters.country,
                                 user=filters.app_id)
    return domain.utc_day_estimates(local, zone)


def _write_whole(export: Export) -> tuple[int, int]:
    """The file written by this worker alone (rows, bytes)."""
    rows = _rows(export)
    header = domain.headers(export.type, export.lang)
    metadata = {"export-id": export.export_id}
    sink = files.StreamedObject(export.file_key or "", content_type=domain.CONTENT_TYPES[export.format],
                                metadata=metadata)
    watch = _Watch(export)
    try:
        if export.format == "csv":
            writer = CsvWriter(sink, header, typed=domain.typed_columns(export.type))
            for row in rows:
                writer.write(row)
                watch.tick(writer.rows)
            writer.close()
            count = writer.rows
        else:
            count = _write_xlsx(export, rows, header, sink, watch)
        size = sink.close()
    except BaseException:
        sink.abort()
        raise
    return count, size


def _write_xlsx(export: Export, rows: Iterable[list], header: list[str], sink: files.StreamedObject,
                watch: _Watch) -> int:
    writer = XlsxWriter(header, lambda index: domain.sheet_title(export.type, export.lang, index),
                        typed=domain.typed_columns(export.type))
    try:
        for row in rows:
            if writer.rows >= XLSX_MAX_ROWS:
                raise CannotExport(f"an xlsx export holds at most {XLSX_MAX_ROWS:,} rows (one worker writes it in "
                                   "its 15 minutes); export csv, which has no limit, or narrow the filters")
            writer.write(row)
            watch.tick(writer.rows)
    except BaseException:
        writer.discard()
        raise
    # openpyxl assembles the zip at save; staged in /tmp, then streamed up in parts.
    with tempfile.TemporaryFile() as staged:
        writer.save(staged)
        staged.seek(0)
        while chunk := staged.read(files.PART_BYTES):
            sink.write(chunk)
    return writer.rows


class _Watch:
    """Every page of rows written: the export's stall time moves on, or the worker learns
    that the export stopped (Stopped)."""

    def __init__(self, export: Export):
        self._export = export
        self._every = settings().export_page_rows
        self._next = self._every

    def tick(self, rows: int) -> None:
        if rows < self._next:
            return
        self._next = rows + self._every
        if not store.heartbeat(self._export, utcnow() + STALL):
            raise Stopped()


def _segment(export: Export, index: int) -> str:
    if export.status != domain.RUNNING or not export.segments:
        return "not running"
    if index in set(export.segments_done or ()):
        return _finish_when_complete(export)
    start, end = json.loads(export.segment_ranges or "[]")[index]
    filters = replace(_log_filters(export), start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))
    sink = files.StreamedObject(_segment_key(export, index), content_type="text/csv")
    watch = _Watch(export)
    try:
        writer = CsvWriter(sink, domain.headers(export.type, export.lang), first_segment=index == 0,
                           typed=domain.typed_columns(export.type))
        for row in _log_rows(export, filters):
            writer.write(row)
            watch.tick(writer.rows)
        writer.close()
        size = sink.close()
    except BaseException:
        sink.abort()
        raise
    if not store.record_segment(export, index, writer.rows, size):
        export.refresh(consistent_read=True)
        if export.status != domain.RUNNING:
            raise Stopped()
        return f"segment {index} was recorded before"
    export.refresh(consistent_read=True)
    return f"segment {index}: {writer.rows} rows; " + _finish_when_complete(export)


def _finish_when_complete(export: Export) -> str:
    if len(export.segments_done or ()) < int(export.segments or 0):
        return "waiting for other segments"
    send_tickets([{"export_id": export.export_id, "step": "finish"}])
    return "finish sent"


def _segment_key(export: Export, index: int) -> str:
    return f"exports/work/{export.export_id}/s{index:05d}.csv"


def _finish(export: Export) -> str:
    if export.status != domain.RUNNING or not export.segments:
        return "not running"
    segments = sorted(store.segments_of(export), key=lambda s: s.index)
    if len(segments) < int(export.segments):
        return "waiting for other segments"
    key = export.file_key or ""
    multipart_id = _multipart_of(export)

    def put(numbered: tuple[int, Part]) -> dict[str, Any]:
        number, part = numbered
        if part.copy:
            (piece,) = part.pieces
            return files.copy_part(key, multipart_id, number, _segment_key(export, piece.segment),
                                   piece.start, piece.end)
        body = b"".join(files.read_range(_segment_key(export, p.segment), p.start, p.end) for p in part.pieces)
        return files.upload_part(key, multipart_id, number, body)

    # Parts are independent: copies of ~100 MB segments take seconds each inside S3, so they
    # go up side by side (a joined part holds under 2 x 5 MiB, so memory stays small).
    with ThreadPoolExecutor(max_workers=FINISH_THREADS) as pool:
        uploaded = list(pool.map(put, enumerate(plan_parts([int(s.bytes) for s in segments]), start=1)))
    if not files.complete_multipart(key, multipart_id, uploaded) and \
            (files.metadata(key) or {}).get("export-id") != export.export_id:
        raise RuntimeError(f"multipart upload of {export.export_id} vanished before it completed")
    rows, size = sum(int(s.rows) for s in segments), sum(int(s.bytes) for s in segments)
    _succeed(export, rows, size)
    discard_work(export)
    return f"joined {len(segments)} segment(s): {rows} rows, {size} bytes"


def _multipart_of(export: Export) -> str:
    """The finaliser's multipart upload: the one a crashed finaliser started, or a new one."""
    if export.multipart_id:
        return export.multipart_id
    metadata = {"export-id": export.export_id}
    started = files.start_multipart(export.file_key or "", domain.CONTENT_TYPES[export.format], metadata)
    if store.set_multipart(export, started):
        return started
    files.abort_multipart(export.file_key or "", started)
    export.refresh(consistent_read=True)
    if export.status != domain.RUNNING or not export.multipart_id:
        raise Stopped()
    return export.multipart_id


def _succeed(export: Export, rows: int, size: int) -> None:
    if store.succeed(export, rows, size, export.file_key or ""):
        _tell(export)
    elif export.status != domain.SUCCEEDED:
        raise Stopped()


def _fail(export: Export, error: str) -> None:
    if store.fail(export, error):
        _tell(export)


def _tell(export: Export) -> None:
    """The account's webhook hears that the export finished (never undoing the finish)."""
    event = {"event_id": f"{export.export_id}:{export.status}", "type": f"export.{export.status}",
             "export_id": export.export_id, "export_type": export.type, "format": export.format,
             "lang": export.lang, "status": export.status, "rows": int(export.rows or 0),
             "bytes": int(export.bytes or 0), "error": export.error, "created_at": iso(export.created_at),
             "finished_at": iso(export.finished_at), "expires_at": iso(export.expires_at)}
    try:
        webhooks.notify_account(export.account_id, event, export.export_id)
    except Exception:
        log.exception("could not queue the webhook event for %s (%s)", export.export_id, export.status)


def send_tickets(tickets: list[dict]) -> None:
    aws.send_messages(QUEUE, tickets)


# --- rows -------------------------------------------------------------------------------------

def _rows(export: Export) -> Iterator[list]:
    if export.type in ("messages", "task_cost", "task_failures"):
        return _log_rows(export, _log_filters(export))
    if export.type == "tasks":
        return _task_rows(export)
    if export.type == "voice_calls":
        return _call_rows(export)
    return _report_rows(export)


def _builders(export: Export) -> tuple[domain.LocalTimes, domain.CountryNames]:
    return domain.LocalTimes(account_zone(export.account_id)), domain.CountryNames(export.lang)


def _log_rows(export: Export, filters: message_log.Filters) -> Iterator[list]:
    times, countries = _builders(export)
    build = domain.ROW_BUILDERS[export.type]
    failures_only = export.type == "task_failures"
    for item in message_log.iter_stored(export.account_id, filters, domain.MESSAGE_ATTRIBUTES):
        if failures_only and item.get("status") not in domain.FAILURE_STATUSES:
            continue
        yield build(item, times, countries, export.lang)


def _task_rows(export: Export) -> Iterator[list]:
    times, countries = _builders(export)
    names = {user.user_id: user.name or user.email for user in directory.list_users(export.account_id)}
    for task in tasks.iter_tasks(export.account_id, json.loads(export.filters)):
        totals = tasks.live_counters(task)
        item = {**totals, "task_id": task.task_id, "name": task.name, "created_at": task.created_at,
                "started_at": task.started_at, "status": task.status, "total": int(task.total),
                "created_by": task.created_by, "created_by_name": names.get(task.created_by)}
        yield domain.task_row(item, times, countries, export.lang)


def _call_rows(export: Export) -> Iterator[list]:
    times, countries = _builders(export)
    for call in voice.iter_calls(export.account_id, voice.Filters.from_json(json.loads(export.filters))):
        item = {"id": call.uuid, "number": call.number, "from": call.from_number, "to": call.to_number,
                "direction": call.direction, "status": call.status, "start_time": call.start_time,
                "end_time": call.end_time, "duration": call.duration, "rate": call.rate, "price": call.price,
                "currency": CALL_CURRENCY}
        yield domain.call_row(item, times, countries, export.lang)


def _report_rows(export: Export) -> Iterator[list]:
    times, countries = _builders(export)
    parsed = reports.parse_filters(export.account_id, json.loads(export.filters), app_id=export.app_id)
    result = reports.report(export.account_id, parsed)
    for row in [*result["rows"], result["totals"]]:
        yield domain.report_row(row, times, countries, export.lang)


# --- the sweeper ------------------------------------------------------------------------------

def resume_stalled(now: datetime | None = None) -> dict[str, int]:
    """Resend the work of exports whose workers all stopped; fail those resumed too often."""
    now = now or utcnow()
    outcome = {"resumed": 0, "failed": 0}
    for seen in store.stalled(now):
        export = store.get_export(seen.export_id)
        if export is None or export.status in domain.FINAL or export.due_key != seen.due_key:
            continue
        if int(export.resumes or 0) >= MAX_RESUMES:
            _fail(export, f"the export stopped making progress {MAX_RESUMES + 1} times; "
                          "try a narrower filter or csv")
            outcome["failed"] += 1
            continue
        if not store.claim_resume(export, now + STALL):
            continue
        send_tickets([{"export_id": export.export_id, "step": "run", "resume": True}])
        outcome["resumed"] += 1
    return outcome
