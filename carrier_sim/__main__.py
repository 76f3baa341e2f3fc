"""``python -m carrier_sim [--host H] [--port P] [--api-key K --api-secret S]``.

Runs the simulator in the foreground, prints its URL (one line, flushed, so a wrapper
script can read it) and stops cleanly on Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import signal
import threading

from carrier_sim.server import CarrierSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carrier_sim", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--api-key", help="if set (with --api-secret), other credentials get status 4")
    parser.add_argument("--api-secret")
    args = parser.parse_args(argv)

    sim = CarrierSimulator(args.host, args.port, args.api_key, args.api_secret).start()
    print(sim.url, flush=True)
    stopping = threading.Event()
    # One handler for both, so Ctrl-C also stops quietly (no KeyboardInterrupt traceback).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stopping.wait()
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
