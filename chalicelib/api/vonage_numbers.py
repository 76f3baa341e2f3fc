"""Number management in Vonage's shape (``GET /account/numbers``, ``GET /number/search``,
``POST /number/buy``, ``POST /number/cancel``), so code written for the official SDK's numbers
client works unchanged against our API with an app key and secret as its credentials.

The same services as ``/v1/numbers`` answer; only the wire differs: Vonage's parameter names
and bodies, ``{"error-code", "error-code-label"}`` outcomes, HTTP 401 for credentials and
HTTP 420 ("method failed") for a refusal. Prices are ours (the account's monthly price).
"""
from __future__ import annotations

import logging

from chalice import Response

from ..domain.money import format_amount
from ..errors import AuthFailed, FieldError, InvalidRequest, JmcError
from ..services import numbers
from ..services.identity import Caller
from .blueprint import Blueprint
from .sms import FORM, JSON, VonageRefusal, _vonage_caller, vonage_params

bp = Blueprint(__name__)
log = logging.getLogger(__name__)

MAX_SIZE = 100


def _answer(status: int, label: str) -> Response:
    return Response(body={"error-code": str(status), "error-code-label": label}, status_code=status,
                    headers={"Content-Type": JSON})


def _failure(exc: JmcError | VonageRefusal) -> Response:
    """Our errors as Vonage's numbers API answers them (anything else is the error
    middleware's 500)."""
    if isinstance(exc, VonageRefusal | AuthFailed):
        return _answer(401, "authentication failed")
    if isinstance(exc, FieldError) and exc.status < 500:  # InvalidRequest included
        return _answer(400, f"{exc.field}: {exc.reason}")
    if exc.status < 500:
        return _answer(420, f"method failed: {exc.message}")
    log.warning("numbers API failed: %s", exc.message)
    return _answer(exc.status, "internal error")


def _app(params: dict[str, str]) -> Caller:
    who = _vonage_caller(bp.current_request, params)
    if who.kind != "app":
        raise AuthFailed()
    return who


def _paging(params: dict[str, str]) -> tuple[int, int]:
    size, index = params.get("size", "10"), params.get("index", "1")
    if not (size.isdigit() and 1 <= int(size) <= MAX_SIZE):
        raise InvalidRequest("size", f"must be between 1 and {MAX_SIZE}")
    if not (index.isdigit() and int(index) >= 1):
        raise InvalidRequest("index", "must be 1 or more")
    return int(size), int(index)


@bp.route("/account/numbers", methods=["GET"])
def vonage_owned_numbers():
    """The account's numbers (pattern, search_pattern, country, size, index)."""
    try:
        params = vonage_params(bp.current_request)
        who = _app(params)
        size, index = _paging(params)
        held = numbers.matching_held(who.account_id, params.get("country"), params.get("pattern"),
                                     params.get("search_pattern"))
    except (JmcError, VonageRefusal) as exc:
        return _failure(exc)
    shown = held[(index - 1) * size:index * size]
    body: dict = {"count": len(held)}
    if shown:
        body["numbers"] = [{"country": n.country, "msisdn": n.msisdn.lstrip("+"), "type": n.type,
                            "features": list(n.features)} for n in shown]
    return Response(body=body, status_code=200, headers={"Content-Type": JSON})


@bp.route("/number/search", methods=["GET"])
def vonage_search_numbers():
    """Numbers for sale (country, type, features, pattern, search_pattern, size, index) at our price."""
    try:
        params = vonage_params(bp.current_request)
        who = _app(params)
        size, index = _paging(params)
        found = numbers.search(who.account_id, {**params, "limit": str(size), "index": str(index)})
    except (JmcError, VonageRefusal) as exc:
        return _failure(exc)
    body: dict = {"count": found.count}
    if found.offers:
        body["numbers"] = [{"country": o.number.country, "msisdn": o.number.msisdn, "type": o.number.type,
                            "cost": format_amount(o.monthly_price_micros), "features": list(o.number.features)}
                           for o in found.offers]
    return Response(body=body, status_code=200, headers={"Content-Type": JSON})


@bp.route("/number/buy", methods=["POST"], content_types=[FORM, JSON])
def vonage_buy_number():
    """Buy (the first month is charged). A country that needs the service team records an
    application and answers 420 naming it: the SDK's caller learns the number is not theirs yet."""
    try:
        params = vonage_params(bp.current_request)
        who = _app(params)
        outcome = numbers.buy(who.account_id, {"country": params.get("country"), "msisdn": params.get("msisdn")},
                              who.actor)
    except (JmcError, VonageRefusal) as exc:
        return _failure(exc)
    if isinstance(outcome, numbers.NumberApplication):
        return _answer(420, f"method failed: {outcome.country} numbers need an application to the service "
                            f"team; application {outcome.application_id} was recorded")
    return _answer(200, "success")


@bp.route("/number/cancel", methods=["POST"], content_types=[FORM, JSON])
def vonage_cancel_number():
    """Release one of the account's numbers (its renewals stop)."""
    try:
        params = vonage_params(bp.current_request)
        who = _app(params)
        if not params.get("msisdn"):
            raise InvalidRequest("msisdn", "is required")
        numbers.release(who.account_id, params["msisdn"])
    except (JmcError, VonageRefusal) as exc:
        return _failure(exc)
    return _answer(200, "success")
