"""POST /v1/sms: accepted, priced, reserved, queued; submitted exactly once; refused
cleanly (4xx naming the field, nothing written or charged)."""
from __future__ import annotations

import pytest

from chalicelib.domain.money import parse_amount
from chalicelib.services.billing import balance_micros
from chalicelib.store.messages import get_message
from tests.service.messaging import (
    UK,
    UK2,
    carrier_messages,
    dispatch_all,
    ledger_sum,
    make_tenant,
    reset_carrier,
    send,
)


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


def test_accepts_prices_reserves_and_queues(client, seeded, app, carrier_sim):
    before = balance_micros(seeded.demo_account_id)
    reply = send(client, seeded)
    assert reply.status == 202, reply
    body = reply.json
    assert set(body) == {"message_id", "to", "country", "segments", "encoding", "price", "status"}
    assert (body["to"], body["country"], body["segments"], body["encoding"], body["status"]) == (
        UK, "GB", 1, "GSM-7", "queued")
    assert parse_amount(body["price"]) == 40_000
    assert balance_micros(seeded.demo_account_id) == before - 40_000
    message = get_message(body["message_id"])
    assert message.status == "queued" and message.billing == "reserved" and message.app_id
    assert carrier_messages(carrier_sim.url) == []  # the API never waits on the carrier

    assert dispatch_all(app) == 1
    sent = carrier_messages(carrier_sim.url, to=UK.lstrip("+"))
    assert len(sent) == 1 and sent[0]["client-ref"] == body["message_id"]
    assert sent[0]["from"] == "JMCDemo" and sent[0]["text"] == "Your code is 123456"
    message = get_message(body["message_id"])
    assert message.status == "submitted" and message.billing == "settled"
    assert len(message.carrier_ids) == 1 and message.submitted_at is not None
    assert ledger_sum(seeded.demo_account_id) == balance_micros(seeded.demo_account_id)


def test_long_unicode_message_is_billed_per_segment(client, seeded, app, carrier_sim):
    text = "你好" * 40  # 80 UCS-2 units: two parts of 67
    reply = send(client, seeded, text=text)
    assert reply.status == 202
    assert reply.json["segments"] == 2 and reply.json["encoding"] == "UCS-2"
    assert parse_amount(reply.json["price"]) == 80_000
    dispatch_all(app)
    message = get_message(reply.json["message_id"])
    assert len(message.carrier_ids) == 2
    assert len(carrier_messages(carrier_sim.url, to=UK.lstrip("+"))) >= 1


def test_domestic_needs_a_bound_signature_and_from(client, seeded, app, carrier_sim):
    refused = send(client, seeded, to="+8613800138000", text="您的验证码是123456")
    assert refused.status == 422 and refused.json["error"]["field"] == "text"
    assert "【锦木科技】" in refused.json["error"]["message"]
    ok = send(client, seeded, to="+8613800138000", text="【锦木科技】您的验证码是123456")
    assert ok.status == 202, ok
    assert ok.json["country"] == "CN" and parse_amount(ok.json["price"]) == 30_000  # account override
    dispatch_all(app)
    sent = carrier_messages(carrier_sim.url, to="8613800138000")
    assert len(sent) == 1 and sent[0]["from"] == "14155550100"
    wrong_from = send(client, seeded, to="+8613800138000", text="【锦木科技】hi", **{"from": "10690000"})
    assert wrong_from.status == 422 and wrong_from.json["error"]["field"] == "from"


@pytest.mark.parametrize("fields, field", [
    ({"to": "+44123"}, "to"),
    ({"to": "not a number"}, "to"),
    ({"to": None}, "to"),
    ({"text": ""}, "text"),
    ({"text": None}, "text"),
    ({"text": "x" * 1531}, "text"),  # 11 GSM-7 parts: over the 10-part limit
    ({"type": "promo"}, "type"),
    ({"from": "Way Too Long Sender"}, "from"),
    ({"to": "+14155550123", "from": "JMCDemo"}, "from"),  # US: numeric senders only
    ({"to": "+5511912345678"}, "to"),  # BR: not on the price list
    ({"client_ref": "r" * 101}, "client_ref"),
    ({"callback_url": "ftp://example.com/x"}, "callback_url"),
])
def test_bad_input_is_refused_naming_the_field_and_charges_nothing(client, seeded, fields, field):
    before = balance_micros(seeded.demo_account_id)
    body = {"to": UK, "text": "hello", **fields}
    body = {k: v for k, v in body.items() if v is not None}
    reply = client.post("/v1/sms", body, basic=(seeded.app_key, seeded.app_secret))
    assert reply.status == 422, reply
    assert reply.json["error"]["field"] == field
    assert balance_micros(seeded.demo_account_id) == before


def test_insufficient_balance_is_402_and_writes_nothing(client, seeded, app, carrier_sim):
    account, key, secret, _ = make_tenant("Empty Co", balance_micros=10_000)
    account_id = account.account_id
    reply = client.post("/v1/sms", {"to": UK, "text": "hi"}, basic=(key, secret))
    assert reply.status == 402 and reply.json["error"]["code"] == "insufficient_balance"
    assert ledger_sum(account_id) == 10_000 == balance_micros(account_id)
    assert dispatch_all(app) == 0


def test_only_applications_send(client, seeded, demo_token):
    assert client.post("/v1/sms", {"to": UK, "text": "hi"}).status == 401
    assert client.post("/v1/sms", {"to": UK, "text": "hi"}, basic=(seeded.app_key, "wrong")).status == 401
    reply = client.post("/v1/sms", {"to": UK, "text": "hi"}, token=demo_token)
    assert reply.status == 403


def test_idempotency_key_replays_and_conflicts(client, seeded, app, carrier_sim):
    before = balance_micros(seeded.demo_account_id)
    first = send(client, seeded, key="order-42")
    again = send(client, seeded, key="order-42")
    assert first.status == again.status == 202
    assert again.json == first.json and again.headers.get("Idempotent-Replayed") == "true"
    other = send(client, seeded, key="order-42", text="another text")
    assert other.status == 409 and other.json["error"]["code"] == "idempotency_conflict"
    assert balance_micros(seeded.demo_account_id) == before - 40_000
    dispatch_all(app)
    assert len(carrier_messages(carrier_sim.url, to=UK.lstrip("+"))) == 1
    third = send(client, seeded, key="order-43")
    assert third.json["message_id"] != first.json["message_id"]


def test_concurrent_sends_never_overdraw(client, seeded):
    """Balance for exactly 5 messages; 12 sends at once: 5 accepted, the rest 402, ledger = balance."""
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.services import sending
    account, _, _, caller = make_tenant("Tight Co", balance_micros=5 * 40_000)

    def attempt(i):
        try:
            sending.accept(caller, sending.SendRequest(to=UK2, text=f"message {i}"))
            return "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what we count
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count("ok") == 5, outcomes
    assert outcomes.count("InsufficientBalance") == 7, outcomes
    assert balance_micros(account.account_id) == 0 == ledger_sum(account.account_id)


def test_a_china_service_code_is_a_from_for_china_only(client, seeded):
    from chalicelib.services import catalog
    code = "10690000123456789012"
    catalog.add_sender(seeded.demo_account_id, {"type": "number", "value": code, "countries": ["CN"]})
    ok = send(client, seeded, to="+8613800138000", text="【锦木科技】您的验证码是123456", **{"from": code})
    assert ok.status == 202, ok
    assert get_message(ok.json["message_id"]).sender == code
    abroad = send(client, seeded, **{"from": code})
    assert (abroad.status, abroad.json["error"]["field"]) == (422, "from")
    assert abroad.json["error"]["message"] == "from must be 3-15 digits when numeric"
    full_width = send(client, seeded, **{"from": "４４７４００１２３４５６"})  # digits, but not ASCII ones
    assert (full_width.status, full_width.json["error"]["field"]) == (422, "from")
