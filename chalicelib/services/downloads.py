"""The download center (下载中心): asking for an export, listing, reading, cancelling and
deleting it, and its download link. The files are written by ``services.exports``.

**Creating** (``create``) checks the type, format, language and every filter the way the
list it exports checks them (the same parsers: a bad filter is a 4xx naming
``filters.<name>``, and no job is made), fixes a default time range to the instant of the
request (a resume writes the same file), stores a ``pending`` export and sends one ``run``
ticket to the ``exports`` queue.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta, tzinfo
from typing import Any

from ..config import settings
from ..domain import exports as domain
from ..domain.ids import sortable_id
from ..domain.time_range import parse_time
from ..domain.timeline import ckey
from ..errors import FieldError, Forbidden, InvalidRequest, NotFound
from ..store import exports as store
from ..store import files
from ..store.base import iso, utcnow
from ..store.exports import Export
from . import exports, message_log, reports, tasks, voice
from .identity import Caller

#: How long a download link works (never past the file's expiry).
LINK_SECONDS = 3600
MAX_FILTER_LENGTH = 2048

#: The filters each type takes: those of the list it exports.
FILTERS = {
    "tasks": tuple(tasks.LIST_FILTERS),
    "task_cost": ("task_id",),
    "task_failures": ("task_id",),
    "messages": ("type", "to", "task_name", "country", "message_id", "task_id", "status", "start", "end"),
    "report": ("type", "start", "end", "user", "countries"),
    "voice_calls": voice.FILTER_NAMES,
}


class ExportNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Export")



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
    created_local = now.astimezone(exports.account_zone(caller.account_id))
    export = Export(
        store.export_pk(export_id), export_id=export_id, account_id=caller.account_id, created_by=caller.actor,
        app_id=caller.app_id, type=export_type, format=fmt, lang=lang, filters=json.dumps(filters, ensure_ascii=False),
        status=domain.PENDING, filename=domain.filename(export_type, lang, fmt, created_local),
        file_key=f"exports/files/{export_id}.{fmt}", created_at=now, updated_at=now,
        expires_at=now + timedelta(days=settings().export_retention_days),
        acct=store.account_exports_key(caller.account_id), ckey=ckey(now, export_id),
        **store.watch_values(export_id, now + exports.STALL))
    store.save_new(export)
    exports.send_tickets([{"export_id": export_id, "step": "run"}])
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


def _check_calls(caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    return voice.parse_filters(caller.account_id, params).as_json()


_CHECKS: dict[str, Callable[[Caller, dict[str, str]], dict[str, Any]]] = {
    "messages": _check_messages, "task_cost": _check_task, "task_failures": _check_task,
    "tasks": _check_tasks, "report": _check_report, "voice_calls": _check_calls,
}


def _filters_json(filters: message_log.Filters) -> dict[str, Any]:
    data = asdict(filters)
    data["start"], data["end"] = iso(filters.start), iso(filters.end)
    return data


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
            zone.append(exports.account_zone(account_id))
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
        exports.discard_work(export)
        return export
    if export.file_key:
        files.delete([export.file_key])
    exports.discard_work(export)
    store.delete(export)
    return None
