"""The download center (下载中心): asynchronous exports of task statistics (任务统计), one
task's 费用统计 / 失败详情, the message log (日志查询) and reports (报告下载), as csv or xlsx
in Chinese or English.

**Creating** (``create``) checks the type, format, language and every filter the way the
list it exports checks them (the same parsers: a bad filter is a 4xx naming
``filters.<name>``, and no job is made), fixes a default time range to the instant of the
request (a resume writes the same file), stores a ``pending`` export and sends one ``run``
ticket to the ``exports`` queue.

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from .. import aws
from ..config import settings
from ..domain import exports as domain
from ..domain.ids import sortable_id
from ..domain.time_range import parse_time
from ..domain.timeline import ckey
from ..errors import FieldError, Forbidden, InvalidRequest, JmcError, NotFound
from ..files.exports import CsvWriter, Part, XlsxWriter, plan_parts
from ..store import exports as store
from ..store import files
from ..store.accounts import get_account
from ..store.base import iso, utcnow
from ..store.exports import Export
from ..store.tasks import get_task
from . import directory, message_log, reports, tasks, webhooks
from .identity import Caller

log = logging.getLogger(__name__)

QUEUE = "exports"
#: An export whose workers wrote nothing for this long counts as stalled (a Lambda runs 15
#: minutes at most, and a worker writes a page every few seconds).
STALL = timedelta(minutes=20)
MAX_RESUMES = 3
#: How long a download link works (never past the file's expiry).
LINK_SECONDS = 3600
MAX_FILTER_LENGTH = 2048
#: What one worker writes as xlsx in its 15 minutes, with room to spare (openpyxl: ~6,000 rows/s
#: per core for the log's 16 columns, bench/bench_exports.py); csv has no limit.
XLSX_MAX_ROWS = 4_000_000
#: Parts the finaliser puts at once (S3 copies run inside S3; the worker mostly waits).
FINISH_THREADS = 8

#: The filters each type takes: those of the list it exports.
FILTERS = {
    "tasks": tuple(tasks.LIST_FILTERS),
    "task_cost": ("task_id",),
    "task_failures": ("task_id",),
    "messages": ("type", "to", "task_name", "country", "message_id", "task_id", "status", "start", "end"),
    "report": ("type", "start", "end", "user", "countries"),
}


class ExportNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Export")


class Stopped(Exception):
    """The export is no longer running (cancelled, failed or finished elsewhere)."""


class CannotExport(Exception):
    """The export cannot be made as asked; ``str(exc)`` says why, and it fails with that."""


# --- creating ---------------------------------------------------------------------------------

def create(caller: Caller, data: dict) -> Export:
    export_type = _choice(data, "type", domain.TYPES, None)
    fmt = _choice(data, "format", domain.FORMATS, None)
    lang = _choice(data, "lang", domain.LANGS, "zh")
    if caller.app_id and export_type != "messages":
        raise Forbidden("An application can export only the messages it sent", field="type")
    filters = check_filters(caller, export_type, data.get("filters"))
    now = utcnow()
    export_id = f"exp_{sortable_id(now.timestamp())}"
    created_local = now.astimezone(_zone(caller.account_id))
    export = Export(
        store.export_pk(export_id), export_id=export_id, account_id=caller.account_id, created_by=caller.actor,
        app_id=caller.app_id, type=export_type, format=fmt, lang=lang, filters=json.dumps(filters, ensure_ascii=False),
        status=domain.PENDING, filename=domain.filename(export_type, lang, fmt, created_local),
        file_key=f"exports/files/{export_id}.{fmt}", created_at=now, updated_at=now,
        expires_at=now + timedelta(days=settings().export_retention_days),
        acct=store.account_exports_key(caller.account_id), ckey=ckey(now, export_id),
        **store.watch_values(export_id, now + STALL))
    store.save_new(export)
    _send([{"export_id": export_id, "step": "run"}])
    return export


def _choice(data: dict, name: str, allowed: tuple[str, ...], default: str | None) -> str:
    value = data.get(name, default)
    if value is None:
        raise InvalidRequest(name, "is required")
    if value not in allowed:
        raise FieldError(name, "must be one of " + ", ".join(allowed))
    return value


def check_filters(caller: Caller, export_type: str, given: object) -> dict[str, Any]:
    """The filters as the export's worker will apply them, checked by the parser of the list
    the type exports; a bad one is a FieldError on ``filters.<name>``."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise InvalidRequest("filters", "must be an object")
    params: dict[str, str] = {}
    for name, value in given.items():
        if name not in FILTERS[export_type]:
            raise FieldError(f"filters.{name}", f"is not a filter of {export_type} exports "
                                                f"(they take {', '.join(FILTERS[export_type])})")
        params[name] = _filter_text(name, value)
    params = {k: v for k, v in params.items() if v != ""}
    try:
        return _CHECKS[export_type](caller, params)
    except FieldError as exc:
        raise _under_filters(exc) from None


def _filter_text(name: str, value: object) -> str:
    if isinstance(value, list) and name == "countries":
        if not all(isinstance(v, str) for v in value):
            raise FieldError(f"filters.{name}", "must be a list of country codes")
        value = ",".join(value)
    if not isinstance(value, str):
        raise FieldError(f"filters.{name}", "must be a string")
    if len(value) > MAX_FILTER_LENGTH:
        raise FieldError(f"filters.{name}", f"must be at most {MAX_FILTER_LENGTH} characters")
    return value


def _under_filters(exc: FieldError) -> FieldError:
    """The same error, its field named where the body has it (``filters.start``)."""
    field = exc.field or ""
    reason = exc.message[len(field):].lstrip() if exc.message.startswith(field) else exc.message
    return type(exc)(f"filters.{field}", reason)


def _check_messages(caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    parsed = message_log.parse_filters(caller.account_id, params, app_id=caller.app_id)
    if parsed.task_id is not None:
        _own_task(caller, parsed.task_id)
    return _filters_json(parsed)


def _check_task(caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    if "task_id" not in params:
        raise InvalidRequest("task_id", "is required")
    task = _own_task(caller, params["task_id"])
    # The task's messages are all created after it; the range ends when the export is asked.
    parsed = message_log.Filters(start=task.created_at - timedelta(seconds=1), end=utcnow() + timedelta(seconds=1),
                                 task_id=task.task_id)
    return _filters_json(parsed)


def _own_task(caller: Caller, task_id: str):
    try:
        return tasks.get(caller, task_id)
    except NotFound:
        raise FieldError("task_id", "is not a task of this account") from None


def _check_tasks(caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    return tasks.parse_list_filters(params)


def _check_report(caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    reports.parse_filters(caller.account_id, params, app_id=caller.app_id)
    return params


_CHECKS: dict[str, Callable[[Caller, dict[str, str]], dict[str, Any]]] = {
    "messages": _check_messages, "task_cost": _check_task, "task_failures": _check_task,
    "tasks": _check_tasks, "report": _check_report,
}


def _filters_json(filters: message_log.Filters) -> dict[str, Any]:
    data = asdict(filters)
    data["start"], data["end"] = iso(filters.start), iso(filters.end)
    return data


def _log_filters(export: Export) -> message_log.Filters:
    data = json.loads(export.filters)
    data["start"], data["end"] = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
    return message_log.Filters(**data)


def _zone(account_id: str) -> tzinfo:
    account = get_account(account_id)
    return ZoneInfo(account.timezone if account and account.timezone else "UTC")


# --- reading ----------------------------------------------------------------------------------

def get(caller: Caller, export_id: object) -> Export:
    """The caller's export; another account's (or, for an app, another caller's) is a 404."""
    export = store.get_export(export_id) if isinstance(export_id, str) and export_id.startswith("exp_") \
        and len(export_id) <= 64 else None
    if export is None or export.account_id != caller.account_id or (caller.app_id and export.app_id != caller.app_id):
        raise ExportNotFound()
    return export


def list_exports(caller: Caller, params: dict, limit: int, cursor: str | None) -> tuple[list[Export], str | None]:
    """The account's exports newest first; ``type`` and a creation range (``start``
    inclusive, ``end`` exclusive; a time without an offset is in the account's zone)."""
    export_type = params.get("type") or None
    if export_type is not None and export_type not in domain.TYPES:
        raise FieldError("type", "must be one of " + ", ".join(domain.TYPES))
    zone = _cached_zone(caller.account_id)
    start = parse_time(params["start"], "start", zone) if params.get("start") else None
    end = parse_time(params["end"], "end", zone, is_end=True) if params.get("end") else None
    if start and end and end <= start:
        raise FieldError("end", "must be after start")
    lower = ckey(start, "") if start else "0"  # a key bound cannot be empty; every ckey starts with a year
    upper = ckey(end, "") if end else "~"
    results = store.account_exports(caller.account_id, export_type=export_type, lower=lower, upper=upper,
                                    cursor=cursor, page_size=max(limit, 25))
    items: list[Export] = []
    for export in results:
        if caller.app_id and export.app_id != caller.app_id:
            continue
        items.append(export)
        if len(items) >= limit:
            break
    more = len(items) >= limit and results.last_evaluated_key is not None
    return items, store.account_exports_cursor(items[-1]) if more else None


def _cached_zone(account_id: str) -> Callable[[], tzinfo]:
    zone: list[tzinfo] = []

    def get_zone() -> tzinfo:
        if not zone:
            zone.append(_zone(account_id))
        return zone[0]
    return get_zone


#: What the worker keeps beside the filters asked for (not shown).
_INTERNAL = ("app_id", "range_given", "requested_range")


def shown_filters(export: Export) -> dict[str, Any]:
    """The filters as applied: those asked for, and the time range fixed when it was asked."""
    data = json.loads(export.filters)
    return {k: v for k, v in data.items() if v is not None and k not in _INTERNAL}


def download_url(export: Export) -> str | None:
    """A link to the file while it is kept: the browser saves it under the export's name."""
    now = utcnow()
    if export.status != domain.SUCCEEDED or not export.file_key or export.expires_at <= now:
        return None
    seconds = min(LINK_SECONDS, int((export.expires_at - now).total_seconds()))
    return files.download_url(export.file_key, export.filename, domain.CONTENT_TYPES[export.format], max(1, seconds))


def progress(export: Export) -> int:
    """Percent done: segments recorded (a one-worker export is 0 until it finishes)."""
    if export.status == domain.SUCCEEDED:
        return 100
    if export.segments:
        return int(100 * len(export.segments_done or ()) / (int(export.segments) + 1))
    return 0


def remove(caller: Caller, export_id: str) -> Export | None:
    """Cancel a pending or running export (it is returned, ``cancelled``), or delete a
    finished one with its file (None)."""
    export = get(caller, export_id)
    # (a cancel that loses the race to the finish deletes the finished export, below)
    if export.status in domain.CANCELLABLE and store.cancel(export):
        _discard_work(export)
        return export
    if export.file_key:
        files.delete([export.file_key])
    _discard_work(export)
    store.delete(export)
    return None


def _discard_work(export: Export) -> None:
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
            _send([{"export_id": export.export_id, "step": "finish"}])
            return "all segments recorded: finishing"
        _send([{"export_id": export.export_id, "step": "segment", "segment": i} for i in missing])
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
    zone = _zone(export.account_id)
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
    _send([{"export_id": export.export_id, "step": "finish"}])
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
    _discard_work(export)
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


def _send(tickets: list[dict]) -> None:
    aws.send_messages(QUEUE, tickets)


# --- rows -------------------------------------------------------------------------------------

def _rows(export: Export) -> Iterator[list]:
    if export.type in ("messages", "task_cost", "task_failures"):
        return _log_rows(export, _log_filters(export))
    if export.type == "tasks":
        return _task_rows(export)
    return _report_rows(export)


def _builders(export: Export) -> tuple[domain.LocalTimes, domain.CountryNames]:
    return domain.LocalTimes(_zone(export.account_id)), domain.CountryNames(export.lang)


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
        _send([{"export_id": export.export_id, "step": "run", "resume": True}])
        outcome["resumed"] += 1
    return outcome
