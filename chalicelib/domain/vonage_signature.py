"""Vonage's request signatures (``sig`` + ``timestamp`` parameters), as Vonage signs its
webhooks and as its SDK signs requests: HMAC over ``&key=value`` for every parameter but
``sig``, sorted by key, with ``&`` and ``=`` in values replaced by ``_``."""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

METHODS = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
MAX_SKEW_SECONDS = 300


def sign(params: Mapping[str, object], secret: str, method: str = "sha256") -> str:
    """The hex signature of ``params`` (``sig`` itself is left out)."""
    mac = hmac.new(secret.encode(), digestmod=METHODS[method])
    for key in sorted(k for k in params if k != "sig"):
        value = params[key]
        if isinstance(value, str):
            value = value.replace("&", "_").replace("=", "_")
        mac.update(f"&{key}={value}".encode())
    return mac.hexdigest()


def verify(params: Mapping[str, object], secret: str, *, method: str = "sha256",
           now: float | None = None, max_skew: int = MAX_SKEW_SECONDS) -> bool:
    """True if ``params`` carry a valid ``sig`` and a ``timestamp`` within ``max_skew``
    seconds of ``now`` (so a captured receipt cannot be replayed later)."""
    signature = str(params.get("sig", "")).lower()
    try:
        timestamp = int(str(params.get("timestamp", "")))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if not signature or abs(current - timestamp) > max_skew:
        return False
    return hmac.compare_digest(signature, sign(params, secret, method))
