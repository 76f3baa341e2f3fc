"""Blacklists, per application (app key): one partition per app, ``sk = N#<E.164>`` for a
number and ``C#<ISO country>`` for a whole country. A send checks both keys with one
BatchGetItem; a bulk task reads the app's countries once and its numbers 100 at a time.

Public entry ids name the item's key, ``N.<app id>.<digits>`` or ``C.<app id>.<country>``
(URL-safe: letters, digits, ``_`` and ``.``), so a DELETE is one key lookup and needs
neither a Scan nor an index. ``parse_public_id`` is strict: anything else is not an id.
"""
from __future__ import annotations

import re

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from .base import Prefix, get_item, page, save_if_new, start_key, table_meta, utcnow

NUMBER = "N"
COUNTRY = "C"

# An app id is new_id("app"): "app_" + hex. E.164 has at most 15 digits; ISO alpha-2 is two
# capitals. The kind letter and the value's shape must agree (a number never looks like a
# country), so every id maps to exactly one key and every key to exactly one id.
_PUBLIC_ID_RE = re.compile(r"(?:N\.(app_[0-9a-f]{1,64})\.([1-9][0-9]{3,14})"
                           r"|C\.(app_[0-9a-f]{1,64})\.([A-Z]{2}))")


class BlacklistEntry(Model):
    Meta = table_meta("blacklist")
    pk = UnicodeAttribute(hash_key=True)  # app id
    sk = UnicodeAttribute(range_key=True)  # N#<E.164> | C#<country>
    account_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)

    @property
    def app_id(self) -> str:
        return self.pk

    @property
    def kind(self) -> str:
        return self.sk.split("#", 1)[0]

    @property
    def value(self) -> str:
        return self.sk.split("#", 1)[1]

    @property
    def public_id(self) -> str:
        """``N.<app id>.<digits>`` / ``C.<app id>.<country>``: names the item's key."""
        return f"{self.kind}.{self.app_id}.{self.value.lstrip('+')}"


def entry_key(kind: str, value: str) -> str:
    """The sort key of ``value`` (an E.164 number or an ISO country) of ``kind``."""
    return f"{kind}#{value}"


def parse_public_id(entry_id: object, kind: str) -> tuple[str, str] | None:
    """(app id, sort key) named by a public id of ``kind``; None for anything malformed or of
    the other kind (the caller answers 404 either way)."""
    match = _PUBLIC_ID_RE.fullmatch(entry_id) if isinstance(entry_id, str) else None
    if match is None:
        return None
    if kind == NUMBER and match.group(1):
        return match.group(1), entry_key(NUMBER, "+" + match.group(2))
    if kind == COUNTRY and match.group(3):
        return match.group(3), entry_key(COUNTRY, match.group(4))
    return None


# --- reads and writes -------------------------------------------------------------------------

def get_entry(app_id: str, key: str) -> BlacklistEntry | None:
    return get_item(BlacklistEntry, app_id, key)


def listed(app_id: str, keys: list[str]) -> list[BlacklistEntry]:
    """The entries of ``app_id`` among ``keys`` (strongly consistent: a moment-old add counts)."""
    return list(BlacklistEntry.batch_get([(app_id, key) for key in keys], consistent_read=True))


def add_entries(entries: list[BlacklistEntry]) -> None:
    """Append-only rows: BatchWriteItem, 25 a call."""
    with BlacklistEntry.batch_write() as batch:
        for entry in entries:
            batch.save(entry)


def add_entry(entry: BlacklistEntry) -> bool:
    """Add one entry; False if its value is listed already."""
    return save_if_new(entry)


def remove_entry(app_id: str, key: str) -> bool:
    """Delete one entry; False if it was not listed."""
    try:
        BlacklistEntry(app_id, key).delete(condition=BlacklistEntry.sk.exists())
        return True
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def page_of(app_id: str, kind: str, limit: int, cursor: str | None) -> tuple[list[BlacklistEntry], str | None]:
    """One page of ``app_id``'s entries of ``kind`` in key order, and the next page's cursor.
    CursorError for a cursor this list did not hand out: another app's or kind's list pages
    nothing here."""
    start = start_key(cursor, pk=app_id, sk=Prefix(f"{kind}#"))
    results = BlacklistEntry.query(app_id, BlacklistEntry.sk.startswith(f"{kind}#"), limit=limit,
                                   last_evaluated_key=start)
    return page(results, limit)


def head_of_list(app_id: str, limit: int) -> ResultIterator[BlacklistEntry]:
    """The first ``limit`` entries of an app's list in key order (countries sort first);
    a PynamoDB result iterator, whose ``last_evaluated_key`` says whether more follow."""
    return BlacklistEntry.query(app_id, limit=limit, consistent_read=True)


def countries_of(app_id: str) -> set[str]:
    return {e.value for e in BlacklistEntry.query(app_id, BlacklistEntry.sk.startswith(f"{COUNTRY}#"),
                                                  consistent_read=True)}
