"""The voice call log end to end against the local stack: the simulator's calls on a bought
number reach the log through its signed event webhooks, and a call whose webhooks were all
lost is still recorded by the reconciliation job, with the carrier's duration and price;
another tenant never sees either."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from tests.e2e.browser import new_customer
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def caller_account(stack, ops_token) -> dict:
    """A customer of its own with a GB voice number, and its owner's token."""
    customer = new_customer(stack, ops_token, name="Voice Co")
    token = stack.login(customer["email"], customer["password"])
    offer = stack.call("GET", "/v1/numbers/available", token=token,
                       params={"country": "GB", "type": "landline", "features": "VOICE", "limit": 1}).json()
    bought = stack.call("POST", "/v1/numbers", {"country": "GB", "msisdn": offer["numbers"][0]["msisdn"]}, token=token)
    assert bought.status_code == 201, bought.text
    return {**customer, "token": token, "number": bought.json()["msisdn"]}


def _place(stack, number: str, **call) -> dict:
    placed = requests.post(stack.info["carrier_url"] + "/_sim/calls", json={"number": number.lstrip("+"), **call},
                           timeout=10)
    assert placed.status_code == 201, placed.text
    return placed.json()


def _carrier_row(stack, uuid: str) -> dict:
    calls = requests.get(stack.info["carrier_url"] + "/_sim/calls", timeout=10).json()["calls"]
    return next(c for c in calls if c["uuid"] == uuid)


def _logged(stack, token: str) -> dict[str, dict]:
    found = stack.call("GET", "/v1/voice/calls", token=token)
    assert found.status_code == 200, found.text
    return {c["id"]: c for c in found.json()["calls"]}


def test_calls_reach_the_log_by_signed_webhook_and_by_reconciliation(stack, ops_token, caller_account):
    token, number = caller_account["token"], caller_account["number"]
    heard = _place(stack, number, direction="inbound", other="447700900111", duration=42)
    lost = _place(stack, number, direction="outbound", other="447700900222", duration=95, lose_webhooks=True)

    logged = wait_for(lambda: _logged(stack, token),
                      lambda calls: all(calls.get(c["uuid"], {}).get("status") == "completed" for c in (heard, lost)),
                      timeout=90)
    # The first call's events were signed by the simulator and accepted (not retried) by our endpoint;
    # the second's never left the simulator, so only GET /v1/calls can have brought it in.
    assert {w["state"] for w in _carrier_row(stack, heard["uuid"])["webhooks"]} == {"delivered"}
    assert {w["state"] for w in _carrier_row(stack, lost["uuid"])["webhooks"]} == {"dropped"}
    for placed in (heard, lost):
        carrier = _carrier_row(stack, placed["uuid"])
        ours = logged[placed["uuid"]]
        assert ours["number"] == number
        # Vonage writes every figure as a string ("42", "0.00840000"); the log as numbers and decimals.
        assert (ours["duration"], Decimal(ours["price"]), Decimal(ours["rate"])) == (
            int(carrier["duration"]), Decimal(carrier["price"]), Decimal(carrier["rate"]))
        assert ours["start_time"] and ours["end_time"]
    assert [logged[heard["uuid"]][k] for k in ("direction", "from", "duration")] == ["inbound", "+447700900111", 42]
    assert [logged[lost["uuid"]][k] for k in ("direction", "to", "duration")] == ["outbound", "+447700900222", 95]
    one = stack.call("GET", f"/v1/voice/calls/{lost['uuid']}", token=token)
    assert one.status_code == 200 and one.json() == logged[lost["uuid"]]

    other = new_customer(stack, ops_token, name="Other Voice Co")
    other_token = stack.login(other["email"], other["password"])
    assert stack.call("GET", f"/v1/voice/calls/{heard['uuid']}", token=other_token).status_code == 404
    assert _logged(stack, other_token) == {}


def test_an_unsigned_call_event_is_refused(stack, caller_account):
    event = {"uuid": "00000000-0000-4000-8000-000000000001", "conversation_uuid": "CON-x", "status": "completed",
             "direction": "inbound", "from": "447700900333", "to": caller_account["number"].lstrip("+"),
             "timestamp": "2026-12-05T00:00:00.000Z"}
    refused = requests.post(stack.info["api_url"] + "/webhooks/vonage/voice/events", json=event, timeout=10)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "invalid_signature"
    assert event["uuid"] not in _logged(stack, caller_account["token"])
