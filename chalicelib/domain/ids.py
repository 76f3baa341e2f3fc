"""Identifiers: random, unguessable, and (where listed by time) sortable."""
from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """``acc_3f9a...``: 16 random bytes, hex, behind a type prefix."""
    return f"{prefix}_{secrets.token_hex(10)}"


def sortable_id(now: float | None = None) -> str:
    """An id that sorts by creation time (milliseconds) and is unique (random tail)."""
    millis = int((now if now is not None else time.time()) * 1000)
    return f"{millis:013d}-{secrets.token_hex(6)}"
