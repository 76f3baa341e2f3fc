"""Talking to a carrier simulator in tests: its credentials, a submit with valid defaults,
what it recorded, its run-time config."""
from __future__ import annotations

import requests

KEY, SECRET = "sim-key", "sim-secret"
TO = "447700900001"


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
