"""The carrier simulator over real HTTP: Vonage's /sms/json contract plus the /_sim controls."""
from __future__ import annotations

import re

import pytest
import requests

from carrier_sim import CarrierSimulator, segment_count

KEY, SECRET = "sim-key", "sim-secret"
TO = "447700900001"


@pytest.fixture
def sim():
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET).start()
    yield simulator
    simulator.stop()


def submit(sim, *, as_json=False, **fields):
    """POST /sms/json with valid defaults; ``None`` drops a field. Returns the JSON body."""
    body = {"api_key": KEY, "api_secret": SECRET, "from": "JMC", "to": TO, "text": "hello"}
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    sent = dict(json=body) if as_json else dict(data=body)
    response = requests.post(f"{sim.url}/sms/json", timeout=5, **sent)
    assert response.status_code == 200
    return response.json()


def recorded(sim, **params):
    return requests.get(f"{sim.url}/_sim/messages", params=params, timeout=5).json()["messages"]


def configure(sim, **patch):
    response = requests.put(f"{sim.url}/_sim/config", json=patch, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


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
    from carrier_sim.server import DEFAULT_CONFIG
    assert requests.get(f"{sim.url}/_sim/config", timeout=5).json() == DEFAULT_CONFIG
    assert configure(sim, latency_ms=5)["latency_ms"] == 5
    for bad in ({"nope": 1}, {"fail_next_5xx": -1}, {"throttle_tps": 0}, {"outcomes": {"GB": {"lost": 1}}},
                {"number_outcomes": {"1": "gone"}}, {"dlr_method": "PUT"}, {"dlr_url": "ftp://x"},
                {"reject": {"1": {"status": "x"}}}):
        assert requests.put(f"{sim.url}/_sim/config", json=bad, timeout=5).status_code == 400
    assert requests.get(f"{sim.url}/_sim/config", timeout=5).json()["latency_ms"] == 5


def test_fail_next_5xx(sim):
    configure(sim, fail_next_5xx=2)
    post = lambda: requests.post(f"{sim.url}/sms/json", timeout=5,  # noqa: E731
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
