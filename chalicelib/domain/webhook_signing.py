"""Signing customer webhooks: ``X-JMC-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``
with the timestamp in ``X-JMC-Timestamp``. Signing the timestamp with the body lets the
receiver refuse replays: accept only if the signature matches and the time is recent."""
from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: recompute, compare in constant time, check the clock."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), header or "")


def backoff_seconds(attempt: int, base: float, cap: float = 3600.0, jitter: float = 0.0) -> float:
    """Delay before attempt ``attempt + 1``: base·2^(attempt-1), capped, with ±jitter (0..1)."""
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay * (1 + jitter)
