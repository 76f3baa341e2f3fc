"""``python -m devstack``: start the whole product on the embedded local stack, in the
foreground, until Ctrl-C or SIGTERM. ``PORT`` sets the API port (default 8000), ``TLS_PORT``
the same API over HTTPS with a CA made at start (default 8443; see devstack/tls.py)."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from devstack.seed import DEMO_OWNER, OPERATOR
from devstack.stack import LocalStack


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stack = LocalStack(api_port=int(os.environ.get("PORT", "8000")), tls_port=int(os.environ.get("TLS_PORT", "8443")),
                       schedule_tick=float(os.environ.get("JMC_SCHEDULE_TICK", "5")))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stack.start()
    print_banner(stack)
    stopping.wait()
    print("\nStopping the local stack...", flush=True)
    stack.stop()
    cut_off = [t.name for t in threading.enumerate()
               if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    print("Stopped.", flush=True)
    if cut_off:
        # Handler work still in flight (a chunk worker's send threads) would hold the exit
        # until each call failed against the stopped emulator; Lambda cuts such work off too.
        print(f"(cut off {len(cut_off)} handler thread(s) still running)", flush=True)
        logging.shutdown()
        os._exit(0)
    return 0


def print_banner(stack: LocalStack) -> None:
    lines = [
        "", "JMC is running on the local stack (Ctrl-C to stop)", "",
        f"  Portal           {stack.api_url}/portal/   (zh/en; customers and operators)",
        f"  API              {stack.api_url}   (OpenAPI: {stack.api_url}/openapi.json)",
        f"  API over TLS     {stack.api_tls_url}   (CA: {stack.tls.ca_bundle}; REQUESTS_CA_BUNDLE for the Vonage SDK)",
        f"  AWS (moto)       {stack.aws_endpoint_url}",
        f"  Carrier (sim)    {stack.carrier.url}",
        f"  Outbox           {stack.api_url}/local/outbox?to=<email-or-phone>", "",
        f"  Operator login   {OPERATOR[0]} / {OPERATOR[1]}",
        f"  Demo Co owner    {DEMO_OWNER[0]} / {DEMO_OWNER[1]}",
    ]
    if stack.seeded:
        lines.append(f"  Demo app         key {stack.seeded.app_key}  secret {stack.seeded.app_secret}")
    lines.append("  Log in: POST /v1/auth/codes, read the code in the outbox, POST /v1/auth/login")
    print("\n".join(lines), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
