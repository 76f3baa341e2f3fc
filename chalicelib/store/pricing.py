"""Per-country segment prices (a default list and per-account overrides) and country rules."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from .base import table_meta, utcnow

DEFAULT_SCOPE = "default"


def account_scope(account_id: str) -> str:
    return f"account#{account_id}"


class Price(Model):
    Meta = table_meta("pricing")
    scope = UnicodeAttribute(hash_key=True)
    country = UnicodeAttribute(range_key=True)
    price_micros = NumberAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute(default=utcnow)


class CountryRule(Model):
    Meta = table_meta("countries")
    country = UnicodeAttribute(hash_key=True)
    sender_preapproval_required = BooleanAttribute(default=False)
    sender_id_allowed = BooleanAttribute(default=True)
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute(default=utcnow)
