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
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Callable, Iterator, Protocol
from zoneinfo import ZoneInfo

from ..domain.countries import CountryError, normalise_country
from ..domain.phone import PhoneNumberError, parse_phone
from ..store.base import CursorError, decode_cursor, encode_cursor, utcnow
from ..store.messages import (ACCOUNT_SHARDS, TASK_SHARDS, Message, account_day_key, ckey, get_message,
                              recipient_key, task_shard_key)
from .directory import FieldError, get_account
from .sending import MESSAGE_TYPES

DEFAULT_DAYS = 7
MAX_DAYS = 92
STATUSES = ("queued", "submitted", "delivered", "failed", "expired", "rejected", "blocked")
MAX_PAGE_SIZE = 1000  # items one Query asks for at most (DynamoDB also stops at 1 MB)
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


def parse_range(start: str | None, end: str | None, zone: Callable[[], tzinfo], *,
                now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC from the query's strings. ``end`` defaults to ``now``, ``start``
    to 7 days before ``end``; ``zone()`` is asked only for a time without an offset.
    FieldError: unparsable, start after end, or more than ``MAX_DAYS`` apart."""
    end_at = parse_time(end, "end", zone, is_end=True) if end else now
    start_at = parse_time(start, "start", zone) if start else end_at - timedelta(days=DEFAULT_DAYS)
    if start_at > end_at:
        raise FieldError("start", "must not be after end")
    if end_at - start_at > timedelta(days=MAX_DAYS):
        raise FieldError("start" if start else "end", f"the range is limited to {MAX_DAYS} days")
    return start_at, end_at


def parse_time(value: str, field_name: str, zone: Callable[[], tzinfo], *, is_end: bool = False) -> datetime:
    """An ISO 8601 time as aware UTC. Without an offset it is local to ``zone()``. A bare
    date (``2026-01-31``) is that whole day: its first instant as a start, the first instant
    of the next day as an (exclusive) end."""
    text = _restore_plus(value.strip())
    try:
        day = date.fromisoformat(text) if len(text) <= 10 else None
        if day is not None:
            parsed = datetime.combine(day + timedelta(days=1) if is_end else day, time(), tzinfo=zone())
        else:
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone())
        parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise FieldError(field_name, "must be an ISO 8601 time such as 2026-11-23T08:00:00+08:00, "
                                     "or a date such as 2026-11-23") from None
    if not 1970 <= parsed.year <= 9998:
        raise FieldError(field_name, "must be between 1970 and 9998")
    return parsed


def _restore_plus(text: str) -> str:
    """A ``+08:00`` offset sent unencoded in a query string arrives as `` 08:00``."""
    return re.sub(r"(T[\d:.]+) (\d{2}(:?\d{2})?)$", r"\1+\2", text)


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
    if value is None:
        return None
    try:
        return parse_phone(value).e164  # a "+" sent unencoded arrives as a space; parse_phone adds it back
    except PhoneNumberError as exc:
        raise FieldError("to", str(exc)) from None


def _country(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_country(value.strip())
    except CountryError as exc:
        raise FieldError("country", str(exc)) from None


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


def take_page(stream: Iterator[Keyed | Resume], limit: int) -> tuple[list, str | None]:
    """Up to ``limit`` items of ``stream`` and the position the next page starts strictly
    below: the last item's ``ckey`` when the page is full, Resume's position when the budget
    ran out, None when the stream ended."""
    items: list = []
    for entry in stream:
        if isinstance(entry, Resume):
            return items, entry.before
        items.append(entry)
        if len(items) == limit:
            return items, entry.ckey
    return items, None


def iter_messages(account_id: str, filters: Filters, before: str | None = None, *,
                  page_size: int = MAX_PAGE_SIZE) -> Iterator[Message]:
    """Every matching message, newest first, strictly older than ``before`` (a ``ckey``),
    read without a budget: for exports, which stream it into a file. Memory stays bounded
    by one page per partition."""
    for entry in _read(account_id, filters, before, Budget(), page_size):
        if not isinstance(entry, Resume):  # an unbounded budget never pauses
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
        raise CursorError("is not a cursor this API returned")
    return before


def first_page_size(limit: int, partitions: int, filtered: bool) -> int:
    """Items each partition is asked for first: its expected share of the page with 50 %
    headroom (ids hash evenly over shards), plus one since the merge must see one item past
    the page to order it; twice that when filters drop an unknown share of what is read.
    Never more than the page plus one. A partition that runs short doubles its next ask, so
    a rare filter costs a few more calls rather than every page reading 8 full pages."""
    share = math.ceil(limit * 1.5 / partitions) + 1
    return min(limit + 1, 2 * share if filtered else share, MAX_PAGE_SIZE)


def _partitions(filters: Filters) -> int:
    return {"id": 1, "to": 1, "task": TASK_SHARDS, "days": ACCOUNT_SHARDS}[filters.plan]


def _filtered(filters: Filters) -> bool:
    """Whether a filter expression may drop items (the account check on the task index
    does not: task ids are the account's own)."""
    extra = (filters.type, filters.country, filters.status, filters.task_name, filters.app_id,
             filters.task_id if filters.plan == "to" else None)
    return any(value is not None for value in extra)


# --- reading: plans, partitions, the merge ----------------------------------------------------

@dataclass(frozen=True)
class Resume:
    """The budget ran out: everything at or above ``before`` has been yielded; the next page
    starts strictly below it."""
    before: str


@dataclass
class Budget:
    """What one API page may read; None is unbounded (exports)."""
    queries: int | None = None
    examined: int | None = None

    def charge(self, examined: int) -> None:
        if self.queries is not None:
            self.queries -= 1
        if self.examined is not None:
            self.examined -= examined

    @property
    def spent(self) -> bool:
        return (self.queries is not None and self.queries <= 0) or (self.examined is not None and self.examined <= 0)


class Keyed(Protocol):
    ckey: str


#: ``read_page(page_size) -> (matching items newest first, ckey of DynamoDB's
#: LastEvaluatedKey or None at the end, items examined)``: one Query call.
PageReader = Callable[[int], "tuple[list[Keyed], str | None, int]"]


@dataclass
class Partition:
    """One index partition, read newest first a page at a time, within ``[floor, upper)``.

    Invariant: every item of the partition at or above ``frontier`` has been examined, and
    the matches among them not yet yielded are in ``buffer``, newest first."""
    read_page: PageReader
    upper: str
    floor: str
    page_size: int
    frontier: str = field(init=False)
    buffer: deque = field(init=False, default_factory=deque)
    fetched: bool = field(init=False, default=False)
    done: bool = field(init=False, default=False)

    def __post_init__(self):
        self.frontier = self.upper

    def fetch(self) -> int:
        """Read one page (one DynamoDB call); returns the number of items it examined."""
        items, last, examined = self.read_page(self.page_size)
        self.buffer.extend(item for item in items if item.ckey < self.upper)  # the key condition is inclusive
        self.fetched, self.done = True, last is None
        self.frontier = self.floor if last is None else last
        self.page_size = min(self.page_size * 2, MAX_PAGE_SIZE)
        return examined


def merge_newest_first(partitions: list[Partition], budget: Budget) -> Iterator[Keyed | Resume]:
    """A k-way merge of partitions into one stream, newest ``ckey`` first.

    Every partition's first page is read whatever the budget. After that, to yield the
    newest buffered item every unfinished partition must have one buffered, so a partition
    with an empty buffer reads its next page while the budget lasts. When it has run out,
    the position is the highest frontier of the unfinished partitions: everything at or
    above it has been examined everywhere, so the buffered matches above it are yielded (in
    order), then ``Resume`` at it. (Reading goes on, budget or not, in the one case where
    that position would not be below where the page started: every page makes progress.)"""
    for partition in partitions:
        if not partition.fetched:
            budget.charge(partition.fetch())
    while True:
        for partition in partitions:
            while not partition.buffer and not partition.done:
                position = _pause_position(partitions) if budget.spent else None
                if position is not None:
                    yield from _pause(partitions, position)
                    return
                budget.charge(partition.fetch())
        heads = [p for p in partitions if p.buffer]
        if not heads:
            return
        yield max(heads, key=lambda p: p.buffer[0].ckey).buffer.popleft()


def _pause_position(partitions: list[Partition]) -> str | None:
    position = max(p.frontier for p in partitions if not p.done)
    return position if position < max(p.upper for p in partitions) else None


def _pause(partitions: list[Partition], position: str) -> Iterator[Keyed | Resume]:
    ready = [item for p in partitions for item in p.buffer if item.ckey >= position]
    yield from sorted(ready, key=lambda item: item.ckey, reverse=True)
    yield Resume(position)


def day_start_key(day: date) -> str:
    """The ``ckey`` bound below every message of ``day`` (UTC) and above every earlier one."""
    return ckey(datetime.combine(day, time(), tzinfo=timezone.utc), "")


def days_newest_first(lower: str, upper: str) -> Iterator[tuple[date, str, str]]:
    """The UTC days holding ``ckey`` values in ``[lower, upper)``, newest first, each with
    its own ``[lower, upper)`` bounds."""
    day, oldest = date.fromisoformat(upper[:10]), date.fromisoformat(lower[:10])
    if upper <= day_start_key(day):
        day -= timedelta(days=1)
    while day >= oldest:
        day_lower, day_upper = max(lower, day_start_key(day)), min(upper, day_start_key(day + timedelta(days=1)))
        if day_lower < day_upper:
            yield day, day_lower, day_upper
        day -= timedelta(days=1)


def _read(account_id: str, filters: Filters, before: str | None, budget: Budget,
          page_size: int) -> Iterator[Message | Resume]:
    """The plan's messages newest first, strictly older than ``before``; ends with Resume
    when the budget runs out first."""
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
    if filters.plan == "to":
        index, keys = Message.by_recipient, [recipient_key(account_id, filters.to)]
    else:
        index, keys = Message.by_task, [task_shard_key(filters.task_id, shard) for shard in range(TASK_SHARDS)]
    yield from merge_newest_first([_partition(index, key, lower, upper, condition, page_size) for key in keys], budget)


def merge_days(days: Iterator[tuple[date, str, str]], partitions_of: Callable[[date, str, str], list[Partition]],
               budget: Budget) -> Iterator[Keyed | Resume]:
    """Day by day (newest first), each day's partitions merged. A day is started only while
    the budget lasts (the first always); otherwise Resume below the last finished day."""
    for n, (day, day_lower, day_upper) in enumerate(days):
        if n and budget.spent:
            yield Resume(day_upper)
            return
        for entry in merge_newest_first(partitions_of(day, day_lower, day_upper), budget):
            yield entry
            if isinstance(entry, Resume):
                return


def _by_id(account_id: str, filters: Filters, before: str | None) -> Iterator[Message]:
    message = find(account_id, filters.message_id, filters.app_id)
    if message is None or not _matches(message, filters) or (before is not None and message.ckey >= before):
        return
    if filters.range_given and not ckey(filters.start, "") <= message.ckey < ckey(filters.end, ""):
        return
    yield message


def _partition(index, hash_key: str, lower: str, upper: str, condition, page_size: int) -> Partition:
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
