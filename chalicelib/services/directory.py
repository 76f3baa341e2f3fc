"""Accounts and their users: what operators create, and balances with their ledger.

An account is ``active`` or ``suspended`` (``set_status``, by operators, audited). While
suspended its users cannot log in (``identity.login`` and ``identity.refresh`` refuse with
``AccountInactive``; suspending closes their open sessions), its app keys are refused
(``apps.authenticate``) and it cannot send (the reservation's condition in ``billing``).

A login (email or phone) is unique across the platform: users and their login records
are written in one transaction, so a clash leaves nothing half-created.
"""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain import identity as rules
from ..domain.identity import IdentityError
from ..domain.ids import new_id
from ..domain.phone import PhoneNumberError, parse_login_phone
from ..errors import Conflict, FieldError, InvalidRequest, missing_or_invalid
from ..store import audit
from ..store.accounts import (
    PROFILE,
    Account,
    User,
    accounts_page,
    get_account,
    list_items,
    save_user,
    set_account_status,
    user_sk,
)
from ..store.base import iso, utcnow
from . import identity, notify

CURRENCIES = frozenset({"USD", "CNY", "EUR", "HKD", "SGD", "GBP", "JPY", "TWD", "MOP"})
ROLES = frozenset({"owner", "member"})
ACTIVE, SUSPENDED = "active", "suspended"
STATUSES = (ACTIVE, SUSPENDED)


@dataclass(frozen=True)
class NewUser:
    user: User
    initial_password: str


# --- validation -----------------------------------------------------------------------

def _text(value: object, field: str, max_len: int = 100) -> str:
    if not isinstance(value, str) or not value.strip():
        raise missing_or_invalid(field, value, "is required")
    if len(value.strip()) > max_len:
        raise FieldError(field, f"must be at most {max_len} characters")
    return value.strip()


def validate_timezone(value: object, field: str = "timezone") -> str:
    if not isinstance(value, str):
        raise FieldError(field, "must be an IANA time zone such as Asia/Shanghai")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(field, "must be an IANA time zone such as Asia/Shanghai") from None
    return value


def _given(data: dict, field: str, default: str) -> object:
    """``data[field]``, or ``default`` when it is left out or null."""
    value = data.get(field)
    return default if value is None else value


def _currency(value: object) -> str:
    if not isinstance(value, str) or value not in CURRENCIES:
        raise FieldError("currency", f"must be one of {', '.join(sorted(CURRENCIES))}")
    return value


def _user_fields(data: object, prefix: str) -> tuple[str, str, str | None]:
    if not isinstance(data, dict):
        raise InvalidRequest(prefix.rstrip("."), "must be an object")
    email = _email(data.get("email"), f"{prefix}email")
    name = _text(data.get("name"), f"{prefix}name")
    phone = None
    if data.get("phone") not in (None, ""):
        try:
            phone = parse_login_phone(data["phone"]).e164
        except PhoneNumberError as exc:
            raise FieldError(f"{prefix}phone", str(exc)) from None
    return email, name, phone


def _email(value: object, field: str) -> str:
    """A new user's email, which every user needs: the initial password is sent there (a
    phone number is optional, a second login)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise missing_or_invalid(field, value, "is required: the initial password is emailed to it")
    try:
        return rules.normalise_email(value).value
    except IdentityError as exc:
        raise FieldError(field, str(exc)) from None


# --- accounts ---------------------------------------------------------------------------

def create_account(data: dict, actor: str) -> tuple[Account, NewUser]:
    """Create an account with its owner; the owner's initial password is emailed."""
    name = _text(data.get("name"), "name")
    # Left out (or null) takes the default; anything given must be valid ("" and {} are not).
    timezone = validate_timezone(_given(data, "timezone", "Asia/Shanghai"))
    currency = _currency(_given(data, "currency", "USD"))
    email, owner_name, phone = _user_fields(data.get("owner"), "owner.")
    account = Account(new_id("acc"), PROFILE, name=name, timezone=timezone, currency=currency,
                      created_at=iso(utcnow()), balance_micros=0)
    new_user = _build_user(account.account_id, email, owner_name, phone, "owner")
    _commit_users(new_user, extra=account, field_prefix="owner.")
    _send_initial_password(new_user, account)
    return account, new_user


def create_bare_account(name: str, *, operator: bool = False) -> Account:
    """An account without users (the operators' own account; local seeding)."""
    account = Account(new_id("acc"), PROFILE, name=name, created_at=iso(utcnow()), is_operator=int(operator))
    account.save()
    return account


def add_user(account: Account, data: dict, *, role_field: str = "role") -> NewUser:
    email, name, phone = _user_fields(data, "")
    role = _given(data, role_field, "member")
    allowed = {"operator"} if account.is_operator else ROLES
    if not isinstance(role, str) or role not in allowed:
        raise FieldError(role_field, f"must be one of {', '.join(sorted(allowed))}")
    new_user = _build_user(account.account_id, email, name, phone, role)
    _commit_users(new_user)
    _send_initial_password(new_user, account)
    return new_user


def _build_user(account_id: str, email: str, name: str, phone: str | None, role: str,
                password: str | None = None) -> NewUser:
    password = password or rules.new_password()
    user_id = new_id("usr")
    user = User(account_id, user_sk(user_id), user_id=user_id, email=email, phone=phone, name=name,
                role=role, password_hash=rules.hash_password(password))
    return NewUser(user, password)


def _commit_users(new_user: NewUser, extra: Account | None = None, field_prefix: str = "") -> None:
    """Write the user, its login records (and the new account) in one transaction."""
    user = new_user.user
    logins = [("email", user.email)] + ([("phone", user.phone)] if user.phone else [])
    taken = save_user(user, logins, extra)
    if taken:
        raise Conflict(f"{field_prefix}{taken} is already in use", f"{field_prefix}{taken}")


def _send_initial_password(new_user: NewUser, account: Account) -> None:
    notify.queue_email(
        new_user.user.email, "Your JMC account",
        f"Welcome to JMC. An account for {account.name} has been created for you.\n"
        f"Login: {new_user.user.email}\nInitial password: {new_user.initial_password}\n"
        "You will also need a verification code, sent when you log in. "
        "Please change this password after your first login.")


def seed_user(account: Account, email: str, name: str, role: str, password: str) -> User:
    """Create a user with a known password (local stage seeding only; nothing is sent)."""
    new_user = _build_user(account.account_id, email, name, None, role, password)
    _commit_users(new_user)
    return new_user.user


def list_accounts(limit: int, cursor: str | None) -> tuple[list[Account], str | None]:
    return accounts_page(limit, cursor)


def list_users(account_id: str) -> list[User]:
    return list_items(User, account_id, "USER#")


# --- suspension -------------------------------------------------------------------------

def check_status(status: object) -> str:
    if not isinstance(status, str) or status not in STATUSES:
        raise missing_or_invalid("status", status, "must be active or suspended")
    return status


def set_status(account: Account, data: dict, actor: str) -> Account:
    """Suspend (``{"status": "suspended"}``) or reactivate (``"active"``) a customer account.
    A change is audited; suspending also closes every open session of the account's users,
    so a signed-in user is out at the next request. Asking for the status it has is no
    change (and no audit entry)."""
    status = check_status(data.get("status"))
    if set_account_status(account, status):
        audit.record(account.account_id, "account.suspended" if status == SUSPENDED else "account.reactivated",
                     actor, account.account_id)
        if status == SUSPENDED:
            for user in list_users(account.account_id):
                identity.close_sessions(user.user_id)
    return get_account(account.account_id) or account
