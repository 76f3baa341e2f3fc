"""Number management (seed module 号码管理): the account's numbers, the carrier's numbers for
sale, buying and releasing; number applications; and the operators' side (country rules and
prices, approving applications, marking numbers registered).

Customers call with a portal session; operators' routes (``/v1/ops/...``) refuse anyone else.
A number or application of another account is a 404.
"""
from __future__ import annotations

from urllib.parse import unquote

from chalice import Response

from ..errors import InvalidRequest
from ..services import numbers
from ..store.accounts import get_account
from . import serializers
from .blueprint import Blueprint
from .callers import customer, operator
from .request import json_body, paging, query

bp = Blueprint(__name__)


def _currency(account_id: str) -> str:
    account = get_account(account_id)
    return account.currency if account else "USD"


@bp.route("/v1/numbers", methods=["GET"])
def list_numbers():
    """您的号码: the account's numbers (filters: country, status), in number order."""
    who = customer(bp.current_request)
    limit, cursor = paging(bp.current_request, default=20, maximum=100)
    items, next_cursor = numbers.held_numbers(who.account_id, query(bp.current_request), limit, cursor)
    currency = _currency(who.account_id)
    return {"numbers": [serializers.held_number(n, currency) for n in items], "next_cursor": next_cursor}


@bp.route("/v1/numbers/available", methods=["GET"])
def available_numbers():
    """购买号码: the carrier's numbers for sale in a country (type, features, pattern), with
    our monthly price and how the country's numbers are bought."""
    who = customer(bp.current_request)
    found = numbers.search(who.account_id, query(bp.current_request))
    currency = _currency(who.account_id)
    return {"country": found.country, "purchase": found.purchase, "count": found.count,
            "numbers": [serializers.number_offer(o, currency) for o in found.offers]}


@bp.route("/v1/numbers", methods=["POST"])
def buy_number():
    """Buy a number: the first month is charged now (402 when the balance does not cover it).
    In a country that needs the service team, an application is recorded instead (202)."""
    who = customer(bp.current_request)
    outcome = numbers.buy(who.account_id, json_body(bp.current_request), who.actor)
    currency = _currency(who.account_id)
    if isinstance(outcome, numbers.NumberApplication):
        return Response(body={"application": serializers.number_application(outcome, currency)}, status_code=202)
    return Response(body=serializers.held_number(outcome, currency), status_code=201)


@bp.route("/v1/numbers/{msisdn}", methods=["DELETE"])
def release_number(msisdn):
    """退订: release a number; its renewals stop and it is no longer a From."""
    who = customer(bp.current_request)
    number = numbers.release(who.account_id, unquote(msisdn))
    return {"msisdn": number.msisdn, "status": "released"}


@bp.route("/v1/numbers/applications", methods=["GET"])
def list_applications():
    """The account's number applications, newest first (filter: status)."""
    who = customer(bp.current_request)
    limit, cursor = paging(bp.current_request, default=20, maximum=100)
    items, next_cursor = numbers.applications(who.account_id, query(bp.current_request).get("status"),
                                              limit, cursor)
    currency = _currency(who.account_id)
    return {"applications": [serializers.number_application(a, currency) for a in items],
            "next_cursor": next_cursor}


# --- operators -------------------------------------------------------------------------------

@bp.route("/v1/ops/number-rules", methods=["GET"])
def list_number_rules():
    operator(bp.current_request)
    return {"rules": [serializers.number_rule(r) for r in numbers.list_rules()]}


@bp.route("/v1/ops/number-rules/{country}", methods=["PUT"])
def set_number_rule(country):
    """How a country's numbers are bought (direct | application | registration) and the
    monthly price per type (a type left out costs the carrier's price × the markup)."""
    who = operator(bp.current_request)
    return serializers.number_rule(numbers.set_rule(country, json_body(bp.current_request), who.actor))


@bp.route("/v1/ops/number-applications", methods=["GET"])
def list_pending_applications():
    """Applications waiting for the service team, oldest first."""
    operator(bp.current_request)
    limit, cursor = paging(bp.current_request, default=20, maximum=100)
    items, next_cursor = numbers.pending_applications(limit, cursor)
    return {"applications": [serializers.number_application(a, _currency(a.account_id), with_account=True)
                             for a in items], "next_cursor": next_cursor}


@bp.route("/v1/ops/number-applications/{application_id}/approve", methods=["POST"])
def approve_application(application_id):
    """Approve: the number is bought for the account and its first month charged."""
    who = operator(bp.current_request)
    item = numbers.approve(application_id, who.actor)
    return serializers.number_application(item, _currency(item.account_id), with_account=True)


@bp.route("/v1/ops/number-applications/{application_id}/reject", methods=["POST"])
def reject_application(application_id):
    """Reject with a reason the customer reads."""
    who = operator(bp.current_request)
    item = numbers.reject(application_id, json_body(bp.current_request).get("reason"), who.actor)
    return serializers.number_application(item, _currency(item.account_id), with_account=True)


@bp.route("/v1/ops/numbers", methods=["GET"])
def list_pending_registrations():
    """Numbers waiting for registration (``status=pending_registration``, the only queue)."""
    operator(bp.current_request)
    status = query(bp.current_request).get("status", "pending_registration")
    if status != "pending_registration":
        raise InvalidRequest("status", "must be pending_registration")
    limit, cursor = paging(bp.current_request, default=20, maximum=100)
    items, next_cursor = numbers.pending_registrations(limit, cursor)
    return {"numbers": [serializers.held_number(n, _currency(n.account_id), with_account=True) for n in items],
            "next_cursor": next_cursor}


@bp.route("/v1/ops/numbers/{msisdn}/registered", methods=["POST"])
def mark_registered(msisdn):
    """The number's registration is done: it may send."""
    who = operator(bp.current_request)
    number = numbers.mark_registered(unquote(msisdn), who.actor)
    return serializers.held_number(number, _currency(number.account_id), with_account=True)
