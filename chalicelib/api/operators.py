"""The operators' own team: operators list and add the service team's users (role
``operator``, initial password by email, as for a customer's owner). Operators only (others: 403)."""
from __future__ import annotations

from chalice import Response

from ..errors import NotFound
from ..services import directory
from ..store import accounts as account_store
from . import serializers
from .blueprint import Blueprint
from .callers import operator
from .request import json_body

bp = Blueprint(__name__)


def _operators_account(account_id: str):
    account = account_store.get_account(account_id)
    if account is None or not account.is_operator:
        raise NotFound("Account")
    return account


@bp.route("/v1/ops/operators", methods=["GET"])
def list_operators():
    who = operator(bp.current_request)
    return {"operators": [serializers.user(u) for u in directory.list_users(who.account_id)]}


@bp.route("/v1/ops/operators", methods=["POST"])
def add_operator():
    who = operator(bp.current_request)
    body = {**json_body(bp.current_request), "role": "operator"}
    new_user = directory.add_user(_operators_account(who.account_id), body)
    return Response(body=serializers.user(new_user.user), status_code=201)
