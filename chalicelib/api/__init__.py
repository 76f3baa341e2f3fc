"""HTTP API: one Chalice blueprint per product module, plus what they share here:
reading JSON bodies, authenticating the caller, and paging parameters."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..services import apps as app_service
from ..services import identity
from ..services.identity import AuthFailed, Caller
from .errors import ApiError, bad_request, forbidden, unauthorized


def json_body(request) -> dict[str, Any]:
    """The request's JSON object; malformed JSON or a non-object is a 400, never a 500."""
    raw = request.raw_body
    if not raw:
        raise bad_request("body", "a JSON object body is required")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("body", "is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    return body


def caller(request, *, apps_allowed: bool = False) -> Caller:
    """Authenticate the request: ``Bearer <access token>`` for portal users, and, where
    ``apps_allowed``, HTTP Basic ``app_key:app_secret`` for customer systems."""
    header = (request.headers or {}).get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    try:
        if scheme.lower() == "bearer" and credentials:
            return identity.authenticate_bearer(credentials.strip())
        if scheme.lower() == "basic" and credentials and apps_allowed:
            key, secret = _basic_credentials(credentials)
            return app_service.authenticate(key, secret)
    except AuthFailed:
        raise unauthorized("Invalid or expired credentials") from None
    raise unauthorized("Credentials are required" if not header else "Unsupported credentials")


def _basic_credentials(credentials: str) -> tuple[str, str]:
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
        raise forbidden("Operators only")
    return who


def customer(request, *, owner_only: bool = False) -> Caller:
    """A customer user (not an operator acting on customer routes)."""
    who = caller(request)
    if who.is_operator:
        raise forbidden("This route is for customer accounts")
    if owner_only and who.role != "owner":
        raise forbidden("Only the account owner can do this")
    return who


def customer_or_app(request) -> Caller:
    """A customer's portal user or one of its apps (HTTP Basic); operators get 403."""
    who = caller(request, apps_allowed=True)
    if who.is_operator:
        raise forbidden("This route is for customer accounts")
    return who


def paging(request, default: int = 50, maximum: int = 200) -> tuple[int, str | None]:
    params = request.query_params or {}
    try:
        limit = int(params.get("limit", default))
    except ValueError:
        raise bad_request("limit", "must be an integer") from None
    if not 1 <= limit <= maximum:
        raise ApiError(400, "invalid_request", f"limit must be between 1 and {maximum}", "limit")
    return limit, params.get("cursor")
