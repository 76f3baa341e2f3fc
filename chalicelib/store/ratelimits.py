"""Shared rate-limit windows: one item per (limiter key, second), expired by TTL."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class RateWindow(Model):
    Meta = table_meta("ratelimits")
    pk = UnicodeAttribute(hash_key=True)  # "<key>#<epoch second>"
    used = NumberAttribute(default=0)
    expires_at = NumberAttribute()
