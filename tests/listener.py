"""A local HTTP endpoint for tests: records what it receives (carrier receipts, customer
webhooks) and can answer 500 to the first N requests or answer slowly."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Listener:
    """A local HTTP endpoint that records what it receives (receipts, here)."""

    def __init__(self, fail_first: int = 0, delay: float = 0.0):
        self.received: list[dict] = []
        self.fail_first = fail_first
        self.delay = delay
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _record(self, params, raw=b""):
                listener.received.append({"method": self.command, "params": params, "at": time.monotonic(),
                                          "headers": dict(self.headers), "body": raw})
                time.sleep(listener.delay)
                status = 500 if len(listener.received) <= listener.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._record(json.loads(body), body)

            def do_GET(self):
                self._record({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dlr"

    def wait(self, count: int, timeout: float = 5) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def close(self):
        self.server.shutdown()
        self.server.server_close()
