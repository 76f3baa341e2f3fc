"""The local stack's HTTPS port (``make run`` serves the API there too, with a CA made at
start): only clients that trust that CA get in, a stalled client blocks no one, and the
official ``vonage`` SDK reaches our API through it unchanged."""
from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_local_info_gives_the_tls_url_and_the_ca_file(stack):
    tls_url = urlsplit(stack.info["api_tls_url"])
    assert tls_url.scheme == "https" and tls_url.hostname == "127.0.0.1"
    assert tls_url.port != urlsplit(stack.base).port
    ca = Path(stack.info["ca_bundle"])
    pem = ca.read_bytes()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----") and b"PRIVATE KEY" not in pem
    assert (ca.parent / "ca-key.pem").stat().st_mode & 0o077 == 0  # the CA key is private


def test_health_over_tls_needs_the_local_ca(stack):
    tls_url, ca = stack.info["api_tls_url"], stack.info["ca_bundle"]
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_url}/health", timeout=5)
    assert requests.get(f"{tls_url}/health", verify=ca, timeout=5).json() == {"status": "ok"}
    by_name = tls_url.replace("127.0.0.1", "localhost")
    assert requests.get(f"{by_name}/health", verify=ca, timeout=5).json() == {"status": "ok"}
    # Same app on both ports: a customer route answers alike.
    assert requests.get(f"{tls_url}/v1/balance", verify=ca, timeout=5).status_code == 401
    # Plain HTTP sent to the TLS port gets no HTTP answer.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{tls_url.replace('https', 'http')}/health", timeout=5)


def test_stalled_clients_do_not_block_the_tls_port(stack):
    tls_url, ca = stack.info["api_tls_url"], stack.info["ca_bundle"]
    port = urlsplit(tls_url).port
    stalled = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]  # never say hello
    try:
        started = time.monotonic()
        assert requests.get(f"{tls_url}/health", verify=ca, timeout=5).status_code == 200
        assert time.monotonic() - started < 2
    finally:
        for sock in stalled:
            sock.close()


def test_the_official_vonage_sdk_reaches_our_api_over_tls(stack, demo_token, vonage_sdk):
    from vonage_sms import SmsMessage
    from vonage_sms.errors import SmsError
    app = stack.call("POST", "/v1/apps", {"name": "SDK over TLS"}, token=demo_token).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=demo_token).json()["app_secret"]
    client = vonage_sdk(app["app_key"], secret)

    # The SDK's own http client: handshake with the local CA, routing to our app.
    http = client.http_client
    assert http.get(http.rest_host, "/health", auth_type="basic") == {"status": "ok"}
    assert http.last_response.url.startswith(stack.info["api_tls_url"])

    sent = client.sms.send(SmsMessage(to="447400999888", from_="JMCDemo", text="over TLS", client_ref="tls-1"))
    assert sent.message_count == "1" and sent.messages[0].status == "0"
    message = stack.call("GET", f"/v1/messages/{sent.messages[0].message_id}", auth=(app["app_key"], secret))
    assert message.status_code == 200 and message.json()["to"] == "+447400999888"

    # Our credential check answered (Vonage status 4), not a transport error.
    with pytest.raises(SmsError, match="error code 4"):
        vonage_sdk(app["app_key"], "wrong-secret").sms.send(SmsMessage(to="447400999888", from_="JMCDemo",
                                                                       text="refused"))
