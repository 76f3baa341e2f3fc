"""Login module: verification codes, login, token refresh, password reset."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..domain.identity import CODE_PURPOSES, IdentityError, normalise_login
from ..services import identity
from . import json_body
from .errors import ApiError, bad_request

bp = Blueprint(__name__)

GENERIC_FAILURE = "The login, password or verification code is incorrect"


@bp.route("/v1/auth/codes", methods=["POST"])
def request_code():
    body = json_body(bp.current_request)
    purpose = body.get("purpose", "login")
    if purpose not in CODE_PURPOSES:
        raise ApiError(422, "invalid_value", "purpose must be login or reset_password", "purpose")
    if body.get("login") is None:
        raise bad_request("login", "login is required")
    try:
        login = normalise_login(body.get("login"))
    except IdentityError as exc:
        raise ApiError(422, "invalid_value", f"login {exc}", "login") from None
    identity.request_code(login, purpose)
    return Response(body={"status": "accepted",
                          "message": "If the login exists, a verification code has been sent"},
                    status_code=202)


@bp.route("/v1/auth/login", methods=["POST"])
def login():
    body = json_body(bp.current_request)
    _require(body, "login", "password", "code")
    try:
        tokens = identity.login(body["login"], body["password"], body["code"])
    except identity.AuthFailed:
        raise ApiError(401, "invalid_credentials", GENERIC_FAILURE) from None
    return tokens.to_json()


@bp.route("/v1/auth/refresh", methods=["POST"])
def refresh():
    body = json_body(bp.current_request)
    _require(body, "refresh_token")
    try:
        return identity.refresh(body["refresh_token"]).to_json()
    except identity.AuthFailed:
        raise ApiError(401, "invalid_token", "The refresh token is invalid or expired") from None


@bp.route("/v1/auth/password-reset", methods=["POST"])
def password_reset():
    body = json_body(bp.current_request)
    _require(body, "login", "code", "new_password")
    try:
        identity.reset_password(body["login"], body["code"], body["new_password"])
    except IdentityError as exc:
        raise ApiError(422, "invalid_value", f"new_password {exc}", "new_password") from None
    except identity.AuthFailed:
        raise ApiError(401, "invalid_credentials", "The login or verification code is incorrect") from None
    return Response(body="", status_code=204)


def _require(body: dict, *fields: str) -> None:
    for field in fields:
        if body.get(field) in (None, ""):
            raise bad_request(field, f"{field} is required")
