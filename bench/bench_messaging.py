"""Messaging costs: AWS calls per accepted and per submitted message, and the local stack's
throughput (API sends accepted per second, messages submitted to the carrier per second).

    .venv/bin/python bench/bench_messaging.py [--count 300] [--clients 8]

AWS calls are counted at botocore's one call point (boto3's and PynamoDB's clients both go
through it), per operation. The local-stack rates are wall clock on moto's server and the
carrier simulator: moto is ~1,000x slower than DynamoDB/SQS, so they show the local stack's
capacity (and that nothing is serialised by the design), not AWS throughput — on AWS the
submit rate is bounded by the carrier budget (JMC_CARRIER_TPS, 30 segments/s by default).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.aws_calls import counting_aws_calls  # noqa: E402


def calls_per_message(stack, count: int = 50) -> None:
    """Accept and dispatch ``count`` messages in-process against the running stack's moto."""
    from chalicelib.services import apps, dispatch, sending
    from chalicelib.store.accounts import App
    app = next(App.by_key.query(stack.seeded.app_key))
    caller = apps.Caller("app", app.account_id, app_id=app.app_id)
    stack.runner.stop()  # keep the runner's polling and dispatching out of the counts
    with counting_aws_calls() as accepted_calls:
        ids = [sending.accept(caller, sending.SendRequest(to="+447400123456", text=f"bench {i}")).message.message_id
               for i in range(count)]
    with counting_aws_calls() as submitted_calls:
        for message_id in ids:
            dispatch.dispatch(message_id)
        time.sleep(3)  # the simulator's receipts come back to the API: count them too
    for label, calls in (("accept (after auth)", accepted_calls), ("dispatch + its receipt", submitted_calls)):
        total = sum(calls.values())
        detail = ", ".join(f"{op} {n / count:.2f}" for op, n in sorted(calls.items()))
        print(f"AWS calls per message, {label:20s} {total / count:5.2f}  ({detail})")


def http_throughput(stack, count: int, clients: int) -> None:
    import requests
    auth = (stack.seeded.app_key, stack.seeded.app_secret)
    session = requests.Session()

    def send(i: int) -> int:
        reply = session.post(f"{stack.api_url}/v1/sms", json={"to": "+447400123456", "text": f"throughput {i}"},
                             auth=auth, timeout=30)
        return reply.status_code

    requests.delete(f"{stack.carrier.url}/_sim/messages", timeout=5)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = Counter(pool.map(send, range(count)))
    accepted_at = time.perf_counter()
    print(f"  accepted in {accepted_at - start:.1f} s: {dict(statuses)}", flush=True)
    assert statuses == {202: count}, statuses
    while True:
        received = len(requests.get(f"{stack.carrier.url}/_sim/messages", timeout=10).json()["messages"])
        if received >= count or time.perf_counter() - accepted_at > 600:
            break
        time.sleep(0.2)
    done = time.perf_counter()
    print(f"local stack: {count} sends by {clients} clients")
    print(f"  accepted (HTTP 202)        {count / (accepted_at - start):8.1f} /s")
    print(f"  submitted to the carrier   {received / (done - start):8.1f} /s end to end "
          f"({received} in {done - start:.1f} s; carrier budget {os.environ['JMC_CARRIER_TPS']}/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    import logging
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from chalice.local import ChaliceRequestHandler
    ChaliceRequestHandler.log_message = lambda *args: None  # no access log per request
    from devstack.stack import LocalStack, free_port
    os.environ.setdefault("JMC_CARRIER_TPS", "1000")
    stack = LocalStack(api_port=free_port(), tls_port=free_port(), schedule_tick=1.0).start()
    try:
        http_throughput(stack, args.count, args.clients)
        calls_per_message(stack)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
