"""The voice call log (通话记录): calls the carrier simulator places on held numbers, recorded
from its signed event webhooks (replayed to the app as the simulator sent them), folded
under duplicates and disorder, made whole by reconciliation when webhooks are lost, listed
with filters and paging per tenant, and exported."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from carrier_sim.config import DEFAULT_CONFIG
from chalicelib import carrier
from chalicelib.carrier import platform_numbers_client
from chalicelib.carrier.voice import VoiceError
from chalicelib.config import settings
from chalicelib.domain.voice_signature import sign_event
from chalicelib.services import voice
from chalicelib.store import calls as call_store
from chalicelib.store.base import transaction, utcnow
from chalicelib.store.numbers import HeldNumber, hold, number_sk
from tests.listener import Listener
from tests.service.helpers import drain_queue
from tests.service.messaging import make_tenant

SECRET = "voice-signing-secret-of-32-bytes-or-more"
APPLICATION = "aaaaaaaa-0000-4000-8000-000000000001"
EVENTS = "/webhooks/vonage/voice/events"


@pytest.fixture
def voice_sim(aws, carrier_sim, monkeypatch):
    """The simulator signs its events with our signature secret and sends them to a
    listener; it knows the platform's voice application; the platform reads its calls."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    monkeypatch.setenv("JMC_DLR_SIGNATURE_SECRET", SECRET)
    monkeypatch.setenv("JMC_CARRIER_VOICE_URL", carrier_sim.url)
    monkeypatch.setenv("JMC_VOICE_APPLICATION_ID", APPLICATION)
    monkeypatch.setenv("JMC_VOICE_PRIVATE_KEY", private)
    settings.cache_clear()
    carrier.reset()
    listener = Listener()
    requests.delete(f"{carrier_sim.url}/_sim/calls", timeout=5).raise_for_status()
    carrier_sim.configure(signature_secret=SECRET, voice_applications={APPLICATION: public},
                          voice_event_url=listener.url, voice_event_delay_ms=0)
    yield listener
    listener.close()
    requests.delete(f"{carrier_sim.url}/_sim/calls", timeout=5).raise_for_status()
    carrier_sim.configure(**DEFAULT_CONFIG)
    numbers = platform_numbers_client()
    for number in numbers.owned(size=100).numbers:
        numbers.cancel(number.country, number.msisdn)
    carrier.reset()


def carrier_number(index: int = 0) -> str:
    """A voice number bought at the simulator ("+" form)."""
    offer = platform_numbers_client().search("GB", features="VOICE", size=10).numbers[index]
    platform_numbers_client().buy(offer.country, offer.msisdn)
    return "+" + offer.msisdn


def held(account_id: str, msisdn: str) -> str:
    number = HeldNumber(account_id, number_sk(msisdn), msisdn=msisdn, country="GB", type="mobile-lvn",
                        features=["SMS", "VOICE"], status="active", monthly_price_micros=1_000_000,
                        carrier_cost="1.00", paid_until=utcnow() + timedelta(days=30), bought_by="test")
    with transaction() as tx:
        hold(tx, number)
    return msisdn


def place(sim, number: str, **call) -> dict:
    reply = requests.post(f"{sim.url}/_sim/calls", json={"number": number, **call}, timeout=5)
    assert reply.status_code == 201, reply.text
    return reply.json()


def sent_events(listener: Listener, count: int) -> list[dict]:
    received = listener.wait(count)
    assert len(received) >= count, received
    return received[:count]


def replay(client, event: dict):
    """Post an event to the app exactly as the simulator posted it (body and signature)."""
    return client.post(EVENTS, raw_body=event["body"], headers={"Authorization": event["headers"]["Authorization"]})


def calls_of(client, token=None, basic=None, query: str = "") -> list[dict]:
    reply = client.get(f"/v1/voice/calls?limit=100{query}", token=token, basic=basic)
    assert reply.status == 200, reply
    return reply.json["calls"]


def demo_account(client, token) -> str:
    return client.get("/v1/me", token=token).json["account"]["id"]


# --- webhooks ---------------------------------------------------------------------------------

def test_the_events_of_a_call_make_one_record_with_its_duration_and_price(client, carrier_sim, voice_sim,
                                                                          demo_token):
    number = held(demo_account(client, demo_token), carrier_number())
    placed = place(carrier_sim, number, direction="inbound", other="14155550100", duration=42)
    events = sent_events(voice_sim, 4)
    for event in events:
        reply = replay(client, event)
        assert reply.status == 200, reply
    (listed,) = calls_of(client, demo_token)
    assert listed["id"] == placed["uuid"]
    assert (listed["number"], listed["from"], listed["to"]) == (number, "+14155550100", number)
    assert (listed["direction"], listed["status"], listed["duration"]) == ("inbound", "completed", 42)
    assert listed["price"] == voice.domain.decimal_text(placed["price"], "price") and listed["currency"] == "EUR"
    assert listed["start_time"] and listed["end_time"] and listed["rate"]
    assert client.get(f"/v1/voice/calls/{placed['uuid']}", token=demo_token).json == listed


def test_duplicate_and_out_of_order_events_fold_into_the_same_record(client, carrier_sim, voice_sim, demo_token):
    number = held(demo_account(client, demo_token), carrier_number())
    placed = place(carrier_sim, number, direction="outbound", other="14155550100", duration=7)
    events = sent_events(voice_sim, 4)
    for event in [events[3], events[1], events[3], events[0], events[2], events[2]]:
        assert replay(client, event).status == 200
    (listed,) = calls_of(client, demo_token)
    assert (listed["id"], listed["status"], listed["duration"]) == (placed["uuid"], "completed", 7)
    assert (listed["number"], listed["from"], listed["to"]) == (number, number, "+14155550100")
    account = demo_account(client, demo_token)
    folded = call_store.get_call(account, placed["uuid"])
    assert folded is not None
    for event in events:  # everything again: nothing is written
        assert replay(client, event).status == 200
    again = call_store.get_call(account, placed["uuid"])
    assert again is not None and again.version == folded.version and again.record == folded.record
    assert folded.first_seen < folded.start_time  # the started event's time, kept from the late event
    assert folded.tkey == f"{listed['start_time'][:23]}Z#{placed['uuid']}"  # listed by its start once known


def test_a_bad_or_missing_signature_is_401_and_writes_nothing(client, carrier_sim, voice_sim, demo_token):
    number = held(demo_account(client, demo_token), carrier_number())
    place(carrier_sim, number, duration=5)
    event = sent_events(voice_sim, 4)[-1]
    body = event["body"]
    tampered = body.replace(b'"duration": "5"', b'"duration": "500"').replace(b'"duration":"5"', b'"duration":"500"')
    assert tampered != body
    forged = sign_event(body, "not-the-secret-but-just-as-long-as-it", api_key="k", application_id=APPLICATION)
    for headers, raw in (({}, body), ({"Authorization": event["headers"]["Authorization"]}, tampered),
                         ({"Authorization": f"Bearer {forged}"}, body), ({"Authorization": "Basic eDp5"}, body)):
        reply = client.post(EVENTS, raw_body=raw, headers=headers)
        assert reply.status == 401 and reply.json["error"]["code"] == "invalid_signature", reply
    assert calls_of(client, demo_token) == []


def test_without_a_configured_secret_every_event_is_refused(client, carrier_sim, voice_sim, demo_token, monkeypatch):
    number = held(demo_account(client, demo_token), carrier_number())
    place(carrier_sim, number, duration=5)
    event = sent_events(voice_sim, 4)[-1]
    monkeypatch.delenv("JMC_DLR_SIGNATURE_SECRET")
    settings.cache_clear()
    carrier.reset()
    assert replay(client, event).status == 401
    assert calls_of(client, demo_token) == []


def test_a_call_on_a_number_nobody_holds_is_acknowledged_and_dropped(client, carrier_sim, voice_sim, demo_token):
    number = carrier_number()  # bought at the carrier, held by no account
    place(carrier_sim, number, duration=5)
    for event in sent_events(voice_sim, 4):
        assert replay(client, event).status == 200
    assert calls_of(client, demo_token) == []
    assert voice.reconcile()["dropped"] == 1


def test_an_event_that_is_not_a_call_status_is_acknowledged(client, voice_sim, demo_token):
    body = json.dumps({"uuid": "u-1", "status": "transfer", "direction": "inbound"}).encode()
    token = sign_event(body, SECRET, api_key="platform-key", application_id=APPLICATION)
    assert client.post(EVENTS, raw_body=body, headers={"Authorization": f"Bearer {token}"}).status == 200
    assert calls_of(client, demo_token) == []


# --- reconciliation ---------------------------------------------------------------------------

def test_a_call_whose_webhooks_were_all_lost_appears_after_reconciliation(client, carrier_sim, voice_sim,
                                                                         demo_token):
    number = held(demo_account(client, demo_token), carrier_number())
    placed = place(carrier_sim, number, duration=30, lose_webhooks=True)
    assert calls_of(client, demo_token) == []
    outcome = voice.reconcile()
    assert (outcome["calls"], outcome["recorded"], outcome["moved"]) == (1, 1, True)
    (listed,) = calls_of(client, demo_token)
    assert (listed["id"], listed["status"], listed["duration"]) == (placed["uuid"], "completed", 30)
    assert listed["price"] == voice.domain.decimal_text(placed["price"], "price")
    again = voice.reconcile()  # the same call read again through the overlap: nothing changes
    assert (again["calls"], again["recorded"], again["updated"], again["moved"]) == (1, 0, 0, True)
    assert call_store.watermark(voice.WATERMARK) is not None


def test_reconciliation_completes_what_the_webhooks_left_half_told(client, carrier_sim, voice_sim, demo_token):
    number = held(demo_account(client, demo_token), carrier_number())
    placed = place(carrier_sim, number, duration=12, drop_events=["completed"])
    for event in sent_events(voice_sim, 3):
        assert replay(client, event).status == 200
    assert calls_of(client, demo_token)[0]["status"] == "answered"
    assert voice.reconcile()["updated"] == 1
    (listed,) = calls_of(client, demo_token)
    assert (listed["id"], listed["status"], listed["duration"]) == (placed["uuid"], "completed", 12)


def test_a_pass_that_fails_leaves_the_watermark(client, carrier_sim, voice_sim, demo_token):
    before = call_store.watermark(voice.WATERMARK)
    carrier_sim.configure(fail_next_5xx=5)  # more than the client's retries
    with pytest.raises(VoiceError):
        voice.reconcile()
    carrier_sim.configure(fail_next_5xx=0)
    assert call_store.watermark(voice.WATERMARK) == before


# --- tenancy, filters, paging -----------------------------------------------------------------

def test_another_tenants_calls_are_404_and_never_listed(client, carrier_sim, voice_sim, demo_token, ops_token):
    number = held(demo_account(client, demo_token), carrier_number())
    placed = place(carrier_sim, number, duration=5, lose_webhooks=True)
    voice.reconcile()
    _, key, secret, _ = make_tenant("Other Co")
    assert calls_of(client, basic=(key, secret)) == []
    assert client.get(f"/v1/voice/calls/{placed['uuid']}", basic=(key, secret)).status == 404
    assert client.get("/v1/voice/calls/no-such-call", token=demo_token).status == 404
    assert client.get("/v1/voice/calls", token=ops_token).status == 403
    assert client.get("/v1/voice/calls").status == 401


def test_filters_and_paging_newest_first(client, carrier_sim, voice_sim, demo_token):
    account = demo_account(client, demo_token)
    first, second = held(account, carrier_number(0)), held(account, carrier_number(1))
    now = utcnow().replace(microsecond=0)
    placed = []
    for minutes, number, direction, outcome in ((50, first, "inbound", "completed"), (40, first, "outbound", "busy"),
                                                (30, second, "inbound", "completed"),
                                                (20, second, "outbound", "completed"),
                                                (10, first, "inbound", "unanswered")):
        start = (now - timedelta(minutes=minutes)).isoformat()
        placed.append(place(carrier_sim, number, direction=direction, outcome=outcome, duration=5,
                            start_time=start, lose_webhooks=True)["uuid"])
    voice.reconcile()
    newest_first = list(reversed(placed))
    assert [c["id"] for c in calls_of(client, demo_token)] == newest_first

    seen, cursor = [], ""
    while True:
        reply = client.get(f"/v1/voice/calls?limit=2&cursor={cursor}", token=demo_token)
        assert reply.status == 200 and len(reply.json["calls"]) <= 2
        seen += [c["id"] for c in reply.json["calls"]]
        cursor = reply.json["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first

    def ids(query: str) -> list[str]:
        return [c["id"] for c in calls_of(client, demo_token, query=query)]
    assert ids("&direction=inbound") == [placed[4], placed[2], placed[0]]
    assert ids("&status=completed&direction=outbound") == [placed[3]]
    assert ids(f"&number={second.replace('+', '%2B')}") == [placed[3], placed[2]]
    assert ids(f"&number=00{first[1:]}&status=busy") == [placed[1]]
    start = (now - timedelta(minutes=45)).isoformat().replace("+00:00", "Z")
    end = (now - timedelta(minutes=15)).isoformat().replace("+00:00", "Z")
    assert ids(f"&start={start}&end={end}") == [placed[3], placed[2], placed[1]]

    first_page = client.get("/v1/voice/calls?limit=1", token=demo_token).json
    other = client.get(f"/v1/voice/calls?limit=1&direction=inbound&cursor={first_page['next_cursor']}",
                       token=demo_token)
    assert other.status == 400 and other.json["error"]["field"] == "cursor"


@pytest.mark.parametrize(("query", "field", "status"), [
    ("direction=sideways", "direction", 422), ("status=lost", "status", 422), ("number=call-me", "number", 422),
    ("start=yesterday", "start", 422), ("start=2026-12-02&end=2026-12-01", "end", 422), ("limit=101", "limit", 400),
    ("cursor=nonsense", "cursor", 400),
])
def test_bad_filters_name_the_field(client, demo_token, query, field, status):
    reply = client.get(f"/v1/voice/calls?{query}", token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field, reply


# --- export -----------------------------------------------------------------------------------

def test_the_export_holds_the_calls_the_filters_select(client, app, carrier_sim, voice_sim, demo_token):
    number = held(demo_account(client, demo_token), carrier_number())
    inbound = place(carrier_sim, number, direction="inbound", other="14155550100", duration=61, lose_webhooks=True)
    place(carrier_sim, number, direction="outbound", duration=5, lose_webhooks=True)
    voice.reconcile()
    reply = client.post("/v1/exports", {"type": "voice_calls", "format": "csv", "lang": "en",
                                        "filters": {"direction": "inbound"}}, token=demo_token)
    assert reply.status == 202, reply
    drain_queue(app, "exports")
    body = client.get(f"/v1/exports/{reply.json['export_id']}", token=demo_token).json
    assert body["status"] == "succeeded" and body["rows"] == 1, body
    assert body["filters"]["direction"] == "inbound"
    rows = list(csv.reader(io.StringIO(requests.get(body["download_url"], timeout=10).content.decode("utf-8-sig"))))
    assert rows[0] == ["Call ID", "Number", "From", "To", "Direction", "Status", "Start time", "End time",
                       "Duration (s)", "Rate", "Price", "Currency"]
    assert rows[1][:6] == [inbound["uuid"], number, "+14155550100", number, "Inbound", "Completed"]
    assert rows[1][8:] == ["61", voice.domain.decimal_text(inbound["rate"], "rate"),
                           voice.domain.decimal_text(inbound["price"], "price"), "EUR"]
    bad = client.post("/v1/exports", {"type": "voice_calls", "format": "csv", "filters": {"direction": "up"}},
                      token=demo_token)
    assert bad.status == 422 and bad.json["error"]["field"] == "filters.direction"
