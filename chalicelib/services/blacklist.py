"""Blacklists per app key (seed module 黑名单): numbers and whole countries. Blocked
recipients are filtered before sending, logged as ``blocked`` and never charged.

Who manages a list: the portal users of the account that owns the app, or the app itself
(HTTP Basic with its own key; then ``app_id`` may be left out). Another account's app, or
another app's list for an app caller, is indistinguishable from a missing one (404).
A disabled app's list can still be read and edited (it matters again if the app returns).

Public entry ids carry the app id and the value (``N.<app id>.<digits>``,
``C.<app id>.<country>``) so a DELETE finds its item with one key lookup and no index.
Changes are recorded in the account's audit log.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from ..domain.phone import PhoneNumberError, parse_phone, parse_typed_phone
from ..errors import FieldError, InvalidRequest, NotFound
from ..store import audit
from ..store import blacklist as store
from ..store.blacklist import COUNTRY, NUMBER, BlacklistEntry, entry_key, parse_public_id
from . import catalog
from .apps import get_app
from .identity import Caller

MAX_NUMBERS_PER_REQUEST = 1000
#: More than there can be country entries in one app's list (one per routable region).
_MAX_COUNTRY_ENTRIES = len(phonenumbers.SUPPORTED_REGIONS)
_KIND_NAMES = {NUMBER: "number", COUNTRY: "country"}


class AppNotFound(NotFound):
    """No app of this caller's by that id (another account's looks the same)."""

    def __init__(self) -> None:
        super().__init__("App")


class EntryNotFound(NotFound):
    """No entry this caller may see by that id."""

    def __init__(self) -> None:
        super().__init__("Blacklist entry")


@dataclass(frozen=True)
class AddedNumbers:
    added: list[BlacklistEntry]  # new entries, in request order
    already_listed: int  # listed before, or repeated within the request
    invalid: list[dict]  # {"value": <as sent>, "reason": <why it is not a number>}


# --- whose list ------------------------------------------------------------------------------

def app_for(caller: Caller, app_id: object) -> str:
    """The app whose list ``caller`` works on: its own for an app caller (``app_id`` absent,
    empty or its own; anything else AppNotFound), else one of the caller's account's apps.
    A user must name the app: InvalidRequest when missing, FieldError when not a string."""
    if caller.kind == "app" and caller.app_id:
        if app_id not in (None, "", caller.app_id):
            raise AppNotFound()
        return caller.app_id
    if app_id is None or app_id == "":
        raise InvalidRequest("app_id", "is required")
    if not isinstance(app_id, str):
        raise FieldError("app_id", "must be a string (an app id such as app_3f9a...)")
    if get_app(caller.account_id, app_id) is None:
        raise AppNotFound()
    return app_id


# --- changes ---------------------------------------------------------------------------------

def add_numbers(caller: Caller, app_id: str, numbers: object) -> AddedNumbers:
    """Block ``numbers`` for ``app_id`` (already checked with ``app_for``).

    Each is normalised with ``parse_typed_phone`` (``+86 138 0013 8000`` and ``8613800138000`` are
    one entry). Bad values are reported with their reason and the rest are still added, even
    when none is valid (then nothing is added). Re-adding is idempotent: listed numbers are
    counted in ``already_listed``. ``numbers`` missing → FieldError 400; not a list, empty,
    or more than MAX_NUMBERS_PER_REQUEST → 422.

    Cost: listed numbers are found with BatchGetItem (100 keys a call) and new ones written
    with BatchWriteItem (25 a call), ~50 calls for 1,000 numbers rather than 1,000 conditional
    puts. Two requests adding the same new number at the same moment may both report it as
    added; the list is the same either way (one entry, the later write's ``created_at``).
    """
    valid, invalid, repeats = _normalise_numbers(numbers)
    listed = {item.value for item in store.listed(app_id, [entry_key(NUMBER, e164) for e164 in valid])}
    added = [_new_entry(caller, app_id, entry_key(NUMBER, e164)) for e164 in valid if e164 not in listed]
    store.add_entries(added)
    if added:
        audit.record(caller.account_id, "blacklist.numbers_added", caller.actor, app_id,
                     numbers=[entry.value for entry in added])
    return AddedNumbers(added, repeats + len(listed), invalid)


def _normalise_numbers(numbers: object) -> tuple[list[str], list[dict], int]:
    """(distinct E.164 numbers in input order, invalid values with reasons, repeats)."""
    if numbers is None:
        raise InvalidRequest("numbers", "is required (a list of phone numbers)")
    if not isinstance(numbers, list) or not numbers:
        raise FieldError("numbers", "must be a non-empty list of phone numbers")
    if len(numbers) > MAX_NUMBERS_PER_REQUEST:
        raise FieldError("numbers", f"must hold at most {MAX_NUMBERS_PER_REQUEST} numbers per request "
                                    f"(got {len(numbers)})")
    wrong_type = next((n for n, raw in enumerate(numbers) if not isinstance(raw, str)), None)
    if wrong_type is not None:  # not a phone number written wrong: a request built wrong
        raise FieldError(f"numbers[{wrong_type}]", "must be a string (a phone number)")
    valid: dict[str, None] = {}  # an ordered set
    invalid, repeats = [], 0
    for raw in numbers:
        try:
            e164 = parse_typed_phone(raw).e164
        except PhoneNumberError as exc:
            invalid.append({"value": raw, "reason": str(exc)})
            continue
        if e164 in valid:
            repeats += 1
        valid[e164] = None
    return list(valid), invalid, repeats


def add_country(caller: Caller, app_id: str, country: object) -> tuple[BlacklistEntry, bool]:
    """Block a whole country (ISO-3166 alpha-2, any case) for ``app_id``: (entry, created).
    Adding a listed country again returns the existing entry with ``created`` False.
    ``country`` missing → FieldError 400; not a country code we route to → 422."""
    if country is None:
        raise InvalidRequest("country", "is required (an ISO-3166 alpha-2 code such as GB)")
    code = catalog.country_field(country)
    key = entry_key(COUNTRY, code)
    for _ in range(3):  # a concurrent delete can remove the entry between our put and get
        entry = _new_entry(caller, app_id, key)
        if store.add_entry(entry):
            audit.record(caller.account_id, "blacklist.country_added", caller.actor, app_id, country=code)
            return entry, True
        existing = store.get_entry(app_id, key)
        if existing is not None:
            return existing, False
    raise RuntimeError(f"blacklist entry {app_id} {key} keeps being added and removed")


def remove(caller: Caller, entry_id: str, kind: str) -> None:
    """Delete the entry ``entry_id`` of ``kind`` (NUMBER or COUNTRY): one conditional delete.
    EntryNotFound for a malformed id, an id of the other kind, an app the caller may not
    manage, or an entry that is not (or no longer) listed."""
    parsed = parse_public_id(entry_id, kind)
    if parsed is None:
        raise EntryNotFound()
    app_id, key = parsed
    try:
        app_for(caller, app_id)
    except AppNotFound:
        raise EntryNotFound() from None  # the id names the app: say no more than for any other
    if not store.remove_entry(app_id, key):
        raise EntryNotFound()
    name = _KIND_NAMES[kind]
    audit.record(caller.account_id, f"blacklist.{name}_removed", caller.actor, app_id,
                 **{name: key.split("#", 1)[1]})


def _new_entry(caller: Caller, app_id: str, key: str) -> BlacklistEntry:
    return BlacklistEntry(app_id, key, account_id=caller.account_id, created_by=caller.actor)


# --- reading ---------------------------------------------------------------------------------

def list_entries(app_id: str, kind: str, limit: int, cursor: str | None,
                 number: str | None = None) -> tuple[list[BlacklistEntry], str | None]:
    """One page of ``app_id``'s entries of ``kind`` in key order, and the next page's cursor.
    ``number`` (numbers only) is an exact lookup: normalised like an added number (422 on
    ``number`` if it is not one), at most one entry, no cursor. A cursor from another list
    (another app or kind) is a CursorError (400 on ``cursor``)."""
    if number is not None:
        found = store.get_entry(app_id, entry_key(NUMBER, catalog.phone_field(number, "number")))
        return ([found] if found else []), None
    return store.page_of(app_id, kind, limit, cursor)


# --- checks on the sending path --------------------------------------------------------------

def is_blocked(app_id: str, e164: str, country: str) -> str | None:
    """Why a message from ``app_id`` to ``e164`` (in ``country``) must not be sent: "number",
    "country" (the number wins when both are listed) or None. One strongly consistent
    BatchGetItem of both keys, so an entry added a moment ago already counts."""
    found = {item.kind for item in store.listed(app_id, [entry_key(NUMBER, e164), entry_key(COUNTRY, country)])}
    if NUMBER in found:
        return "number"
    return "country" if COUNTRY in found else None


def blocked_numbers(app_id: str, numbers: Iterable[str | tuple[str, str]]) -> dict[str, str]:
    """Those of ``numbers`` that ``app_id`` blocks, each with why: "number" or "country"
    (the number wins when both are listed, as in ``is_blocked``).

    ``numbers`` holds E.164 strings or ``(e164, country)`` pairs; pass pairs when the country
    is already known (a task's parsed numbers carry it) to skip re-parsing. A string that is
    not a valid number is checked by number only. Keys are the E.164 strings as given.

    Cost: one strongly consistent Query reads the start of the app's list, countries first
    (``C#`` sorts before ``N#``), up to len(numbers) + one entry per possible country. When
    the list fits, that one call decides everything; otherwise the countries are all in it
    and the numbers that sort after what it read are looked up by BatchGetItem, 100 keys a
    call.
    """
    pairs = [_with_country(item) for item in numbers]
    wanted = {e164 for e164, _ in pairs}
    if not wanted:
        return {}
    head = store.head_of_list(app_id, len(wanted) + _MAX_COUNTRY_ENTRIES)
    entries = list(head)
    countries = {e.value for e in entries if e.kind == COUNTRY}
    listed_numbers = wanted & {e.value for e in entries if e.kind == NUMBER}
    if head.last_evaluated_key is not None:  # more of the list than was read
        if not any(e.kind == NUMBER for e in entries):  # only countries so far (cannot happen with that limit)
            countries |= store.countries_of(app_id)
        # Keys come in order: a wanted number at or before the last key read would have been seen.
        last_read = entries[-1].sk
        unknown = [entry_key(NUMBER, e164) for e164 in wanted - listed_numbers if entry_key(NUMBER, e164) > last_read]
        listed_numbers |= {item.value for item in store.listed(app_id, unknown)}
    by_country = {e164: "country" for e164, country in pairs if country in countries}
    return {**by_country, **dict.fromkeys(listed_numbers, "number")}


def _with_country(item: str | tuple[str, str]) -> tuple[str, str | None]:
    if not isinstance(item, str):
        e164, country = item
        return e164, country
    try:
        return item, parse_phone(item).country
    except PhoneNumberError:
        return item, None
