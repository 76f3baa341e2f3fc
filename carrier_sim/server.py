"""The carrier simulator's server: ``CarrierSimulator`` binds, serves every carrier API the
simulator offers from a daemon thread, and stops.

The endpoints, run-time config keys and status codes are in docs/carrier-simulator.md.
Modules: ``config`` (run-time config and its rules), ``account`` (credentials, balance,
injected faults, shared by every API), ``models`` (all the state), ``sms_models`` /
``sms_responses`` (the SMS API's state and its wire format), ``responses`` (routing and
JSON rendering), ``receipts`` (delivery receipts).
"""
from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer

from .models import CarrierState
from .responses import SIM_ROUTES, CarrierRequestHandler, Routes
from .sms_responses import SMS_ROUTES

ROUTES: Routes = {**SIM_ROUTES, **SMS_ROUTES}  # every API served; a new API adds its routes here


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


class CarrierSimulator:
    """A Vonage API look-alike served from a daemon thread.

    ``api_key``/``api_secret``: when given, other credentials are refused; when not, any
    non-empty credentials are accepted. ``port=0`` picks a free port (see ``url``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, api_secret: str | None = None):
        self._address = (host, port)
        self._state = CarrierState(api_key, api_secret)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> CarrierSimulator:
        """Bind and serve in the background; returns self. Raises ``RuntimeError`` if running."""
        if self._server is not None:
            raise RuntimeError("carrier simulator already started")
        self._server = _Server(self._address, self._state)
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
        """Base URL with scheme, e.g. ``http://127.0.0.1:54321``. Only while started."""
        if self._server is None:
            raise RuntimeError("carrier simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> CarrierSimulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
