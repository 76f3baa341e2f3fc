"""Logins (unique identities), short-lived auth records and sessions.

- ``logins``: one item per email/phone → the user it belongs to; conditional puts keep
  logins unique across all accounts.
- ``auth``: verification codes (hashed), resend throttles and failure counters, all with
  a TTL (``expires_at``, epoch seconds). DynamoDB's TTL sweeps late, so every read also
  checks ``expires_at`` itself.
- ``sessions``: one per login; refresh tokens are stored hashed and rotated on use.
"""
from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.models import Model

from .base import get_item, table_meta, update_if


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


# --- reads ------------------------------------------------------------------------------------

def get_record(key: str) -> AuthRecord | None:
    return get_item(AuthRecord, key)


def get_login(login: str) -> LoginRecord | None:
    return get_item(LoginRecord, login)


def get_session(user_id: str, session_id: str) -> Session | None:
    return get_item(Session, user_id, session_id)


def sessions_of(user_id: str) -> Iterator[Session]:
    return Session.query(user_id)


# --- conditional writes -----------------------------------------------------------------------

def save_code(record: AuthRecord, now: int, resend_after: int) -> bool:
    """Store a new code record unless one was issued less than ``resend_after`` s ago."""
    try:
        record.save(condition=AuthRecord.key.does_not_exist() | (AuthRecord.created_at <= now - resend_after))
        return True
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def count_wrong_code(record: AuthRecord) -> None:
    """One more wrong try against this code (none if it was replaced or used meanwhile)."""
    update_if(record, [AuthRecord.attempts.add(1)], AuthRecord.code_hash == record.code_hash)


def use_code(record: AuthRecord) -> bool:
    """Spend a code: of two concurrent uses, only one deletes it (and gets True)."""
    try:
        record.delete(condition=AuthRecord.code_hash == record.code_hash)
        return True
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def count_login_failure(login: str, now: int, window: int) -> None:
    """Count a failed login; the window (and lock) lasts ``window`` s from the first one."""
    record = AuthRecord(failures_key(login))
    counted = [AuthRecord.failures.add(1), AuthRecord.expires_at.set(AuthRecord.expires_at | now + window)]
    if not update_if(record, counted, AuthRecord.expires_at.does_not_exist() | (AuthRecord.expires_at > now)):
        AuthRecord(failures_key(login), failures=1, expires_at=now + window).save()  # the last window expired


def clear_login_failures(login: str) -> None:
    AuthRecord(failures_key(login)).delete()


def rotate_refresh(session: Session, new_hash: str) -> bool:
    """Replace the session's refresh hash, only if it is still the one read."""
    return update_if(session, [Session.refresh_hash.set(new_hash)], Session.refresh_hash == session.refresh_hash)
