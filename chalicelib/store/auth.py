"""Logins (unique identities), short-lived auth records and sessions.

- ``logins``: one item per email/phone → the user it belongs to; conditional puts keep
  logins unique across all accounts.
- ``auth``: verification codes (hashed), resend throttles and failure counters, all with
  a TTL (``expires_at``, epoch seconds). DynamoDB's TTL sweeps late, so every read also
  checks ``expires_at`` itself.
- ``sessions``: one per login; refresh tokens are stored hashed and rotated on use.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class LoginRecord(Model):
    Meta = table_meta("logins")
    login = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    user_id = UnicodeAttribute()


class AuthRecord(Model):
    Meta = table_meta("auth")
    key = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute()  # epoch seconds; also the table's TTL attribute
    code_hash = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    failures = NumberAttribute(default=0)
    created_at = NumberAttribute(default=0)


class Session(Model):
    Meta = table_meta("sessions")
    user_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    refresh_hash = UnicodeAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


def code_key(purpose: str, login: str) -> str:
    return f"code#{purpose}#{login}"


def failures_key(login: str) -> str:
    return f"failures#{login}"
