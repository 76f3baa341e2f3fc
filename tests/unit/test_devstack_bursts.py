"""The local API's servers, plain HTTP and TLS, as devstack builds them (devstack/tls.py):
a burst of connections is served without resets, each request seeing its own request."""
from __future__ import annotations

import http.client
import json
import ssl
import threading

import pytest
from chalice import Chalice
from chalice.config import Config

from devstack import tls
from devstack.stack import free_port
from tests.carrier.bursts import burst, summary

CONNECTIONS = 200
HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return tls.create(tmp_path_factory.mktemp("tls") / "state")


def echo_app() -> Chalice:
    app = Chalice("burst-unit")

    @app.route("/echo")
    def echo():
        # current_request is per thread only in an app made local: a shared one would mix answers up.
        return {"n": app.current_request.query_params["n"]}
    return app


@pytest.fixture(params=["http", "https"])
def connect(request, made):
    """A new client connection to the echo app, served as devstack serves the API."""
    port = free_port()
    config = Config.create(chalice_stage="local", app_name="burst-unit")
    if request.param == "http":
        server = tls.http_server(echo_app(), config, HOST, port)
        new_connection = lambda: http.client.HTTPConnection(HOST, port, timeout=10)
    else:
        server = tls.https_server(echo_app(), config, HOST, port, made)
        context = ssl.create_default_context(cafile=str(made.ca_bundle))
        new_connection = lambda: http.client.HTTPSConnection(HOST, port, context=context, timeout=10)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield new_connection
    server.shutdown()
    server.server.server_close()
    thread.join(5)


def test_a_burst_of_200_connections_is_served_without_resets(connect):
    def echo_on_its_own_connection(n: int) -> tuple[int, dict]:
        connection = connect()
        try:
            connection.request("GET", f"/echo?n={n}")
            reply = connection.getresponse()
            return reply.status, json.loads(reply.read())
        finally:
            connection.close()

    answers, errors = burst(CONNECTIONS, echo_on_its_own_connection)

    assert errors == [], summary(errors)
    assert answers == [(200, {"n": str(n)}) for n in range(CONNECTIONS)]


def test_making_an_app_local_twice_changes_nothing():
    app = echo_app()
    tls.make_local(app)
    local_class = type(app)
    tls.make_local(app)
    assert type(app) is local_class and isinstance(app, Chalice)
