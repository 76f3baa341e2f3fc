"""The Vonage client against the carrier simulator, over real HTTP."""
from __future__ import annotations

import logging
import socket
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from carrier_sim import CarrierSimulator
from chalicelib.carrier.vonage import CarrierError, VonageClient, is_gsm7

KEY, SECRET = "client-key", "client-secret-do-not-log"
TO = "+8613800138000"


@pytest.fixture
def sim():
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim):
    carrier = VonageClient(sim.url, KEY, SECRET, base_delay=0.01)
    yield carrier
    carrier.close()


def recorded(sim):
    return requests.get(f"{sim.url}/_sim/messages", timeout=5).json()["messages"]


def configure(sim, **patch):
    requests.put(f"{sim.url}/_sim/config", json=patch, timeout=5).raise_for_status()


def test_send_success(sim, client):
    result = client.send_sms(to=TO, sender="JMC", text="Your code is 123456", client_ref="n-1")

    assert result.accepted
    [part] = result.parts
    assert part.status == "0" and part.price and part.error_text is None
    [row] = recorded(sim)
    assert (row["message-id"], row["to"], row["type"], row["client-ref"]) == \
        (part.message_id, "8613800138000", "text", "n-1")


def test_unicode_chosen_automatically_and_parts_reported(sim, client):
    result = client.send_sms(to=TO, sender="JMC", text="验证码" * 30)

    assert result.accepted and len(result.parts) == 2
    assert {r["type"] for r in recorded(sim)} == {"unicode"}


def test_is_gsm7():
    assert is_gsm7("Hello {world} €5") and not is_gsm7("héllo ✓") and not is_gsm7("中")


def test_non_retryable_refusal_is_returned(sim, client):
    result = client.send_sms(to="12", sender="JMC", text="hi")

    assert not result.accepted
    assert result.parts[0].status == "3" and result.parts[0].error_text
    assert recorded(sim) == []


def test_retries_through_injected_5xx(sim, client):
    configure(sim, fail_next_5xx=2)

    assert client.send_sms(to=TO, sender="JMC", text="hi").accepted
    assert len(recorded(sim)) == 1


def test_exhausted_retries_raise_carrier_error(sim, client, caplog):
    configure(sim, fail_next_5xx=5)

    with caplog.at_level(logging.DEBUG), pytest.raises(CarrierError) as raised:
        client.send_sms(to=TO, sender="JMC", text="hi")

    assert raised.value.http_status == 500 and raised.value.attempts == 3
    assert requests.get(f"{sim.url}/_sim/config", timeout=5).json()["fail_next_5xx"] == 2
    assert recorded(sim) == []
    assert SECRET not in caplog.text and SECRET not in str(raised.value) and SECRET not in repr(client)


def test_connection_errors_are_retried_then_raised():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    carrier = VonageClient(f"http://127.0.0.1:{port}", KEY, SECRET, attempts=2, base_delay=0.01)

    with pytest.raises(CarrierError) as raised:
        carrier.send_sms(to=TO, sender="JMC", text="hi")
    assert raised.value.http_status is None and raised.value.attempts == 2


def test_throttled_then_success(sim):
    configure(sim, throttle_tps=1)
    # Two attempts 1.1 s apart: the first hits the throttle, the second finds the window moved on.
    carrier = VonageClient(sim.url, KEY, SECRET, attempts=2, base_delay=1.1)
    assert carrier.send_sms(to=TO, sender="JMC", text="first").accepted

    assert carrier.send_sms(to=TO, sender="JMC", text="second").accepted
    assert [r["text"] for r in recorded(sim)] == ["first", "second"]


def test_throttled_until_exhausted(sim):
    configure(sim, throttle_tps=1)
    carrier = VonageClient(sim.url, KEY, SECRET, attempts=2, base_delay=0.01)
    carrier.send_sms(to=TO, sender="JMC", text="first")

    with pytest.raises(CarrierError) as raised:
        carrier.send_sms(to=TO, sender="JMC", text="second")
    assert raised.value.status == "1"


class _ToSimulator(HTTPAdapter):
    """Sends the SDK's https://rest.nexmo.com requests to the (plain HTTP) simulator instead."""

    def __init__(self, base_url: str):
        super().__init__()
        self._base_url = base_url

    def send(self, request, **kwargs):
        request.url = request.url.replace("https://rest.nexmo.com", self._base_url, 1)
        return super().send(request, **kwargs)


def test_official_sdk_request_shape_is_accepted(sim):
    """The SDK hard-codes https, so its session is re-pointed (private attribute: test-only).

    What is checked is the request it builds: form body, credentials in a Basic header.
    """
    vonage = pytest.importorskip("vonage")
    from vonage_sms import SmsMessage

    sdk = vonage.Vonage(vonage.Auth(api_key=KEY, api_secret=SECRET))
    sdk.http_client._session.mount("https://rest.nexmo.com", _ToSimulator(sim.url))

    response = sdk.sms.send(SmsMessage(to="8613800138000", from_="JMC", text="from the SDK", client_ref="sdk-1"))

    assert response.messages[0].status == "0"
    assert [(r["text"], r["client-ref"]) for r in recorded(sim)] == [("from the SDK", "sdk-1")]


def test_read_timeout_is_not_retried(sim):
    """The request reached the carrier, which may still take it: a retry could send it twice."""
    configure(sim, latency_ms=300)
    carrier = VonageClient(sim.url, KEY, SECRET, timeout=(1, 0.1), base_delay=0.01)

    with pytest.raises(CarrierError) as raised:
        carrier.send_sms(to=TO, sender="JMC", text="slow")
    assert raised.value.attempts == 1
    # The timed-out submit is still sleeping in the simulator and is recorded when it wakes.
    deadline = time.monotonic() + 2
    while not recorded(sim) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["text"] for r in recorded(sim)] == ["slow"]
