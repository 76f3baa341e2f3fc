"""moto's server in a process of its own, with our fixes (``devstack/moto_fixes.py``).

The local stack runs the API, the event runner and the carrier simulator in one Python
process. moto is the busiest part (every AWS call ends there), and sharing one interpreter
lock with the rest held the whole stack to a single core. In its own process it uses another.

    python -m devstack.moto_process <host> <port>

The child stops on SIGINT/SIGTERM, and on its own when its parent is gone (so a killed
stack never leaves an emulator behind).
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time


class MotoProcess:
    """Start and stop ``python -m devstack.moto_process`` on ``host:port``."""

    def __init__(self, host: str, port: int, start_timeout: float = 60):
        self.host = host
        self.port = port
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def returncode(self) -> int | None:
        """The child's exit code once it has stopped (None while it runs)."""
        return None if self._proc is None else self._proc.poll()

    def start(self) -> MotoProcess:
        self._proc = subprocess.Popen([sys.executable, "-m", "devstack.moto_process", self.host, str(self.port)])
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"moto's server exited at start (code {self._proc.returncode})")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto's server did not listen on {self.url} within {self.start_timeout:.0f} s")

    def stop(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)


def main(host: str, port: int) -> int:
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import BaseWSGIServer

    from devstack.moto_fixes import keep_no_records, serialise_dynamodb, speed_up_server, stamp_sent_emails
    serialise_dynamodb()
    speed_up_server()
    stamp_sent_emails()
    keep_no_records()
    # werkzeug queues 128 connections until accept(); the rest of the local stack queues up to
    # SOMAXCONN, so bursts from its threads' clients are not reset here either. This process
    # runs only moto, so setting it on the class touches nothing else.
    BaseWSGIServer.request_queue_size = socket.SOMAXCONN
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
    parent = os.getppid()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    while not stopping.wait(1.0):
        if os.getppid() != parent:
            break
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
