"""The Voice API on the wire: Vonage's ``GET /v1/calls`` and ``GET /v1/calls/{uuid}``
(api.nexmo.com paths) and the voice controls ``/_sim/calls`` and ``/_sim/voice-events``.

Requests are authenticated as Vonage authenticates them: ``Authorization: Bearer <JWT>``,
RS256, signed with the private key of an application whose public key the run-time config
holds (``voice_applications``), with claims ``application_id``, ``iat`` and ``jti``, and
not expired (``exp``; a token without one lasts 15 minutes from ``iat``, Vonage's default).
Anything else is a 401 with Vonage's body. Lists are HAL: ``count``, ``page_size``,
``record_index``, ``_links`` and ``_embedded.calls`` (present even when empty: the
official SDK fails without it).
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from urllib.parse import parse_qs, urlencode

import jwt

from .models import CarrierState
from .receipts import NETWORK_CODE
from .responses import Reply, Request, Routes
from .voice_events import Webhook
from .voice_models import DIRECTIONS, SEQUENCES, Call, CallRefused, CallRequest, iso, parse_iso

UNAUTHORIZED = {"type": "UNAUTHORIZED", "error_title": "Unauthorized"}
NOT_FOUND = {"type": "NOT_FOUND", "error_title": "Not Found"}
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 10, 100
DEFAULT_TOKEN_LIFETIME = 900  # seconds a token without ``exp`` is good for
CLOCK_LEEWAY = 30  # seconds of clock difference tolerated on iat/exp
CALL_STATUSES = frozenset(s for sequence in SEQUENCES.values() for s in sequence) | {"machine"}


class _BadRequest(Exception):
    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.name = name
        self.reason = reason


# --- authentication ---

def authorized_application(authorization: str | None, applications: dict[str, str],
                           now: float | None = None) -> str | None:
    """The application id of a valid application JWT in ``authorization``, else None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer "):].strip()
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        public_key = applications.get(str(unverified.get("application_id")))
        if public_key is None:
            return None
        claims = jwt.decode(token, public_key, algorithms=["RS256"], leeway=CLOCK_LEEWAY,
                            options={"require": ["application_id", "iat", "jti"]})
    except jwt.PyJWTError:
        return None
    current = time.time() if now is None else now
    if "exp" not in claims and current > claims["iat"] + DEFAULT_TOKEN_LIFETIME + CLOCK_LEEWAY:
        return None
    return str(claims["application_id"])


def _guarded(route):
    """Vonage's API route: latency and injected faults first, then the JWT (401)."""
    def guarded(state: CarrierState, request: Request) -> Reply:
        latency_ms = state.account.config()["latency_ms"]
        if latency_ms:
            time.sleep(latency_ms / 1000)
        if state.account.take_injected_failure():
            return Reply(500, {"error": "injected failure (fail_next_5xx)"})
        applications = state.account.config()["voice_applications"]
        if authorized_application(request.headers.get("Authorization"), applications) is None:
            return Reply(401, dict(UNAUTHORIZED))
        try:
            return route(state, request)
        except _BadRequest as bad:
            return Reply(400, {"type": "BAD_REQUEST", "error_title": "Bad Request",
                               "invalid_parameters": [{"name": bad.name, "reason": bad.reason}]})
    guarded.__doc__ = route.__doc__
    return guarded


# --- rendering ---

def _phone(number: str) -> dict:
    return {"type": "phone", "number": number}


def render_call(call: Call, now: float) -> dict:
    """The call as Vonage's record shows it now: rate, price and duration once completed,
    end_time once ended, network once answered."""
    status = call.status_at(now)
    record = {"_links": {"self": {"href": f"/v1/calls/{call.uuid}"}}, "uuid": call.uuid,
              "conversation_uuid": call.conversation_uuid, "status": status, "direction": call.direction,
              "from": _phone(call.from_number), "to": _phone(call.to_number), "start_time": iso(call.start_time)}
    ended = status == call.outcome
    if ended:
        record["end_time"] = iso(call.times[call.outcome])
    if status == "completed":
        record.update({"rate": f"{call.rate:.8f}", "price": f"{call.price:.8f}", "duration": str(call.duration)})
    if status in ("answered", "completed"):
        record["network"] = NETWORK_CODE
    return record


# --- GET /v1/calls ---

def _args(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query).items()}


def _integer(args: dict[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(name, "must be an integer") from None
    if value < low or (high is not None and value > high):
        raise _BadRequest(name, f"must be between {low} and {high}" if high is not None else f"must be {low} or more")
    return value


def _time(args: dict[str, str], name: str) -> datetime | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise _BadRequest(name, "must be an ISO 8601 date-time, e.g. 2016-11-14T07:45:14Z") from None


def _filters(args: dict[str, str]) -> dict:
    status = args.get("status") or None
    if status is not None and status not in CALL_STATUSES:
        raise _BadRequest("status", f"must be one of {', '.join(sorted(CALL_STATUSES))}")
    order = args.get("order") or "asc"
    if order not in ("asc", "desc"):
        raise _BadRequest("order", "must be asc or desc")
    return {"status": status, "date_start": _time(args, "date_start"), "date_end": _time(args, "date_end"),
            "conversation_uuid": args.get("conversation_uuid") or None, "order": order}


def _matches(call: Call, filters: dict, now: float) -> bool:
    start = call.start_time
    return (filters["status"] in (None, call.status_at(now))
            and (filters["date_start"] is None or start >= filters["date_start"])
            and (filters["date_end"] is None or start <= filters["date_end"])
            and filters["conversation_uuid"] in (None, call.conversation_uuid))


def _links(args: dict[str, str], count: int, page_size: int, record_index: int) -> dict:
    def href(index: int) -> dict:
        query = {k: v for k, v in args.items() if k not in ("page_size", "record_index")}
        return {"href": "/v1/calls?" + urlencode({**query, "page_size": page_size, "record_index": index})}
    last = max(0, (count - 1) // page_size * page_size)
    links = {"self": href(record_index), "first": href(0), "last": href(last)}
    if record_index + page_size < count:
        links["next"] = href(record_index + page_size)
    if record_index > 0:
        links["prev"] = href(max(0, record_index - page_size))
    return links


def list_calls(state: CarrierState, request: Request) -> Reply:
    args = _args(request.query)
    page_size = _integer(args, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    record_index = _integer(args, "record_index", 0, 0)
    filters = _filters(args)
    now = time.monotonic()
    found = [c for c in state.voice.calls() if _matches(c, filters, now)]
    if filters["order"] == "desc":
        found.reverse()
    page = found[record_index:record_index + page_size]
    return Reply(200, {"count": len(found), "page_size": page_size, "record_index": record_index,
                       "_links": _links(args, len(found), page_size, record_index),
                       "_embedded": {"calls": [render_call(c, now) for c in page]}})


def get_call(state: CarrierState, request: Request) -> Reply:
    call = state.voice.get(request.path_params.get("uuid", ""))
    if call is None:
        return Reply(404, dict(NOT_FOUND))
    return Reply(200, render_call(call, time.monotonic()))


# --- the controls ---

def _webhook_row(webhook: Webhook) -> dict:
    return {"status": webhook.event["status"], "target": webhook.target, "state": webhook.state,
            "attempts": webhook.attempts}


def sim_row(call: Call, now: float) -> dict:
    """A ``/_sim/calls`` row: the Vonage record plus what the simulator knows of the call."""
    return {**render_call(call, now), "outcome": call.outcome, "number": call.ours,
            "application_id": call.application_id, "webhooks": [_webhook_row(w) for w in call.webhooks]}


def _call_request(data: dict) -> CallRequest:
    """``POST /_sim/calls``'s JSON as a ``CallRequest``; ``CallRefused`` says what is wrong."""
    if not isinstance(data.get("number"), str) or not data["number"].lstrip("+").isdigit():
        raise CallRefused("number (an owned msisdn) is required")
    duration = data.get("duration", 60)
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
        raise CallRefused("duration must be a non-negative integer (seconds)")
    other = data.get("other")
    if other is not None and (not isinstance(other, str) or not other.lstrip("+").isdigit()):
        raise CallRefused("other must be a phone number (digits, optional +)")
    drop = data.get("drop_events", [])
    order = data.get("send_order")
    for name, value in (("drop_events", drop), ("send_order", order)):
        if value is not None and (not isinstance(value, list) or not all(isinstance(s, str) for s in value)):
            raise CallRefused(f"{name} must be a list of call statuses")
    outcome = data.get("outcome", "completed")
    if data.get("lose_webhooks") is True:
        drop = list(SEQUENCES.get(outcome, ()))
    start = data.get("start_time")
    try:
        start_time = parse_iso(start) if start else None
    except (ValueError, AttributeError):
        raise CallRefused("start_time must be an ISO 8601 date-time") from None
    return CallRequest(number=data["number"], direction=data.get("direction", DIRECTIONS[0]), other=other,
                       outcome=outcome, duration=duration, start_time=start_time,
                       send_order=tuple(order) if order is not None else None, drop=frozenset(drop),
                       detail=data.get("detail"))


def place_call(state: CarrierState, request: Request) -> Reply:
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise CallRefused("the body must be a JSON object")
        call = state.voice.place(_call_request(data))
    except ValueError as exc:  # CallRefused and JSONDecodeError are ValueErrors
        return Reply(400, {"error": str(exc)})
    return Reply(201, sim_row(call, time.monotonic()))


def list_sim_calls(state: CarrierState, request: Request) -> Reply:
    now = time.monotonic()
    return Reply(200, {"calls": [sim_row(c, now) for c in state.voice.calls()]})


def clear_calls(state: CarrierState, request: Request) -> Reply:
    state.voice.clear()
    return Reply(200, {"calls": []})


def list_voice_events(state: CarrierState, request: Request) -> Reply:
    return Reply(200, {"events": state.voice.events.kept()})


VOICE_ROUTES: Routes = {
    ("GET", "/v1/calls"): _guarded(list_calls),
    ("GET", "/v1/calls/{uuid}"): _guarded(get_call),
    ("POST", "/_sim/calls"): place_call,
    ("GET", "/_sim/calls"): list_sim_calls,
    ("DELETE", "/_sim/calls"): clear_calls,
    ("GET", "/_sim/voice-events"): list_voice_events,
}
