"""POST /sms/json: Vonage's SMS API shape — form or JSON, credentials in the body or as
HTTP Basic, always HTTP 200 with Vonage status codes."""
from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest

from chalicelib.domain.money import parse_amount
from chalicelib.services.billing import balance_micros
from chalicelib.store.messages import get_message
from tests.service.messaging import UK, dispatch_all, make_tenant, reset_carrier

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


def vonage(client, params: dict, *, form: bool = True, headers: dict | None = None):
    if form:
        return client.call("POST", "/sms/json", raw_body=urlencode(params).encode(), headers={**FORM,
                                                                                              **(headers or {})})
    return client.post("/sms/json", params, headers=headers)


def creds(seeded) -> dict:
    return {"api_key": seeded.app_key, "api_secret": seeded.app_secret}


def test_form_send_answers_like_vonage(client, seeded, app):
    before = balance_micros(seeded.demo_account_id)
    reply = vonage(client, {**creds(seeded), "from": "JMCDemo", "to": UK.lstrip("+"), "text": "hello",
                            "client-ref": "order-7"})
    assert reply.status == 200
    body = reply.json
    assert body["message-count"] == "1"
    [entry] = body["messages"]
    assert entry["status"] == "0" and entry["to"] == UK.lstrip("+") and entry["client-ref"] == "order-7"
    assert all(isinstance(v, str) for v in entry.values())
    assert parse_amount(entry["message-price"]) == 40_000
    assert parse_amount(entry["remaining-balance"]) == before - 40_000
    message = get_message(entry["message-id"])
    assert message.source == "vonage" and message.client_ref == "order-7"
    assert dispatch_all(app) == 1


def test_json_body_and_basic_auth_and_long_text(client, seeded):
    token = base64.b64encode(f"{seeded.app_key}:{seeded.app_secret}".encode()).decode()
    reply = vonage(client, {"from": "JMCDemo", "to": UK.lstrip("+"), "text": "z" * 200, "type": "text"},
                   form=False, headers={"Authorization": f"Basic {token}"})
    assert reply.status == 200
    assert reply.json["message-count"] == "2" and len(reply.json["messages"]) == 2
    assert {m["status"] for m in reply.json["messages"]} == {"0"}


@pytest.mark.parametrize("params, status", [
    ({"to": "447400123456", "text": "hi"}, "2"),                       # from missing
    ({"from": "JMCDemo", "text": "hi"}, "2"),                          # to missing
    ({"from": "JMCDemo", "to": "447400123456"}, "2"),                  # text missing
    ({"from": "JMCDemo", "to": "44abc", "text": "hi"}, "3"),          # not digits
    ({"from": "JMCDemo", "to": "44123", "text": "hi"}, "3"),          # impossible number
    ({"from": "JMCDemo", "to": "447400123456", "text": "x" * 1600}, "12"),
    ({"from": "JMCDemo", "to": "14155550123", "text": "hi"}, "15"),   # US takes numeric senders only
    ({"from": "JMCDemo", "to": "447400123456", "text": "hi", "type": "binary"}, "3"),
    ({"from": "JMCDemo", "to": "447400123456", "text": "hi", "callback": "not a url"}, "23"),
])
def test_refusals_use_vonage_status_codes(client, seeded, params, status):
    before = balance_micros(seeded.demo_account_id)
    reply = vonage(client, {**creds(seeded), **params})
    assert reply.status == 200
    [entry] = reply.json["messages"]
    assert entry["status"] == status and entry["error-text"]
    assert balance_micros(seeded.demo_account_id) == before


def test_credentials(client, seeded):
    reply = vonage(client, {"api_key": seeded.app_key, "from": "JMCDemo", "to": "447400123456", "text": "x"})
    assert reply.json["messages"][0]["status"] == "2"
    reply = vonage(client, {"api_key": seeded.app_key, "api_secret": "nope", "from": "JMCDemo",
                            "to": "447400123456", "text": "x"})
    assert reply.status == 200 and reply.json["messages"][0]["status"] == "4"


def test_a_secret_without_its_key_is_refused_even_beside_basic_auth(client, seeded):
    """A caller who names a secret in the request means it: it is not silently swapped for
    the Authorization header's pair."""
    token = base64.b64encode(f"{seeded.app_key}:{seeded.app_secret}".encode()).decode()
    reply = vonage(client, {"api_secret": "not-the-secret", "from": "JMCDemo", "to": "447400123456", "text": "x"},
                   headers={"Authorization": f"Basic {token}"})
    assert reply.status == 200 and reply.json["messages"][0]["status"] == "2"


def test_no_credit_is_status_9(client, seeded):
    _, key, secret, _ = make_tenant("Broke Co")
    reply = vonage(client, {"api_key": key, "api_secret": secret, "from": "JMCDemo", "to": "447400123456",
                            "text": "x"})
    assert reply.json["messages"][0]["status"] == "9"


def test_malformed_body_is_status_3(client, seeded):
    reply = client.call("POST", "/sms/json", raw_body=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status == 200 and reply.json["messages"][0]["status"] == "3"
