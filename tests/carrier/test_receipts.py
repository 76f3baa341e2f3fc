"""The simulator's delivery receipts: Vonage's DLR format, one per segment, to the
callback after the delay; outcomes per country and per number; signed when asked."""
from __future__ import annotations

import time

import pytest
import requests

from tests.listener import Listener
from tests.carrier.test_simulator import configure, recorded, sim, submit  # noqa: F401 - fixture

GB, SG = "447400123456", "6591234567"


@pytest.fixture
def listener():
    endpoint = Listener()
    yield endpoint
    endpoint.close()


def test_one_receipt_per_segment_after_the_delay(sim, listener):
    configure(sim, dlr_delay_ms=300)
    start = time.monotonic()
    answer = submit(sim, to=GB, text="x" * 200, callback=listener.url, **{"client-ref": "msg_1"})
    received = listener.wait(2)
    assert len(received) == 2 and all(r["at"] - start >= 0.3 for r in received)
    ids = {m["message-id"] for m in answer["messages"]}
    assert {r["params"]["messageId"] for r in received} == ids
    receipt = received[0]["params"]
    assert receipt["status"] == "delivered" and receipt["err-code"] == "0" and receipt["msisdn"] == GB
    assert receipt["client-ref"] == "msg_1" and receipt["to"] == "JMC"
    assert set(receipt) >= {"network-code", "price", "scts", "api-key", "message-timestamp"}


def test_outcomes_per_country_and_per_number_and_get_method(sim, listener):
    configure(sim, dlr_delay_ms=0, dlr_url=listener.url, dlr_method="GET",
              outcomes={"default": {"delivered": 1.0}, "SG": {"failed": 1.0}},
              number_outcomes={"447400000001": "expired"})
    submit(sim, to=GB)
    submit(sim, to=SG)
    submit(sim, to="447400000001")
    received = {r["params"]["msisdn"]: r for r in listener.wait(3)}
    assert received[GB]["params"]["status"] == "delivered" and received[GB]["method"] == "GET"
    assert (received[SG]["params"]["status"], received[SG]["params"]["err-code"]) == ("failed", "6")
    assert received["447400000001"]["params"]["status"] == "expired"


def test_rates_are_drawn_with_the_seed(sim):
    configure(sim, outcomes={"default": {"delivered": 0.5, "failed": 0.5}}, seed=7)
    for _ in range(40):
        submit(sim, to=GB)
    statuses = [r["status"] for r in requests.get(f"{sim.url}/_sim/receipts", timeout=5).json()["receipts"]]
    assert len(statuses) == 40 and 5 < statuses.count("failed") < 35


def test_receipts_are_signed_like_vonage(sim, listener):
    from vonage_http_client.auth import Auth
    configure(sim, dlr_delay_ms=0, signature_secret="sim-signing")
    submit(sim, to=GB, callback=listener.url)
    params = listener.wait(1)[0]["params"]
    checker = Auth(api_key=KEY_FOR_SDK, signature_secret="sim-signing", signature_method="sha256")
    assert checker.check_signature(dict(params))
    assert not checker.check_signature({**params, "status": "failed"})


KEY_FOR_SDK = "sim-key"


def test_failed_callbacks_are_retried(sim):
    endpoint = Listener(fail_first=2)
    try:
        configure(sim, dlr_delay_ms=0)
        submit(sim, to=GB, callback=endpoint.url)
        assert len(endpoint.wait(3, timeout=5)) == 3
    finally:
        endpoint.close()


def test_partial_rejection_at_submit(sim):
    configure(sim, reject={GB: {"status": "7", "from_part": 2}})
    answer = submit(sim, to=GB, text="y" * 300)
    assert [m["status"] for m in answer["messages"]] == ["0", "7"]
    assert len(recorded(sim, to=GB)) == 1


def test_kept_receipts_and_listing_filters(sim):
    submit(sim, to=GB, **{"client-ref": "a"})
    submit(sim, to=SG, **{"client-ref": "b"})
    assert [m["to"] for m in recorded(sim, **{"client-ref": "b"})] == [SG]
    assert len(requests.get(f"{sim.url}/_sim/receipts", timeout=5).json()["receipts"]) == 2
    requests.delete(f"{sim.url}/_sim/messages", timeout=5)
    assert requests.get(f"{sim.url}/_sim/receipts", timeout=5).json()["receipts"] == []
