"""The simulator's delivery receipts over real HTTP: Vonage's DLR format, one per segment,
to the callback (or ``dlr_url``) after the delay, POST JSON or GET; outcomes per country and
per number; retries; signatures checked with the official SDK; kept when there is no URL."""
from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time

import pytest
import requests

from carrier_sim import CarrierSimulator
from tests.carrier.sim import KEY, SECRET, configure, recorded, submit
from tests.listener import Listener

GB, SG = "447400123456", "6591234567"
RECEIPT_KEYS = {"msisdn", "to", "network-code", "messageId", "price", "status", "scts", "err-code", "api-key",
                "message-timestamp"}


@pytest.fixture
def listener():
    endpoint = Listener()
    yield endpoint
    endpoint.close()


def kept(sim) -> list[dict]:
    return requests.get(f"{sim.url}/_sim/receipts", timeout=5).json()["receipts"]


def by_number(received: list[dict]) -> dict[str, dict]:
    return {r["params"]["msisdn"]: r["params"] for r in received}


def test_one_receipt_per_segment_after_the_delay(sim, listener):
    configure(sim, dlr_delay_ms=300)
    start = time.monotonic()
    answer = submit(sim, to=GB, text="x" * 200, callback=listener.url, **{"client-ref": "msg_1"})

    time.sleep(0.2)
    assert listener.received == []  # not before the delay
    received = listener.wait(2)
    assert len(received) == 2 and all(r["at"] - start >= 0.3 for r in received)
    assert {r["method"] for r in received} == {"POST"}
    assert all(r["headers"]["Content-Type"] == "application/json" for r in received)
    assert {r["params"]["messageId"] for r in received} == {m["message-id"] for m in answer["messages"]}
    receipt = received[0]["params"]
    assert set(receipt) == RECEIPT_KEYS | {"client-ref"}  # unsigned: no sig, no timestamp
    assert all(isinstance(v, str) for v in receipt.values())
    assert (receipt["status"], receipt["err-code"], receipt["msisdn"], receipt["to"]) == ("delivered", "0", GB, "JMC")
    assert (receipt["client-ref"], receipt["api-key"]) == ("msg_1", KEY)
    assert receipt["price"] == answer["messages"][0]["message-price"]
    assert re.fullmatch(r"\d{10}", receipt["scts"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", receipt["message-timestamp"])
    time.sleep(0.2)
    assert len(listener.received) == 2  # exactly one per segment


def test_get_method_and_default_dlr_url(sim, listener):
    configure(sim, dlr_delay_ms=0, dlr_url=listener.url, dlr_method="GET")
    answer = submit(sim, to=GB)  # no callback: the configured dlr_url

    [received] = listener.wait(1)
    assert received["method"] == "GET" and received["body"] == b""
    assert received["params"]["messageId"] == answer["messages"][0]["message-id"]
    assert set(received["params"]) == RECEIPT_KEYS  # no client-ref when the submit had none


def test_callback_parameter_wins_over_dlr_url(sim, listener):
    other = Listener()
    try:
        configure(sim, dlr_delay_ms=0, dlr_url=other.url)
        submit(sim, to=GB, callback=listener.url)
        assert len(listener.wait(1)) == 1
        time.sleep(0.2)
        assert other.received == []
    finally:
        other.close()


def test_outcomes_per_country_and_forced_per_number(sim, listener):
    configure(sim, dlr_delay_ms=0, dlr_url=listener.url,
              outcomes={"default": {"delivered": 1.0}, "SG": {"failed": 1.0}},
              number_outcomes={"447400000001": "expired", "6590000001": "delivered"})
    for to in (GB, SG, "447400000001", "6590000001", "8613800138000"):
        submit(sim, to=to)

    received = by_number(listener.wait(5))
    assert (received[SG]["status"], received[SG]["err-code"]) == ("failed", "99")
    assert (received[GB]["status"], received["8613800138000"]["status"]) == ("delivered", "delivered")
    assert (received["447400000001"]["status"], received["447400000001"]["err-code"]) == ("expired", "2")
    assert received["6590000001"]["status"] == "delivered"  # forced outcome beats the country's rates


def test_err_codes_are_configurable(sim, listener):
    configure(sim, dlr_delay_ms=0, dlr_url=listener.url, number_outcomes={GB: "rejected"},
              err_codes={"rejected": "14"})
    submit(sim, to=GB)
    [received] = listener.wait(1)
    assert (received["params"]["status"], received["params"]["err-code"]) == ("rejected", "14")


def test_country_rates_are_drawn_and_the_seed_repeats_them(sim):
    configure(sim, outcomes={"default": {"delivered": 1.0}, "GB": {"delivered": 0.5, "failed": 0.5}}, seed=7)
    for _ in range(40):
        submit(sim, to=GB)
    first = [r["status"] for r in kept(sim)]
    requests.delete(f"{sim.url}/_sim/messages", timeout=5)
    configure(sim, seed=7)
    for _ in range(40):
        submit(sim, to=GB)

    assert len(first) == 40 and 5 < first.count("failed") < 35
    assert [r["status"] for r in kept(sim)] == first


def test_receipts_are_signed_like_vonage(sim, listener):
    from vonage_http_client.auth import Auth
    configure(sim, dlr_delay_ms=0, signature_secret="sim-signing")
    submit(sim, to=GB, callback=listener.url, **{"client-ref": "a&b=c"})  # & and = are masked when signing

    params = listener.wait(1)[0]["params"]
    assert {"sig", "timestamp"} <= params.keys() and abs(int(params["timestamp"]) - time.time()) < 60
    checker = Auth(api_key=KEY, signature_secret="sim-signing", signature_method="sha256")
    assert checker.check_signature(dict(params))
    assert not checker.check_signature({**params, "status": "failed"})
    assert not Auth(api_key=KEY, signature_secret="other", signature_method="sha256").check_signature(dict(params))
    # And independently, following Vonage's documented algorithm.
    text = "".join(f"&{k}={str(v).replace('&', '_').replace('=', '_')}" for k, v in sorted(params.items())
                   if k != "sig")
    assert params["sig"] == hmac.new(b"sim-signing", text.encode(), hashlib.sha256).hexdigest()


def test_get_receipts_are_signed_too(sim, listener):
    from vonage_http_client.auth import Auth
    configure(sim, dlr_delay_ms=0, dlr_method="GET", signature_secret="s3")
    submit(sim, to=GB, callback=listener.url + "?source=sim")  # the callback's own query is kept

    params = listener.wait(1)[0]["params"]
    assert params.pop("source") == "sim"
    assert Auth(api_key=KEY, signature_secret="s3", signature_method="sha256").check_signature(params)


def test_platform_verifier_accepts_simulator_signatures(sim, listener):
    from chalicelib.domain import vonage_signature
    configure(sim, dlr_delay_ms=0, signature_secret="shared")
    submit(sim, to=GB, callback=listener.url)
    assert vonage_signature.verify(listener.wait(1)[0]["params"], "shared")


def test_failed_callbacks_are_retried_with_backoff(sim):
    endpoint = Listener(fail_first=2)
    try:
        configure(sim, dlr_delay_ms=0)
        submit(sim, to=GB, callback=endpoint.url)
        attempts = endpoint.wait(3, timeout=5)
        assert len(attempts) == 3
        assert len({a["params"]["messageId"] for a in attempts}) == 1
        assert attempts[1]["at"] - attempts[0]["at"] >= 0.15  # RETRY_DELAYS[0] is 0.2 s
        assert attempts[0]["params"]["message-timestamp"] == attempts[2]["params"]["message-timestamp"]
    finally:
        endpoint.close()


def test_retries_stop_after_four_attempts(sim):
    endpoint = Listener(fail_first=100)
    try:
        configure(sim, dlr_delay_ms=0)
        submit(sim, to=GB, callback=endpoint.url)
        endpoint.wait(5, timeout=3)  # 0.2 + 0.5 + 1.0 s of backoff, then it gives up
        assert len(endpoint.received) == 4
    finally:
        endpoint.close()


def test_a_slow_or_dead_callback_does_not_hold_up_the_others(sim, listener):
    slow, dead = Listener(delay=1.5), Listener()
    dead_url = dead.url
    dead.close()
    try:
        configure(sim, dlr_delay_ms=0)
        submit(sim, to=SG, callback=slow.url)
        submit(sim, to="6590000002", callback=dead_url)
        slow.wait(1)
        started = time.monotonic()
        submit(sim, to=GB, callback=listener.url)
        assert by_number(listener.wait(1, timeout=1))[GB]["status"] == "delivered"
        assert time.monotonic() - started < 1
    finally:
        slow.close()


def test_no_receipt_when_not_requested(sim, listener):
    configure(sim, dlr_delay_ms=0, dlr_url=listener.url)
    submit(sim, to=GB, **{"status-report-req": "0"})
    submit(sim, to=SG, **{"status-report-req": "1"})
    time.sleep(0.3)
    assert [r["params"]["msisdn"] for r in listener.received] == [SG]


def test_partial_rejection_at_submit_gets_receipts_only_for_accepted_parts(sim):
    configure(sim, reject={GB: {"status": "7", "from_part": 2}})
    answer = submit(sim, to=GB, text="y" * 400)  # three parts

    assert [m["status"] for m in answer["messages"]] == ["0", "7", "7"]
    assert answer["messages"][1] == {"to": GB, "status": "7", "error-text": "Number Barred"}
    assert [r["part"] for r in recorded(sim, to=GB)] == [1]
    assert [r["messageId"] for r in kept(sim)] == [answer["messages"][0]["message-id"]]


def test_receipts_are_kept_without_a_callback_and_cleared_with_messages(sim):
    answer = submit(sim, to=GB, text="z" * 200, **{"client-ref": "a"})
    submit(sim, to=SG, **{"client-ref": "b"})

    receipts = kept(sim)
    assert [r["messageId"] for r in receipts[:2]] == [m["message-id"] for m in answer["messages"]]
    assert set(receipts[0]) == RECEIPT_KEYS | {"client-ref"}
    assert [r["client-ref"] for r in receipts] == ["a", "a", "b"]
    assert requests.delete(f"{sim.url}/_sim/messages", timeout=5).status_code == 200
    assert kept(sim) == [] and recorded(sim) == []


def test_stop_is_prompt_with_receipts_pending_and_leaves_no_thread(listener):
    # Other tests' simulators may still be alive in this process; judge only this one's threads.
    before = set(threading.enumerate())
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET).start()
    configure(simulator, dlr_delay_ms=60_000)
    submit(simulator, to=GB, callback=listener.url)
    started = time.monotonic()
    simulator.stop()
    assert time.monotonic() - started < 1
    left = set(threading.enumerate()) - before
    assert not [t for t in left if t.name.startswith("carrier-sim")]
    assert listener.received == []


def test_stop_waits_at_most_briefly_for_a_hung_callback():
    slow = Listener(delay=10)
    others = set(threading.enumerate())  # another simulator (a session fixture) may be running
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET).start()
    try:
        configure(simulator, dlr_delay_ms=0)
        submit(simulator, to=GB, callback=slow.url)
        slow.wait(1)
        started = time.monotonic()
        simulator.stop()
        assert time.monotonic() - started < 3.5  # one HTTP timeout (2 s) and change
        assert not [t for t in set(threading.enumerate()) - others if t.name.startswith("carrier-sim")]
    finally:
        simulator.stop()
        slow.close()
