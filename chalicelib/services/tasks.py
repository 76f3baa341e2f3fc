"""Bulk tasks (seed: 任务管理 — 国际|港澳台发信, 国内发信): what to send, to which uploaded
list, from whom, and when; priced and balance-checked before they are accepted; edited,
paused, resumed or cancelled only before they start. Starting and fan-out live in
``services.fanout``; the state rules in ``domain.task_states``.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..domain import task_states as states
from ..domain import upload_states
from ..domain.ids import new_id
from ..domain.segments import price_micros
from ..domain.task_states import TaskStateError
from ..errors import FieldError, InvalidRequest, NotFound, missing_or_invalid
from ..store import tasks as store
from ..store.accounts import get_account
from ..store.base import as_dict, iso, utcnow
from ..store.tasks import DUE, OFF_DUE_INDEX, Task, counters, due_key, get_task, task_ckey, task_pk
from ..store.uploads import Upload
from . import billing, catalog, sending, templates, uploads
from .apps import get_app
from .identity import Caller

KINDS = ("international", "domestic")
MAX_NAME = 100
MAX_SCHEDULE_AHEAD = timedelta(days=90)
#: How far in the past a send_at may be (clock skew, a slow form) and still mean "now".
PAST_GRACE = timedelta(minutes=5)
#: Below this similarity to its approved template, a domestic task's content is flagged.
SIMILARITY_WARNING = 0.8
EDITABLE_FIELDS = ("name", "content", "send_at", "from", "signature_id", "template_id", "blacklist_check",
                   "upload_id", "app_id")


class TaskNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Task")


@dataclass(frozen=True)
class Plan:
    """A validated task request: everything a Task item holds apart from its state."""
    name: str
    kind: str
    app_id: str
    upload: Upload
    requested_from: str | None  # the "from" asked for; an edit resolves it again
    senders: dict[str, str]  # country -> resolved From
    signature_id: str | None
    template_id: str | None
    content: str  # what the customer wrote (domestic: without the signature)
    text: str  # what is sent (domestic: 【signature】 + content)
    blacklist_check: bool
    send_at: datetime | None
    estimate: dict
    warning: str | None


# --- validation ------------------------------------------------------------------------------

def plan(caller: Caller, data: dict) -> Plan:
    """Validate a task request (FieldError names the field), price it and check the
    balance (InsufficientBalance)."""
    kind = data.get("kind")
    if kind not in KINDS:
        raise missing_or_invalid("kind", kind, "must be international or domestic")
    name = _name(data.get("name"))
    app_id = _app(caller, data.get("app_id"))
    upload = _upload(caller, data.get("upload_id"), kind)
    blacklist_check = data.get("blacklist_check", True)
    if not isinstance(blacklist_check, bool):
        raise FieldError("blacklist_check", "must be true or false")
    template = _template(caller, data.get("template_id"), kind)
    signature = _signature(caller, data.get("signature_id"), kind)
    content = _content(data.get("content"), template, kind)
    text = f"{signature.text}{content}" if signature else content
    senders = {country: _sender(caller, country, data.get("from")) for country in sorted(upload.countries)}
    estimate = _estimate(caller.account_id, upload, text)
    billing.check_covers(caller.account_id, estimate["cost_micros"])
    return Plan(name=name, kind=kind, app_id=app_id, upload=upload, requested_from=data.get("from"),
                senders=senders, signature_id=signature.signature_id if signature else None,
                template_id=template.template_id if template else None, content=content, text=text,
                blacklist_check=blacklist_check, send_at=send_time(caller, data.get("send_at")),
                estimate=estimate, warning=_warning(content, template) if kind == "domestic" else None)


def _name(value: object) -> str:
    if value is None:
        raise InvalidRequest("name", "is required")
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise FieldError("name", f"must be 1-{MAX_NAME} characters")
    return value.strip()


def _app(caller: Caller, app_id: object) -> str:
    if caller.kind == "app" and caller.app_id:
        if app_id not in (None, caller.app_id):
            raise FieldError("app_id", "must be the calling application's own id")
        return caller.app_id
    if app_id is None:
        raise InvalidRequest("app_id", "is required: the application whose blacklist and log the task uses")
    app = get_app(caller.account_id, app_id) if isinstance(app_id, str) else None
    if app is None or app.status != "active":
        raise FieldError("app_id", "is not an active application of this account")
    return app.app_id


def _upload(caller: Caller, upload_id: object, kind: str) -> Upload:
    if upload_id is None:
        raise InvalidRequest("upload_id", "is required: upload the numbers first (POST /v1/uploads)")
    try:
        upload = uploads.get(caller, upload_id)
    except uploads.UploadNotFound:
        raise FieldError("upload_id", "is not an upload of this account") from None
    if upload.status != upload_states.READY:
        raise FieldError("upload_id", f"is {upload.status}, not ready: wait for parsing to finish"
                         if upload.status != upload_states.FAILED else "failed to parse: upload the file again")
    if upload.kind != kind:
        raise FieldError("upload_id", f"is a {upload.kind} list; this task is {kind}")
    if not upload.valid:
        raise FieldError("upload_id", "holds no valid number")
    return upload


def _template(caller: Caller, template_id: object, kind: str):
    if template_id is None:
        if kind == "domestic":
            raise InvalidRequest("template_id", "is required for domestic tasks (an approved template)")
        return None
    template = templates.get(caller.account_id, template_id) if isinstance(template_id, str) else None
    if template is None or template.kind != kind:
        raise FieldError("template_id", f"is not a {kind} template of this account")
    if kind == "domestic" and template.status != "approved":
        detail = f" (rejected: {template.reason})" if template.status == "rejected" and template.reason else ""
        raise FieldError("template_id", f"is {template.status}{detail}: domestic tasks need an approved template")
    return template


def _signature(caller: Caller, signature_id: object, kind: str):
    if kind != "domestic":
        if signature_id is not None:
            raise FieldError("signature_id", "applies to domestic tasks only")
        return None
    if signature_id is None:
        raise InvalidRequest("signature_id", "is required for domestic tasks (a signature bound to the account)")
    found = [s for s in catalog.signatures(caller.account_id) if s.signature_id == signature_id]
    if not found:
        raise FieldError("signature_id", "is not a signature bound to this account")
    return found[0]


def _content(value: object, template, kind: str) -> str:
    if value is None:
        if template is None:
            raise InvalidRequest("content", "is required (or choose a template_id)")
        return template.content
    if not isinstance(value, str) or not value.strip():
        raise FieldError("content", "must be non-empty text")
    if kind == "domestic" and ("【" in value or "】" in value):
        raise FieldError("content", "must not contain 【】: the signature is chosen with signature_id")
    return value.strip()


def _sender(caller: Caller, country: str, wanted: object) -> str:
    if wanted is not None and not isinstance(wanted, str):
        raise FieldError("from", "must be a string")
    try:
        return sending.resolve_sender(caller.account_id, country, wanted)
    except FieldError as exc:
        raise FieldError("from", f"{exc.reason} (the list has numbers in {country})") from None


def _warning(content: str, template) -> str | None:
    similarity = difflib.SequenceMatcher(None, template.content, content).ratio()
    if similarity >= SIMILARITY_WARNING:
        return None
    return (f"the content differs substantially from approved template {template.template_id} "
            f"({similarity:.0%} similar): carriers may block it, and blocked messages are still billed")


def _estimate(account_id: str, upload: Upload, text: str) -> dict:
    """Segments × price per country for every valid number of the list."""
    prices = catalog.effective_prices(account_id)
    by_country, segments, cost = {}, 0, 0
    for country, count in sorted(as_dict(upload.countries).items()):
        if country not in prices:
            raise FieldError("upload_id", f"has {int(count)} number(s) in {country}, which is not on this "
                                          "account's price list")
        billed, _ = sending.segmentation_for(country, text, account_id, field="content")
        unit = prices[country][0]
        country_cost = price_micros(billed.segments, unit) * int(count)
        by_country[country] = {"numbers": int(count), "segments": billed.segments * int(count),
                               "cost_micros": country_cost}
        segments += billed.segments * int(count)
        cost += country_cost
    return {"numbers": int(upload.valid), "segments": segments, "cost_micros": cost, "by_country": by_country}


def send_time(caller: Caller, value: object) -> datetime | None:
    """``send_at`` as UTC: ISO 8601; without an offset it is the account's local time.
    None (absent) means now."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError("send_at", "must be an ISO 8601 date-time, e.g. 2026-12-01T09:30:00+08:00")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError("send_at", "must be an ISO 8601 date-time, e.g. 2026-12-01T09:30:00+08:00") from None
    if when.tzinfo is None:
        account = get_account(caller.account_id)
        when = when.replace(tzinfo=ZoneInfo(account.timezone if account else "UTC"))
    when = when.astimezone(ZoneInfo("UTC"))
    now = utcnow()
    if when < now - PAST_GRACE:
        raise FieldError("send_at", "is in the past")
    if when > now + MAX_SCHEDULE_AHEAD:
        raise FieldError("send_at", f"must be within {MAX_SCHEDULE_AHEAD.days} days")
    return when


# --- create and change -----------------------------------------------------------------------

def create(caller: Caller, data: dict) -> Task:
    """A new task, ``scheduled`` for ``send_at`` (or now). The caller starts an immediate one."""
    p = plan(caller, data)
    now = utcnow()
    task_id = new_id("task")
    send_at = p.send_at or now
    task = Task(task_pk(task_id), task_id=task_id, account_id=caller.account_id, created_by=caller.actor,
                status=states.SCHEDULED, version=1, created_at=now, updated_at=now, acct=caller.account_id,
                ckey=task_ckey(iso(now), task_id),
                due=DUE, due_key=due_key(iso(send_at), task_id), **_plan_values(p, send_at))
    store.save_new(task)
    return task


def _plan_values(p: Plan, send_at: datetime) -> dict:
    """Everything a task item holds that follows from its request, the number list's size,
    chunks, countries and estimate included: an edit writes all of it again in its one
    conditional write, so nothing derived from a list it replaced survives it."""
    return {"total": int(p.upload.valid), "chunk_count": int(p.upload.chunk_count),
            "name": p.name, "kind": p.kind, "app_id": p.app_id, "upload_id": p.upload.upload_id, "senders": p.senders,
            "requested_from": p.requested_from, "signature_id": p.signature_id, "template_id": p.template_id,
            "content": p.content, "text": p.text, "blacklist_check": p.blacklist_check, "send_at": send_at,
            "countries": {k: int(v) for k, v in as_dict(p.upload.countries).items()},
            "estimate": p.estimate, "warning": p.warning, "scheduled": p.send_at is not None}


def edit(caller: Caller, task: Task, data: dict) -> Task:
    """Change a scheduled or paused task (409 once it has started). The whole task is
    validated again as if it were new; the change applies only to the version read."""
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidRequest("body", f"has fields that cannot be changed: {_some_names(unknown)} "
                                     f"(editable: {', '.join(EDITABLE_FIELDS)})")
    states.next_status("edit", task.status)
    merged = {**current_request(task), **data}
    p = plan(caller, merged)
    send_at = p.send_at or utcnow()
    values = {**_plan_values(p, send_at), "version": int(task.version) + 1, "updated_at": utcnow()}
    if task.status == states.SCHEDULED:
        values["due_key"] = due_key(iso(send_at), task.task_id)
    _change(task, "edit", values)
    return task


def _some_names(names: list[str], shown: int = 3, length: int = 40) -> str:
    """A few of the caller's field names, quoted (control characters escaped) and cut short:
    an error message repeats only a bounded part of what was sent."""
    quoted = [json.dumps(name if len(name) <= length else name[:length] + "…", ensure_ascii=False)
              for name in names[:shown]]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(quoted) + more


def current_request(task: Task) -> dict:
    """The task as a create request (what an edit is merged into)."""
    request = {"name": task.name, "kind": task.kind, "app_id": task.app_id, "upload_id": task.upload_id,
               "content": task.content, "blacklist_check": task.blacklist_check}
    optional = {"from": task.requested_from, "template_id": task.template_id, "signature_id": task.signature_id}
    request.update({name: value for name, value in optional.items() if value})
    if task.scheduled:
        request["send_at"] = iso(task.send_at)
    return request


def pause(task: Task) -> Task:
    _change(task, "pause", {**OFF_DUE_INDEX, "updated_at": utcnow()})
    return task


def resume(task: Task) -> Task:
    """Back to ``scheduled``: sent at its time, or at the scheduler's next tick if that passed."""
    _change(task, "resume", {"due": DUE, "due_key": due_key(iso(task.send_at), task.task_id),
                             "updated_at": utcnow()})
    return task


def cancel(task: Task) -> Task:
    _change(task, "cancel", {**OFF_DUE_INDEX, "updated_at": utcnow(), "completed_at": utcnow()})
    return task


def _change(task: Task, action: str, values: dict) -> None:
    """Apply ``action`` to the task as read: conditional on its status and version, so a
    start, pause or edit that got there first wins and this one is refused."""
    new_status = states.next_status(action, task.status)
    if not store.change(task, {**values, "status": new_status}):  # ``task`` was re-read
        raise TaskStateError(action, task.status) if task.status not in states.allowed_from(action) \
            else TaskStateError(action, "changed")


# --- reading ---------------------------------------------------------------------------------

def get(caller: Caller, task_id: object) -> Task:
    """The caller's task; another account's is indistinguishable from a missing one."""
    task = get_task(task_id) if isinstance(task_id, str) and task_id.startswith("task_") else None
    if task is None or task.account_id != caller.account_id:
        raise TaskNotFound()
    return task


def live_counters(task: Task) -> dict[str, int]:
    """Counters summed from their shards, plus what is still on its way (pending)."""
    totals = counters(task.task_id)
    ended = totals["blocked"] + totals["unsent"] + totals["delivered"] + totals["failed"]
    totals["pending"] = max(0, int(task.total) - ended) if task.status != states.CANCELLED else 0
    return totals


LIST_FILTERS = tuple(store.TASK_FILTERS)


def parse_list_filters(filters: dict) -> dict:
    """The task list's filters checked (a wrong status or country names its field)."""
    status = filters.get("status")
    if status is not None and status not in states.ALL:
        raise InvalidRequest("status", "must be one of " + ", ".join(states.ALL))
    if filters.get("country"):  # a map key in the filter expression: a country code only
        filters = {**filters, "country": catalog.country_field(filters["country"].strip())}
    return filters


def iter_tasks(account_id: str, filters: dict) -> Iterator[Task]:
    """Every task of the account matching the list's (checked) filters, newest first."""
    return iter(store.account_tasks(account_id, filters, None, page_size=100))


def list_tasks(caller: Caller, filters: dict, limit: int, cursor: str | None) -> tuple[list[Task], str | None]:
    """The account's tasks, newest first, filtered (status, task_id, name contains, country,
    user = creator). One Query of the account index; filters are applied in DynamoDB."""
    results = store.account_tasks(caller.account_id, parse_list_filters(filters), cursor, page_size=max(limit, 50))
    items = []
    for task in results:
        items.append(task)
        if len(items) >= limit:
            break
    more = len(items) >= limit and results.last_evaluated_key is not None
    return items, store.account_tasks_cursor(items[-1]) if more else None
