"""Time ranges as people type them (pure): ISO 8601 times with or without an offset, bare
dates meaning whole days, ``[start, end)`` never empty and with a length limit. Used by every
query that takes a range (the message log today; reports, exports and the archive next)."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ..errors import FieldError

DEFAULT_DAYS = 7
MAX_DAYS = 92


def parse_range(start: str | None, end: str | None, zone: Callable[[], tzinfo], *,
                now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC from the query's strings. ``end`` defaults to ``now``, ``start``
    to 7 days before ``end``; ``zone()`` is asked only for a time without an offset.
    FieldError: unparsable; an empty range (``end`` not after ``start``, named on ``end``, or
    on ``start`` when ``end`` is the default ``now``); more than ``MAX_DAYS`` apart (on
    ``start``: a default ``start`` is always 7 days before ``end``)."""
    end_at = parse_time(end, "end", zone, is_end=True) if end else now
    start_at = parse_time(start, "start", zone) if start else end_at - timedelta(days=DEFAULT_DAYS)
    # Compared as instants: a bare end date is already the next day's first instant, so
    # start=12-02&end=12-01 is the empty [12-02, 12-02) and start=end=12-01 is that whole day.
    if start_at >= end_at:
        raise FieldError("end", "must be after start") if end else \
            FieldError("start", "must be before now (end defaults to now)")
    if end_at - start_at > timedelta(days=MAX_DAYS):
        raise FieldError("start", f"must be at most {MAX_DAYS} days before end" if end else
                         f"must be at most {MAX_DAYS} days before now (end defaults to now)")
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
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise FieldError(field_name, "must be an ISO 8601 time such as 2026-11-23T08:00:00+08:00, "
                                     "or a date such as 2026-11-23") from None
    if not 1970 <= parsed.year <= 9998:
        raise FieldError(field_name, "must be between 1970 and 9998")
    return parsed


def _restore_plus(text: str) -> str:
    """A ``+08:00`` offset sent unencoded in a query string arrives as `` 08:00``."""
    return re.sub(r"(T[\d:.]+) (\d{2}(:?\d{2})?)$", r"\1+\2", text)

