"""Identity: verification codes, login, tokens, sessions, password changes.

Contract highlights (issue 2):
- Codes: 6 digits, 5 minutes, single use, at most 5 wrong tries, one per login per 60 s.
  Requests for unknown logins behave the same (no account enumeration) but send nothing.
- Login needs password *and* code; any mismatch is one generic 401. Five failures lock
  the login for 15 minutes (429).
- Access tokens are short-lived JWTs (HS256) naming a session; every request checks the
  session still exists, so a password change revokes other sessions at once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt

from ..config import settings
from ..domain import identity as rules
from ..domain.identity import IdentityError, Login
from ..errors import (
    AccountInactive,
    AuthFailed,
    FieldError,
    InvalidCredentials,
    InvalidToken,
    RateLimited,
    WrongPassword,
    missing_or_invalid,
)
from ..store import auth as store
from ..store.accounts import User, get_account, user_sk
from ..store.auth import AuthRecord, Session, code_key, failures_key
from ..store.base import get_item
from . import keys, notify

#: A reset that fails says no more than a login that fails.
RESET_FAILED = "The login or verification code is incorrect"


@dataclass(frozen=True)
class Caller:
    """Who is calling: a portal user (Bearer token) or a customer system (app key)."""
    kind: str  # "user" | "app"
    account_id: str
    user_id: str | None = None
    role: str | None = None
    app_id: str | None = None
    session_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.kind == "user" and self.role == "operator"

    @property
    def actor(self) -> str:
        return self.user_id or self.app_id or "system"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int

    def to_json(self) -> dict:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "token_type": "Bearer", "expires_in": self.expires_in}


def _now() -> int:
    return int(time.time())


# --- verification codes ---------------------------------------------------------------

def login_field(value: object, field: str = "login") -> Login:
    """What a user typed as a login, normalised; FieldError on ``field`` if it is none."""
    try:
        return rules.normalise_login(value)
    except IdentityError as exc:
        raise missing_or_invalid(field, value, str(exc)) from None


def request_code(login_text: object, purpose: object) -> None:
    """Issue a code for the login unless one was issued in the last minute (RateLimited).

    The throttle applies to unknown logins too, so the answer never depends on existence.
    """
    if purpose not in rules.CODE_PURPOSES:
        raise FieldError("purpose", "must be login or reset_password")
    login = login_field(login_text)
    now = _now()
    user = find_user(login.value)
    code = rules.new_code()
    record = AuthRecord(code_key(purpose, login.value), expires_at=now + rules.CODE_TTL_SECONDS,
                        created_at=now, attempts=0,
                        code_hash=_hash_code(code, login.value) if user else None)
    if not store.save_code(record, now, rules.CODE_RESEND_SECONDS):
        existing = store.get_record(record.key)
        raise RateLimited(int(existing.created_at + rules.CODE_RESEND_SECONDS - now) if existing else 1)
    if user:
        what = "log in" if purpose == "login" else "reset your password"
        notify.queue_to_login(login, "Your JMC verification code",
                              f"Your verification code is {code}. Use it within 5 minutes to {what}.")


def consume_code(login: str, purpose: str, code: object) -> bool:
    """True once for the right, unexpired code; every wrong try counts toward the limit."""
    record = store.get_record(code_key(purpose, login))
    if (record is None or record.code_hash is None or record.expires_at <= _now()
            or record.attempts >= rules.CODE_MAX_ATTEMPTS):
        return False
    if not isinstance(code, str) or not hmac.compare_digest(_hash_code(code, login), record.code_hash):
        store.count_wrong_code(record)
        return False
    return store.use_code(record)  # single use


def _hash_code(code: str, login: str) -> str:
    return rules.hash_code(code, keys.derived_key("codes"), login)


# --- login, lockout -------------------------------------------------------------------

def find_user(login: str) -> User | None:
    record = store.get_login(login)
    if record is None:
        return None
    user = get_item(User, record.account_id, user_sk(record.user_id))
    return user if user and user.status == "active" else None


def login(login_text: object, password: object, code: object) -> Tokens:
    """Password + code → tokens. Raises InvalidCredentials (one answer for every cause) or
    RateLimited (locked)."""
    try:
        login_id = rules.normalise_login(login_text)
    except IdentityError:
        raise InvalidCredentials() from None
    _check_not_locked(login_id.value)
    user = find_user(login_id.value)
    password_ok = rules.verify_password(password if isinstance(password, str) else "",
                                        user.password_hash if user else None)
    if not (user and password_ok and consume_code(login_id.value, "login", code)):
        store.count_login_failure(login_id.value, _now(), rules.LOGIN_LOCK_SECONDS)
        raise InvalidCredentials()
    store.clear_login_failures(login_id.value)
    _check_account_active(user)
    return _open_session(user)


def _check_account_active(user: User) -> None:
    """A suspended account's users are told so, once their password and code are right (a
    stranger learns nothing)."""
    account = get_account(user.account_id)
    if account is None or account.status != "active":
        raise AccountInactive("This account is suspended: its users cannot log in")


def _check_not_locked(login: str) -> None:
    record = store.get_record(failures_key(login))
    if record and record.failures >= rules.LOGIN_MAX_FAILURES and record.expires_at > _now():
        raise RateLimited(int(record.expires_at) - _now())


# --- sessions and tokens --------------------------------------------------------------

def _open_session(user: User) -> Tokens:
    session_id = secrets.token_hex(12)
    refresh_secret = secrets.token_urlsafe(32)
    now = _now()
    Session(user.user_id, session_id, account_id=user.account_id, created_at=now,
            expires_at=now + settings().refresh_token_ttl,
            refresh_hash=_sha256(refresh_secret)).save()
    return _tokens(user, session_id, refresh_secret)


def _tokens(user: User, session_id: str, refresh_secret: str) -> Tokens:
    ttl = settings().access_token_ttl
    now = _now()
    claims = {"sub": user.user_id, "acc": user.account_id, "role": user.role, "sid": session_id,
              "iat": now, "exp": now + ttl, "typ": "access"}
    access = jwt.encode(claims, keys.derived_key("tokens"), algorithm="HS256")
    refresh = f"{user.account_id}.{user.user_id}.{session_id}.{refresh_secret}"
    return Tokens(access, refresh, ttl)


def refresh(refresh_token: object) -> Tokens:
    """Rotate a refresh token. Presenting an already-rotated token revokes the session
    (a stolen token used twice ends the session for both)."""
    parts = refresh_token.split(".") if isinstance(refresh_token, str) else []
    if len(parts) != 4:
        raise InvalidToken()
    account_id, user_id, session_id, secret = parts
    session = _get_session(user_id, session_id)
    user = get_item(User, account_id, user_sk(user_id))
    if session is None or user is None or user.status != "active" or session.account_id != account_id:
        raise InvalidToken()
    if not hmac.compare_digest(_sha256(secret), session.refresh_hash):
        session.delete()
        raise InvalidToken()
    # Suspending closes the account's sessions; this covers one opened in the same instant.
    _check_account_active(user)
    new_secret = secrets.token_urlsafe(32)
    if not store.rotate_refresh(session, _sha256(new_secret)):
        raise InvalidToken()
    return _tokens(user, session_id, new_secret)


def authenticate_bearer(token: str) -> Caller:
    """Verify an access token and that its session is still open."""
    try:
        claims = jwt.decode(token, keys.derived_key("tokens"), algorithms=["HS256"],
                            options={"require": ["exp", "sub", "sid", "acc"]})
    except jwt.PyJWTError:
        raise AuthFailed() from None
    if claims.get("typ") != "access" or _get_session(claims["sub"], claims["sid"]) is None:
        raise AuthFailed()
    user = get_item(User, claims["acc"], user_sk(claims["sub"]))
    if user is None or user.status != "active":
        raise AuthFailed()
    return Caller("user", user.account_id, user_id=user.user_id, role=user.role,
                  session_id=claims["sid"])


def _get_session(user_id: str, session_id: str) -> Session | None:
    session = store.get_session(user_id, session_id)
    return session if session is not None and session.expires_at > _now() else None


def sign_out(caller: Caller) -> None:
    """Close the caller's own session: its refresh token stops working at once, and so does
    its access token (every bearer call checks that the session is open)."""
    if caller.user_id is None or caller.session_id is None:
        raise AuthFailed()
    session = store.get_session(caller.user_id, caller.session_id)
    if session is not None:
        session.delete()


def close_sessions(user_id: str, keep: str | None = None) -> int:
    closed = 0
    for session in store.sessions_of(user_id):
        if session.session_id != keep:
            session.delete()
            closed += 1
    return closed


# --- passwords --------------------------------------------------------------------------

def current_user(caller: Caller) -> User:
    """The signed-in user behind ``caller`` (AuthFailed for an app, or a user since removed)."""
    user = get_item(User, caller.account_id, user_sk(caller.user_id)) if caller.user_id else None
    if user is None:
        raise AuthFailed()
    return user


def change_password(caller: Caller, current: object, new: object) -> None:
    """Change the caller's password; every other session of the user is closed."""
    user = current_user(caller)
    if not rules.verify_password(current if isinstance(current, str) else "", user.password_hash):
        raise WrongPassword()
    new_password = _new_password(new)
    user.update(actions=[User.password_hash.set(rules.hash_password(new_password))])
    close_sessions(user.user_id, keep=caller.session_id)


def reset_password(login_text: object, code: object, new: object) -> None:
    """Forgot-password: a reset code sets a new password and closes every session."""
    new_password = _new_password(new)
    try:
        login_id = rules.normalise_login(login_text)
    except IdentityError:
        raise InvalidCredentials(RESET_FAILED) from None
    user = find_user(login_id.value)
    if user is None or not consume_code(login_id.value, "reset_password", code):
        raise InvalidCredentials(RESET_FAILED)
    user.update(actions=[User.password_hash.set(rules.hash_password(new_password))])
    close_sessions(user.user_id)
    store.clear_login_failures(login_id.value)


def _new_password(value: object) -> str:
    try:
        return rules.check_password_strength(value)
    except IdentityError as exc:
        raise FieldError("new_password", str(exc)) from None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
