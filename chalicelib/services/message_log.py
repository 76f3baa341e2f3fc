"""The message log query (seed module 日志查询): newest first, filtered, cursor-paged, with
no Scan — every plan is a key lookup or a set of index queries merged by time.

Plans, by the most selective filter given:

- ``message_id``: one GetItem.
- ``to``: the ``recipient-index`` partition of (account, number).
- ``task_id``: the ``task-index`` shards of the task, merged.
- otherwise: the ``account-time-index``, one UTC day at a time (newest first), each day's
  ``ACCOUNT_SHARDS`` partitions merged.

Other filters (type, country, status, task name, app) are filter expressions. The cursor is
the ``ckey`` (``<created>#<message id>``, unique and time ordered) of the last message
returned plus a digest of the filters: the next page is everything strictly older in the
same plan. ``iter_messages`` is a generator so exports can stream the same query.
"""
from __future__ import annotations

import hashlib
import heapq
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from ..domain.phone import PhoneNumberError, parse_phone
from ..store.base import CursorError, decode_cursor, encode_cursor, utcnow
from ..store.messages import (ACCOUNT_SHARDS, TASK_SHARDS, Message, account_day_key, ckey, get_message,
                              recipient_key, task_shard_key)
from .directory import FieldError, get_account
from .sending import MESSAGE_TYPES

DEFAULT_DAYS = 7
MAX_DAYS = 92
PAGE = 100  # items read per index query page
STATUSES = ("queued", "submitted", "delivered", "failed", "expired", "rejected", "blocked")


@dataclass(frozen=True)
class Filters:
    start: datetime
    end: datetime
    message_id: str | None = None
    to: str | None = None
    task_id: str | None = None
    task_name: str | None = None
    type: str | None = None
    country: str | None = None
    status: str | None = None
    app_id: str | None = None  # set for app callers: an app sees what it sent
    requested_range: str = ""  # start/end as asked: defaults move with the clock between pages

    def digest(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k not in ("start", "end")}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def parse_filters(account_id: str, params: dict, app_id: str | None = None) -> Filters:
    """Validate query parameters (FieldError names the bad one). Times without an offset are
    in the account's time zone; the range defaults to the last 7 days, at most 92."""
    zone = _zone(account_id)
    end = _time(params.get("end"), "end", zone) or utcnow()
    start = _time(params.get("start"), "start", zone) or end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise FieldError("start", "must not be after end")
    if end - start > timedelta(days=MAX_DAYS):
        raise FieldError("start", f"the range is limited to {MAX_DAYS} days")
    kind = params.get("type")
    if kind is not None and kind not in MESSAGE_TYPES:
        raise FieldError("type", "must be transactional or marketing")
    status = params.get("status")
    if status is not None and status not in STATUSES:
        raise FieldError("status", f"must be one of {', '.join(STATUSES)}")
    country = params.get("country")
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise FieldError("country", "must be an ISO-3166 alpha-2 code such as GB")
    to = params.get("to")
    if to is not None:
        try:
            to = parse_phone(to).e164
        except PhoneNumberError as exc:
            raise FieldError("to", str(exc)) from None
    return Filters(start=start, end=end, message_id=params.get("message_id") or None, to=to,
                   task_id=params.get("task_id") or None, task_name=params.get("task_name") or None,
                   type=kind, country=country.upper() if country else None, status=status, app_id=app_id,
                   requested_range=f"{params.get('start')}|{params.get('end')}")


def _zone(account_id: str) -> ZoneInfo:
    account = get_account(account_id)
    return ZoneInfo(account.timezone if account else "UTC")


def _time(value: str | None, field: str, zone: ZoneInfo) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(field, "must be an ISO 8601 time, e.g. 2026-11-23T08:00:00+08:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(timezone.utc)


def find(account_id: str, message_id: str, app_id: str | None = None) -> Message | None:
    """One message of this account (and app, for app callers); None for anyone else's."""
    message = get_message(message_id) if message_id.startswith("msg_") else None
    if message is None or message.account_id != account_id or (app_id and message.app_id != app_id):
        return None
    return message


def list_page(account_id: str, filters: Filters, limit: int, cursor: str | None) -> tuple[list[Message], str | None]:
    before = _cursor_position(cursor, filters)
    items = []
    for message in iter_messages(account_id, filters, before=before):
        items.append(message)
        if len(items) == limit:
            break
    more = len(items) == limit
    return items, (encode_cursor({"before": items[-1].ckey, "f": filters.digest()}) if more else None)


def _cursor_position(cursor: str | None, filters: Filters) -> str | None:
    data = decode_cursor(cursor)
    if data is None:
        return None
    if data.get("f") != filters.digest() or not isinstance(data.get("before"), str):
        raise CursorError("belongs to a query with other filters")
    return data["before"]


def iter_messages(account_id: str, filters: Filters, before: str | None = None) -> Iterator[Message]:
    """Every matching message, newest first, strictly older than ``before`` (a ckey)."""
    upper = min(before or "\uffff", ckey(filters.end, "\uffff"))
    lower = ckey(filters.start, "")
    if filters.message_id:
        message = find(account_id, filters.message_id, filters.app_id)
        if message and lower <= message.ckey < upper and _matches(message, filters):
            yield message
        return
    if filters.to:
        yield from _merged([Message.by_recipient.query(recipient_key(account_id, filters.to),
                                                       Message.ckey.between(lower, upper), **_opts(filters))],
                           upper, account_id)
        return
    if filters.task_id:
        queries = [Message.by_task.query(task_shard_key(filters.task_id, shard), Message.ckey.between(lower, upper),
                                         **_opts(filters)) for shard in range(TASK_SHARDS)]
        yield from _merged(queries, upper, account_id)
        return
    day = filters.end.date() if not before else min(filters.end.date(), _day_of(before))
    while day >= filters.start.date():
        queries = [Message.by_account_day.query(account_day_key(account_id, day.isoformat(), shard),
                                                Message.ckey.between(lower, upper), **_opts(filters))
                   for shard in range(ACCOUNT_SHARDS)]
        yield from _merged(queries, upper, account_id)
        day -= timedelta(days=1)


def _day_of(key: str):
    return datetime.fromisoformat(key[:10]).date()


def _opts(filters: Filters) -> dict:
    condition = None
    for attr, value in ((Message.type, filters.type), (Message.country, filters.country),
                        (Message.status, filters.status), (Message.task_name, filters.task_name),
                        (Message.app_id, filters.app_id)):
        if value is not None:
            condition = (attr == value) if condition is None else condition & (attr == value)
    return {"scan_index_forward": False, "filter_condition": condition, "page_size": PAGE}


def _merged(queries, upper: str, account_id: str) -> Iterator[Message]:
    """Merge descending-ordered index queries into one newest-first stream."""
    merged = heapq.merge(*queries, key=lambda m: m.ckey, reverse=True)
    for message in merged:
        if message.ckey < upper and message.account_id == account_id:
            yield message


def _matches(message: Message, filters: Filters) -> bool:
    return all(value is None or getattr(message, attr) == value for attr, value in (
        ("type", filters.type), ("country", filters.country), ("status", filters.status),
        ("task_name", filters.task_name), ("app_id", filters.app_id), ("to", filters.to),
        ("task_id", filters.task_id)))
