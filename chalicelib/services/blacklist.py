"""Blacklists per app key (seed module 黑名单): numbers and whole countries. Blocked
recipients are filtered before sending, logged as ``blocked`` and never charged.

Public entry ids carry the app id and the value (``N.<app id>.<digits>``,
``C.<app id>.<country>``) so a DELETE finds its item with one key lookup and no index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pynamodb.exceptions import PutError

from ..domain.countries import CountryError, normalise_country
from ..domain.phone import PhoneNumberError, parse_phone
from ..store.blacklist import COUNTRY, NUMBER, BlacklistEntry, entry_key
from ..store.base import decode_cursor, page
from .apps import get_app
from .directory import FieldError
from .identity import Caller

MAX_NUMBERS_PER_REQUEST = 1000
_ID_RE = re.compile(r"^(N|C)\.(app_[0-9a-f]{1,64})\.([0-9]{4,15}|[A-Z]{2})$")


class EntryNotFound(LookupError):
    pass


@dataclass(frozen=True)
class AddedNumbers:
    added: list[BlacklistEntry]
    already_listed: int
    invalid: list[dict]


def parse_id(entry_id: str, kind: str) -> tuple[str, str]:
    """(app id, sort key) of a public entry id of ``kind``; EntryNotFound when malformed."""
    match = _ID_RE.match(entry_id or "")
    if not match or match.group(1) != kind:
        raise EntryNotFound(entry_id)
    value = match.group(3)
    return match.group(2), entry_key(kind, "+" + value if kind == NUMBER else value)


def app_for(caller: Caller, app_id: object) -> str:
    """The app whose list ``caller`` works on: its own for an app caller, else one of its
    account's apps. Another account's app is indistinguishable from a missing one."""
    if caller.kind == "app":
        if app_id not in (None, caller.app_id):
            raise EntryNotFound("app")
        return caller.app_id
    if not isinstance(app_id, str) or not app_id:
        raise FieldError("app_id", "is required", 400)
    if get_app(caller.account_id, app_id) is None:
        raise EntryNotFound("app")
    return app_id


def add_numbers(caller: Caller, app_id: str, numbers: object) -> AddedNumbers:
    if not isinstance(numbers, list) or not numbers:
        raise FieldError("numbers", "must be a non-empty list of phone numbers", 400 if numbers is None else 422)
    if len(numbers) > MAX_NUMBERS_PER_REQUEST:
        raise FieldError("numbers", f"at most {MAX_NUMBERS_PER_REQUEST} numbers per request")
    added, invalid, already, seen = [], [], 0, set()
    for raw in numbers:
        try:
            number = parse_phone(raw if isinstance(raw, str) else "")
        except PhoneNumberError as exc:
            invalid.append({"value": raw, "reason": str(exc)})
            continue
        if number.e164 in seen:
            already += 1
            continue
        seen.add(number.e164)
        entry = _put(caller, app_id, entry_key(NUMBER, number.e164))
        if entry is None:
            already += 1
        else:
            added.append(entry)
    return AddedNumbers(added, already, invalid)


def add_country(caller: Caller, app_id: str, country: object) -> tuple[BlacklistEntry, bool]:
    """(entry, created): adding a listed country again returns the existing entry."""
    try:
        code = normalise_country(country)
    except CountryError as exc:
        raise FieldError("country", str(exc), 400 if country is None else 422) from None
    key = entry_key(COUNTRY, code)
    entry = _put(caller, app_id, key)
    return (entry, True) if entry is not None else (BlacklistEntry.get(app_id, key, consistent_read=True), False)


def _put(caller: Caller, app_id: str, key: str) -> BlacklistEntry | None:
    entry = BlacklistEntry(app_id, key, account_id=caller.account_id, created_by=caller.actor)
    try:
        entry.save(condition=BlacklistEntry.sk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return entry


def list_entries(app_id: str, kind: str, limit: int, cursor: str | None,
                 number: str | None = None) -> tuple[list[BlacklistEntry], str | None]:
    if number is not None:
        try:
            e164 = parse_phone(number).e164
        except PhoneNumberError as exc:
            raise FieldError("number", str(exc)) from None
        found = _get(app_id, entry_key(NUMBER, e164))
        return ([found] if found else []), None
    results = BlacklistEntry.query(app_id, BlacklistEntry.sk.startswith(f"{kind}#"), limit=limit,
                                   last_evaluated_key=decode_cursor(cursor))
    return page(results, limit)


def remove(caller: Caller, entry_id: str, kind: str) -> None:
    app_id, key = parse_id(entry_id, kind)
    app_for(caller, app_id)
    entry = _get(app_id, key)
    if entry is None:
        raise EntryNotFound(entry_id)
    entry.delete()


def _get(app_id: str, key: str) -> BlacklistEntry | None:
    try:
        return BlacklistEntry.get(app_id, key, consistent_read=True)
    except BlacklistEntry.DoesNotExist:
        return None


# --- checks on the sending path --------------------------------------------------------------

def is_blocked(app_id: str, e164: str, country: str) -> str | None:
    """"number", "country" or None: one BatchGetItem for both keys."""
    keys = [(app_id, entry_key(NUMBER, e164)), (app_id, entry_key(COUNTRY, country))]
    found = {item.kind for item in BlacklistEntry.batch_get(keys, consistent_read=True)}
    if NUMBER in found:
        return "number"
    return "country" if COUNTRY in found else None


def blocked_numbers(app_id: str, recipients: list[tuple[str, str]]) -> set[str]:
    """The E.164 numbers of ``recipients`` ((e164, country) pairs) that the app blocks,
    by number or by country: its countries are read once, numbers 100 per BatchGetItem."""
    countries = {e.value for e in BlacklistEntry.query(app_id, BlacklistEntry.sk.startswith(f"{COUNTRY}#"))}
    blocked = {e164 for e164, country in recipients if country in countries}
    rest = sorted({e164 for e164, _ in recipients} - blocked)
    keys = [(app_id, entry_key(NUMBER, e164)) for e164 in rest]
    blocked.update(item.value for item in BlacklistEntry.batch_get(keys, consistent_read=True))
    return blocked
