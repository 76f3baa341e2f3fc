"""The carrier simulator over real HTTP: Vonage's /sms/json contract plus the /_sim controls."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from carrier_sim import CarrierSimulator, segment_count
from tests.carrier.sim import KEY, SECRET, TO, configure, recorded, submit

ROOT = Path(__file__).resolve().parents[2]


def test_health(sim):
    assert requests.get(f"{sim.url}/health", timeout=5).json() == {"status": "ok"}


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_accepted_submit_has_vonage_shape_and_is_recorded(sim, as_json):
    body = submit(sim, as_json=as_json, **{"client-ref": "ref-1"})

    assert body["message-count"] == "1"
    [entry] = body["messages"]
    assert entry["status"] == "0" and entry["to"] == TO and entry["client-ref"] == "ref-1"
    assert re.fullmatch(r"[0-9A-F]{32}", entry["message-id"])
    assert all(isinstance(v, str) for v in entry.values())
    assert {"remaining-balance", "message-price", "network"} <= entry.keys()
    [row] = recorded(sim)
    assert row["message-id"] == entry["message-id"]
    assert (row["to"], row["from"], row["text"], row["type"]) == (TO, "JMC", "hello", "text")
    assert (row["client-ref"], row["segments"], row["part"]) == ("ref-1", 1, 1)
    assert row["received_at"].endswith("Z")


@pytest.mark.parametrize("text, kind, segments", [
    ("a" * 160, "text", 1),
    ("a" * 161, "text", 2),
    ("a" * 306, "text", 2),
    ("a" * 307, "text", 3),
    ("€" * 80, "text", 1),          # extension chars take two septets
    ("a" * 159 + "€", "text", 2),
    ("中" * 70, "unicode", 1),
    ("中" * 71, "unicode", 2),
    ("😀" * 35, "unicode", 1),      # outside the BMP: a surrogate pair each
    ("😀" * 36, "unicode", 2),
])
def test_segment_splitting(sim, text, kind, segments):
    body = submit(sim, text=text, type=kind)

    assert body["message-count"] == str(segments)
    ids = [m["message-id"] for m in body["messages"]]
    assert len(set(ids)) == segments
    assert [r["part"] for r in recorded(sim)] == list(range(1, segments + 1))


def test_segment_count_forced_ucs2_and_boundary_packing():
    assert segment_count("") == 1
    assert segment_count("a" * 71, ucs2=True) == 2
    # 152 septets then an escape pair: the pair cannot straddle parts, so a third part is needed.
    assert segment_count("a" * 152 + "€" + "a" * 152) == 3


@pytest.mark.parametrize("drop, error", [("from", "Missing from param"), ("to", "Missing to param"),
                                         ("text", "Missing text param"), ("api_key", "Missing api_key")])
def test_missing_parameters_are_status_2(sim, drop, error):
    body = submit(sim, **{drop: None})

    assert body["messages"] == [{"status": "2", "error-text": error}]
    assert recorded(sim) == []


@pytest.mark.parametrize("fields", [{"to": "+447700900001"}, {"to": "12345"}, {"to": "1" * 16},
                                    {"to": "44-7700"}, {"type": "binary"}])
def test_invalid_parameters_are_status_3(sim, fields):
    assert submit(sim, **fields)["messages"][0]["status"] == "3"


def test_bad_credentials_are_status_4(sim):
    assert submit(sim, api_secret="wrong")["messages"][0] == {"status": "4", "error-text": "Bad Credentials"}


def test_basic_auth_header_is_accepted(sim):
    response = requests.post(f"{sim.url}/sms/json", auth=(KEY, SECRET),
                             data={"from": "JMC", "to": TO, "text": "hi"}, timeout=5)
    assert response.json()["messages"][0]["status"] == "0"


def test_messages_filter_by_recipient_and_clear(sim):
    submit(sim, to="447700900001", text="one")
    submit(sim, to="447700900002", text="two")

    assert [r["text"] for r in recorded(sim, to="447700900002")] == ["two"]
    assert [r["text"] for r in recorded(sim, to="+447700900001")] == ["one"]
    assert [r["text"] for r in recorded(sim)] == ["one", "two"]
    assert requests.delete(f"{sim.url}/_sim/messages", timeout=5).status_code == 200
    assert recorded(sim) == []


def test_config_defaults_merge_and_validation(sim):
    from carrier_sim.config import DEFAULT_CONFIG
    assert requests.get(f"{sim.url}/_sim/config", timeout=5).json() == DEFAULT_CONFIG
    assert configure(sim, latency_ms=5)["latency_ms"] == 5
    bad_patches = ({"nope": 1}, {"fail_next_5xx": -1}, {"throttle_tps": 0}, {"outcomes": {"GB": {"lost": 1}}},
                   {"outcomes": {"gb": {"failed": 1}}}, {"outcomes": {"GB": {"failed": 0}}},
                   {"number_outcomes": {"1": "gone"}}, {"dlr_method": "PUT"}, {"dlr_url": "ftp://x"},
                   {"reject": {"1": {"status": "x"}}}, {"reject": {"1": {"status": "7", "from_part": 0}}},
                   {"err_codes": {"failed": "x"}}, {"err_codes": {"lost": "1"}}, {"max_segments": 0},
                   {"balance": -1}, {"balance": "lots"}, {"seed": True}, {"latency_ms": 9, "dlr_delay_ms": -1})
    for bad in bad_patches:
        response = requests.put(f"{sim.url}/_sim/config", json=bad, timeout=5)
        assert response.status_code == 400, bad
        assert list(bad)[-1] in response.json()["error"]  # names the offending key
    assert requests.put(f"{sim.url}/_sim/config", data="[1]", timeout=5).status_code == 400
    assert requests.get(f"{sim.url}/_sim/config", timeout=5).json()["latency_ms"] == 5
    # Merge: untouched keys keep their values; PUT of the defaults restores them (tests reset so).
    assert configure(sim, dlr_delay_ms=7)["latency_ms"] == 5
    assert configure(sim, **DEFAULT_CONFIG) == DEFAULT_CONFIG


def test_configure_from_python_normalises_numbers(sim):
    config = sim.configure(number_outcomes={"+447700900123": "failed"}, reject={"+447700900124": {"status": 7}})
    assert config["number_outcomes"] == {"447700900123": "failed"}
    assert config["reject"] == {"447700900124": {"status": 7}}
    with pytest.raises(ValueError, match="max_segments"):
        sim.configure(max_segments=-1)


def test_unknown_route_is_404(sim):
    assert requests.get(f"{sim.url}/_sim/nothing", timeout=5).status_code == 404
    assert requests.post(f"{sim.url}/_sim/messages", timeout=5).status_code == 404


def test_fail_next_5xx(sim):
    configure(sim, fail_next_5xx=2)
    post = lambda: requests.post(f"{sim.url}/sms/json", timeout=5,
                                 data={"api_key": KEY, "api_secret": SECRET, "from": "JMC", "to": TO, "text": "x"})

    assert [post().status_code for _ in range(3)] == [500, 500, 200]
    assert len(recorded(sim)) == 1


def test_throttling_beyond_tps(sim):
    configure(sim, throttle_tps=2)

    statuses = [submit(sim)["messages"][0]["status"] for _ in range(4)]

    assert statuses == ["0", "0", "1", "1"]
    assert len(recorded(sim)) == 2


def test_latency(sim):
    configure(sim, latency_ms=200)
    response = requests.post(f"{sim.url}/sms/json", timeout=5,
                             data={"api_key": KEY, "api_secret": SECRET, "from": "JMC", "to": TO, "text": "x"})
    assert response.elapsed.total_seconds() >= 0.2


def test_any_credentials_when_none_configured():
    with CarrierSimulator() as open_sim:
        assert submit(open_sim, api_key="whoever", api_secret="whatever")["messages"][0]["status"] == "0"


def test_stop_is_clean_and_idempotent():
    simulator = CarrierSimulator().start()
    url = simulator.url
    requests.get(f"{url}/health", timeout=5)
    simulator.stop()
    simulator.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=2)


# --- the rest of Vonage's status codes -----------------------------------------------------

@pytest.mark.parametrize("fields, status", [
    ({"from": "ABCDEFGHIJKL"}, "15"),            # alphanumeric sender over 11 characters
    ({"from": "1" * 16}, "15"),                  # numeric sender over 15 digits
    ({"from": "Tab\tName"}, "15"),
    ({"callback": "not-a-url"}, "23"),
    ({"to": "99912345678"}, "6"),                # no such calling code
])
def test_invalid_sender_callback_and_prefix(sim, fields, status):
    [entry] = submit(sim, **fields)["messages"]
    assert entry["status"] == status and entry["error-text"]
    assert recorded(sim) == []


@pytest.mark.parametrize("sender", ["JMC Alerts", "+447700900999", "123456789012345"])
def test_numeric_and_alphanumeric_senders_are_accepted(sim, sender):
    assert submit(sim, **{"from": sender})["messages"][0]["status"] == "0"


def test_message_too_long_is_status_12(sim):
    configure(sim, max_segments=2)
    assert submit(sim, text="a" * 306)["message-count"] == "2"
    assert submit(sim, text="a" * 307)["messages"] == [{"status": "12", "error-text": "Message Too Long: 3 segments"}]
    assert len(recorded(sim)) == 2


def test_prepaid_balance_runs_out_with_status_9(sim):
    configure(sim, balance=0.012)  # two segments at 0.0057

    first = submit(sim)["messages"][0]
    assert (first["status"], first["remaining-balance"], first["message-price"]) == ("0", "0.00630000", "0.00570000")
    assert submit(sim, text="a" * 200)["messages"] == [{"status": "9", "error-text": "Partner Quota Violation"}]
    assert submit(sim)["messages"][0]["remaining-balance"] == "0.00060000"
    assert submit(sim)["messages"][0]["status"] == "9"
    assert configure(sim)["balance"] == "0.00060000"
    assert len(recorded(sim)) == 2
    configure(sim, balance=None)  # back to post-paid: never short
    assert submit(sim)["messages"][0]["status"] == "0"


def test_post_paid_balance_goes_down_per_segment(sim):
    one = submit(sim)["messages"][0]["remaining-balance"]
    two = submit(sim, text="a" * 200)["messages"]
    assert (one, two[-1]["remaining-balance"]) == ("99.99430000", "99.98290000")


def test_whole_message_rejection_with_any_status(sim):
    configure(sim, reject={"+" + TO: {"status": "5"}})  # "+" is ignored, from_part defaults to 1
    answer = submit(sim, text="b" * 200)
    assert [(m["status"], m["error-text"]) for m in answer["messages"]] == [("5", "Internal Error")] * 2
    assert "message-id" not in answer["messages"][0]
    assert recorded(sim) == []
    assert submit(sim, to="447700900002")["messages"][0]["status"] == "0"  # other numbers are untouched


# --- listing -------------------------------------------------------------------------------

def test_listing_is_per_segment_and_filters_combine(sim):
    answer = submit(sim, text="c" * 200, **{"client-ref": "long"})
    submit(sim, to="447700900002", **{"client-ref": "long"})
    submit(sim, **{"client-ref": "short"})

    rows = recorded(sim, to=TO, **{"client-ref": "long"})
    assert [(r["part"], r["segments"]) for r in rows] == [(1, 2), (2, 2)]
    assert [r["message-id"] for r in rows] == [m["message-id"] for m in answer["messages"]]
    assert all(r["text"] == "c" * 200 for r in rows)  # the whole text on every row
    assert {"to", "from", "text", "type", "message-id", "client-ref", "received_at"} <= rows[0].keys()
    assert len(recorded(sim, **{"client-ref": "long"})) == 3
    assert recorded(sim, **{"client-ref": "nope"}) == []
    assert recorded(sim, to="447700900003") == []
    [no_ref] = recorded(sim, to="447700900002")
    assert no_ref["client-ref"] == "long" and recorded(sim)[-1]["client-ref"] == "short"


def test_message_without_client_ref_lists_null(sim):
    submit(sim)
    assert recorded(sim)[0]["client-ref"] is None


def test_throttle_window_moves_on(sim):
    configure(sim, throttle_tps=1)
    assert [submit(sim)["messages"][0]["status"] for _ in range(2)] == ["0", "1"]
    time.sleep(1.05)
    assert submit(sim)["messages"][0]["status"] == "0"


def test_concurrent_submits_are_all_recorded_once(sim):
    def send(n):
        return submit(sim, text=f"message {n} " + "x" * 160)  # two segments each

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(send, range(80)))

    ids = [m["message-id"] for a in answers for m in a["messages"]]
    rows = recorded(sim)
    assert len(ids) == len(set(ids)) == len(rows) == 160
    assert {r["message-id"] for r in rows} == set(ids)
    balances = sorted(Decimal(m["remaining-balance"]) for a in answers for m in a["messages"][:1])
    assert balances[0] == Decimal("100") - Decimal("0.0057") * 160  # every segment charged exactly once


# --- python -m carrier_sim -----------------------------------------------------------------

def test_command_line_runs_configures_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "carrier_sim", "--api-key", KEY, "--api-secret", SECRET, "--dlr-delay-ms", "5",
         "--seed", "3", "--config", '{"max_segments": 4}'],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        config = requests.get(f"{url}/_sim/config", timeout=5).json()
        assert (config["dlr_delay_ms"], config["seed"], config["max_segments"]) == (5, 3, 4)
        reply = requests.post(f"{url}/sms/json", data={"api_key": KEY, "api_secret": "bad", "from": "JMC",
                                                       "to": TO, "text": "x"}, timeout=5)
        assert reply.json()["messages"][0]["status"] == "4"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_command_line_rejects_bad_config():
    done = subprocess.run([sys.executable, "-m", "carrier_sim", "--config", '{"max_segments": 0}'],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "max_segments" in done.stderr
