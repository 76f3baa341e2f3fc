"""The ledger: every balance movement of an account, written in the same transaction as
the balance change, so the ledger's sum always equals the balance.

Items: ``E#<sortable id>`` entries and ``R#<kind>#<reference>`` markers that make a
reference (a bank transfer's, say) count once.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from .base import Prefix, page, start_key, table_meta, utcnow


class LedgerEntry(Model):
    Meta = table_meta("ledger")
    account_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # topup | reserve | settle | refund | adjustment
    amount_micros = NumberAttribute()  # signed: credits positive, debits negative
    reference = UnicodeAttribute(null=True)
    actor = UnicodeAttribute()  # user id, app id or "system"
    created_at = UTCDateTimeAttribute(default=utcnow)


class ReferenceMarker(Model):
    Meta = table_meta("ledger")
    account_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    ledger_entry = UnicodeAttribute()


ENTRY_PREFIX = "E#"


def reference_key(kind: str, reference: str) -> str:
    return f"R#{kind}#{reference}"


def entries_page(account_id: str, limit: int, cursor: str | None) -> tuple[list[LedgerEntry], str | None]:
    """One page of an account's ledger entries, newest first, and the next page's cursor
    (CursorError for one this list did not hand out)."""
    start = start_key(cursor, account_id=account_id, entry_id=Prefix(ENTRY_PREFIX))
    results = LedgerEntry.query(account_id, LedgerEntry.entry_id.startswith(ENTRY_PREFIX),
                                scan_index_forward=False, limit=limit, last_evaluated_key=start)
    return page(results, limit)
