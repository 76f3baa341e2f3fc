"""The message log's pure parts (no AWS): time ranges (``domain.time_range``), day bounds,
first page sizes and the budgeted k-way merge that pages through sharded partitions without
gaps or repeats (``domain.timeline``), and the log's cursors."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.message_status import ALL, STATUSES
from chalicelib.domain.time_range import parse_range, parse_time
from chalicelib.domain.timeline import (
    MAX_PAGE_SIZE,
    Budget,
    Partition,
    Resume,
    ckey,
    day_start_key,
    days_newest_first,
    first_page_size,
    merge_days,
    merge_newest_first,
    take_page,
)
from chalicelib.errors import CursorError, FieldError
from chalicelib.services.message_log import Filters, cursor_position
from chalicelib.store.base import encode_cursor

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def shanghai():
    return SHANGHAI


def no_zone():
    raise AssertionError("the account's zone was read for a time with an offset")


# --- times ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-03-01T08:00:00+08:00", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
    ("2026-03-01T00:00:00Z", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
    ("2026-03-01T00:00:00.250-05:00", datetime(2026, 3, 1, 5, 0, 0, 250_000, tzinfo=UTC)),
    ("2026-03-01T08:00:00 08:00", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),  # "+" sent unencoded
])
def test_a_time_with_an_offset_never_reads_the_zone(text, expected):
    assert parse_time(text, "start", no_zone) == expected


def test_a_time_without_an_offset_is_in_the_account_zone():
    assert parse_time("2026-03-01T08:00:00", "start", shanghai) == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def test_a_bare_date_is_the_whole_local_day():
    assert parse_time("2026-03-01", "start", shanghai) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    # end is exclusive: the first instant of the next local day
    assert parse_time("2026-03-01", "end", shanghai, is_end=True) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-03", "1969-12-31T00:00:00Z",
                                  "9999-12-31", "2026-03-01T25:00:00Z", ""])
def test_bad_times_name_the_field(text):
    with pytest.raises(FieldError) as caught:
        parse_time(text, "end", shanghai, is_end=True)
    assert caught.value.field == "end" and caught.value.status == 422


def test_default_range_is_the_last_seven_days_without_reading_the_zone():
    assert parse_range(None, None, no_zone, now=NOW) == (NOW - timedelta(days=7), NOW)
    end = datetime(2026, 2, 1, tzinfo=UTC)
    assert parse_range(None, "2026-02-01T00:00:00Z", no_zone, now=NOW) == (end - timedelta(days=7), end)


@pytest.mark.parametrize("start, end, message", [
    ("2026-03-05T00:00:00Z", "2026-03-04T00:00:00Z", "end must be after start"),
    ("2026-03-04T00:00:00Z", "2026-03-04T00:00:00Z", "end must be after start"),  # [t, t) is empty
    ("2026-03-02", "2026-03-01", "end must be after start"),  # a bare end is exclusive of the next day
    ("2026-03-16T00:00:00Z", None, "start must be before now (end defaults to now)"),
    ("2025-01-01T00:00:00Z", None, "start must be at most 92 days before now (end defaults to now)"),
    ("2026-01-01T00:00:00Z", "2026-04-03T00:00:01Z", "start must be at most 92 days before end"),
])
def test_ranges_out_of_bounds_say_why(start, end, message):
    with pytest.raises(FieldError) as caught:
        parse_range(start, end, shanghai, now=NOW)
    assert (caught.value.status, caught.value.message) == (422, message)


def test_a_range_of_one_bare_date_is_that_whole_day():
    assert parse_range("2026-03-01", "2026-03-01", shanghai, now=NOW) == (
        datetime(2026, 2, 28, 16, 0, tzinfo=UTC), datetime(2026, 3, 1, 16, 0, tzinfo=UTC))


def test_a_range_of_exactly_92_days_is_allowed():
    start, end = parse_range("2026-01-01T00:00:00Z", "2026-04-03T00:00:00Z", shanghai, now=NOW)
    assert end - start == timedelta(days=92)


def test_statuses_are_the_message_states():
    assert set(STATUSES) == ALL


# --- keys and days ----------------------------------------------------------------------------

def test_day_start_key_sorts_between_days():
    day = date(2026, 3, 2)
    last_of_previous = ckey(datetime(2026, 3, 1, 23, 59, 59, 999_000, tzinfo=UTC), "msg_z")
    first_of_day = ckey(datetime(2026, 3, 2, tzinfo=UTC), "msg_0")
    assert last_of_previous < day_start_key(day) < first_of_day


def test_days_newest_first_clip_each_day_to_the_range():
    lower = ckey(datetime(2026, 3, 1, 18, tzinfo=UTC), "")
    upper = ckey(datetime(2026, 3, 3, 6, tzinfo=UTC), "")
    assert list(days_newest_first(lower, upper)) == [
        (date(2026, 3, 3), day_start_key(date(2026, 3, 3)), upper),
        (date(2026, 3, 2), day_start_key(date(2026, 3, 2)), day_start_key(date(2026, 3, 3))),
        (date(2026, 3, 1), lower, day_start_key(date(2026, 3, 2))),
    ]


def test_an_upper_bound_at_midnight_skips_that_day():
    upper = day_start_key(date(2026, 3, 3))
    lower = day_start_key(date(2026, 3, 2))
    assert [d for d, _, _ in days_newest_first(lower, upper)] == [date(2026, 3, 2)]


# --- page sizes and cursors -------------------------------------------------------------------

def test_first_page_size_is_a_share_with_headroom_doubled_when_filtered():
    assert first_page_size(50, 8, filtered=False) == 11  # ceil(50 * 1.5 / 8) + 1
    assert first_page_size(50, 8, filtered=True) == 22
    assert first_page_size(50, 1, filtered=False) == first_page_size(50, 1, filtered=True) == 51  # page + 1
    assert first_page_size(1, 8, filtered=False) == 2
    assert first_page_size(50_000, 8, filtered=True) == MAX_PAGE_SIZE


def _filters(**kw) -> Filters:
    return Filters(start=NOW - timedelta(days=7), end=NOW, **kw)


def test_cursor_is_bound_to_its_filters_and_must_hold_a_log_key():
    filters = _filters(type="marketing")
    position = ckey(NOW - timedelta(hours=1), "msg_0123456789abcdef0123")
    cursor = encode_cursor({"before": position, "f": filters.digest()})
    assert cursor_position(cursor, filters) == position
    assert cursor_position(None, filters) is None
    with pytest.raises(CursorError):
        cursor_position(cursor, _filters(type="transactional"))
    with pytest.raises(CursorError):
        cursor_position(cursor, _filters(type="marketing", app_id="app_1"))  # a user's cursor is not an app's
    for garbage in ("garbage", encode_cursor({"before": "2026-13", "f": filters.digest()}),
                    encode_cursor({"before": 7, "f": filters.digest()}), encode_cursor({"f": filters.digest()})):
        with pytest.raises(CursorError):
            cursor_position(garbage, filters)


def test_digest_ignores_the_clock_but_not_the_range_as_asked():
    a = Filters(start=NOW - timedelta(days=7), end=NOW, requested_range="None|None")
    b = Filters(start=NOW - timedelta(days=6), end=NOW + timedelta(days=1), requested_range="None|None")
    c = Filters(start=NOW - timedelta(days=7), end=NOW, requested_range="2026-03-01|None")
    assert a.digest() == b.digest() != c.digest()


# --- the merge --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    ckey: str
    match: bool = True


class FakeIndex:
    """Partitions that behave like a DynamoDB Query: descending, ``between`` inclusive,
    ``Limit`` counted before the filter, LastEvaluatedKey whenever the limit was reached."""

    def __init__(self, partitions: dict[str, list[Item]]):
        self.partitions = partitions
        self.calls = 0

    def partition(self, key: str, lower: str, upper: str, page_size: int) -> Partition:
        rows = sorted((i for i in self.partitions.get(key, []) if lower <= i.ckey <= upper),
                      key=lambda i: i.ckey, reverse=True)
        position = [0]

        def read_page(size: int):
            self.calls += 1
            chunk = rows[position[0]:position[0] + size]
            position[0] += len(chunk)
            last = chunk[-1].ckey if len(chunk) == size else None
            return [i for i in chunk if i.match], last, len(chunk)
        return Partition(read_page, upper=upper, floor=lower, page_size=page_size)


def _key(minute: int, n: int) -> str:
    return ckey(datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=minute), f"msg_{n:04d}")


def _page_through(stream_below, upper: str, limit: int) -> list[list[Item]]:
    """Pages of ``limit`` until the cursor runs out; ``stream_below(top)`` reads ``[lower, top)``."""
    pages, before = [], None
    for _ in range(1000):
        top = min(upper, before) if before else upper
        items, before = take_page(stream_below(top), limit)
        assert before is None or before < top, "a page made no progress"
        pages.append(items)
        if before is None:
            return pages
    raise AssertionError("paging did not end")


def test_merge_orders_partitions_newest_first_and_stops_when_full():
    index = FakeIndex({"a": [Item(_key(1, 1)), Item(_key(4, 4))], "b": [Item(_key(2, 2)), Item(_key(3, 3))]})
    partitions = [index.partition(k, _key(0, 0), _key(9, 0), 1) for k in "ab"]
    items, position = take_page(merge_newest_first(partitions, Budget()), 3)
    assert [i.ckey for i in items] == [_key(4, 4), _key(3, 3), _key(2, 2)] and position == _key(2, 2)


def test_an_exhausted_budget_pauses_where_every_partition_has_been_read():
    # "a" holds 20 non-matching rows above "b"'s one match. First pages: a reads 2 rows, b
    # its only row (done). With the third and last call a reads 4 more (its page doubled):
    # everything at or above a's frontier has been examined, b's match is below it.
    index = FakeIndex({"a": [Item(_key(100 - m, m), match=False) for m in range(20)], "b": [Item(_key(50, 99))]})
    partitions = [index.partition(k, _key(0, 0), _key(200, 0), 2) for k in "ab"]
    assert list(merge_newest_first(partitions, Budget(queries=3))) == [Resume(_key(95, 5))]
    assert index.calls == 3
    # The next page starts strictly below the pause and finds b's match.
    partitions = [index.partition(k, _key(0, 0), _key(95, 5), 2) for k in "ab"]
    assert list(merge_newest_first(partitions, Budget())) == [Item(_key(50, 99))]


def test_a_pause_yields_the_buffered_matches_above_its_position_first():
    index = FakeIndex({"a": [Item(_key(100, 1))] + [Item(_key(90 - m, 10 + m), match=False) for m in range(9)],
                       "b": [Item(_key(95, 2)), Item(_key(10, 3))]})
    partitions = [index.partition(k, _key(0, 0), _key(200, 0), 2) for k in "ab"]
    entries = list(merge_newest_first(partitions, Budget(queries=2)))
    # a's first page: its match and one row below; b's first page: both rows (b is done).
    # a must read on for the merge to continue, the budget is spent: a's frontier _key(90, 10)
    # is the position; the buffered matches above it come out first, b's old one stays.
    assert entries == [Item(_key(100, 1)), Item(_key(95, 2)), Resume(_key(90, 10))]


def test_the_first_page_of_every_partition_is_read_even_on_a_spent_budget():
    index = FakeIndex({k: [Item(_key(i, i))] for i, k in enumerate("abc")})
    partitions = [index.partition(k, _key(0, 0), _key(9, 0), 5) for k in "abc"]
    assert list(merge_newest_first(partitions, Budget(queries=0))) == [Item(_key(2, 2)), Item(_key(1, 1)),
                                                                       Item(_key(0, 0))]


def test_merge_days_resumes_at_a_day_boundary_when_the_budget_ran_out_between_days():
    day2, day1 = date(2026, 3, 2), date(2026, 3, 1)
    index = FakeIndex({"d2": [Item(ckey(datetime(2026, 3, 2, 5, tzinfo=UTC), "msg_2"))],
                       "d1": [Item(ckey(datetime(2026, 3, 1, 5, tzinfo=UTC), "msg_1"))]})
    days = days_newest_first(day_start_key(day1), day_start_key(date(2026, 3, 3)))
    entries = list(merge_days(days, lambda d, lo, hi: [index.partition(f"d{d.day}", lo, hi, 5)], Budget(queries=1)))
    assert entries == [index.partitions["d2"][0], Resume(day_start_key(day2))]


rows = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4 * 1440), st.booleans()), max_size=60)
budgets = st.sampled_from([{}, {"queries": 1}, {"queries": 3}, {"examined": 2}, {"examined": 5, "queries": 6}])


@settings(max_examples=150, deadline=None)
@given(rows=rows, limit=st.integers(1, 7), page_size=st.integers(1, 4), budget=budgets,
       by_day=st.booleans())
def test_paging_returns_every_match_once_newest_first(rows, limit, page_size, budget, by_day):
    """Shards alone (the recipient and task plans) or days of shards (the account plan):
    with any budget, the pages together are every match in range, once, newest first."""
    items = [(str(shard), Item(_key(minute, n), match)) for n, (shard, minute, match) in enumerate(rows)]
    partitions: dict[str, list[Item]] = {}
    for shard, item in items:
        partitions.setdefault(f"{item.ckey[:10]}#{shard}" if by_day else shard, []).append(item)
    index = FakeIndex(partitions)
    lower, upper = _key(300, 0), _key(4 * 1440 - 300, 0)  # some rows fall outside the range

    def stream_below(top: str):
        if not by_day:
            return merge_newest_first([index.partition(k, lower, top, page_size) for k in "0123"], Budget(**budget))
        return merge_days(days_newest_first(lower, top),
                          lambda d, lo, hi: [index.partition(f"{d.isoformat()}#{k}", lo, hi,
                                                             page_size) for k in "0123"],
                          Budget(**budget))
    pages = _page_through(stream_below, upper, limit)
    returned = [i.ckey for page in pages for i in page]
    expected = sorted((i.ckey for _, i in items if i.match and lower <= i.ckey < upper), reverse=True)
    assert returned == expected
    assert all(len(page) <= limit for page in pages)
    if not budget:  # an unbounded page is short only at the end
        assert all(len(page) == limit for page in pages[:-1])
