"""Operators' API (the seeds' "service team"): accounts, users, top-ups, prices, country
rules, senders and signatures. Every route requires role ``operator`` (others: 403)."""
from __future__ import annotations

from chalice import Response

from ..domain.money import format_amount
from ..errors import FieldError, InvalidRequest, NotFound
from ..services import billing, catalog, directory, numbers
from ..store import accounts as account_store
from . import serializers
from .blueprint import Blueprint
from .callers import operator
from .request import json_body, paging, query

bp = Blueprint(__name__)


def _account(account_id: str):
    account = account_store.get_account(account_id)
    if account is None or account.is_operator:
        raise NotFound("Account")
    return account


# --- accounts and users -------------------------------------------------------------------

@bp.route("/v1/ops/accounts", methods=["POST"])
def create_account():
    who = operator(bp.current_request)
    account, owner = directory.create_account(json_body(bp.current_request), who.actor)
    return Response(body={**serializers.ops_account(account), "owner": serializers.user(owner.user)},
                    status_code=201)


@bp.route("/v1/ops/accounts", methods=["GET"])
def list_accounts():
    operator(bp.current_request)
    limit, cursor = paging(bp.current_request)
    accounts, next_cursor = directory.list_accounts(limit, cursor)
    return {"accounts": [serializers.ops_account(a) for a in accounts if not a.is_operator],
            "next_cursor": next_cursor}


@bp.route("/v1/ops/accounts/{account_id}", methods=["GET"])
def get_account(account_id):
    operator(bp.current_request)
    account = _account(account_id)
    return {**serializers.ops_account(account),
            "users": [serializers.user(u) for u in directory.list_users(account_id)]}


#: what PATCH /v1/ops/accounts/{id} changes
ACCOUNT_FIELDS = {"status", "number_markup"}


@bp.route("/v1/ops/accounts/{account_id}", methods=["PATCH"])
def update_account(account_id):
    """Suspend (``{"status": "suspended"}``) or reactivate (``"active"``) an account, and/or
    set its number markup (``"number_markup": "1.50"``, null for the stage's default), each
    audited. While suspended its users cannot log in (their open sessions are closed), its
    app keys are refused and it cannot send (403 ``account_inactive``). Every field is
    checked before anything is written."""
    who = operator(bp.current_request)
    account = _account(account_id)
    body = json_body(bp.current_request)
    unknown = sorted(body.keys() - ACCOUNT_FIELDS)
    if unknown:
        raise InvalidRequest(unknown[0], "is not a field of an account an operator can change")
    if not body:
        raise InvalidRequest("status", "is required (or number_markup)")
    if "status" in body:
        directory.check_status(body["status"])
    if "number_markup" in body:
        numbers.check_markup(body["number_markup"])
        account = numbers.set_markup(account, body["number_markup"], who.actor)
    if "status" in body:
        account = directory.set_status(account, body, who.actor)
    return serializers.ops_account(account)


@bp.route("/v1/ops/accounts/{account_id}/users", methods=["POST"])
def add_user(account_id):
    operator(bp.current_request)
    account = _account(account_id)
    new_user = directory.add_user(account, json_body(bp.current_request))
    return Response(body=serializers.user(new_user.user), status_code=201)


# --- money ----------------------------------------------------------------------------------

@bp.route("/v1/ops/accounts/{account_id}/topups", methods=["POST"])
def top_up(account_id):
    who = operator(bp.current_request)
    account = _account(account_id)
    body = json_body(bp.current_request)
    entry = billing.top_up(account, billing.amount_field(body.get("amount")), body.get("reference"), who.actor)
    return Response(body={**serializers.ledger_entry(entry),
                          "balance": format_amount(billing.balance_micros(account_id))},
                    status_code=201)


@bp.route("/v1/ops/accounts/{account_id}/ledger", methods=["GET"])
def account_ledger(account_id):
    operator(bp.current_request)
    _account(account_id)
    limit, cursor = paging(bp.current_request)
    entries, next_cursor = billing.ledger(account_id, limit, cursor)
    return {"entries": [serializers.ledger_entry(e) for e in entries], "next_cursor": next_cursor}


# --- prices and country rules ------------------------------------------------------------------

@bp.route("/v1/ops/prices/{country}", methods=["PUT"])
def set_price(country):
    """Default price per segment, or an account's override with ``"account_id"``."""
    who = operator(bp.current_request)
    code = catalog.country_field(country)
    body = json_body(bp.current_request)
    if body.get("price") is None:
        raise InvalidRequest("price", "is required")
    account_id = body.get("account_id")
    if account_id is not None:
        _account_field(account_id)
    item = catalog.set_price(code, body["price"], who.actor, account_id)
    return {"country": code, "price": format_amount(int(item.price_micros), 4),
            "account_id": account_id}


@bp.route("/v1/ops/prices/{country}", methods=["DELETE"])
def delete_price(country):
    operator(bp.current_request)
    code = catalog.country_field(country)
    account_id = _account_param()
    if not catalog.delete_price(code, account_id):
        raise NotFound("Price")
    return Response(body="", status_code=204)


@bp.route("/v1/ops/prices", methods=["GET"])
def list_prices():
    operator(bp.current_request)
    account_id = _account_param()
    return {"account_id": account_id,
            "prices": [{"country": p.country, "price": format_amount(int(p.price_micros), 4)}
                       for p in catalog.prices(account_id)]}


@bp.route("/v1/ops/countries/{country}", methods=["PUT"])
def set_country_rule(country):
    who = operator(bp.current_request)
    rule = catalog.set_country_rule(catalog.country_field(country), json_body(bp.current_request), who.actor)
    return _rule(rule)


@bp.route("/v1/ops/countries", methods=["GET"])
def list_country_rules():
    operator(bp.current_request)
    return {"countries": [_rule(r) for r in catalog.country_rules()]}


def _rule(rule) -> dict:
    return {"country": rule.country, "sender_preapproval_required": rule.sender_preapproval_required,
            "sender_id_allowed": rule.sender_id_allowed}


def _account_param() -> str | None:
    """The ``account_id`` query parameter, checked when given (empty is not given, as in every
    query string of this API): None is the default price list."""
    account_id = query(bp.current_request).get("account_id") or None
    if account_id is not None:
        _account_field(account_id)
    return account_id


def _account_field(account_id: object) -> None:
    # An empty id is checked here, not sent to DynamoDB (which refuses an empty key: a 500).
    if not isinstance(account_id, str) or not account_id or account_store.get_account(account_id) is None:
        raise FieldError("account_id", "is not an existing account")


# --- senders and signatures -----------------------------------------------------------------

@bp.route("/v1/ops/accounts/{account_id}/senders", methods=["POST"])
def add_sender(account_id):
    operator(bp.current_request)
    _account(account_id)
    sender = catalog.add_sender(account_id, json_body(bp.current_request))
    return Response(body=serializers.sender(sender), status_code=201)


@bp.route("/v1/ops/accounts/{account_id}/senders", methods=["GET"])
def list_senders(account_id):
    operator(bp.current_request)
    _account(account_id)
    return {"senders": [serializers.sender(s) for s in catalog.senders(account_id)]}


@bp.route("/v1/ops/accounts/{account_id}/senders/{sender_id}", methods=["DELETE"])
def remove_sender(account_id, sender_id):
    operator(bp.current_request)
    if not catalog.remove_sender(_account(account_id).account_id, sender_id):
        raise NotFound("Sender")
    return Response(body="", status_code=204)


@bp.route("/v1/ops/accounts/{account_id}/signatures", methods=["POST"])
def add_signature(account_id):
    operator(bp.current_request)
    _account(account_id)
    signature = catalog.add_signature(account_id, json_body(bp.current_request))
    return Response(body=serializers.signature(signature), status_code=201)


@bp.route("/v1/ops/accounts/{account_id}/signatures", methods=["GET"])
def list_signatures(account_id):
    operator(bp.current_request)
    _account(account_id)
    return {"signatures": [serializers.signature(s) for s in catalog.signatures(account_id)]}


@bp.route("/v1/ops/accounts/{account_id}/signatures/{signature_id}", methods=["DELETE"])
def remove_signature(account_id, signature_id):
    operator(bp.current_request)
    if not catalog.remove_signature(_account(account_id).account_id, signature_id):
        raise NotFound("Signature")
    return Response(body="", status_code=204)
