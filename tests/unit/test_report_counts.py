"""What a message adds to the report aggregates, whom and which day it counts for, the success
rate's rounding, and how a range of days is cut into whole months and ragged ends."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import message_status as ms
from chalicelib.domain.report_counts import (
    DAY,
    MONTH,
    CountKey,
    Period,
    grouped,
    local_day,
    of_status,
    on_log,
    on_move,
    periods,
    success_rate,
    user_of,
)


def test_what_logging_and_moving_add():
    assert on_log(ms.QUEUED) == {"total": 1}
    assert on_log(ms.BLOCKED) == {"total": 1, "failed": 1}
    assert on_move(ms.QUEUED, ms.SUBMITTED) == {}
    assert on_move(ms.SUBMITTED, ms.DELIVERED) == on_move(ms.QUEUED, ms.DELIVERED) == {"delivered": 1}
    for final in (ms.FAILED, ms.REJECTED, ms.EXPIRED):
        assert on_move(ms.SUBMITTED, final) == {"failed": 1}
    for old, new in itertools.product(ms.FINAL, ms.ALL):  # a final state is never left: nothing more counts
        assert on_move(old, new) == {}


@pytest.mark.parametrize("path", [
    [ms.QUEUED, ms.SUBMITTED, ms.DELIVERED], [ms.QUEUED, ms.REJECTED], [ms.QUEUED, ms.SUBMITTED, ms.EXPIRED],
    [ms.QUEUED, ms.DELIVERED], [ms.BLOCKED], [ms.QUEUED, ms.SUBMITTED],
])
def test_the_backfill_recount_is_what_the_live_path_added(path):
    live = grouped([(KEY, on_log(path[0]))] + [(KEY, on_move(a, b)) for a, b in itertools.pairwise(path)])
    assert live.get(KEY, {}) == {k: v for k, v in of_status(path[-1]).items() if v}


KEY = CountKey("2026-03-10", "marketing", "GB", "usr_1")


def test_additions_are_grouped_per_key():
    other = CountKey("2026-03-10", "marketing", "SG", "usr_1")
    assert grouped([(KEY, {"total": 1}), (other, {"total": 1}), (KEY, {"total": 1, "failed": 1}), (KEY, {})]) == {
        KEY: {"total": 2, "failed": 1}, other: {"total": 1}}
    assert KEY.month == "2026-03"


def test_whom_a_message_counts_for():
    assert user_of("task", "usr_1", "app_1") == "usr_1"
    assert user_of("api", "usr_1", "app_1") == user_of("vonage", None, "app_1") == "app_1"
    assert user_of("api", "usr_1", None) == "usr_1"  # a portal user sending without an app


def test_the_local_day():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert local_day(datetime(2026, 3, 10, 15, 30, tzinfo=UTC), shanghai) == "2026-03-10"  # 23:30 local
    assert local_day(datetime(2026, 3, 10, 16, 30, tzinfo=UTC), shanghai) == "2026-03-11"  # 00:30 local
    assert local_day(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), ZoneInfo("America/New_York")) == "2026-03-09"


def test_success_rate():
    assert success_rate(2, 3) == "66.67%"
    assert success_rate(1, 3) == "33.33%"
    assert success_rate(1, 8) == "12.50%"
    assert success_rate(3, 3) == "100.00%"
    assert success_rate(0, 5) == "0.00%"
    assert success_rate(1, 200000) == "0.00%" and success_rate(1, 20000) == "0.01%"  # half up
    assert success_rate(0, 0) is None


def test_periods_cut_whole_months_out_of_a_range():
    d = date.fromisoformat
    assert periods(d("2026-03-10"), d("2026-03-10")) == [Period(DAY, "2026-03-10", "2026-03-10")]
    assert periods(d("2026-03-10"), d("2026-04-20")) == [Period(DAY, "2026-03-10", "2026-04-20")]
    assert periods(d("2026-03-01"), d("2026-03-31")) == [Period(MONTH, "2026-03", "2026-03")]
    assert periods(d("2025-12-02"), d("2026-12-01")) == [
        Period(DAY, "2025-12-02", "2025-12-31"), Period(MONTH, "2026-01", "2026-11"),
        Period(DAY, "2026-12-01", "2026-12-01")]
    assert periods(d("2024-02-01"), d("2024-03-15")) == [Period(MONTH, "2024-02", "2024-02"),
                                                         Period(DAY, "2024-03-01", "2024-03-15")]
    assert periods(d("9999-11-15"), date.max) == [Period(DAY, "9999-11-15", "9999-12-31")]


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(9998, 1, 1)), st.integers(0, 365))
def test_periods_cover_each_day_once(start, length):
    end = start + timedelta(days=length)
    runs = periods(start, end)
    assert len(runs) <= 3
    covered = []
    for run in runs:
        if run.kind == DAY:
            first, last = date.fromisoformat(run.first), date.fromisoformat(run.last)
        else:
            first = date.fromisoformat(run.first + "-01")
            after = date.fromisoformat(run.last + "-01") + timedelta(days=32)
            last = after.replace(day=1) - timedelta(days=1)
        covered += [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert covered == [start + timedelta(days=n) for n in range(length + 1)]
