"""Login module: verification codes, login, token refresh, password reset."""
from __future__ import annotations

from chalice import Response

from ..errors import InvalidRequest
from ..services import identity
from .blueprint import Blueprint
from .callers import user_caller
from .request import json_body

bp = Blueprint(__name__)


@bp.route("/v1/auth/codes", methods=["POST"])
def request_code():
    body = json_body(bp.current_request)
    identity.request_code(body.get("login"), body.get("purpose", "login"))
    return Response(body={"status": "accepted",
                          "message": "If the login exists, a verification code has been sent"},
                    status_code=202)


@bp.route("/v1/auth/login", methods=["POST"])
def login():
    body = _require(json_body(bp.current_request), "login", "password", "code")
    return identity.login(body["login"], body["password"], body["code"]).to_json()


@bp.route("/v1/auth/refresh", methods=["POST"])
def refresh():
    body = _require(json_body(bp.current_request), "refresh_token")
    return identity.refresh(body["refresh_token"]).to_json()


@bp.route("/v1/auth/logout", methods=["POST"])
def logout():
    """Sign out: the caller's session closes, its access and refresh tokens stop working."""
    identity.sign_out(user_caller(bp.current_request))
    return Response(body="", status_code=204)


@bp.route("/v1/auth/password-reset", methods=["POST"])
def password_reset():
    body = _require(json_body(bp.current_request), "login", "code", "new_password")
    identity.reset_password(body["login"], body["code"], body["new_password"])
    return Response(body="", status_code=204)


def _require(body: dict, *fields: str) -> dict:
    for field in fields:
        if body.get(field) in (None, ""):
            raise InvalidRequest(field, "is required")
    return body
