"""The SMS API on the wire: Vonage's ``POST /sms/json`` and the SMS controls
``/_sim/messages`` and ``/_sim/receipts``.

A submit is parsed (form or JSON body, query string too), authenticated (body credentials
or HTTP Basic), handed to ``SmsBackend.submit`` and rendered as Vonage answers: HTTP 200
with ``{"message-count": "N", "messages": [...]}``, every value a string, one entry per
segment, a single entry when the whole submit is refused; only an injected fault is a 500.
"""
from __future__ import annotations

import base64
import binascii
import json
import time
from decimal import Decimal
from urllib.parse import parse_qs

from .account import Account
from .models import CarrierState
from .responses import Reply, Request, Routes
from .sms_models import ERROR_TEXTS, STATUS_BAD_CREDENTIALS, STATUS_MISSING_PARAMS, STATUS_OK, SmsRefused

NETWORK = "99999"  # a made-up MCCMNC: the simulator has no number-to-network data


def submit(state: CarrierState, request: Request) -> Reply:
    params = parse_params(request.query, request.body, request.headers.get("Content-Type", ""))
    latency_ms = state.account.config()["latency_ms"]
    if latency_ms:
        time.sleep(latency_ms / 1000)  # holding no lock: other requests keep flowing
    if state.account.take_injected_failure():
        return Reply(500, {"error": "injected failure (fail_next_5xx)"})
    return Reply(200, handle_submit(state, params, request.headers.get("Authorization")))


def handle_submit(state: CarrierState, params: dict, authorization: str | None) -> dict:
    """Vonage's ``/sms/json`` answer to one request (sent with HTTP 200)."""
    api_key, api_secret = _credentials(params, authorization)
    try:
        _authenticate(state.account, api_key, api_secret)
        rows, balance = state.sms.submit(params, api_key or "", time.monotonic())
    except SmsRefused as refused:
        return {"message-count": "1", "messages": [{"status": refused.status, "error-text": refused.error_text}]}
    entries = [_entry(row, balance) for row in rows]
    return {"message-count": str(len(entries)), "messages": entries}


def _credentials(params: dict, authorization: str | None) -> tuple[str | None, str | None]:
    """(api_key, api_secret) from the body, else from an HTTP Basic header."""
    if params.get("api_key") or params.get("api_secret"):
        return params.get("api_key"), params.get("api_secret")
    if authorization and authorization.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return key, secret
    return None, None


def _authenticate(account: Account, key: str | None, secret: str | None) -> None:
    """Raise ``SmsRefused`` unless the account accepts these credentials."""
    if not key:
        raise SmsRefused(STATUS_MISSING_PARAMS, "Missing api_key")
    if not secret:
        raise SmsRefused(STATUS_MISSING_PARAMS, "Missing api_secret")
    if not account.accepts(key, secret):
        raise SmsRefused(STATUS_BAD_CREDENTIALS, "Bad Credentials")


def _entry(row: dict, balance: Decimal) -> dict:
    """The response entry for one segment."""
    if row["status"] != STATUS_OK:
        return {"to": row["to"], "status": row["status"],
                "error-text": ERROR_TEXTS.get(row["status"], "Rejected by the simulator's reject config")}
    entry = {"to": row["to"], "message-id": row["message-id"], "status": STATUS_OK,
             "remaining-balance": f"{balance:.8f}", "message-price": row["price"], "network": NETWORK}
    if row["client-ref"] is not None:
        entry["client-ref"] = row["client-ref"]
    return entry


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, str]:
    """Query-string and body parameters as strings (Vonage accepts both); body wins.

    A JSON body that is not an object is ignored, so it answers "Missing ... param" like Vonage.
    """
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            # Form fields are strings, so JSON scalars are too: true -> "true", 3 -> "3".
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if v is not None})
    else:
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    return params


def list_messages(state: CarrierState, request: Request) -> Reply:
    args = parse_qs(request.query)
    to, client_ref = args.get("to", [None])[0], args.get("client-ref", [None])[0]
    return Reply(200, {"messages": state.sms.messages(to, client_ref)})


def list_receipts(state: CarrierState, request: Request) -> Reply:
    return Reply(200, {"receipts": state.sms.receipts.kept()})


def clear_messages(state: CarrierState, request: Request) -> Reply:
    state.sms.clear()
    return Reply(200, {"messages": []})


SMS_ROUTES: Routes = {
    ("POST", "/sms/json"): submit,
    ("GET", "/_sim/messages"): list_messages,
    ("GET", "/_sim/receipts"): list_receipts,
    ("DELETE", "/_sim/messages"): clear_messages,
}
