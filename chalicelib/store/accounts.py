"""The accounts table: one partition per account holding its profile, users, apps,
senders and signatures (``pk`` = account id, ``sk`` = item type and id).

Apps are found by key through the sparse ``app-key-index``; accounts are listed for
operators through the sparse ``entity-index`` (only profiles carry ``entity``).
"""
from __future__ import annotations

import time
from datetime import UTC, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .auth import LoginRecord, get_login
from .base import Prefix, get_item, iso, page, start_key, table_meta, transaction, update_if, utcnow

PROFILE = "PROFILE"
ACCOUNT_ENTITY = "account"  # an account profile's partition of the entity index


class AppKeyIndex(GlobalSecondaryIndex["App"]):
    class Meta:
        index_name = "app-key-index"
        projection = AllProjection()
    app_key = UnicodeAttribute(hash_key=True)


class EntityIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "entity-index"
        projection = AllProjection()
    entity = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class _AccountItem(Model):
    Meta = table_meta("accounts")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


_A = TypeVar("_A", bound=_AccountItem)


class Account(_AccountItem):
    Meta = table_meta("accounts")
    entity = UnicodeAttribute(default=ACCOUNT_ENTITY)
    created_at = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute(default="Asia/Shanghai")
    currency = UnicodeAttribute(default="USD")
    balance_micros = NumberAttribute(default=0)
    status = UnicodeAttribute(default="active")
    is_operator = NumberAttribute(default=0)
    #: the carrier's cost × this is the account's monthly number price; None: the stage's default
    number_markup = UnicodeAttribute(null=True)
    by_entity = EntityIndex()

    @property
    def account_id(self) -> str:
        return self.pk


class User(_AccountItem):
    Meta = table_meta("accounts")
    user_id = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # owner | member | operator
    password_hash = UnicodeAttribute()
    status = UnicodeAttribute(default="active")
    created_at = UTCDateTimeAttribute(default=utcnow)

    @property
    def account_id(self) -> str:
        return self.pk


class App(_AccountItem):
    Meta = table_meta("accounts")
    app_id = UnicodeAttribute()
    name = UnicodeAttribute()
    app_key = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    secret_ciphertext = UnicodeAttribute()
    status = UnicodeAttribute(default="active")
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    disabled_at = UTCDateTimeAttribute(null=True)
    by_key = AppKeyIndex()

    @property
    def account_id(self) -> str:
        return self.pk


class Sender(_AccountItem):
    """A From number or alphanumeric Sender ID bound to an account, with its countries."""
    Meta = table_meta("accounts")
    sender_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # number | sender_id
    value = UnicodeAttribute()
    countries = ListAttribute(of=UnicodeAttribute)
    created_at = UTCDateTimeAttribute(default=utcnow)


class Signature(_AccountItem):
    """A domestic 【signature】 bound to an account."""
    Meta = table_meta("accounts")
    signature_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)


class Template(_AccountItem):
    """An SMS template. International ones are usable at once; domestic ones wait for an
    operator (``pending`` → ``approved`` | ``rejected``). Pending templates carry
    ``entity = template#pending`` so operators find them through the sparse entity index."""
    Meta = table_meta("accounts")
    template_id = UnicodeAttribute()
    name = UnicodeAttribute()
    content = UnicodeAttribute()
    kind = UnicodeAttribute()  # international | domestic
    status = UnicodeAttribute()  # active | pending | approved | rejected
    reason = UnicodeAttribute(null=True)
    entity = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    reviewed_by = UnicodeAttribute(null=True)
    by_entity = EntityIndex()

    @property
    def account_id(self) -> str:
        return self.pk


PENDING_TEMPLATES = "template#pending"


def template_sk(template_id: str) -> str:
    return f"TEMPLATE#{template_id}"


def user_sk(user_id: str) -> str:
    return f"USER#{user_id}"


def app_sk(app_id: str) -> str:
    return f"APP#{app_id}"


def sender_sk(sender_id: str) -> str:
    return f"SENDER#{sender_id}"


def signature_sk(signature_id: str) -> str:
    return f"SIGNATURE#{signature_id}"


def get_account(account_id: str) -> Account | None:
    return get_item(Account, account_id, PROFILE)


def set_account_status(account: Account, status: str) -> bool:
    """Suspend or reactivate a customer account (``status``: active | suspended): written only
    while it is a customer's profile in another status, so a repeat is no write (False) and
    the operators' own account is never touched."""
    return update_if(account, [Account.status.set(status)],
                     Account.pk.exists() & (Account.is_operator == 0) & (Account.status != status))


def set_number_markup(account: Account, markup: str | None) -> bool:
    """Set (or with None, remove) a customer account's number markup; the operators' own
    account is never touched. False when the account is gone or is the operators'."""
    action = Account.number_markup.set(markup) if markup is not None else Account.number_markup.remove()
    return update_if(account, [action], Account.pk.exists() & (Account.is_operator == 0))


def list_items(model: type[_A], account_id: str, prefix: str) -> list[_A]:
    """An account's items of one kind (users, apps, senders...), by their sort-key prefix."""
    return list(model.query(account_id, model.sk.startswith(prefix)))


def items_page(model: type[_A], account_id: str, prefix: str, limit: int, cursor: str | None,
               condition: Condition | None = None) -> tuple[list[_A], str | None]:
    """One page of an account's items of one kind in key order (by id), optionally filtered
    by ``condition``, and the next page's cursor (CursorError for one this list did not hand
    out: another account's, another kind's). A filtered page reads up to 50 items a call."""
    start = start_key(cursor, pk=account_id, sk=Prefix(prefix))
    results = model.query(account_id, model.sk.startswith(prefix), filter_condition=condition, limit=limit,
                          page_size=max(limit, 50) if condition is not None else limit, last_evaluated_key=start)
    return page(results, limit)


def accounts_page(limit: int, cursor: str | None) -> tuple[list[Account], str | None]:
    """One page of every account, newest first (the sparse entity index holds profiles only),
    and the next page's cursor (CursorError for one this list did not hand out)."""
    start = start_key(cursor, pk=Prefix("acc_"), sk=PROFILE, entity=ACCOUNT_ENTITY, created_at=Prefix())
    results = Account.by_entity.query(ACCOUNT_ENTITY, scan_index_forward=False, limit=limit,
                                      last_evaluated_key=start)
    return page(results, limit)


def save_user(user: User, logins: list[tuple[str, str]], account: Account | None = None) -> str | None:
    """Write a new user with its login records (and a new ``account``) in one transaction, so a
    clash leaves nothing half-created. None when written; else the name of the first of
    ``logins`` (name, login) that another user holds."""
    try:
        with transaction() as tx:
            if account is not None:
                tx.save(account, condition=Account.pk.does_not_exist())
            tx.save(user, condition=User.pk.does_not_exist())
            for _, login in logins:
                tx.save(LoginRecord(login, account_id=user.account_id, user_id=user.user_id),
                        condition=LoginRecord.login.does_not_exist())
    except TransactWriteError:
        taken = next((name for name, login in logins if get_login(login) is not None), None)
        if taken is None:
            raise
        return taken
    return None


def app_by_key(app_key: str) -> App | None:
    """The app an app key belongs to, read from the table (the index only finds it)."""
    found = list(App.by_key.query(app_key, limit=1)) if app_key else []
    return get_item(App, found[0].pk, found[0].sk) if found else None


def pending_templates(limit: int | None = 200, template_id: str | None = None) -> list[Template]:
    """Domestic templates waiting for review, oldest first (the sparse index: pending only).
    With ``template_id`` pass no ``limit``: DynamoDB limits before it filters."""
    condition = Template.template_id == template_id if template_id else None
    return list(Template.by_entity.query(PENDING_TEMPLATES, filter_condition=condition, limit=limit))


def review_template(template: Template, status: str, reason: str | None, reviewer: str) -> bool:
    """Decide a pending template (``approved`` or ``rejected`` with ``reason``), once."""
    return update_if(template, [Template.status.set(status), Template.entity.remove(),
                                Template.reason.set(reason) if reason else Template.reason.remove(),
                                Template.reviewed_by.set(reviewer), Template.updated_at.set(iso(utcnow()))],
                     Template.status == "pending")


# --- the account's time zone, cached ------------------------------------------------------------

#: How long a process keeps an account's time zone (``cached_zone``).
ZONE_CACHE_SECONDS = 300.0
_zones: dict[str, tuple[float, tzinfo]] = {}


def cached_zone(account_id: str) -> tzinfo:
    """The account's time zone (UTC for an unknown account or zone), read at most every
    ``ZONE_CACHE_SECONDS`` per process: every new message needs it (its report day), and a
    task's chunk logs thousands. A changed zone reaches new messages within that time and
    never moves those logged before."""
    now = time.monotonic()
    cached = _zones.get(account_id)
    if cached is not None and now - cached[0] < ZONE_CACHE_SECONDS:
        return cached[1]
    account = get_account(account_id)
    try:
        zone: tzinfo = ZoneInfo(account.timezone) if account and account.timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    if account is not None:
        _zones[account_id] = (now, zone)
    return zone


def forget_zones() -> None:
    """Drop the cached time zones (tests)."""
    _zones.clear()
