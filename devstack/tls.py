"""A local certificate authority and a server certificate for the local stack's HTTPS port,
and the local API's two servers (plain HTTP and TLS), built here so they stay alike: both
serve through ``devstack.gateway`` (unknown paths, undeclared methods and malformed requests
answered in our error shape, credentials never echoed).

The official Vonage SDK only speaks https, so the local stack serves the API over TLS as
well; clients trust it through the CA file (``REQUESTS_CA_BUNDLE=<ca_bundle>``). Both are
made fresh at every start, valid for a week, for ``127.0.0.1``, ``::1`` and ``localhost``.
"""
from __future__ import annotations

import functools
import ipaddress
import logging
import os
import socket
import ssl
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalice.local import LocalChalice, LocalDevServer, ThreadedHTTPServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from devstack.gateway import RequestHandler

VALIDITY = timedelta(days=7)
HANDSHAKE_TIMEOUT = 10.0  # seconds a client may take to finish the TLS handshake
IDLE_TIMEOUT = 120.0  # seconds a kept-alive connection may stay silent before it is closed
# Connections the kernel queues until the server accepts them. socketserver's default of 5
# made a burst (16 client threads; a browser alone opens six) end in connection resets.
# listen() caps it at net.core.somaxconn.
LISTEN_BACKLOG = socket.SOMAXCONN

log = logging.getLogger("devstack.tls")


@dataclass(frozen=True)
class LocalTls:
    ca_bundle: Path  # the CA certificate clients trust
    cert: Path  # server certificate chain
    key: Path  # server private key (0600)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert, self.key)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JMC local stack"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by this user only (also when ``path`` already existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file that was already there
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def create(directory: Path) -> LocalTls:
    """Write a new CA and a server certificate signed by it into ``directory`` (made 0700):
    ``ca.pem`` (what clients trust), ``server.pem`` (leaf + CA), and the private keys
    ``server-key.pem`` and ``ca-key.pem`` (0600). Files already there are replaced."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("JMC local CA")).issuer_name(_name("JMC local CA"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + VALIDITY)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             x509.IPAddress(ipaddress.ip_address("::1"))]
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + VALIDITY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            # Key identifiers: strict verifiers (Python 3.13's default context) require them.
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    tls = LocalTls(ca_bundle=directory / "ca.pem", cert=directory / "server.pem", key=directory / "server-key.pem")
    tls.ca_bundle.write_bytes(ca_cert.public_bytes(pem))
    tls.cert.write_bytes(cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    _write_private(tls.key, key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    _write_private(directory / "ca-key.pem",
                   ca_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return tls


class LocalHTTPServer(ThreadedHTTPServer):
    """Chalice's threaded dev server (HTTP/1.1 keep-alive, a daemon thread per connection,
    no cap on threads) whose listen backlog takes a burst of connections."""
    request_queue_size = LISTEN_BACKLOG


class TlsHTTPServer(LocalHTTPServer):
    """``LocalHTTPServer`` speaking TLS. The listening socket stays plain and
    ``accept`` does no I/O beyond the accept itself: each connection's handshake runs in that
    connection's own thread with a timeout, so a client that stalls or fails its handshake
    blocks no one and only costs a daemon thread for at most ``handshake_timeout``."""

    def __init__(self, server_address, handler, *, context: ssl.SSLContext,
                 handshake_timeout: float = HANDSHAKE_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT):
        self.context = context
        self.handshake_timeout = handshake_timeout
        self.idle_timeout = idle_timeout
        super().__init__(server_address, handler)

    def get_request(self):
        connection, address = self.socket.accept()
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address):
        """Runs in the connection's thread: handshake first, then serve HTTP as usual."""
        request.settimeout(self.handshake_timeout)
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError) as exc:  # wrong CA, plain HTTP, port scans, timeouts
            log.debug("TLS handshake with %s failed: %s", client_address, exc)
            return
        request.settimeout(self.idle_timeout)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # A client dropping a TLS connection mid-way is routine, not a traceback.
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError)):
            log.debug("TLS connection from %s ended: %s", client_address, error)
            return
        super().handle_error(request, client_address)


def make_local(app) -> None:
    """Give ``app`` one ``current_request`` per thread, as chalice's ``create_local_server``
    does before building its server (whose class cannot be chosen): without it, concurrent
    requests would read each other's request. Idempotent, so either server may come first.

    chalice re-parents its one global ``CustomLocalChalice``; a class per app leaves other
    apps in the process (tests) as they were."""
    if isinstance(app, LocalChalice):
        return
    app.__class__ = type(f"Local{type(app).__name__}", (LocalChalice, type(app)), {})


def http_server(app, config, host: str, port: int) -> LocalDevServer:
    """A chalice LocalDevServer for ``app`` on ``host:port`` over plain HTTP (``app`` is made
    local). Serve it with ``.serve_forever()`` in a thread; stop it with ``.shutdown()`` then
    ``.server.server_close()``."""
    make_local(app)
    return LocalDevServer(app, config, host, port, handler_cls=RequestHandler, server_cls=LocalHTTPServer)


def https_server(app, config, host: str, port: int, tls: LocalTls) -> LocalDevServer:
    """A chalice LocalDevServer for ``app`` on ``host:port`` over TLS with ``tls``'s
    certificate (``app`` is made local). Serve it with ``.server.serve_forever()`` in a
    thread; stop it with ``.shutdown()`` then ``.server.server_close()``."""
    make_local(app)
    server_cls = functools.partial(TlsHTTPServer, context=tls.server_context())
    return LocalDevServer(app, config, host, port, handler_cls=RequestHandler, server_cls=server_cls)
