"""The message log query (seed module 日志查询): newest first, filtered, cursor-paged, and
never a Scan: every plan is a key lookup or a set of index queries merged by time.

**Plans**, by the most selective filter given:

- ``message_id``: one GetItem; the account (and the app, for app callers) must match, then
  the other filters apply. Without ``start``/``end`` the default 7 days do not apply here: a
  key lookup needs no bound, and a support agent pasting an old id should find it.
- ``to``: the one ``recipient-index`` partition ``<account>#<E.164>``.
- ``task_id``: the task's ``TASK_SHARDS`` ``task-index`` partitions, merged.
- otherwise: the ``account-time-index``, one UTC day at a time, newest day first, each
  day's ``ACCOUNT_SHARDS`` partitions merged.

Every index query reads ``ckey`` descending with the range as a key condition; the other
filters (type, country, status, task name; the app for app callers; the account on the task
index, whose keys do not name it) are DynamoDB filter expressions.

**Time range**: ``start`` is inclusive, ``end`` exclusive (``[start, end)``), compared at the
log's millisecond precision. A time without an offset is in the account's time zone; a bare
date is that whole day (``start=2026-01-01&end=2026-01-31`` is all of January). No range
means the last 7 days; a range may span at most 92 days.

**Cursor**: ``{"before": <ckey>, "f": <digest of the filters>}``. The next page is everything
strictly older than ``before`` in the same plan; a cursor presented with other filters (or
from another caller kind) is a 400. ``ckey`` (``<created ms>Z#<message id>``) is unique, so
nothing is skipped or repeated between pages.

**Cost of one page** (measured; ``test_what_one_page_costs`` pins the log's part): the caller check (a
token: 2 GetItem; an app key: 1 GetItem + 1 Query), then on the default plan
``ACCOUNT_SHARDS`` (8) Queries per UTC day the page reaches back into — the default 7 days
of a quiet account touch 8 UTC days, so 64 — with a GetItem for the account only when a time
has no offset; ``to`` is 1 Query, ``task_id`` 8, ``message_id`` 1 GetItem. Each partition
is first asked for its share of the page with headroom (``first_page_size``: a page of 50
reads about 90 items, not 8 × 50); one that runs short reads again with its page size
doubled. DynamoDB applies ``Limit`` before the filter expression, so filtered plans read on
until the page is full, the range is exhausted, or the page's budget is spent
(``PAGE_QUERIES`` calls, ``PAGE_EXAMINED`` items examined): the page then ends short —
possibly empty — and still carries a ``next_cursor`` that resumes exactly where reading
stopped. Without that bound a rare filter over 92 days of a busy account would be one
request reading millions of items.

``iter_messages`` is the same query as a generator without a budget, for exports.

The merge of partitions, the budget and the page cut are pure (``domain.timeline``), as is
reading time ranges (``domain.time_range``); this module plugs DynamoDB queries into them.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.message_status import MESSAGE_TYPES, STATUSES
from ..domain.time_range import parse_range
from ..domain.timeline import (
    MAX_PAGE_SIZE,
    Budget,
    Partition,
    Resume,
    ckey,
    days_newest_first,
    first_page_size,
    merge_days,
    merge_newest_first,
    take_page,
)
from ..errors import CursorError, FieldError
from ..store import raw_pages
from ..store.accounts import get_account
from ..store.base import decode_cursor, encode_cursor, utcnow
from ..store.messages import (
    ACCOUNT_SHARDS,
    TASK_SHARDS,
    Message,
    account_day_key,
    get_message,
    recipient_key,
    task_shard_key,
)
from .catalog import country_field, phone_field

PAGE_QUERIES = 200  # DynamoDB calls one API page makes at most (25 empty days of 8 shards)
PAGE_EXAMINED = 4000  # items one API page examines at most
MAX_ID_LENGTH = 128  # longer ids cannot exist; refusing them keeps DynamoDB key limits out of reach
_CKEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[\w-]*$")


@dataclass(frozen=True)
class Filters:
    """A validated log query. ``start`` inclusive, ``end`` exclusive, both aware UTC."""
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
    range_given: bool = True  # False when start/end are the 7-day default (the id plan then ignores them)
    requested_range: str = ""  # start/end as asked: a default range moves with the clock between pages

    @property
    def plan(self) -> str:
        """Which read answers the query: ``id``, ``to``, ``task`` or ``days``."""
        return "id" if self.message_id else "to" if self.to else "task" if self.task_id else "days"

    def digest(self) -> str:
        """What a cursor is bound to: every filter and the range as asked, not the clock."""
        data = {k: v for k, v in asdict(self).items() if k not in ("start", "end")}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


# --- parsing the query ------------------------------------------------------------------------

def parse_filters(account_id: str, params: dict, app_id: str | None = None) -> Filters:
    """Validate query parameters into Filters; FieldError (422) names the bad one. Empty
    values count as absent. The account is read (for its time zone) only when a time has no
    offset."""
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    zone = _cached(lambda: _account_zone(account_id))
    start, end = parse_range(params.get("start"), params.get("end"), zone, now=utcnow())
    kind = params.get("type")
    if kind is not None and kind not in MESSAGE_TYPES:
        raise FieldError("type", "must be transactional or marketing")
    status = params.get("status")
    if status is not None and status not in STATUSES:
        raise FieldError("status", f"must be one of {', '.join(STATUSES)}")
    return Filters(start=start, end=end, message_id=_text(params, "message_id"), to=_recipient(params.get("to")),
                   task_id=_text(params, "task_id"), task_name=_text(params, "task_name", 256),
                   type=kind, country=_country(params.get("country")), status=status, app_id=app_id,
                   range_given="start" in params or "end" in params,
                   requested_range=f"{params.get('start')}|{params.get('end')}")



def _cached(compute: Callable[[], tzinfo]) -> Callable[[], tzinfo]:
    value: list[tzinfo] = []

    def get() -> tzinfo:
        if not value:
            value.append(compute())
        return value[0]
    return get


def _account_zone(account_id: str) -> tzinfo:
    account = get_account(account_id)
    return ZoneInfo(account.timezone if account and account.timezone else "UTC")


def _text(params: dict, name: str, max_length: int = MAX_ID_LENGTH) -> str | None:
    value = params.get(name)
    if value is not None and len(value) > max_length:
        raise FieldError(name, f"must be at most {max_length} characters")
    return value


def _recipient(value: str | None) -> str | None:
    # A "+" sent unencoded arrives as a space; parsing adds it back.
    return None if value is None else phone_field(value, "to")


def _country(value: str | None) -> str | None:
    return None if value is None else country_field(value.strip())


# --- one message, one page --------------------------------------------------------------------

def find(account_id: str, message_id: str, app_id: str | None = None) -> Message | None:
    """One message of this account (and app, for app callers); None for anyone else's."""
    if not message_id.startswith("msg_") or len(message_id) > MAX_ID_LENGTH:
        return None
    message = get_message(message_id)
    if message is None or message.account_id != account_id or (app_id and message.app_id != app_id):
        return None
    return message


def list_page(account_id: str, filters: Filters, limit: int, cursor: str | None) -> tuple[list[Message], str | None]:
    """Up to ``limit`` messages newest first and the cursor of the next page (None when the
    range is exhausted). A page whose reading budget ran out may be short, even empty, and
    still have a cursor. CursorError for a cursor not issued for these filters."""
    before = cursor_position(cursor, filters)
    budget = Budget(queries=PAGE_QUERIES, examined=PAGE_EXAMINED)
    page_size = first_page_size(limit, _partitions(filters), _filtered(filters))
    items, position = take_page(_read(account_id, filters, before, budget, page_size), limit)
    return items, (_cursor(position, filters) if position else None)



def iter_messages(account_id: str, filters: Filters, before: str | None = None, *,
                  page_size: int = MAX_PAGE_SIZE) -> Iterator[Message]:
    """Every matching message, newest first, strictly older than ``before`` (a ``ckey``),
    read without a budget. Memory stays bounded by one page per partition."""
    for entry in _read(account_id, filters, before, Budget(), page_size):
        if not isinstance(entry, Resume):  # an unbounded budget never pauses
            yield entry


def iter_stored(account_id: str, filters: Filters, attributes: tuple[str, ...] | None = None, *,
                page_size: int = MAX_PAGE_SIZE) -> Iterator[Mapping[str, Any]]:
    """The same messages as stored (attribute name → plain value; times as PynamoDB writes
    them), only ``attributes`` of them if given (``ckey`` always), for exports: index pages
    are decoded from DynamoDB's JSON directly (``store.raw_pages``), several times faster
    than building models."""
    if filters.plan == "id":
        for message in _by_id(account_id, filters, None):
            yield {**message.attribute_values, "pk": message.pk}
        return
    wanted = tuple(dict.fromkeys((*attributes, "ckey"))) if attributes else None
    partition = functools.partial(_raw_partition, attributes=wanted)
    for entry in _read(account_id, filters, None, Budget(), page_size, partition=partition):
        if not isinstance(entry, Resume):
            yield entry


def _cursor(before: str, filters: Filters) -> str:
    return encode_cursor({"before": before, "f": filters.digest()})


def cursor_position(cursor: str | None, filters: Filters) -> str | None:
    """The ``ckey`` a cursor resumes before; CursorError if it is not ours or was issued
    for other filters."""
    data = decode_cursor(cursor)
    if data is None:
        return None
    if data.get("f") != filters.digest():
        raise CursorError("belongs to a query with other filters")
    before = data.get("before")
    if not isinstance(before, str) or not _CKEY.match(before):
        raise CursorError()
    return before



def _partitions(filters: Filters) -> int:
    return {"id": 1, "to": 1, "task": TASK_SHARDS, "days": ACCOUNT_SHARDS}[filters.plan]


def _filtered(filters: Filters) -> bool:
    """Whether a filter expression may drop items (the account check on the task index
    does not: task ids are the account's own)."""
    extra = (filters.type, filters.country, filters.status, filters.task_name, filters.app_id,
             filters.task_id if filters.plan == "to" else None)
    return any(value is not None for value in extra)


# --- reading: plans, partitions, the merge ----------------------------------------------------


def _read(account_id: str, filters: Filters, before: str | None, budget: Budget,
          page_size: int, partition: Callable[..., Partition] | None = None) -> Iterator[Any]:
    """The plan's messages newest first, strictly older than ``before``; ends with Resume
    when the budget runs out first. ``partition`` makes the reader of one index key (models
    by default; ``_raw_partition`` for plain items)."""
    _partition = partition or _model_partition
    if filters.plan == "id":
        yield from _by_id(account_id, filters, before)
        return
    lower, upper = ckey(filters.start, ""), ckey(filters.end, "")
    if before is not None:
        upper = min(upper, before)
    if upper <= lower:
        return
    condition = _condition(account_id, filters)
    if filters.plan == "days":
        def shards_of(day: date, day_lower: str, day_upper: str) -> list[Partition]:
            return [_partition(Message.by_account_day, account_day_key(account_id, day.isoformat(), shard),
                               day_lower, day_upper, condition, page_size) for shard in range(ACCOUNT_SHARDS)]
        yield from merge_days(days_newest_first(lower, upper), shards_of, budget)
        return
    if filters.to is not None:
        partitions = [_partition(Message.by_recipient, recipient_key(account_id, filters.to), lower, upper, condition,
                                 page_size)]
    else:
        task_id = filters.task_id or ""  # the plan is "task"
        partitions = [_partition(Message.by_task, task_shard_key(task_id, shard), lower, upper, condition, page_size)
                      for shard in range(TASK_SHARDS)]
    yield from merge_newest_first(partitions, budget)



def _by_id(account_id: str, filters: Filters, before: str | None) -> Iterator[Message]:
    message = find(account_id, filters.message_id or "", filters.app_id)
    if message is None or not _matches(message, filters) or (before is not None and message.ckey >= before):
        return
    if filters.range_given and not ckey(filters.start, "") <= message.ckey < ckey(filters.end, ""):
        return
    yield message


def _model_partition(index, hash_key: str, lower: str, upper: str, condition, page_size: int) -> Partition:
    """A Partition over one index key; its pages come from PynamoDB's page iterator, so
    DynamoDB's LastEvaluatedKey carries on between them."""
    pages = index.query(hash_key, Message.ckey.between(lower, upper), filter_condition=condition,
                        scan_index_forward=False, page_size=page_size).page_iter

    def read_page(size: int):
        pages.page_size = size
        page = next(pages)
        last = pages.last_evaluated_key
        return ([Message.from_raw_data(raw) for raw in page.get("Items", ())],
                last["ckey"]["S"] if last else None, page["ScannedCount"])
    return Partition(read_page, upper=upper, floor=lower, page_size=page_size)


def _raw_partition(index, hash_key: str, lower: str, upper: str, condition, page_size: int, *,
                   attributes: tuple[str, ...] | None = None) -> Partition:
    """As ``_model_partition``, its items plain dicts straight from DynamoDB's JSON. Each
    page asks for the next one at once, in the background: an export writes one page's rows
    while the next is on its way (a page is ~1 MB, tens of milliseconds on the wire; any
    limit is a correct page, so the next one's size is the merge's guess)."""
    key_condition = Message.ckey.between(lower, upper)
    ahead: list[Future[raw_pages.RawPage] | None] = [None]

    def fetch(size: int, start_key: dict | None) -> raw_pages.RawPage:
        return raw_pages.query_page(index, hash_key, key_condition, condition, limit=size, start_key=start_key,
                                    attributes=attributes)

    def read_page(size: int):
        waiting = ahead[0]
        page = waiting.result() if waiting is not None else fetch(size, None)
        ahead[0] = _PAGES_AHEAD.submit(fetch, min(size * 2, MAX_PAGE_SIZE), page.last_key) if page.last_key else None
        return page.items, page.last_key["ckey"]["S"] if page.last_key else None, page.scanned
    return Partition(read_page, upper=upper, floor=lower, page_size=page_size)


#: Reads the next page of each partition an export is merging (8 shards, one page ahead).
_PAGES_AHEAD = ThreadPoolExecutor(max_workers=2 * ACCOUNT_SHARDS, thread_name_prefix="log-pages-ahead")


def _condition(account_id: str, filters: Filters):
    """The filter expression for what the plan's key does not already select. Task ids are
    not scoped by account in the index key, so there the account is a filter too: tenants
    stay apart even if a task id were guessed."""
    condition = None
    for attr, value in ((Message.type, filters.type), (Message.country, filters.country),
                        (Message.status, filters.status), (Message.task_name, filters.task_name),
                        (Message.app_id, filters.app_id),
                        (Message.task_id, filters.task_id if filters.plan == "to" else None),
                        (Message.account_id, account_id if filters.plan == "task" else None)):
        if value is not None:
            condition = (attr == value) if condition is None else condition & (attr == value)
    return condition


def _matches(message: Message, filters: Filters) -> bool:
    return all(value is None or getattr(message, attr) == value for attr, value in (
        ("type", filters.type), ("country", filters.country), ("status", filters.status),
        ("task_name", filters.task_name), ("app_id", filters.app_id), ("to", filters.to),
        ("task_id", filters.task_id)))
