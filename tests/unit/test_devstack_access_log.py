"""The local API's access log (devstack/access_log.py): one line per request through
``logging``, except the carrier's delivery receipts, which are DEBUG when taken (one per
segment sent: they would drown the rest) and WARNING when refused (a refused receipt is a
status lost)."""
from __future__ import annotations

import logging
import threading

import pytest
import requests
from chalice import Chalice, Response
from chalice.config import Config

from devstack import tls
from devstack.stack import free_port

HOST = "127.0.0.1"


def receipts_app() -> Chalice:
    app = Chalice("access-log-unit")

    @app.route("/hello")
    def hello():
        return {"hello": "world"}

    @app.route("/webhooks/vonage/dlr", methods=["POST"])
    def receipt():
        signed = app.current_request.query_params and app.current_request.query_params.get("sig") == "ok"
        return Response(body="", status_code=204 if signed else 401)
    return app


@pytest.fixture
def base():
    port = free_port()
    server = tls.http_server(receipts_app(), Config.create(chalice_stage="local", app_name="access-log-unit"),
                             HOST, port)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{port}"
    server.shutdown()
    server.server.server_close()
    thread.join(5)


def test_requests_are_logged_and_taken_receipts_only_at_debug(base, caplog, capfd):
    with caplog.at_level(logging.DEBUG, logger="devstack.api"):
        assert requests.get(f"{base}/hello", timeout=5).status_code == 200
        assert requests.post(f"{base}/webhooks/vonage/dlr?sig=ok", json={}, timeout=5).status_code == 204
        assert requests.post(f"{base}/webhooks/vonage/dlr?sig=bad", json={}, timeout=5).status_code == 401
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "devstack.api"]
    assert [level for level, _ in lines] == [logging.INFO, logging.DEBUG, logging.WARNING], lines
    assert '"GET /hello HTTP/1.1" 200' in lines[0][1] and lines[2][1].endswith(" 401")
    assert "HTTP/1.1" not in capfd.readouterr().err  # no raw access line on stderr besides
