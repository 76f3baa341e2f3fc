"""Report counts (报告下载), pure: what a message adds to the daily aggregates when it is
logged or moves status, whom it counts for, on which local day, and how a range of days is
cut into whole months and ragged ends for reading.

- ``total`` +1 when a message is logged, whatever its status (``blocked`` too);
- ``delivered`` +1 when it moves to ``delivered``;
- ``failed`` +1 when it moves to any other final status (failed, rejected, expired), or is
  logged as ``blocked``.

So once every message has ended, total = delivered + failed. A message counts for its
task's portal user (source ``task``), else for the app that sent it (or the portal user who
sent it through the API without an app), on the account's local day of its creation.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .message_status import BLOCKED, DELIVERED, FINAL

#: The counters of an aggregate item, in the order rows show them.
FIELDS = ("total", "delivered", "failed")
DAY = "D"
MONTH = "M"


@dataclass(frozen=True)
class CountKey:
    """What one aggregate counts: the account's local day, the message type, the country,
    the user (portal user id or app id)."""
    day: str  # YYYY-MM-DD
    type: str
    country: str
    user: str

    @property
    def month(self) -> str:
        return self.day[:7]


@dataclass(frozen=True)
class Period:
    """A run of aggregate items to read: days ``first..last`` (YYYY-MM-DD) or months
    (YYYY-MM), both inclusive."""
    kind: str  # DAY | MONTH
    first: str
    last: str


def user_of(source: str, user_id: str | None, app_id: str | None) -> str:
    """Whom a message counts for: a task's portal user, else the sending app (a portal user
    sending through the API has no app: that user)."""
    if source == "task":
        return user_id or app_id or "-"
    return app_id or user_id or "-"


def local_day(moment: datetime, zone: tzinfo) -> str:
    """The day ``moment`` (aware) falls on in ``zone``, as YYYY-MM-DD."""
    return moment.astimezone(zone).strftime("%Y-%m-%d")


def on_log(status: str) -> dict[str, int]:
    """What logging a message in ``status`` adds."""
    return {"total": 1, "failed": 1} if status == BLOCKED else {"total": 1}


def on_move(old: str, new: str) -> dict[str, int]:
    """What a status move ``old → new`` adds (nothing unless it ends the message)."""
    if old in FINAL or old == new or new not in FINAL:
        return {}
    return {"delivered": 1} if new == DELIVERED else {"failed": 1}


def of_status(status: str) -> dict[str, int]:
    """Everything a message in ``status`` has added since it was logged (the backfill
    recounts old messages with it): ``on_log`` plus the move that ended it."""
    counts = dict(on_log(status))
    if status != BLOCKED:
        counts.update(on_move("submitted", status))
    return counts


def add(into: dict[CountKey, dict[str, int]], key: CountKey, amounts: Mapping[str, int]) -> None:
    """Add ``amounts`` to ``into[key]`` (grouping: a transaction may touch an item once)."""
    if not amounts:
        return
    counts = into.setdefault(key, {})
    for name, amount in amounts.items():
        counts[name] = counts.get(name, 0) + amount


def grouped(additions: Iterable[tuple[CountKey, Mapping[str, int]]]) -> dict[CountKey, dict[str, int]]:
    """Additions summed per key."""
    into: dict[CountKey, dict[str, int]] = {}
    for key, amounts in additions:
        add(into, key, amounts)
    return into


def success_rate(delivered: int, total: int) -> str | None:
    """delivered / total as a percentage with 2 decimals ("66.67%"); None when total is 0."""
    if total <= 0:
        return None
    hundredths = (delivered * 10000 * 2 + total) // (total * 2)  # rounded half up, in integers
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def periods(start: date, end: date) -> list[Period]:
    """``start..end`` (inclusive days) as at most three runs: the days before the first whole
    month, the whole months, the days after the last whole month. Without a whole month
    inside, one run of days."""
    first_month = start if start.day == 1 else _next_month(start)
    # the first day after the last whole month (December 9999 has no "after": its days are read)
    after_last = _first_of_month(end + timedelta(days=1)) if end < date.max else _first_of_month(end)
    if first_month >= after_last:  # no whole month inside
        return [Period(DAY, start.isoformat(), end.isoformat())]
    runs = []
    if start < first_month:
        runs.append(Period(DAY, start.isoformat(), (first_month - timedelta(days=1)).isoformat()))
    last_month = after_last - timedelta(days=1)
    runs.append(Period(MONTH, first_month.isoformat()[:7], last_month.isoformat()[:7]))
    if after_last <= end:
        runs.append(Period(DAY, after_last.isoformat(), end.isoformat()))
    return runs


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
