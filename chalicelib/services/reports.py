"""Reports (报告下载, issue 15): messages per country and user over whole days — total,
delivered, failed, success rate — with a totals row, read from the daily and monthly
aggregates that every message write keeps up to date in its own transaction
(``store.reports``; what counts: ``domain.report_counts``). Never a scan of messages.

**Filters** (``parse_filters``): ``type`` (transactional | marketing; absent: both),
``start``/``end`` dates (YYYY-MM-DD) in the account's time zone, both inclusive whole days
(a time of day is a 422: reports are daily), default the last 7 days (today included), at
most 366 days; ``countries`` (comma-separated, at most 50); ``user`` (a portal user id
``usr_…`` or an app id ``app_…``; one with no messages gives empty rows). An application
calling with its key sees only what it sent through the API (``user`` = its own id; another
user's id gives empty rows); a task's messages count for the portal user who made it.

**Cost** (measured, ``tests/service/test_reports.py``): a range is read in at most three runs
— the days before its first whole month, its whole months, the days after its last — each
one ``between`` Query per shard (``REPORT_SHARDS`` = 4, read in parallel): 1 day = 4
Queries, any range without a whole month inside = 4, 366 days = 12 (3 round trips in
parallel); an extra page per ~1 MB of items read. Then 1 Query for the portal users' names
and 1 for the apps' (only when rows name them), and the account's GetItem for its time zone
when a default needs today (cached 5 minutes per process). The caller check comes first
(a token: 2 GetItem; an app key: 1 GetItem + 1 Query).

**Backfill** (``backfill``; ``jobs.reports.backfill_reports``, ``scripts/backfill_reports.py``):
messages logged before this change have no ``report_day`` and are never counted live (their
later moves add nothing). The job scans the messages table for them in ``BACKFILL_SEGMENTS``
fixed segments (in parallel), recounts each segment per account, day, type, country and user
from the messages' current status, and PUTs the sums into items of its own (``#B<segment>``):
a rerun writes the same values, so it never double counts. Caveats: a pre-existing message
that moves after the scan shows its old status until the job is run again (run it once the
deploy is older than the longest a receipt takes, or rerun it later: a rerun corrects); the
day is taken in the account's time zone as of the run.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain import report_counts
from ..domain.country_names import LANGUAGES, country_name
from ..domain.message_status import MESSAGE_TYPES
from ..domain.report_counts import CountKey, Period
from ..errors import FieldError
from ..store import reports as store
from ..store.accounts import cached_zone
from ..store.base import utcnow
from ..store.messages import Message, scan_unreported
from . import apps, directory
from .catalog import country_field

log = logging.getLogger(__name__)

DEFAULT_DAYS = 7
MAX_DAYS = 366
MAX_COUNTRIES = 50
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
#: What the API and the spec take (the spec's patterns are these).
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
USER_PATTERN = r"^(usr|app)_[0-9a-f]{1,64}$"
_DATE = re.compile(DATE_PATTERN)
_TIME = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]")
_USER = re.compile(USER_PATTERN)
_ZERO = dict.fromkeys(report_counts.FIELDS, 0)


@dataclass(frozen=True)
class Filters:
    """A validated report query: whole local days ``start..end`` (inclusive)."""
    start: date
    end: date
    type: str | None = None
    countries: tuple[str, ...] = ()
    user: str | None = None
    app_id: str | None = None  # set for app callers: an app sees what it sent


# --- parsing the query ------------------------------------------------------------------------

def parse_filters(account_id: str, params: dict, app_id: str | None = None) -> Filters:
    """Validate query parameters into Filters; FieldError (422) names the bad one. Empty
    values count as absent. The account's time zone is read only when a default needs
    today."""
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    start, end = _range(account_id, _day(params.get("start"), "start"), _day(params.get("end"), "end"))
    kind = params.get("type")
    if kind is not None and kind not in MESSAGE_TYPES:
        raise FieldError("type", "must be transactional or marketing")
    user = params.get("user")
    if user is not None and not (isinstance(user, str) and _USER.fullmatch(user)):
        raise FieldError("user", "must be a portal user id (usr_...) or an app id (app_...)")
    return Filters(start=start, end=end, type=kind, countries=_countries(params.get("countries")), user=user,
                   app_id=app_id)


def _day(value: object, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field, "must be a date such as 2026-11-23")
    if not _DATE.fullmatch(value):
        if _TIME.match(value):
            raise FieldError(field, "is a time, but reports are daily: give a date such as 2026-11-23")
        raise FieldError(field, "must be a date such as 2026-11-23 (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FieldError(field, "is not a date of the calendar") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FieldError(field, f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def _range(account_id: str, start: date | None, end: date | None) -> tuple[date, date]:
    """Both days, defaults filled in: the last 7 days up to today (local), or 7 days up to
    ``end``; FieldError for an empty or too long range."""
    if end is None:
        end = date.fromisoformat(report_counts.local_day(utcnow(), cached_zone(account_id)))
        if start is not None and start > end:
            raise FieldError("start", "must not be after today (end defaults to today)")
        given = "today (end defaults to today)"
    else:
        given = "end"
    if start is None:
        start = max(end - timedelta(days=DEFAULT_DAYS - 1), FIRST_DAY)
    if end < start:
        raise FieldError("end", "must not be before start")
    if (end - start).days + 1 > MAX_DAYS:
        raise FieldError("start", f"must be at most {MAX_DAYS - 1} days before {given}: a report spans at most "
                                  f"{MAX_DAYS} days")
    return start, end


def _countries(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, str):
        raise FieldError("countries", "must be country codes separated by commas, such as CN,US")
    codes = value.split(",")
    if len(codes) > MAX_COUNTRIES:
        raise FieldError("countries", f"may name at most {MAX_COUNTRIES} countries")
    return tuple(dict.fromkeys(country_field(code, "countries") for code in codes))


# --- the report -------------------------------------------------------------------------------

def report(account_id: str, filters: Filters) -> dict[str, Any]:
    """``{"rows": [...], "totals": {...}}``: a row per country and user with messages in the
    range (sorted by country, then user), and their sums (``country`` and ``user`` null)."""
    sums = _sums(account_id, filters)
    names = _names(account_id, {user for _, user in sums})
    rows = [_row(country, user, names.get(user), counts) for (country, user), counts in sorted(sums.items())]
    totals = {name: sum(counts[name] for counts in sums.values()) for name in report_counts.FIELDS}
    return {"rows": rows, "totals": _row(None, None, None, totals)}


def _sums(account_id: str, filters: Filters) -> dict[tuple[str, str], dict[str, int]]:
    user = filters.app_id or filters.user
    if filters.app_id and filters.user not in (None, filters.app_id):
        return {}  # an app sees its own sends only
    runs = report_counts.periods(filters.start, filters.end)

    def shard_sums(shard: int) -> dict[tuple[str, str], dict[str, int]]:
        found: dict[tuple[str, str], dict[str, int]] = {}
        for run in runs:
            for item in store.read(account_id, shard, run):
                kind, country, who = store.dimensions(item)
                if (filters.type and kind != filters.type) or (filters.countries and country not in filters.countries) \
                        or (user and who != user):
                    continue
                counts = found.setdefault((country, who), dict(_ZERO))
                for name in report_counts.FIELDS:
                    counts[name] += int(getattr(item, name) or 0)
        return found

    sums: dict[tuple[str, str], dict[str, int]] = {}
    with ThreadPoolExecutor(max_workers=store.REPORT_SHARDS) as pool:
        for found in pool.map(shard_sums, range(store.REPORT_SHARDS)):
            for key, counts in found.items():
                into = sums.setdefault(key, dict(_ZERO))
                for name in report_counts.FIELDS:
                    into[name] += counts[name]
    return sums


def daily_totals(account_id: str, first: date, last: date, *, type: str | None = None,
                 country: str | None = None, user: str | None = None) -> dict[date, int]:
    """Messages logged per local day ``first..last`` (inclusive), from the day aggregates
    (exports plan their workers with it): one Query per shard, an extra page per ~10,000
    aggregates."""
    run = Period(report_counts.DAY, first.isoformat(), last.isoformat())

    def shard_totals(shard: int) -> dict[date, int]:
        found: dict[date, int] = {}
        for item in store.read(account_id, shard, run):
            kind, where, who = store.dimensions(item)
            if (type and kind != type) or (country and where != country) or (user and who != user):
                continue
            day = date.fromisoformat(item.sk.split("#", 2)[1])
            found[day] = found.get(day, 0) + int(item.total or 0)
        return found

    totals: dict[date, int] = {}
    with ThreadPoolExecutor(max_workers=store.REPORT_SHARDS) as pool:
        for found in pool.map(shard_totals, range(store.REPORT_SHARDS)):
            for day, rows in found.items():
                totals[day] = totals.get(day, 0) + rows
    return totals


def _names(account_id: str, users: set[str]) -> dict[str, str]:
    """Display names of the users and apps rows name (a Query each, only when needed)."""
    names: dict[str, str] = {}
    if any(user.startswith("app_") for user in users):
        names.update({app.app_id: app.name for app in apps.list_apps(account_id)})
    if any(not user.startswith("app_") for user in users):
        names.update({person.user_id: person.name for person in directory.list_users(account_id)})
    return names


def _row(country: str | None, user: str | None, user_name: str | None, counts: dict[str, int]) -> dict[str, Any]:
    return {"country": country, "country_name": _country_names(country), "user": user, "user_name": user_name,
            **{name: counts[name] for name in report_counts.FIELDS},
            "success_rate": report_counts.success_rate(counts["delivered"], counts["total"])}


def _country_names(code: str | None) -> dict[str, str] | None:
    if code is None:
        return None
    try:
        return {lang: country_name(code, lang) for lang in LANGUAGES}
    except KeyError:
        return None


# --- the backfill (one-off) -------------------------------------------------------------------

def backfill(segments: Iterable[int] | None = None, *, workers: int = 8) -> dict[str, int]:
    """Count the messages logged before issue 15 into the aggregates: scan segments
    ``segments`` (default all ``BACKFILL_SEGMENTS``) of the messages table, ``workers`` at a
    time. Idempotent: each segment's items are SET to its recount. Returns what was done."""
    todo = sorted(set(range(store.BACKFILL_SEGMENTS) if segments is None else segments))
    if not all(isinstance(s, int) and 0 <= s < store.BACKFILL_SEGMENTS for s in todo):
        raise ValueError(f"segments are 0..{store.BACKFILL_SEGMENTS - 1}")
    outcome = {"segments": len(todo), "messages": 0, "items": 0}
    if not todo:
        return outcome
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        for done in pool.map(backfill_segment, todo):
            outcome["messages"] += done["messages"]
            outcome["items"] += done["items"]
    return outcome


def backfill_segment(segment: int) -> dict[str, int]:
    """Recount one scan segment's messages without ``report_day`` and SET its items."""
    counts: dict[str, dict[CountKey, dict[str, int]]] = {}
    seen = 0
    for message in scan_unreported(segment, store.BACKFILL_SEGMENTS):
        report_counts.add(counts.setdefault(message.account_id, {}), _backfill_key(message),
                          report_counts.of_status(message.status))
        seen += 1
    items = sum(store.set_backfilled(account_id, segment, by_key) for account_id, by_key in counts.items())
    log.info("report backfill segment %d: %d message(s), %d item(s)", segment, seen, items)
    return {"segment": segment, "messages": seen, "items": items}


def _backfill_key(message: Message) -> CountKey:
    day = report_counts.local_day(message.created_at, cached_zone(message.account_id))
    return CountKey(day, message.type, message.country,
                    report_counts.user_of(message.source, message.user_id, message.app_id))
