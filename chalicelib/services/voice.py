"""The voice call log (通话记录): calls on the accounts' numbers, recorded from the carrier's
event webhooks (``record_event``), made whole by reconciliation against its call records
(``reconcile``, scheduled), and read by the account (``calls_page``, ``call``,
``iter_calls`` for exports).

**Whose call**: the account that holds our number on the call now (``store.numbers.owner_of``)
— the called number of an inbound call, the caller of an outbound one. A call on a number
nobody holds is acknowledged and dropped with a log line.

**One record per call**: every observation, webhook or call record, goes through ``observe``:
read the call, fold the observation in (``domain.call_events.fold``), write it back only if
it changed and only if nobody wrote it since it was read (else read and fold again). So
duplicates, events out of order and a reconciliation that reads a call again all end in the
same record.

**Reconciliation** pages ``GET /v1/calls`` oldest first from ``OVERLAP`` before the
watermark to now, folding every call. The watermark moves only after a complete pass, to the
start of the pass — or to the start of the oldest call still in progress, so a long call
whose completion webhook is lost is read again until it ends (for at most ``MAX_CALL``).
A pass that fails part way leaves the watermark where it was; the next one reads it all again.

**The list**: the ``account-time-index`` newest first between ``start`` (inclusive) and
``end`` (exclusive), read as ``GET /v1/messages`` reads times (``domain.time_range``: an
offset or the account's zone, default the last 7 days, at most 92); ``number``,
``direction`` and ``status`` are filter expressions. A page examines at most
``PAGE_EXAMINED`` calls: a rare filter may end a page short (even empty) with a
``next_cursor`` that resumes where reading stopped. The cursor is ``{"before": <tkey>, "f":
<digest of the filters>}``: presented with other filters it is a 400.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ..carrier import platform_voice_client
from ..carrier.voice import CarrierCall, VoiceClient
from ..domain import call_events as domain
from ..domain.time_range import parse_range
from ..domain.timeline import ckey
from ..errors import CursorError, NotFound
from ..store import calls as store
from ..store.accounts import get_account
from ..store.base import decode_cursor, encode_cursor, iso, utcnow
from ..store.calls import Call
from ..store.numbers import owner_of

log = logging.getLogger(__name__)

#: What reconciliation reads again before its watermark: the carrier's call records may
#: appear a little after the call started.
OVERLAP = timedelta(minutes=15)
#: How far back the first pass reads, and the longest a call in progress holds the watermark.
MAX_CALL = timedelta(hours=24)
RECONCILE_PAGE = 100
WATERMARK = "voice"
#: Times an observation is folded again after another writer changed the call under it.
FOLD_ATTEMPTS = 8
PAGE_EXAMINED = 2000
MAX_ID_LENGTH = domain.MAX_TEXT
_TKEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[^\s#]{1,128}$")


class CallNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Call")


# --- recording --------------------------------------------------------------------------------

def record_event(payload: Mapping[str, Any]) -> str:
    """A Vonage Voice event webhook's body, folded into its call; what happened, for the log.
    An event that is not a call's, or a call on a number nobody holds, is dropped."""
    try:
        seen = domain.from_event(payload, received_at=utcnow())
    except domain.CallEventError as exc:
        log.info("voice event dropped: %s", exc)
        return "dropped: not a call event"
    return observe(seen)


def observe(seen: domain.CallRecord) -> str:
    """Fold one observation of a call into the log of the account holding its number."""
    number = seen.our_number
    account_id = owner_of(number) if number else None
    if account_id is None:
        log.info("voice call %s dropped: no account holds %s (%s)", seen.uuid, number, seen.direction)
        return "dropped: nobody holds the number"
    for _ in range(FOLD_ATTEMPTS):
        stored = store.get_call(account_id, seen.uuid)
        if stored is None:
            if store.add_call(account_id, number or "", seen):
                return "recorded"
            continue
        current = stored.record
        folded = domain.fold(current, seen)
        if folded == current:
            return "unchanged"
        if store.update_call(stored, folded):
            return "updated"
    raise RuntimeError(f"call {seen.uuid} kept changing under {FOLD_ATTEMPTS} folds")


# --- reconciling ------------------------------------------------------------------------------

def reconcile(now: datetime | None = None, client: VoiceClient | None = None) -> dict[str, Any]:
    """One pass over the carrier's call records since the watermark (less ``OVERLAP``),
    every call folded as a webhook would be; then the watermark moves. ``client``: default
    the platform's."""
    now = now or utcnow()
    client = client or platform_voice_client()
    previous = store.watermark(WATERMARK)
    since = (previous - OVERLAP) if previous else now - MAX_CALL
    outcome: dict[str, Any] = {"since": iso(since), "calls": 0, "recorded": 0, "updated": 0, "dropped": 0}
    oldest_open: datetime | None = None
    for call in _carrier_calls(client, since, now):
        seen = domain.from_carrier(call, read_at=now)
        result = observe(seen)
        outcome["calls"] += 1
        for kind in ("recorded", "updated", "dropped"):
            outcome[kind] += result.startswith(kind)
        if not seen.is_final and (oldest_open is None or seen.placed_at < oldest_open):
            oldest_open = seen.placed_at
    until = max(min(now, oldest_open or now), now - MAX_CALL)
    if previous is not None and until < previous:
        until = previous  # a call still in progress is read again through OVERLAP and what it holds back
    outcome["watermark"] = iso(until)
    outcome["moved"] = store.move_watermark(WATERMARK, previous, until)
    return outcome


def _carrier_calls(client: VoiceClient, since: datetime, until: datetime) -> Iterator[CarrierCall]:
    """Every call record in ``[since, until]``, oldest first (new calls land on later pages,
    so paging by index neither skips nor repeats)."""
    index = 0
    while True:
        page = client.calls(date_start=since, date_end=until, page_size=RECONCILE_PAGE, record_index=index,
                            order="asc")
        yield from page.calls
        index += len(page.calls)
        if not page.calls or index >= page.count:
            return


# --- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """A validated call log query: ``start`` inclusive, ``end`` exclusive, aware UTC."""
    start: datetime
    end: datetime
    number: str | None = None
    direction: str | None = None
    status: str | None = None
    requested_range: str = ""  # start/end as asked: a default range moves with the clock between pages

    def digest(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k not in ("start", "end")}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def as_json(self) -> dict[str, Any]:
        """As an export keeps them (``from_json`` reads them back)."""
        return {**asdict(self), "start": iso(self.start), "end": iso(self.end)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Filters:
        return cls(**{**data, "start": datetime.fromisoformat(data["start"].replace("Z", "+00:00")),
                      "end": datetime.fromisoformat(data["end"].replace("Z", "+00:00"))})


#: The filters the list (and its export) takes.
FILTER_NAMES = ("number", "direction", "status", "start", "end")


def parse_filters(account_id: str, params: Mapping[str, Any]) -> Filters:
    """Query parameters as Filters; FieldError names a bad one. Empty values count as absent;
    the account is read (for its time zone) only when a time has no offset."""
    given = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    start, end = parse_range(given.get("start"), given.get("end"), _zone_of(account_id), now=utcnow())
    number = given.get("number")
    direction = given.get("direction")
    status = given.get("status")
    return Filters(start=start, end=end,
                   number=domain.msisdn_field(number, "number") if number is not None else None,
                   direction=domain.choice_field(direction, "direction", domain.DIRECTIONS)
                   if direction is not None else None,
                   status=domain.choice_field(status, "status", domain.STATUSES) if status is not None else None,
                   requested_range=f"{given.get('start')}|{given.get('end')}")


def _zone_of(account_id: str) -> Callable[[], tzinfo]:
    zone: list[tzinfo] = []

    def get() -> tzinfo:
        if not zone:
            account = get_account(account_id)
            zone.append(ZoneInfo(account.timezone if account and account.timezone else "UTC"))
        return zone[0]
    return get


def call(account_id: str, uuid: str) -> Call:
    """One call of the account; another account's (or none) is CallNotFound (404)."""
    found = store.get_call(account_id, uuid) if 0 < len(uuid) <= MAX_ID_LENGTH else None
    if found is None:
        raise CallNotFound()
    return found


def calls_page(account_id: str, filters: Filters, limit: int, cursor: str | None) -> tuple[list[Call], str | None]:
    """Up to ``limit`` calls newest first and the cursor of the next page (None when the
    range is exhausted); a page whose reading budget ran out may be short and still have one."""
    before = _cursor_position(cursor, filters)
    items: list[Call] = []
    for entry in _read(account_id, filters, before, examined=PAGE_EXAMINED, page_size=min(max(limit * 2, 25), 100)):
        if isinstance(entry, str):
            return items, _cursor(entry, filters)
        items.append(entry)
        if len(items) >= limit:
            return items, _cursor(entry.tkey, filters)
    return items, None


def iter_calls(account_id: str, filters: Filters) -> Iterator[Call]:
    """Every matching call, newest first, without a budget (for exports)."""
    for entry in _read(account_id, filters, None, examined=None, page_size=100):
        if isinstance(entry, Call):
            yield entry


def _read(account_id: str, filters: Filters, before: str | None, *, examined: int | None,
          page_size: int) -> Iterator[Call | str]:
    """Matching calls strictly older than ``before``; a ``str`` (the last key examined) when
    ``examined`` items were read and more remain."""
    lower, upper = ckey(filters.start, ""), ckey(filters.end, "")
    if before is not None:
        upper = min(upper, before)
    if upper <= lower:
        return
    pages = store.calls_newest_first(account_id, lower, upper, _condition(filters), page_size)
    read = 0
    for page in pages:
        for raw in page.get("Items", ()):
            item = Call.from_raw_data(raw)
            if item.tkey != before:  # the key bound is inclusive; the cursor's own call was on the last page
                yield item
        read += int(page.get("ScannedCount", 0))
        last = pages.last_evaluated_key
        if last is None:
            return
        if examined is not None and read >= examined:
            yield last["tkey"]["S"]
            return


def _condition(filters: Filters):
    condition = None
    for attribute, value in ((Call.number, filters.number), (Call.direction, filters.direction),
                             (Call.status, filters.status)):
        if value is not None:
            condition = (attribute == value) if condition is None else condition & (attribute == value)
    return condition


def _cursor(before: str, filters: Filters) -> str:
    return encode_cursor({"before": before, "f": filters.digest()})


def _cursor_position(cursor: str | None, filters: Filters) -> str | None:
    data = decode_cursor(cursor)
    if data is None:
        return None
    if data.get("f") != filters.digest():
        raise CursorError("belongs to a query with other filters")
    before = data.get("before")
    if not isinstance(before, str) or not _TKEY.match(before):
        raise CursorError()
    return before
