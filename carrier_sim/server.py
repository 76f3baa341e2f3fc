"""The carrier simulator's server: ``CarrierSimulator`` binds, serves every carrier API the
simulator offers from a daemon thread, and stops.

The endpoints, run-time config keys and status codes are in docs/carrier-simulator.md.
Modules: ``config`` (run-time config and its rules), ``account`` (credentials, balance,
injected faults, shared by every API), ``models`` (all the state), ``sms_models`` /
``sms_responses`` (the SMS API's state and its wire format), ``numbers_models`` /
``numbers_responses`` (the Numbers API's), ``responses`` (routing and JSON rendering),
``receipts`` (delivery receipts), ``voice_models`` / ``voice_responses`` (the Voice API's)
and ``voice_events`` (its event webhooks).
"""
from __future__ import annotations

import socket
import ssl
import threading
from http.server import ThreadingHTTPServer

from .models import CarrierState
from .numbers_responses import NUMBERS_ROUTES
from .responses import SIM_ROUTES, CarrierRequestHandler, Routes
from .sms_responses import SMS_ROUTES
from .voice_responses import VOICE_ROUTES

# Every API served; a new API adds its routes here.
ROUTES: Routes = {**SIM_ROUTES, **SMS_ROUTES, **NUMBERS_ROUTES, **VOICE_ROUTES}


class _Server(ThreadingHTTPServer):
    """A thread per connection (no cap), keep-alive (``CarrierRequestHandler``)."""
    daemon_threads = True  # idle keep-alive connections must not block stop()
    # Connections the kernel queues until accept(): socketserver's 5 made bursts of client
    # threads end in connection resets. listen() caps it at net.core.somaxconn.
    request_queue_size = socket.SOMAXCONN

    def __init__(self, address: tuple[str, int], state: CarrierState, routes: Routes = ROUTES):
        self.state = state
        self.routes = routes
        super().__init__(address, CarrierRequestHandler)


class _TlsServer(_Server):
    """``_Server`` speaking TLS (the official SDK only speaks https). Each connection's
    handshake runs in its own thread with a timeout, so a stalled client blocks no one."""
    handshake_timeout = 10.0

    def __init__(self, address: tuple[str, int], state: CarrierState, context: ssl.SSLContext):
        self.context = context
        super().__init__(address, state)

    def get_request(self):
        connection, address = self.socket.accept()
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address):
        request.settimeout(self.handshake_timeout)
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):  # wrong CA, plain HTTP, timeouts: only this connection ends
            return
        request.settimeout(None)  # the handler's own idle timeout applies from here
        super().finish_request(request, client_address)


class CarrierSimulator:
    """A Vonage API look-alike served from a daemon thread.

    ``api_key``/``api_secret``: when given, other credentials are refused; when not, any
    non-empty credentials are accepted. ``port=0`` picks a free port (see ``url``).
    ``tls``: serve https with this server context instead of plain http (for clients such
    as the official SDK that only speak https; they trust it through ``REQUESTS_CA_BUNDLE``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, api_secret: str | None = None, *,
                 tls: ssl.SSLContext | None = None):
        self._address = (host, port)
        self._tls = tls
        self._state = CarrierState(api_key, api_secret)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> CarrierSimulator:
        """Bind and serve in the background; returns self. Raises ``RuntimeError`` if running."""
        if self._server is not None:
            raise RuntimeError("carrier simulator already started")
        self._server = _Server(self._address, self._state) if self._tls is None \
            else _TlsServer(self._address, self._state, self._tls)
        self._state.start()
        # A short poll interval makes stop() quick; the cost is a few idle wake-ups per second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="carrier-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread. Safe to call twice."""
        if self._server is None:
            return
        self._state.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def configure(self, **patch) -> dict:
        """Merge ``patch`` into the run-time config, as ``PUT /_sim/config`` does; returns the
        whole config. Raises ``ValueError`` on an unknown key or a bad value (nothing applied)."""
        return self._state.configure(patch)

    @property
    def url(self) -> str:
        """Base URL with scheme, e.g. ``http://127.0.0.1:54321`` (``https`` with ``tls``).
        Only while started."""
        if self._server is None:
            raise RuntimeError("carrier simulator not started")
        host, port = self._server.server_address[:2]
        return f"{'http' if self._tls is None else 'https'}://{host!s}:{port}"

    def __enter__(self) -> CarrierSimulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
