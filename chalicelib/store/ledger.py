"""The ledger: every balance movement of an account, written in the same transaction as
the balance change, so the ledger's sum always equals the balance.

Items: ``E#<sortable id>`` entries and ``R#<kind>#<reference>`` markers that make a
reference (a bank transfer's, say) count once.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from .base import table_meta, utcnow


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
