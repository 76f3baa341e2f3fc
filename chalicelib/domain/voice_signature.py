"""Vonage's signed Voice webhooks: ``Authorization: Bearer <JWT>``, HS256 keyed with the
account's signature secret, whose ``payload_hash`` claim is the sha256 hex of the exact
body bytes. Checking the hash ties the token to this body; checking ``iat`` refuses a
token replayed long after it was issued."""
from __future__ import annotations

import hashlib
import hmac
import time
import uuid

import jwt

MAX_SKEW_SECONDS = 300
ISSUER = "Vonage"


def payload_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def sign_event(body: bytes, secret: str, *, api_key: str, application_id: str | None,
               now: float | None = None) -> str:
    """The JWT Vonage would put after ``Bearer`` for ``body`` (tests and tools sign with it)."""
    claims = {"iat": int(time.time() if now is None else now), "jti": str(uuid.uuid4()), "iss": ISSUER,
              "payload_hash": payload_hash(body), "api_key": api_key, "application_id": application_id}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_event(authorization: str | None, body: bytes, secret: str, *, now: float | None = None,
                 max_skew: int = MAX_SKEW_SECONDS) -> bool:
    """True if ``authorization`` is ``Bearer <JWT>`` signed HS256 with ``secret``, its
    ``payload_hash`` matches ``body`` and its ``iat`` is within ``max_skew`` seconds of
    ``now``. False for anything else, malformed input included."""
    if not secret or not isinstance(authorization, str) or not authorization.startswith("Bearer "):
        return False
    token = authorization[len("Bearer "):].strip()
    try:
        # iat is checked below against our own clock (and skew both ways), not by PyJWT.
        claims = jwt.decode(token, secret, algorithms=["HS256"],
                            options={"require": ["iat", "payload_hash"], "verify_iat": False})
    except jwt.PyJWTError:
        return False
    issued_at, claimed_hash = claims.get("iat"), claims.get("payload_hash")
    if isinstance(issued_at, bool) or not isinstance(issued_at, (int, float)) or not isinstance(claimed_hash, str):
        return False
    if abs((time.time() if now is None else now) - issued_at) > max_skew:
        return False
    return hmac.compare_digest(claimed_hash.lower(), payload_hash(body))
