"""Applications: API credentials (app key + app secret) of an account.

The secret is stored twice, for two jobs: a SHA-256 digest to check API calls quickly
(the secret is 256 random bits, so a fast hash is safe) and a KMS ciphertext, bound to
the account and app by encryption context, to reveal it on request (audited).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from .. import aws
from ..config import settings
from ..domain.ids import new_id
from ..domain.text import has_control_characters
from ..errors import AccountInactive, AuthFailed, FieldError, InvalidRequest
from ..store import audit
from ..store.accounts import App, app_by_key, app_sk, get_account, items_page, list_items
from ..store.base import get_item, utcnow
from .identity import Caller


def _context(account_id: str, app_id: str) -> dict[str, str]:
    return {"account_id": account_id, "app_id": app_id}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


MAX_NAME = 64


def name_field(value: object) -> str:
    """An app's name, stripped. Control characters are refused here as well as by the JSON
    reader: seeding and other callers of the service do not pass through it."""
    if value is None:
        raise InvalidRequest("name", "is required")
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise FieldError("name", f"must be 1-{MAX_NAME} characters")
    if has_control_characters(value):
        raise FieldError("name", "must not contain control characters")
    return value.strip()


def create_app(caller: Caller, name: object) -> tuple[App, str]:
    """A new app with a new secret (returned once; stored hashed and KMS-encrypted)."""
    name = name_field(name)
    app_id = new_id("app")
    secret = secrets.token_urlsafe(32)
    ciphertext = aws.client("kms").encrypt(
        KeyId=settings().kms_key_alias, Plaintext=secret.encode(),
        EncryptionContext=_context(caller.account_id, app_id))["CiphertextBlob"]
    app = App(caller.account_id, app_sk(app_id), app_id=app_id, name=name,
              app_key=secrets.token_hex(16), secret_hash=_digest(secret),
              secret_ciphertext=base64.b64encode(ciphertext).decode(), created_by=caller.actor)
    app.save(condition=App.pk.does_not_exist())
    audit.record(caller.account_id, "app.created", caller.actor, app_id)
    return app, secret


def list_apps(account_id: str) -> list[App]:
    return list_items(App, account_id, "APP#")


def apps_page(account_id: str, limit: int, cursor: str | None) -> tuple[list[App], str | None]:
    """One page of the account's apps in key order (by id: stable, not by age)."""
    return items_page(App, account_id, "APP#", limit, cursor)


def get_app(account_id: str, app_id: str) -> App | None:
    """The app only if it belongs to ``account_id``: foreign ids look like missing ones."""
    return get_item(App, account_id, app_sk(app_id))


def reveal_secret(caller: Caller, app: App) -> str:
    plaintext = aws.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(app.secret_ciphertext),
        EncryptionContext=_context(app.pk, app.app_id))["Plaintext"]
    audit.record(caller.account_id, "app.secret_revealed", caller.actor, app.app_id)
    return plaintext.decode()


def disable_app(caller: Caller, app: App) -> None:
    app.update(actions=[App.status.set("disabled"), App.disabled_at.set(utcnow())])
    audit.record(caller.account_id, "app.disabled", caller.actor, app.app_id)


def authenticate(app_key: str, app_secret: str) -> Caller:
    """Check an ``app_key:app_secret`` pair. The index finds the app; a consistent read of
    the app itself sees a disable at once, and one of its account a suspension
    (AccountInactive, 403)."""
    app = app_by_key(app_key)
    digest = _digest(app_secret)  # the same work whether or not the key exists
    if app is None or app.status != "active" or not hmac.compare_digest(digest, app.secret_hash):
        raise AuthFailed()
    account = get_account(app.pk)  # a suspension takes effect at the very next call
    if account is None or account.status != "active":
        raise AccountInactive("This account is suspended: its app keys are refused")
    return Caller("app", app.pk, app_id=app.app_id)
