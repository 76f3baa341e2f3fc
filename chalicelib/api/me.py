"""Personal center: who am I, my account and balance; change my password."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..domain.identity import IdentityError
from ..domain.money import format_amount
from ..services import directory, identity
from ..store.accounts import User, get_or_none, user_sk
from . import json_body, serializers, user_caller
from .errors import ApiError, bad_request

bp = Blueprint(__name__)


@bp.route("/v1/me", methods=["GET"])
def me():
    who = user_caller(bp.current_request)
    account = directory.get_account(who.account_id)
    user = get_or_none(User, who.account_id, user_sk(who.user_id))
    return {"user": serializers.user(user), "role": user.role,
            "account": serializers.account(account, with_balance=False),
            "balance": format_amount(int(account.balance_micros)), "currency": account.currency,
            "timezone": account.timezone}


@bp.route("/v1/me/password", methods=["PUT"])
def change_password():
    who = user_caller(bp.current_request)
    body = json_body(bp.current_request)
    for field in ("current_password", "new_password"):
        if body.get(field) in (None, ""):
            raise bad_request(field, f"{field} is required")
    try:
        identity.change_password(who, body["current_password"], body["new_password"])
    except IdentityError as exc:
        raise ApiError(422, "invalid_value", f"new_password {exc}", "new_password") from None
    except identity.AuthFailed:
        raise ApiError(403, "invalid_password", "current_password is incorrect", "current_password") from None
    return Response(body="", status_code=204)
