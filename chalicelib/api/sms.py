"""Sending API: ``POST /v1/sms`` (native JSON) and ``POST /sms/json`` (Vonage-compatible).

Both authenticate an application (its key and secret), accept through
``services.sending.accept`` and answer before the carrier is involved. The Vonage shape
always answers HTTP 200 with Vonage's status codes, so the official SDK works unchanged.
"""
from __future__ import annotations

import logging

from chalice import Response

from ..domain.money import format_amount
from ..errors import (
    AccountInactive,
    AuthFailed,
    Blacklisted,
    Conflict,
    ControlCharacter,
    FieldError,
    Forbidden,
    IdempotencyConflict,
    InsufficientBalance,
    InternalError,
    JmcError,
    LoneSurrogate,
    NotFound,
    RateLimited,
    TextTooLong,
    UpstreamUnavailable,
)
from ..services import apps as app_service
from ..services import sending, webhooks
from ..services.identity import Caller
from ..services.sending import SendRequest
from ..store.accounts import get_account
from .blueprint import Blueprint
from .callers import caller
from .payload import parse_form, parse_json
from .request import header, json_body, parameters, raw_body
from .serializers import accepted_message

bp = Blueprint(__name__)
log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_URL = 2048


# --- native ----------------------------------------------------------------------------------

@bp.route("/v1/sms", methods=["POST"])
def send_sms():
    request = bp.current_request
    who = caller(request, apps_allowed=True)
    if who.kind != "app":
        raise Forbidden("Send with an application's credentials (HTTP Basic app_key:app_secret)")
    req = native_request(json_body(request))
    accepted = sending.accept(who, req, idempotency_key(request))
    headers: dict[str, str | list[str]] = {"Idempotent-Replayed": "true"} if accepted.replayed else {}
    return Response(body=accepted_message(accepted.message), status_code=202, headers=headers)


def idempotency_key(request) -> str | None:
    """The Idempotency-Key header; an empty one is none (the local server drops it as
    API Gateway may: one answer either way)."""
    return header(request, "idempotency-key") or None


def native_request(body: dict) -> SendRequest:
    to = _required_text(body, "to")
    text = _required_text(body, "text")
    sender = _optional_text(body, "from", 20)
    kind = body.get("type", "transactional")
    if kind not in sending.MESSAGE_TYPES:
        raise FieldError("type", "must be transactional or marketing")
    client_ref = _optional_text(body, "client_ref", sending.MAX_CLIENT_REF)
    callback = _optional_text(body, "callback_url", MAX_URL)
    if callback is not None:
        check_callback_url(callback, "callback_url")
    return SendRequest(to=to, text=text, sender=sender, type=kind, client_ref=client_ref,
                       callback_url=callback, source="api")


def _required_text(body: dict, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise FieldError(field, "is required" if value in (None, "") else "must be a non-empty string")
    return value if field == "text" else value.strip()


def _optional_text(body: dict, field: str, max_len: int) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise FieldError(field, f"must be a string of 1-{max_len} characters")
    return value.strip()


def check_callback_url(url: str, field: str) -> None:
    webhooks.check_url(url, field)


# --- Vonage-compatible -----------------------------------------------------------------------

#: Vonage SMS API status codes we answer with, and their error texts.
VONAGE_ERRORS = {
    "2": "Missing params", "3": "Invalid params", "4": "Bad Credentials", "5": "Internal Error",
    "6": "Invalid Message", "7": "Number Barred", "8": "Partner Account Barred",
    "9": "Partner Quota Violation", "12": "Message Too Long", "15": "Illegal Sender Address - rejected",
    "23": "Invalid Callback Url",
}
#: Our errors as Vonage answers them: (status, error text); the first class in an error's MRO
#: decides. ``{reason}`` and ``{field}`` come from a FieldError. A class that reaches this API
#: without an entry of its own would say only "Internal Error": a test forbids that.
VONAGE_STATUS: dict[type[JmcError], tuple[str, str]] = {
    Blacklisted: ("7", "Number barred: the recipient is on this application's blacklist"),
    InsufficientBalance: ("9", "Partner quota violation: balance too low"),
    AccountInactive: ("8", "Partner account barred"),
    IdempotencyConflict: ("3", "Invalid params: {message}"),
    AuthFailed: ("4", "Bad Credentials"),
    RateLimited: ("1", "Throttled"),
    TextTooLong: ("12", "Message too long: {message}"),
    FieldError: ("3", "Invalid {field} param: {message}"),
    LoneSurrogate: ("3", "Invalid {field} param: {message}"),
    ControlCharacter: ("3", "Invalid {field} param: {message}"),
    Conflict: ("3", "Invalid params: {message}"),
    NotFound: ("3", "Invalid params: {message}"),
    Forbidden: ("4", "Bad Credentials"),
    InternalError: ("5", "Internal Error"),
    UpstreamUnavailable: ("5", "Internal Error"),
    JmcError: ("5", "Internal Error"),
}
#: Vonage names some parameters' problems with codes of their own: per error class (as in
#: VONAGE_STATUS), the parameter and its (status, error text). A string the reader refuses
#: (a lone surrogate, a control character) is an invalid message in ``text`` and an invalid
#: parameter (3) anywhere else.
_INVALID_MESSAGE = ("6", "Invalid message: {message}")
VONAGE_FIELD_STATUS: dict[type[JmcError], dict[str, tuple[str, str]]] = {
    FieldError: {"from": ("15", "Invalid {field} param: {message}"),
                 "callback": ("23", "Invalid {field} param: {message}"),
                 "text": _INVALID_MESSAGE},
    LoneSurrogate: {"text": _INVALID_MESSAGE},
    ControlCharacter: {"text": _INVALID_MESSAGE},
}


class VonageRefusal(Exception):
    """A refusal in Vonage's own terms, before our services are involved."""

    def __init__(self, status: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def vonage_status(error: JmcError) -> tuple[str, str]:
    """(Vonage status, error text) for one of our errors."""
    cls = next(c for c in type(error).__mro__ if c in VONAGE_STATUS)
    status, text = VONAGE_FIELD_STATUS.get(cls, {}).get(error.field or "", VONAGE_STATUS[cls])
    return status, text.format(message=error.message, field=error.field)


@bp.route("/sms/json", methods=["POST"], content_types=[FORM, JSON])
def vonage_send():
    request = bp.current_request
    params: dict[str, str] = {}
    try:
        params = vonage_params(request)
        who = _vonage_caller(request, params)
        accepted = sending.accept(who, vonage_request(params), idempotency_key(request))
    except VonageRefusal as refusal:
        return _vonage_error(refusal.status, refusal.detail, params)
    except JmcError as exc:  # every outcome is HTTP 200 with a Vonage status, as Vonage does
        return _vonage_error(*vonage_status(exc), params)
    except Exception:
        log.exception("unexpected error on /sms/json")
        return _vonage_error("5", "Internal Error", params)
    return _vonage_ok(accepted.message, who)


def vonage_params(request) -> dict[str, str]:
    """Form or JSON body (and query string) as one flat dict of strings, read with the same
    caps and string rules as every other route (``api.payload``)."""
    params = parameters(request)
    raw = raw_body(request)
    if (header(request, "content-type") or "").startswith(JSON):
        params.update(_vonage_json(raw))
    else:
        params.update(parse_form(raw))
    return params


def _vonage_json(raw: bytes) -> dict[str, str]:
    body = parse_json(raw) if raw else {}
    if not isinstance(body, dict):
        raise VonageRefusal("3", "Invalid params: the body is not a JSON object")
    return {k: str(v) for k, v in body.items() if v is not None}


def _vonage_caller(request, params: dict[str, str]) -> Caller:
    key, secret = params.get("api_key"), params.get("api_secret")
    if not key and not secret and (header(request, "authorization") or "").lower().startswith("basic "):
        return caller(request, apps_allowed=True)
    if not key or not secret:
        raise VonageRefusal("2", "Missing api_key" if not key else "Missing api_secret")
    return app_service.authenticate(key, secret)


def vonage_request(params: dict[str, str]) -> SendRequest:
    for name in ("from", "to", "text"):
        if not params.get(name):
            raise VonageRefusal("2", f"Missing {name} param")
    to = params["to"].strip()
    if not to.lstrip("+").isdigit():
        raise VonageRefusal("3", "Invalid to param: digits in international format expected")
    if params.get("type", "text") not in ("text", "unicode"):
        raise VonageRefusal("3", "Invalid type param: text and unicode are supported")
    callback = params.get("callback") or None
    if callback is not None:
        if len(callback) > MAX_URL:
            raise VonageRefusal("23", "Invalid Callback Url")
        check_callback_url(callback, "callback")
    client_ref = params.get("client-ref") or None
    if client_ref is not None and len(client_ref) > sending.MAX_CLIENT_REF:
        raise VonageRefusal("3", "Invalid client-ref param: at most 100 characters")
    return SendRequest(to="+" + to.lstrip("+"), text=params["text"], sender=params["from"],
                       type="transactional", client_ref=client_ref, callback_url=callback, source="vonage")


def _vonage_error(status: str, detail: str, params: dict[str, str]) -> Response:
    entry = {"status": status, "error-text": detail or VONAGE_ERRORS.get(status, "Error")}
    if params.get("to"):
        entry["to"] = params["to"].lstrip("+")
    return Response(body={"message-count": "1", "messages": [entry]}, status_code=200,
                    headers={"Content-Type": JSON})


def _vonage_ok(message, who: Caller) -> Response:
    """One entry per billed segment, as Vonage answers for a long message; each carries our
    message id (the log and receipts know the message by it) and the segment's price."""
    account = get_account(who.account_id)
    balance = format_amount(int(account.balance_micros)) if account else None
    entry = {"to": message.to.lstrip("+"), "message-id": message.message_id, "status": "0",
             "remaining-balance": balance, "message-price": format_amount(int(message.unit_price_micros)),
             "network": ""}
    if message.client_ref:
        entry["client-ref"] = message.client_ref
    count = int(message.segments)
    return Response(body={"message-count": str(count), "messages": [dict(entry) for _ in range(count)]},
                    status_code=200, headers={"Content-Type": JSON})
