"""Shared rate-limit windows: one item per (limiter key, second), expired by TTL."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta, update_if


class RateWindow(Model):
    Meta = table_meta("ratelimits")
    pk = UnicodeAttribute(hash_key=True)  # "<key>#<epoch second>"
    used = NumberAttribute(default=0)
    expires_at = NumberAttribute()


def take_units(key: str, second: int, amount: int, rate: int) -> bool:
    """Add ``amount`` units to ``key``'s item for ``second`` if that keeps it at most ``rate``;
    False when the second has not that much left. Items expire two minutes on."""
    return update_if(RateWindow(f"{key}#{second}"),
                     [RateWindow.used.add(amount), RateWindow.expires_at.set(second + 120)],
                     RateWindow.used.does_not_exist() | (RateWindow.used <= rate - amount))
