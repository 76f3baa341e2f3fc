"""A burst of connections at the simulator: none is reset, every submit is recorded once.

socketserver queues 5 connections by default; the kernel reset the rest of a burst, which
made a 16-thread test flaky on a busy machine. 200 at once is far beyond that."""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode, urlsplit

from tests.carrier.bursts import burst, summary
from tests.carrier.sim import KEY, SECRET, TO, recorded

CONNECTIONS = 200


def test_a_burst_of_200_connections_is_served_without_resets_and_recorded_once(sim):
    address = urlsplit(sim.url)

    def submit_on_its_own_connection(n: int) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        try:
            connection.request("POST", "/sms/json", headers={"Content-Type": "application/x-www-form-urlencoded"},
                               body=urlencode({"api_key": KEY, "api_secret": SECRET, "from": "JMC", "to": TO,
                                               "text": f"burst {n}"}))
            reply = connection.getresponse()
            return reply.status, json.loads(reply.read())
        finally:
            connection.close()

    answers, errors = burst(CONNECTIONS, submit_on_its_own_connection)

    assert errors == [], summary(errors)
    assert [(status, body["messages"][0]["status"]) for status, body in answers] == [(200, "0")] * CONNECTIONS
    ids = [body["messages"][0]["message-id"] for _, body in answers]
    rows = recorded(sim)
    assert len(rows) == len(set(ids)) == CONNECTIONS
    assert {row["message-id"] for row in rows} == set(ids)
    assert sorted(row["text"] for row in rows) == sorted(f"burst {n}" for n in range(CONNECTIONS))
