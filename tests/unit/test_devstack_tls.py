"""devstack/tls.py: the local CA and server certificate, and the HTTPS server that a stalled
or failing client cannot block."""
from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
from chalice import Chalice
from chalice.config import Config
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.verification import PolicyBuilder, Store

from devstack import tls
from devstack.stack import free_port


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return tls.create(tmp_path_factory.mktemp("tls") / "state")


def _certs(path):
    return x509.load_pem_x509_certificates(path.read_bytes())


def test_server_certificate_chains_to_the_ca_for_localhost_and_127_0_0_1(made):
    (ca,) = _certs(made.ca_bundle)
    leaf = _certs(made.cert)[0]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    leaf.verify_directly_issued_by(ca)
    verifier_for = PolicyBuilder().store(Store([ca])).time(datetime.now(UTC))
    for name in (x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))):
        chain = verifier_for.build_server_verifier(name).verify(leaf, [])
        assert chain[-1] == ca
    with pytest.raises(x509.verification.VerificationError):
        verifier_for.build_server_verifier(x509.DNSName("example.com")).verify(leaf, [])


def test_certificates_are_valid_now(made):
    now = datetime.now(UTC)
    for cert in _certs(made.ca_bundle) + _certs(made.cert):
        assert cert.not_valid_before_utc <= now < cert.not_valid_after_utc


def test_private_keys_are_private_and_not_in_the_bundle(made):
    directory = made.ca_bundle.parent
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for key in (made.key, directory / "ca-key.pem"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert b"PRIVATE KEY" in key.read_bytes()
    assert b"PRIVATE KEY" not in made.ca_bundle.read_bytes() + made.cert.read_bytes()


def test_a_restart_replaces_the_ca_and_tightens_loose_key_modes(tmp_path):
    first = tls.create(tmp_path)
    first_ca = _certs(first.ca_bundle)[0]
    (tmp_path / "ca-key.pem").chmod(0o644)
    second = tls.create(tmp_path)
    assert stat.S_IMODE((tmp_path / "ca-key.pem").stat().st_mode) == 0o600
    assert second.ca_bundle == first.ca_bundle  # same path, new CA
    assert _certs(second.ca_bundle)[0].serial_number != first_ca.serial_number
    with pytest.raises(InvalidSignature):  # a client holding the old CA no longer trusts the new server
        _certs(second.cert)[0].verify_directly_issued_by(first_ca)


@pytest.fixture
def https(made):
    """A tiny chalice app behind tls.https_server with a short handshake timeout."""
    app = Chalice("tls-unit")

    @app.route("/health")
    def health():
        return {"status": "ok"}

    port = free_port()
    server = tls.https_server(app, Config.create(chalice_stage="local", app_name="tls-unit"), "127.0.0.1", port, made)
    server.server.handshake_timeout = 0.5
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{port}", server
    server.shutdown()
    server.server.server_close()
    thread.join(5)
    assert not thread.is_alive()


def test_serves_https_to_clients_that_trust_the_ca_only(https, made):
    url, _ = https
    assert requests.get(f"{url}/health", verify=str(made.ca_bundle), timeout=5).json() == {"status": "ok"}
    localhost = url.replace("127.0.0.1", "localhost")
    assert requests.get(f"{localhost}/health", verify=str(made.ca_bundle), timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{url}/health", timeout=5)  # the system trust store does not know our CA
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{url.replace('https', 'http')}/health", timeout=5)  # plain HTTP gets no answer


def test_stalled_clients_block_no_one_and_are_dropped_after_the_handshake_timeout(https, made):
    url, _ = https
    port = int(url.rsplit(":", 1)[1])
    stalled = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]  # connect, never say hello
    try:
        started = time.monotonic()
        assert requests.get(f"{url}/health", verify=str(made.ca_bundle), timeout=5).status_code == 200
        assert time.monotonic() - started < 0.5  # served at once, not after the stalled ones time out
        stalled[0].settimeout(5)
        assert stalled[0].recv(1) == b""  # the server closed it after handshake_timeout
    finally:
        for sock in stalled:
            sock.close()
    assert requests.get(f"{url}/health", verify=str(made.ca_bundle), timeout=5).status_code == 200


def test_failed_handshakes_are_not_logged_as_tracebacks(https, made, capsys):
    url, _ = https
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{url}/health", timeout=5)
    context = ssl.create_default_context(cafile=str(made.ca_bundle))
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as conn:
            conn.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")  # then hang up mid-request
    time.sleep(0.3)
    assert "Traceback" not in capsys.readouterr().err


def _stopped_stack_with_tls_in(directory):
    """A LocalStack that never started but made its CA in ``directory``, then stopped (each
    part it never started is skipped, as ``stop`` keeps going past a failing step)."""
    from devstack.stack import LocalStack
    stack = LocalStack()
    stack.tls_dir = directory
    tls.create(directory)
    return stack


def test_stop_removes_the_tls_directory_and_its_parent(tmp_path):
    stack = _stopped_stack_with_tls_in(tmp_path / "devstack-tls" / "8000")
    stack.stop()
    assert not (tmp_path / "devstack-tls").exists()
    assert tmp_path.exists()


def test_stop_keeps_the_parent_while_another_stack_has_its_ca_there(tmp_path):
    parent = tmp_path / "devstack-tls"
    first = _stopped_stack_with_tls_in(parent / "8000")
    second = _stopped_stack_with_tls_in(parent / "9000")
    first.stop()
    assert not (parent / "8000").exists()
    assert (parent / "9000" / "ca-key.pem").exists()  # the other stack's CA is left alone
    second.stop()
    assert not parent.exists()
