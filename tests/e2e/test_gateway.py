"""The local stack's API answers unknown paths, undeclared methods and a request line too
long in our error shape, over HTTP and TLS, and never echoes the caller's credentials (as
chalice's LocalGateway, imitating API Gateway, did with a 403)."""
from __future__ import annotations

import base64
import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e

KEY, SECRET = "0123456789abcdef0123456789abcdef", "a-secret-that-must-never-come-back"
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
JWT = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJzaWQiOiJzLTEifQ.bm90LWEtcmVhbC1zaWduYXR1cmU"


def _error(reply: requests.Response, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    error = reply.json()["error"]
    assert error["code"] == code and error["message"]
    seen = reply.text + json.dumps(dict(reply.headers))
    for secret in (KEY, SECRET, BASIC.split()[1], JWT.split()[1], "Authorization="):
        assert secret not in seen, f"{secret!r} was echoed"
    return error


@pytest.mark.parametrize("authorization", [BASIC, JWT], ids=["basic", "jwt"])
def test_an_unknown_path_is_a_404_that_echoes_no_credentials(stack, authorization):
    for path in ("/v1/nope", "/v1/sms/extra", "/api/v1/sms"):
        reply = stack.call("GET", path, headers={"Authorization": authorization})
        _error(reply, 404, "not_found")


def test_the_tls_port_answers_the_same(stack):
    reply = requests.get(stack.info["api_tls_url"] + "/v1/nope", headers={"Authorization": BASIC},
                         verify=stack.info["ca_bundle"], timeout=15)
    _error(reply, 404, "not_found")


def test_undeclared_methods_are_a_405_with_allow_where_the_path_exists(stack):
    for method in ("TRACE", "DELETE", "FOO"):
        reply = stack.call(method, "/v1/sms", headers={"Authorization": BASIC})
        _error(reply, 405, "method_not_allowed")
        assert reply.headers["Allow"] == "OPTIONS, POST"
    reply = stack.call("TRACE", "/v1/nope", headers={"Authorization": JWT})
    _error(reply, 405, "method_not_allowed")
    assert "Allow" not in reply.headers


def test_a_request_line_too_long_is_a_414_in_our_shape(stack):
    address = urlsplit(stack.base)
    request = (b"GET /v1/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\nAuthorization: " + BASIC.encode()
               + b"\r\n\r\n")
    with socket.create_connection((address.hostname, address.port), timeout=15) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split()[1] == b"414"
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["error"]["code"] == "uri_too_long"
    assert SECRET.encode() not in answer and BASIC.split()[1].encode() not in answer


def test_known_routes_still_answer(stack):
    assert stack.call("GET", "/health").json() == {"status": "ok"}
    assert stack.call("GET", "/v1/balance", headers={"Authorization": BASIC}).status_code == 401
