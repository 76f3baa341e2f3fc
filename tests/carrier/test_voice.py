"""The simulator's Voice API over real HTTP: call records read by the official SDK and by our
``VoiceClient`` (filters, paging, one call, 404), application JWTs as Vonage checks them,
and each call's event webhooks (order, signature, drops and repeats, where they go)."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from carrier_sim import CarrierSimulator
from chalicelib.carrier.voice import VoiceClient, VoiceError
from chalicelib.domain.voice_signature import verify_event
from tests.carrier.sim import KEY, SECRET, configure
from tests.listener import Listener

APP_ID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
NUMBER, OTHER_NUMBER = "447400100000", "447400100001"  # GB voice+SMS mobiles of the simulator's inventory
CALLER = "447700900123"
SIGNING_SECRET = "voice-signature-secret-of-the-sim-account"  # Vonage's are 32+ characters
EVENT_KEYS = {"from", "to", "uuid", "conversation_uuid", "status", "direction", "timestamp"}


def key_pair() -> tuple[str, str]:
    """(private PKCS#8 PEM, public PEM): the SDK takes only ``BEGIN PRIVATE KEY`` text."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_pem, public_pem


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return key_pair()


def own(sim, msisdn: str, **changes) -> None:
    """Buy a GB number through the simulator's Numbers API and set ``changes`` on it."""
    for action, extra in (("buy", {}), ("update", changes)):
        if action == "update" and not changes:
            return
        answer = requests.post(f"{sim.url}/number/{action}", timeout=5,
                               data={"api_key": KEY, "api_secret": SECRET, "country": "GB", "msisdn": msisdn, **extra})
        assert answer.status_code == 200, answer.text


def start_voice_sim(keys, **simulator_args) -> CarrierSimulator:
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET, **simulator_args).start()
    simulator.configure(voice_applications={APP_ID: keys[1]}, voice_event_delay_ms=0)
    own(simulator, NUMBER)
    return simulator


@pytest.fixture
def sim(keys):
    simulator = start_voice_sim(keys)
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim, keys):
    voice = VoiceClient(sim.url, APP_ID, keys[0], base_delay=0.01)
    yield voice
    voice.close()


@pytest.fixture
def listener():
    endpoint = Listener()
    yield endpoint
    endpoint.close()


def place(sim, **fields) -> dict:
    body = {"number": NUMBER, "other": CALLER, **fields}
    answer = requests.post(f"{sim.url}/_sim/calls", json=body, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()


def sim_calls(sim) -> dict[str, dict]:
    return {c["uuid"]: c for c in requests.get(f"{sim.url}/_sim/calls", timeout=5).json()["calls"]}


def settled(sim, call_uuid: str, timeout: float = 3) -> dict:
    """The call's ``/_sim/calls`` row once none of its webhooks is pending."""
    deadline = time.monotonic() + timeout
    while True:
        row = sim_calls(sim)[call_uuid]
        if all(w["state"] != "pending" for w in row["webhooks"]) or time.monotonic() > deadline:
            return row
        time.sleep(0.02)


def at(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def place_history(sim) -> list[dict]:
    """Three calls an hour, 40 and 20 minutes ago: completed, busy, completed."""
    return [place(sim, start_time=at(60), duration=30), place(sim, start_time=at(40), outcome="busy"),
            place(sim, direction="outbound", start_time=at(20), duration=125)]


def app_jwt(private_pem: str, **claims) -> str:
    issued = int(time.time())
    payload = {"application_id": APP_ID, "iat": issued, "jti": "j-1", "exp": issued + 900, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, private_pem, algorithm="RS256")


# --- the official SDK ------------------------------------------------------------------------------

@pytest.fixture
def tls_sim(keys, tmp_path, monkeypatch):
    """The simulator over https: the SDK builds ``https://{api_host}{path}`` and nothing else.
    ``HttpClientOptions(api_host="127.0.0.1:<port>")`` points it here and requests trusts the
    local CA through ``REQUESTS_CA_BUNDLE`` (devstack.tls makes both)."""
    from devstack import tls
    local_tls = tls.create(tmp_path / "tls")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(local_tls.ca_bundle))
    simulator = start_voice_sim(keys, tls=local_tls.server_context())
    yield simulator
    simulator.stop()


def sdk_for(sim, private_pem: str):
    vonage = pytest.importorskip("vonage")
    host = sim.url.removeprefix("https://")
    return vonage.Vonage(vonage.Auth(application_id=APP_ID, private_key=private_pem),
                         vonage.HttpClientOptions(api_host=host, max_retries=0))


def test_official_sdk_lists_pages_filters_and_gets_calls(tls_sim, keys):
    from vonage_voice import ListCallsFilter
    first, busy, last = place_history(tls_sim)
    sdk = sdk_for(tls_sim, keys[0])

    calls, next_index = sdk.voice.list_calls(ListCallsFilter(page_size=1, record_index=0))
    assert [c.uuid for c in calls] == [first["uuid"]] and next_index == 1
    calls, next_index = sdk.voice.list_calls(ListCallsFilter(page_size=1, record_index=2))
    assert [c.uuid for c in calls] == [last["uuid"]] and next_index is None  # no next link on the last page

    completed, _ = sdk.voice.list_calls(ListCallsFilter(status="completed", order="desc"))
    assert [c.uuid for c in completed] == [last["uuid"], first["uuid"]]
    recent, _ = sdk.voice.list_calls(ListCallsFilter(date_start=at(50).replace("+00:00", "Z")))
    assert [c.uuid for c in recent] == [busy["uuid"], last["uuid"]]
    none, _ = sdk.voice.list_calls(ListCallsFilter(conversation_uuid="CON-none"))
    assert none == []  # _embedded.calls is there even when empty, or the SDK would fail

    call = sdk.voice.get_call(last["uuid"])
    assert (call.status, call.direction, call.from_.number, call.to.number) == \
        ("completed", "outbound", NUMBER, CALLER)
    assert (call.duration, call.rate, call.price) == ("125", "0.01200000", "0.02500000")
    assert call.link == f"/v1/calls/{last['uuid']}" and call.network
    assert call.conversation_uuid.startswith("CON-")
    start, end = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (call.start_time, call.end_time))
    assert end - start == timedelta(seconds=125)
    busy_call = sdk.voice.get_call(busy["uuid"])
    assert busy_call.status == "busy" and busy_call.price is None and busy_call.end_time


def test_official_sdk_with_a_key_the_simulator_does_not_know_is_refused(tls_sim):
    from vonage_http_client.errors import AuthenticationError
    with pytest.raises(AuthenticationError) as raised:
        sdk_for(tls_sim, key_pair()[0]).voice.list_calls()
    assert raised.value.response.json() == {"type": "UNAUTHORIZED", "error_title": "Unauthorized"}


def test_official_sdk_unknown_call_is_not_found(tls_sim, keys):
    from vonage_http_client.errors import NotFoundError
    with pytest.raises(NotFoundError):
        sdk_for(tls_sim, keys[0]).voice.get_call("00000000-0000-0000-0000-000000000000")


# --- our VoiceClient -------------------------------------------------------------------------------

def test_client_lists_with_filters_and_pages(sim, client):
    first, busy, last = place_history(sim)

    page = client.calls(page_size=2)
    assert (page.count, page.record_index, page.page_size) == (3, 0, 2)
    assert [c.uuid for c in page.calls] == [first["uuid"], busy["uuid"]]
    rest = client.calls(page_size=2, record_index=2)
    assert [c.uuid for c in rest.calls] == [last["uuid"]] and rest.record_index == 2

    window = client.calls(date_start=datetime.now(UTC) - timedelta(minutes=50),
                          date_end=datetime.now(UTC) - timedelta(minutes=30))
    assert [c.uuid for c in window.calls] == [busy["uuid"]] and window.count == 1
    assert [c.uuid for c in client.calls(status="completed", order="desc").calls] == [last["uuid"], first["uuid"]]
    assert client.calls(status="failed").calls == []


def test_client_reads_one_call(sim, client):
    placed = place(sim, direction="inbound", duration=90)

    call = client.call(placed["uuid"])
    assert (call.uuid, call.status, call.direction, call.from_number, call.to_number) == \
        (placed["uuid"], "completed", "inbound", CALLER, NUMBER)
    assert (call.duration, call.rate, call.price) == (90, "0.01200000", "0.01800000")
    assert call.end_time - call.start_time == timedelta(seconds=90)
    assert call.start_time.tzinfo is not None and call.conversation_uuid == placed["conversation_uuid"]


def test_client_unknown_call_is_a_404_voice_error(sim, client):
    with pytest.raises(VoiceError) as raised:
        client.call("no-such-call")
    assert raised.value.http_status == 404 and raised.value.attempts == 1


def test_client_retries_5xx_then_gives_up_without_leaking_the_key(sim, client, keys, caplog):
    configure(sim, fail_next_5xx=2)
    assert client.calls().count == 0

    configure(sim, fail_next_5xx=5)
    with caplog.at_level(logging.DEBUG), pytest.raises(VoiceError) as raised:
        client.calls()
    assert raised.value.http_status == 500 and raised.value.attempts == 3
    key_body = keys[0].splitlines()[1]
    assert key_body not in caplog.text and key_body not in repr(client) and key_body not in str(raised.value)


def test_client_with_a_wrong_key_gets_401(sim):
    voice = VoiceClient(sim.url, APP_ID, key_pair()[0])
    with pytest.raises(VoiceError) as raised:
        voice.calls()
    assert raised.value.http_status == 401


# --- application JWTs ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [
    "no header", "basic credentials", "not a jwt", "wrong key", "expired", "no exp, issued 20 minutes ago",
    "unknown application", "no jti", "unsigned (alg none)",
])
def test_requests_without_a_valid_application_jwt_get_401(sim, keys, case):
    stale = int(time.time()) - 1200
    unsigned = jwt.encode({"application_id": APP_ID, "iat": int(time.time()), "jti": "x"}, "", algorithm="none")
    headers = {
        "no header": None,
        "basic credentials": "Basic c2ltLWtleTpzaW0tc2VjcmV0",
        "not a jwt": "Bearer not-a-jwt",
        "wrong key": f"Bearer {app_jwt(key_pair()[0])}",
        "expired": f"Bearer {app_jwt(keys[0], iat=stale, exp=stale + 900)}",
        "no exp, issued 20 minutes ago": f"Bearer {app_jwt(keys[0], iat=stale, exp=None)}",
        "unknown application": f"Bearer {app_jwt(keys[0], application_id='other-app')}",
        "no jti": f"Bearer {app_jwt(keys[0], jti=None)}",
        "unsigned (alg none)": f"Bearer {unsigned}",
    }
    header = headers[case]
    for path in ("/v1/calls", "/v1/calls/some-uuid"):
        answer = requests.get(f"{sim.url}{path}", headers={"Authorization": header} if header else {}, timeout=5)
        assert answer.status_code == 401
        assert answer.json() == {"type": "UNAUTHORIZED", "error_title": "Unauthorized"}


def test_a_valid_jwt_without_exp_is_accepted_within_15_minutes(sim, keys):
    answer = requests.get(f"{sim.url}/v1/calls", headers={"Authorization": f"Bearer {app_jwt(keys[0], exp=None)}"},
                          timeout=5)
    assert answer.status_code == 200
    assert answer.json()["_embedded"] == {"calls": []} and answer.json()["count"] == 0


def test_bad_list_parameters_are_400_naming_the_parameter(sim, keys):
    headers = {"Authorization": f"Bearer {app_jwt(keys[0])}"}
    for query, name in (("page_size=101", "page_size"), ("order=sideways", "order"), ("status=lost", "status"),
                        ("date_start=yesterday", "date_start"), ("record_index=-1", "record_index")):
        answer = requests.get(f"{sim.url}/v1/calls?{query}", headers=headers, timeout=5)
        assert answer.status_code == 400
        assert answer.json()["invalid_parameters"][0]["name"] == name


def test_config_refuses_a_voice_application_key_that_is_not_a_public_key_pem(sim):
    answer = requests.put(f"{sim.url}/_sim/config", json={"voice_applications": {APP_ID: "not a key"}}, timeout=5)
    assert answer.status_code == 400 and "voice_applications" in answer.json()["error"]


# --- event webhooks --------------------------------------------------------------------------------

def events_of(received: list[dict]) -> list[str]:
    return [r["params"]["status"] for r in received]


def test_events_arrive_in_order_signed_and_verifiable(sim, listener):
    configure(sim, voice_event_url=listener.url, signature_secret=SIGNING_SECRET, voice_event_delay_ms=50)
    placed = place(sim, duration=42)

    received = listener.wait(4)
    assert events_of(received) == ["started", "ringing", "answered", "completed"]
    assert all(r["params"]["uuid"] == placed["uuid"] for r in received)
    assert [r["at"] for r in received] == sorted(r["at"] for r in received)
    started, completed = received[0]["params"], received[-1]["params"]
    assert set(started) == EVENT_KEYS
    assert (started["from"], started["to"], started["direction"]) == (CALLER, NUMBER, "inbound")
    assert (completed["duration"], completed["rate"], completed["price"]) == ("42", "0.01200000", "0.00840000")
    assert completed["start_time"] and completed["end_time"] and completed["network"]
    for event in received:
        authorization = event["headers"]["Authorization"]
        assert verify_event(authorization, event["body"], SIGNING_SECRET)
        assert not verify_event(authorization, event["body"] + b" ", SIGNING_SECRET)
        assert not verify_event(authorization, event["body"], "another-signature-secret-32-characters")
        claims = jwt.decode(authorization.removeprefix("Bearer "), SIGNING_SECRET, algorithms=["HS256"])
        assert (claims["iss"], claims["api_key"], claims["application_id"]) == ("Vonage", KEY, APP_ID)
    assert {w["state"] for w in settled(sim, placed["uuid"])["webhooks"]} == {"delivered"}


def test_the_official_sdk_verifies_the_event_signature(sim, listener):
    vonage = pytest.importorskip("vonage")
    configure(sim, voice_event_url=listener.url, signature_secret=SIGNING_SECRET)
    place(sim, outcome="failed")

    [started, failed] = listener.wait(2)
    sdk = vonage.Vonage(vonage.Auth(api_key=KEY, api_secret=SECRET))
    token = failed["headers"]["Authorization"].removeprefix("Bearer ")
    assert sdk.voice.verify_signature(token, SIGNING_SECRET)
    assert not sdk.voice.verify_signature(token, "not-the-signature-secret-32-characters")
    assert (failed["params"]["status"], failed["params"]["detail"]) == ("failed", "cannot_route")


def test_the_numbers_status_callback_wins_over_voice_event_url(sim, listener):
    elsewhere = Listener()
    try:
        configure(sim, voice_event_url=elsewhere.url)
        own(sim, OTHER_NUMBER, voiceStatusCallback=listener.url)
        place(sim, number=OTHER_NUMBER, outcome="busy")

        assert events_of(listener.wait(3)) == ["started", "ringing", "busy"]
        time.sleep(0.1)
        assert elsewhere.received == []
    finally:
        elsewhere.close()


def test_dropped_events_are_never_sent_but_the_record_moves_on(sim, listener, client):
    configure(sim, voice_event_url=listener.url)
    placed = place(sim, drop_events=["completed"])

    row = settled(sim, placed["uuid"])
    assert [(w["status"], w["state"]) for w in row["webhooks"]] == \
        [("started", "delivered"), ("ringing", "delivered"), ("answered", "delivered"), ("completed", "dropped")]
    assert events_of(listener.received) == ["started", "ringing", "answered"]
    assert client.call(placed["uuid"]).status == "completed"  # what reconciliation finds


def test_lost_webhooks_send_nothing(sim, listener, client):
    configure(sim, voice_event_url=listener.url)
    placed = place(sim, lose_webhooks=True, outcome="unanswered")

    assert {w["state"] for w in settled(sim, placed["uuid"])["webhooks"]} == {"dropped"}
    assert listener.received == []
    assert client.call(placed["uuid"]).status == "unanswered"


def test_events_out_of_order_and_twice_as_asked(sim, listener):
    configure(sim, voice_event_url=listener.url)
    order = ["started", "completed", "ringing", "answered", "completed"]
    placed = place(sim, send_order=order)

    assert events_of(listener.wait(5)) == order
    first, repeat = (r["params"] for r in listener.received if r["params"]["status"] == "completed")
    assert first == repeat and first["uuid"] == placed["uuid"]  # a repeat is the same event


def test_a_failing_callback_is_retried_and_the_next_event_waits(sim):
    flaky = Listener(fail_first=1)
    try:
        configure(sim, voice_event_url=flaky.url)
        placed = place(sim, outcome="rejected")

        assert events_of(flaky.wait(3)) == ["started", "started", "rejected"]
        assert [w["attempts"] for w in settled(sim, placed["uuid"])["webhooks"]] == [2, 1]
    finally:
        flaky.close()


def test_events_with_nowhere_to_go_are_kept(sim):
    placed = place(sim, outcome="timeout")

    assert {w["state"] for w in settled(sim, placed["uuid"])["webhooks"]} == {"kept"}
    kept = requests.get(f"{sim.url}/_sim/voice-events", timeout=5).json()["events"]
    assert [(e["uuid"], e["status"]) for e in kept] == [(placed["uuid"], s) for s in ("started", "ringing", "timeout")]


def test_the_record_follows_the_events_as_they_fall_due(sim, client):
    configure(sim, voice_event_delay_ms=300)
    placed = place(sim)

    assert client.call(placed["uuid"]).status == "started"
    early = client.call(placed["uuid"])
    assert early.price is None and early.duration is None and early.end_time is None
    time.sleep(1.4)
    assert client.call(placed["uuid"]).status == "completed"


# --- placing calls ---------------------------------------------------------------------------------

def test_price_is_the_countrys_per_minute_rate_per_second_and_charged(sim, client):
    configure(sim, voice_rates={"default": "0.01200000", "US": "0.06000000"}, balance="1.00")
    outbound = place(sim, direction="outbound", other="+12015550123", duration=90)

    call = client.call(outbound["uuid"])
    assert (call.rate, call.price) == ("0.06000000", "0.09000000")
    assert requests.get(f"{sim.url}/_sim/config", timeout=5).json()["balance"] == "0.91000000"


def test_a_call_the_balance_cannot_pay_fails(sim, client):
    configure(sim, balance="0")
    placed = place(sim, duration=60)
    assert client.call(placed["uuid"]).status == "failed"


@pytest.mark.parametrize("body, problem", [
    ({"number": "447400100099"}, "not one of the account's numbers"),
    ({"number": NUMBER, "outcome": "exploded"}, "outcome"),
    ({"number": NUMBER, "direction": "sideways"}, "direction"),
    ({"number": NUMBER, "outcome": "busy", "drop_events": ["answered"]}, "no answered event"),
    ({"number": NUMBER, "duration": -1}, "duration"),
    ({}, "number"),
])
def test_placing_refuses_what_cannot_happen(sim, body, problem):
    answer = requests.post(f"{sim.url}/_sim/calls", json=body, timeout=5)
    assert answer.status_code == 400 and problem in answer.json()["error"]
    assert sim_calls(sim) == {}


def test_background_calls_on_voice_numbers(sim, client):
    configure(sim, seed=7, voice_outcomes={"completed": 1.0}, voice_calls_per_minute=600)
    deadline = time.monotonic() + 3
    while client.calls().count < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    configure(sim, voice_calls_per_minute=0)

    calls = client.calls().calls
    assert len(calls) >= 3
    assert all(NUMBER in (c.from_number, c.to_number) for c in calls)


def test_clearing_forgets_calls(sim, client):
    place(sim)
    requests.delete(f"{sim.url}/_sim/calls", timeout=5).raise_for_status()
    assert client.calls().count == 0


# --- the platform's client -------------------------------------------------------------------------

def test_platform_voice_client_signs_as_the_configured_application(sim, keys, monkeypatch):
    from chalicelib import carrier
    from chalicelib.config import settings
    monkeypatch.setenv("JMC_CARRIER_API_KEY", KEY)
    monkeypatch.setenv("JMC_CARRIER_API_SECRET", SECRET)
    monkeypatch.setenv("JMC_CARRIER_VOICE_URL", sim.url)
    monkeypatch.setenv("JMC_VOICE_APPLICATION_ID", APP_ID)
    monkeypatch.setenv("JMC_VOICE_PRIVATE_KEY", keys[0])
    settings.cache_clear()
    carrier.reset()
    try:
        placed = place(sim)
        voice = carrier.platform_voice_client()
        assert voice is carrier.platform_voice_client()  # one keep-alive client per process
        assert voice.call(placed["uuid"]).status == "completed"
        assert keys[0].splitlines()[1] not in repr(voice)
    finally:
        carrier.reset()
        monkeypatch.undo()
        settings.cache_clear()
