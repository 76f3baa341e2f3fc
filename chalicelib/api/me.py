"""Personal center: who am I, my account and balance; change my password."""
from __future__ import annotations

from chalice import Response

from ..domain.money import format_amount
from ..errors import InvalidRequest, NotFound
from ..services import identity
from ..store.accounts import get_account
from . import serializers
from .blueprint import Blueprint
from .callers import user_caller
from .request import json_body

bp = Blueprint(__name__)


@bp.route("/v1/me", methods=["GET"])
def me():
    who = user_caller(bp.current_request)
    user = identity.current_user(who)
    account = get_account(who.account_id)
    if account is None:
        raise NotFound("Account")
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
            raise InvalidRequest(field, "is required")
    identity.change_password(who, body["current_password"], body["new_password"])
    return Response(body="", status_code=204)
