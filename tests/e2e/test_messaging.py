"""The messaging story against ``make run``'s stack, over HTTP: a customer system sends with
plain HTTP and with the official Vonage SDK (over the local TLS port); each message reaches
the simulator exactly once, its receipt comes back, the log says delivered, the balance and
ledger agree, the signed webhook arrives (retried after a 500), blacklists hold."""
from __future__ import annotations

import time

import pytest
import requests

from chalicelib.domain import webhook_signing
from chalicelib.domain.money import parse_amount
from tests.e2e.waiting import wait_for
from tests.listener import Listener

pytestmark = pytest.mark.e2e

UK, UK_BLOCKED, UK_SDK = "+447400123456", "+447400654321", "+447400111222"


@pytest.fixture(scope="module")
def customer(stack, ops_token):
    """A new account with a balance, its owner's token and an app's credentials."""
    created = stack.call("POST", "/v1/ops/accounts", {"name": "Msg Traders", "owner": {
        "email": "owner@msg.example", "name": "Mo"}}, token=ops_token).json()
    account_id = created["id"]
    stack.call("POST", f"/v1/ops/accounts/{account_id}/topups", {"amount": "10.00", "reference": "MSG-1"},
               token=ops_token)
    owner = stack.login("owner@msg.example", stack.outbox("owner@msg.example", r"Initial password: (\S+)"))
    app = stack.call("POST", "/v1/apps", {"name": "Backend"}, token=owner).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=owner).json()["app_secret"]
    return {"account_id": account_id, "token": owner, "app_id": app["id"], "auth": (app["app_key"], secret)}


def _carrier_copies(stack, message_id: str) -> list[dict]:
    reply = requests.get(f"{stack.info['carrier_url']}/_sim/messages", params={"client-ref": message_id}, timeout=5)
    return reply.json()["messages"]


def _delivered(stack, customer, message_id: str) -> dict:
    return wait_for(lambda: stack.call("GET", f"/v1/messages/{message_id}", auth=customer["auth"]).json(),
                     lambda m: m.get("status") == "delivered")


def test_plain_http_send_is_delivered_once_and_billed_once(stack, customer):
    reply = stack.call("POST", "/v1/sms", {"to": UK, "text": "Your code is 424242", "from": "MsgTraders"},
                       auth=customer["auth"], headers={"Idempotency-Key": "e2e-1"})
    assert reply.status_code == 202, reply.text
    again = stack.call("POST", "/v1/sms", {"to": UK, "text": "Your code is 424242", "from": "MsgTraders"},
                       auth=customer["auth"], headers={"Idempotency-Key": "e2e-1"})
    assert again.json() == reply.json()
    message_id = reply.json()["message_id"]
    message = _delivered(stack, customer, message_id)
    assert message["carrier_ids"] and message["delivered_at"]
    assert len(_carrier_copies(stack, message_id)) == 1
    balance = _micros(stack.call("GET", "/v1/balance", auth=customer["auth"]).json()["balance"])
    entries = stack.call("GET", "/v1/ledger?limit=200", token=customer["token"]).json()["entries"]
    assert sum(_micros(e["amount"]) for e in entries) == balance
    assert balance == _micros("10.00") - _micros(message["price"])


def _micros(amount: str) -> int:
    return -parse_amount(amount[1:]) if amount.startswith("-") else parse_amount(amount)


def test_the_official_vonage_sdk_sends_through_our_api(stack, customer, vonage_sdk):
    from vonage_sms import SmsMessage
    from vonage_sms.errors import SmsError
    key, secret = customer["auth"]
    client = vonage_sdk(key, secret)
    response = client.sms.send(SmsMessage(to=UK_SDK.lstrip("+"), from_="MsgTraders", text="Hello from the SDK",
                                          client_ref="sdk-1"))
    assert response.message_count == "1"
    message_id = response.messages[0].message_id
    assert response.messages[0].status == "0" and response.messages[0].client_ref == "sdk-1"
    _delivered(stack, customer, message_id)
    copies = _carrier_copies(stack, message_id)
    assert len(copies) == 1 and copies[0]["text"] == "Hello from the SDK"
    with pytest.raises(SmsError, match="error code 4"):
        vonage_sdk(key, "wrong").sms.send(SmsMessage(to=UK_SDK.lstrip("+"), from_="MsgTraders", text="refused"))


def test_signed_webhook_arrives_and_is_retried_after_a_500(stack, customer, ops_token):
    endpoint = Listener(fail_first=1)
    try:
        assert stack.call("PUT", f"/v1/ops/accounts/{customer['account_id']}/webhook", {"url": endpoint.url},
                          token=ops_token).status_code == 200
        secret = stack.call("POST", "/v1/webhook/secret", token=customer["token"]).json()["secret"]
        message_id = stack.call("POST", "/v1/sms", {"to": UK, "text": "webhook me", "from": "MsgTraders"},
                                auth=customer["auth"]).json()["message_id"]
        # Two events (submitted, delivered); whichever POST comes first gets a 500 and is retried.
        hits = wait_for(lambda: [h for h in endpoint.received if h["params"].get("message_id") == message_id],
                         lambda found: len(found) >= 3
                         and {h["params"]["status"] for h in found} == {"submitted", "delivered"}, timeout=60)
        for hit in hits:
            headers = {k.lower(): v for k, v in hit["headers"].items()}
            assert webhook_signing.verify(secret, headers["x-jmc-timestamp"], hit["body"], headers["x-jmc-signature"])
        def attempts():
            deliveries = stack.call("GET", f"/v1/webhook/deliveries?message_id={message_id}",
                                    token=customer["token"]).json()["deliveries"]
            return sorted((d["status"], d["attempts"]) for d in deliveries)
        wait_for(attempts, lambda seen: seen == [("delivered", 1), ("delivered", 2)])
    finally:
        endpoint.close()


def test_blacklisted_numbers_and_countries_never_reach_the_carrier(stack, customer):
    token, app_id = customer["token"], customer["app_id"]
    assert stack.call("POST", "/v1/blacklist/numbers", {"app_id": app_id, "numbers": [UK_BLOCKED]},
                      token=token).status_code == 201
    assert stack.call("POST", "/v1/blacklist/countries", {"app_id": app_id, "country": "DE"},
                      token=token).status_code == 201
    for to in (UK_BLOCKED, "+4915123456789"):
        reply = stack.call("POST", "/v1/sms", {"to": to, "text": "nope", "from": "MsgTraders"}, auth=customer["auth"])
        assert reply.status_code == 422 and reply.json()["error"]["code"] == "recipient_blacklisted"
    vonage_reply = stack.call("POST", "/sms/json", data={"api_key": customer["auth"][0],
                                                         "api_secret": customer["auth"][1],
                                                         "from": "MsgTraders", "to": UK_BLOCKED.lstrip("+"),
                                                         "text": "nope"})
    assert vonage_reply.json()["messages"][0]["status"] == "7"
    time.sleep(1)
    sent = requests.get(f"{stack.info['carrier_url']}/_sim/messages", timeout=5).json()["messages"]
    assert not [m for m in sent if m["to"] in (UK_BLOCKED.lstrip("+"), "4915123456789")]
    blocked = stack.call("GET", f"/v1/messages?to={UK_BLOCKED.replace('+', '%2B')}", auth=customer["auth"]).json()
    assert {m["status"] for m in blocked["messages"]} == {"blocked"} and len(blocked["messages"]) == 2

