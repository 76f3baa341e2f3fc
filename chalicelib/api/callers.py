"""Who is calling: ``Bearer <access token>`` for portal users, HTTP Basic
``app_key:app_secret`` for customer systems. Every route starts with one of these checks."""
from __future__ import annotations

import base64
import binascii

from ..errors import AuthFailed, Forbidden
from ..services import apps as app_service
from ..services import identity
from ..services.identity import Caller
from .request import header


def caller(request, *, apps_allowed: bool = False) -> Caller:
    """The authenticated caller: a portal user, or where ``apps_allowed`` an application.
    AuthFailed (401) for missing, unsupported, wrong or expired credentials."""
    given = header(request, "authorization") or ""
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return identity.authenticate_bearer(credentials.strip())
    if scheme.lower() == "basic" and credentials and apps_allowed:
        return app_service.authenticate(*basic_credentials(credentials))
    raise AuthFailed("Credentials are required" if not given else "Unsupported credentials")


def basic_credentials(credentials: str) -> tuple[str, str]:
    """(key, secret) of an HTTP Basic credential; AuthFailed if it is not one."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise AuthFailed() from None
    key, sep, secret = decoded.partition(":")
    if not sep:
        raise AuthFailed()
    return key, secret


def user_caller(request) -> Caller:
    return caller(request)


def operator(request) -> Caller:
    """Operators only: anyone else authenticated gets 403."""
    who = caller(request)
    if not who.is_operator:
        raise Forbidden("Operators only")
    return who


def customer(request, *, owner_only: bool = False) -> Caller:
    """A customer user (not an operator acting on customer routes)."""
    who = caller(request)
    if who.is_operator:
        raise Forbidden("This route is for customer accounts")
    if owner_only and who.role != "owner":
        raise Forbidden("Only the account owner can do this")
    return who


def customer_or_app(request) -> Caller:
    """A customer's portal user or one of its apps (HTTP Basic); operators get 403."""
    who = caller(request, apps_allowed=True)
    if who.is_operator:
        raise Forbidden("This route is for customer accounts")
    return who
