"""devstack/gateway.py: the local server answers what API Gateway answers by itself (no such
path, no such method, a request it cannot take) in our error shape, and never echoes the
caller's credentials as chalice's LocalGateway does."""
from __future__ import annotations

import base64
import json
import socket
import threading

import pytest
import requests
from chalice import Chalice
from chalice.config import Config

from devstack import tls
from devstack.stack import free_port

BASIC = "Basic " + base64.b64encode(b"app-key-123:app-secret-456").decode()
JWT = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def server():
    """A tiny chalice app behind tls.http_server: /things (GET, POST) and /things/{id} (GET)."""
    app = Chalice("gateway-unit")

    @app.route("/things", methods=["GET", "POST"])
    def things():
        return {"things": []}

    @app.route("/things/{thing_id}")
    def thing(thing_id):
        return {"id": thing_id}

    port = free_port()
    served = tls.http_server(app, Config.create(chalice_stage="local", app_name="gateway-unit"), "127.0.0.1", port)
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", port
    served.shutdown()
    served.server.server_close()
    thread.join(5)


def _url(server, path: str) -> str:
    return f"http://{server[0]}:{server[1]}{path}"


def _raw(server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is; (status, headers, body) of the answer."""
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("iso-8859-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def _our_shape(body: bytes, code: str) -> dict:
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"] and set(error) <= {"code", "message", "field"}
    return error


def _echoes_nothing(reply: requests.Response) -> None:
    seen = reply.text + json.dumps(dict(reply.headers))
    for secret in ("app-key-123", "app-secret-456", BASIC.split()[1], JWT.split()[1], "Authorization="):
        assert secret not in seen


def test_routes_that_exist_are_served_as_before(server):
    assert requests.get(_url(server, "/things"), timeout=5).json() == {"things": []}
    assert requests.get(_url(server, "/things/7"), headers={"Authorization": BASIC}, timeout=5).json() == {"id": "7"}


@pytest.mark.parametrize("authorization", [None, BASIC, JWT], ids=["none", "basic", "jwt"])
def test_an_unknown_path_is_a_404_in_our_shape_that_echoes_no_credentials(server, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in (("GET", "/nope"), ("POST", "/nope/deeper"), ("GET", "/things/7/more"), ("POST", "/")):
        reply = requests.request(method, _url(server, path), headers=headers, timeout=5)
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.headers["Content-Type"] == "application/json"
        _our_shape(reply.content, "not_found")
        _echoes_nothing(reply)


@pytest.mark.parametrize("method", ["TRACE", "FOO", "DELETE", "PUT"])
def test_a_method_the_path_does_not_declare_is_a_405_with_allow(server, method):
    reply = requests.request(method, _url(server, "/things"), headers={"Authorization": BASIC}, timeout=5)
    assert reply.status_code == 405, reply.text
    assert reply.headers["Allow"] == "GET, OPTIONS, POST"
    _our_shape(reply.content, "method_not_allowed")
    _echoes_nothing(reply)


def test_a_method_no_route_declares_is_a_405_on_unknown_paths_too(server):
    for method in ("TRACE", "CONNECT", "FOO"):
        reply = requests.request(method, _url(server, "/nope"), headers={"Authorization": JWT}, timeout=5)
        assert reply.status_code == 405 and "Allow" not in reply.headers, (method, reply.text)
        _our_shape(reply.content, "method_not_allowed")
        _echoes_nothing(reply)


def test_head_is_a_405_without_a_body_and_the_connection_stays_in_step(server):
    status, headers, rest = _raw(server, b"HEAD /things HTTP/1.1\r\nHost: x\r\n\r\n"
                                 b"GET /things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 405 and headers["allow"] == "GET, OPTIONS, POST"
    assert rest.startswith(b"HTTP/1.1 200 ")  # the next answer follows the headers at once: no body came between


def test_a_request_line_too_long_is_a_414_in_our_shape(server):
    status, headers, body = _raw(server, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nAuthorization: "
                                 + BASIC.encode() + b"\r\n\r\n")
    assert status == 414 and headers["content-type"] == "application/json"
    _our_shape(body, "uri_too_long")
    assert b"<html" not in body.lower() and b"app-secret" not in body


@pytest.mark.parametrize("request_bytes, status, code", [
    (b"GET /nope HTTP/1.1 extra\r\n\r\n", 400, "invalid_request"),  # http.server would quote the line in HTML
    (b"GET /things HTTP/1.x\r\n\r\n", 400, "invalid_request"),
    (b"GET /things HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431,
     "headers_too_large"),
    (b"GET /things HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431, "headers_too_large"),
    (b"POST /things HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400, "invalid_request"),
    (b"POST /things HTTP/1.1\r\nContent-Length: 20000000\r\n\r\n{", 413, "payload_too_large"),
], ids=["extra-word", "bad-version", "too-many-headers", "header-too-long", "bad-length", "body-too-large"])
def test_what_http_server_refuses_is_refused_in_our_shape(server, request_bytes, status, code):
    answered, headers, body = _raw(server, request_bytes)
    assert answered == status, body
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    _our_shape(body, code)
    assert b"extra" not in body and b"<" not in body


def test_the_connection_stays_usable_after_a_404(server):
    with requests.Session() as session:
        assert session.get(_url(server, "/nope"), timeout=5).status_code == 404
        assert session.get(_url(server, "/things"), timeout=5).status_code == 200
