"""The Numbers API on the wire: Vonage's ``GET /account/numbers``, ``GET /number/search`` and
``POST /number/buy|cancel|update`` (rest.nexmo.com), and the control ``/_sim/numbers``.

A request is parsed (query string and form body), authenticated (HTTP Basic, what the
official SDK sends, or ``api_key``/``api_secret`` in the query or body), checked, handed to
``NumbersBackend`` and rendered as Vonage answers: lists as ``{"count": total, "numbers":
[...]}`` (``numbers`` left out of an empty page), actions as ``{"error-code": "200",
"error-code-label": "success"}``, refusals with the HTTP status in ``error-code`` too (401,
400, 420). ``fail_next_5xx`` and ``latency_ms`` apply here as they do to SMS submits.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from .config import NUMBER_TYPES, is_http_url
from .models import CarrierState
from .numbers_models import (
    FEATURES,
    SEARCH_ENDS_WITH,
    SEARCH_STARTS_WITH,
    UPDATABLE,
    AvailableNumber,
    NumbersRefused,
    OwnedNumber,
    bad_parameter,
)
from .responses import Reply, Request, Routes

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
VOICE_CALLBACK_TYPES = ("sip", "tel", "app")
SUCCESS = {"error-code": "200", "error-code-label": "success"}
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_MSISDN = re.compile(r"[1-9]\d{6,14}")
_DIGITS = re.compile(r"\d{1,15}")

Action = Callable[[CarrierState, dict[str, str]], dict]


def _api(action: Action) -> Callable[[CarrierState, Request], Reply]:
    """A Numbers API route: injected latency and faults, credentials, then ``action``'s
    answer (HTTP 200) or the ``NumbersRefused`` it raised."""

    def route(state: CarrierState, request: Request) -> Reply:
        params = _params(request)
        latency_ms = state.account.config()["latency_ms"]
        if latency_ms:
            time.sleep(latency_ms / 1000)  # holding no lock: other requests keep flowing
        if state.account.take_injected_failure():
            return Reply(500, {"error": "injected failure (fail_next_5xx)"})
        try:
            _authenticate(state, params, request.headers.get("Authorization"))
            return Reply(200, action(state, params))
        except NumbersRefused as refused:
            return Reply(refused.status, _error_body(refused))

    return route


def _params(request: Request) -> dict[str, str]:
    """Query-string and form-body parameters (the body wins). Blank values are kept: on
    ``POST /number/update`` an empty field removes a setting."""
    params = {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
    params.update({k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace"),
                                                   keep_blank_values=True).items()})
    return params


def _error_body(refused: NumbersRefused) -> dict:
    body = {"error-code": str(refused.status), "error-code-label": refused.label}
    if refused.reason:
        body["reason"] = refused.reason  # the simulator's own detail; Vonage sends only the label
    return body


def _authenticate(state: CarrierState, params: dict[str, str], authorization: str | None) -> None:
    key, secret = _credentials(params, authorization)
    if not key or not secret or not state.account.accepts(key, secret):
        raise NumbersRefused(401, "authentication failed")


def _credentials(params: dict[str, str], authorization: str | None) -> tuple[str | None, str | None]:
    """(api_key, api_secret) from the query or body, else from an HTTP Basic header."""
    if params.get("api_key") or params.get("api_secret"):
        return params.get("api_key"), params.get("api_secret")
    if authorization and authorization.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return key, secret
    return None, None


# --- parameters: each raises NumbersRefused 400 naming the parameter ------------------------

def _country(params: dict[str, str]) -> str:
    value = params.get("country")
    if not value:
        raise bad_parameter("country", "Is required.")
    if not _COUNTRY.fullmatch(value):
        raise bad_parameter("country", "must be an ISO 3166-1 alpha-2 code")
    return value.upper()


def _optional_country(params: dict[str, str]) -> str | None:
    return _country(params) if params.get("country") else None


def _msisdn(params: dict[str, str]) -> str:
    value = params.get("msisdn")
    if not value:
        raise bad_parameter("msisdn", "Is required.")
    if not _MSISDN.fullmatch(value):
        raise bad_parameter("msisdn", "must be an E.164 number without '+'")
    return value


def _integer(params: dict[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        bound = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise bad_parameter(name, f"must be an integer {bound}")
    return int(value)


def _pattern(params: dict[str, str]) -> tuple[str | None, int]:
    pattern = params.get("pattern") or None
    if pattern is not None and not _DIGITS.fullmatch(pattern):
        raise bad_parameter("pattern", "must be digits")
    return pattern, _integer(params, "search_pattern", SEARCH_STARTS_WITH, SEARCH_STARTS_WITH, SEARCH_ENDS_WITH)


def _number_type(params: dict[str, str]) -> str | None:
    value = params.get("type") or None
    if value is not None and value not in NUMBER_TYPES:
        raise bad_parameter("type", f"must be one of {', '.join(NUMBER_TYPES)}")
    return value


def _features(params: dict[str, str]) -> tuple[str, ...]:
    value = params.get("features")
    if not value:
        return ()
    wanted = tuple(f.strip().upper() for f in value.split(","))
    if not all(f in FEATURES for f in wanted):
        raise bad_parameter("features", f"must be a comma-separated list of {', '.join(FEATURES)}")
    return wanted


def _boolean(params: dict[str, str], name: str) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):  # the official SDK sends Python's "True"/"False"
        raise bad_parameter(name, "must be true or false")
    return value.lower() == "true"


def _page(params: dict[str, str]) -> tuple[int, int]:
    """(size, index): Vonage's 1-based page index and page size (at most 100)."""
    return _integer(params, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE), _integer(params, "index", 1, 1)


def _changes(params: dict[str, str]) -> dict[str, str]:
    """The ``POST /number/update`` fields present ("" unsets one), checked."""
    changes = {k: params[k] for k in UPDATABLE if k in params}
    kind, value = changes.get("voiceCallbackType"), changes.get("voiceCallbackValue")
    if kind and kind not in VOICE_CALLBACK_TYPES:
        raise bad_parameter("voiceCallbackType", f"must be one of {', '.join(VOICE_CALLBACK_TYPES)}")
    if bool(kind) != bool(value) and ("voiceCallbackType" in changes or "voiceCallbackValue" in changes):
        raise bad_parameter("voiceCallbackValue", "voiceCallbackType and voiceCallbackValue go together")
    for url_field in ("moHttpUrl", "voiceStatusCallback"):
        if changes.get(url_field) and not is_http_url(changes[url_field]):
            raise bad_parameter(url_field, "must be an http(s) URL")
    return changes


# --- rendering ---------------------------------------------------------------------------------

def _listing(numbers: list, size: int, index: int, render: Callable) -> dict:
    """One page of ``numbers``; ``count`` is the total, so clients can page with ``index``."""
    page = numbers[(index - 1) * size:index * size]
    body: dict = {"count": len(numbers)}
    if page:
        body["numbers"] = [render(n) for n in page]
    return body


def _available(number: AvailableNumber) -> dict:
    return {"country": number.country, "msisdn": number.msisdn, "type": number.type,
            "cost": number.cost, "features": list(number.features)}


def _owned(number: OwnedNumber) -> dict:
    entry = {"country": number.country, "msisdn": number.msisdn, "type": number.type,
             "features": list(number.features)}
    for wire, attribute in UPDATABLE.items():
        if getattr(number, attribute) is not None:
            entry[wire] = getattr(number, attribute)
    return entry


# --- the API -------------------------------------------------------------------------------

def _search(state: CarrierState, params: dict[str, str]) -> dict:
    country = _country(params)
    number_type, features = _number_type(params), _features(params)
    pattern, search_pattern = _pattern(params)
    size, index = _page(params)
    found = state.numbers.search(country, number_type=number_type, features=features,
                                 pattern=pattern, search_pattern=search_pattern)
    return _listing(found, size, index, _available)


def _list_owned(state: CarrierState, params: dict[str, str]) -> dict:
    country = _optional_country(params)
    pattern, search_pattern = _pattern(params)
    has_application = _boolean(params, "has_application")
    size, index = _page(params)
    found = state.numbers.owned(country=country, pattern=pattern, search_pattern=search_pattern,
                                application_id=params.get("application_id") or None,
                                has_application=has_application)
    return _listing(found, size, index, _owned)


def _buy(state: CarrierState, params: dict[str, str]) -> dict:
    country, msisdn = _country(params), _msisdn(params)
    state.numbers.buy(country, msisdn)
    return dict(SUCCESS)


def _cancel(state: CarrierState, params: dict[str, str]) -> dict:
    country, msisdn = _country(params), _msisdn(params)
    state.numbers.cancel(country, msisdn)
    return dict(SUCCESS)


def _update(state: CarrierState, params: dict[str, str]) -> dict:
    country, msisdn = _country(params), _msisdn(params)
    state.numbers.update(country, msisdn, _changes(params))
    return dict(SUCCESS)


def list_sim_numbers(state: CarrierState, request: Request) -> Reply:
    """Every owned number with all it carries (snake_case), unpaged and without credentials."""
    return Reply(200, {"numbers": [{**dataclasses.asdict(n), "features": list(n.features)}
                                   for n in state.numbers.owned()]})


def release_sim_numbers(state: CarrierState, request: Request) -> Reply:
    state.numbers.release_all()
    return Reply(200, {"numbers": []})


NUMBERS_ROUTES: Routes = {
    ("GET", "/account/numbers"): _api(_list_owned),
    ("GET", "/number/search"): _api(_search),
    ("POST", "/number/buy"): _api(_buy),
    ("POST", "/number/cancel"): _api(_cancel),
    ("POST", "/number/update"): _api(_update),
    ("GET", "/_sim/numbers"): list_sim_numbers,
    ("DELETE", "/_sim/numbers"): release_sim_numbers,
}
