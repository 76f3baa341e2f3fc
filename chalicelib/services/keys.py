"""Server-side keys: the token signing key comes from the environment (tests) or from
Secrets Manager (``<prefix>/token-signing-key``), fetched once per process."""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from .. import aws
from ..config import settings


@lru_cache(maxsize=1)
def _master_key() -> bytes:
    cfg = settings()
    if cfg.token_secret:
        return cfg.token_secret.encode()
    secret = aws.client("secretsmanager").get_secret_value(SecretId=cfg.token_secret_id)
    return secret["SecretString"].encode()


def derived_key(purpose: str) -> bytes:
    """A key per purpose (token signing, code hashing), so one leak does not serve both."""
    return hmac.new(_master_key(), purpose.encode(), hashlib.sha256).digest()


def reset() -> None:
    _master_key.cache_clear()
