"""``python -m carrier_sim [--host H] [--port P] [--api-key K --api-secret S] [receipt options]``.

Runs the simulator in the foreground, prints its URL (one line, flushed, so a wrapper
script can read it) and stops cleanly on Ctrl-C or SIGTERM. The receipt options set the
starting run-time config; everything can still be changed with ``PUT /_sim/config``.
"""
from __future__ import annotations

import argparse
import json
import signal
import threading

from carrier_sim.server import CarrierSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carrier_sim", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--api-key", help="if set (with --api-secret), other credentials get status 4")
    parser.add_argument("--api-secret")
    parser.add_argument("--dlr-url", help="where delivery receipts go when a submit has no callback")
    parser.add_argument("--dlr-method", choices=("POST", "GET"), help="POST (JSON, default) or GET")
    parser.add_argument("--dlr-delay-ms", type=float, help="delay before a receipt is sent (default 200)")
    parser.add_argument("--signature-secret", help="sign receipts as Vonage does (sig + timestamp)")
    parser.add_argument("--seed", type=int, help="seed for the delivery-outcome draws")
    parser.add_argument("--config", type=json.loads, default={}, metavar="JSON",
                        help='any other config, e.g. \'{"outcomes": {"GB": {"delivered": 0.9, "failed": 0.1}}}\'')
    args = parser.parse_args(argv)

    if not isinstance(args.config, dict):
        parser.error("--config must be a JSON object")
    config = dict(args.config)
    config.update({key: value for key, value in (("dlr_url", args.dlr_url), ("dlr_method", args.dlr_method),
                                                 ("dlr_delay_ms", args.dlr_delay_ms),
                                                 ("signature_secret", args.signature_secret), ("seed", args.seed))
                   if value is not None})
    sim = CarrierSimulator(args.host, args.port, args.api_key, args.api_secret)
    try:
        sim.configure(**config)
    except (TypeError, ValueError) as exc:
        parser.error(f"bad config: {exc}")
    sim.start()
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
