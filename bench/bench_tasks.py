"""Bulk-task costs on the local stack: AWS calls per accepted recipient (upload + task
creation and start) and per sent message (dispatch, its receipt and the task counters), and
the local stack's dispatch throughput in numbers/s.

    .venv/bin/python bench/bench_tasks.py [--numbers 100000] [--window 120]

The list is uploaded the way a large one is (presigned POST to S3, parsed by the
S3-triggered job), then an immediate task is created. Calls are counted with botocore
``before-call`` hooks (bench/aws_calls.py) on every client in this process: the API, the
event runner's handlers and the simulator's receipts all run here, moto runs in its own
process. Sending is measured over a steady-state window (after a warm-up) rather than to
the end: moto is ~1,000x slower than DynamoDB/SQS, so a 100k task would take hours
locally; per-message costs do not depend on the task's size (chunks are independent), and
the window's receipts balance its sends. The stack is then stopped with the task unfinished.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.aws_calls import counting_aws_calls  # noqa: E402  (installs the hooks first)


class Http:
    def __init__(self, base: str):
        import requests
        self.base, self.session = base, requests.Session()

    def call(self, method: str, path: str, body=None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.session.request(method, self.base + path, json=body, headers=headers, timeout=60)
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else {}

    def login(self, login: str, password: str) -> str:
        import re
        self.call("POST", "/v1/auth/codes", {"login": login, "purpose": "login"})
        deadline = time.time() + 20
        while time.time() < deadline:
            for message in self.call("GET", f"/local/outbox?to={login}")["messages"]:
                found = re.search(r"verification code is (\d{6})", message["body"])
                if found:
                    return self.call("POST", "/v1/auth/login", {"login": login, "password": password,
                                                               "code": found.group(1)})["access_token"]
            time.sleep(0.3)
        raise RuntimeError("no login code")


def write_xlsx(path: Path, count: int) -> None:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("号码")
    sheet.append(["手机号码"])
    for i in range(count):
        sheet.append([f"+447{700000000 + i:09d}"])
    book.save(path)


def upload_list(http: Http, token: str, path: Path) -> dict:
    import requests
    presigned = http.call("POST", "/v1/uploads/presign", {"kind": "international", "filename": path.name}, token)
    with open(path, "rb") as data:
        posted = requests.post(presigned["upload"]["url"], data=presigned["upload"]["fields"],
                               files={"file": (path.name, data)}, timeout=300)
    assert posted.status_code in (200, 201, 204), posted.text
    while True:
        upload = http.call("GET", f"/v1/uploads/{presigned['upload_id']}", token=token)
        if upload["status"] not in ("uploading", "parsing"):
            assert upload["status"] == "ready", upload
            return upload
        time.sleep(1)


def print_calls(label: str, calls, per: int) -> None:
    detail = ", ".join(f"{op} {n / per:.3f}" for op, n in calls.most_common())
    print(f"  AWS calls per {label:18s} {sum(calls.values()) / per:7.3f}  ({detail})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=120, help="seconds of steady-state sending measured")
    parser.add_argument("--warmup", type=float, default=15)
    args = parser.parse_args()
    import logging
    logging.basicConfig(level=logging.ERROR)
    from chalice.local import ChaliceRequestHandler
    ChaliceRequestHandler.log_message = lambda *a: None
    os.environ.setdefault("JMC_CARRIER_TPS", "1000")  # the carrier budget is not what is measured
    from devstack.seed import DEMO_OWNER, OPERATOR
    from devstack.stack import LocalStack, free_port
    stack = LocalStack(api_port=free_port(), tls_port=free_port(), schedule_tick=1.0).start()
    try:
        http = Http(stack.api_url)
        owner, operator = http.login(*DEMO_OWNER), http.login(*OPERATOR)
        account_id = stack.seeded.demo_account_id
        http.call("POST", f"/v1/ops/accounts/{account_id}/topups",
                  {"amount": f"{args.numbers:.2f}", "reference": "bench"}, operator)
        app_id = http.call("GET", "/v1/apps", token=owner)["apps"][0]["id"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "numbers.xlsx"
            write_xlsx(path, args.numbers)
            started = time.perf_counter()
            with counting_aws_calls() as accept_calls:
                upload = upload_list(http, owner, path)
                parsed = time.perf_counter()
                task = http.call("POST", "/v1/tasks", {
                    "name": "bench", "kind": "international", "app_id": app_id, "upload_id": upload["upload_id"],
                    "content": "Bench sale", "blacklist_check": True}, owner)
            created = time.perf_counter()
        print(f"bulk task of {args.numbers:,} numbers on the local stack (moto server, carrier simulator)")
        print(f"  upload parsed (presigned POST → S3 event → job) in {parsed - started:.1f} s; "
              f"task created ({task['status']}) in {created - parsed:.1f} s")
        print_calls("accepted recipient", accept_calls, args.numbers)

        def submitted() -> int:
            counters = http.call("GET", f"/v1/tasks/{task['task_id']}", token=owner)["counters"]
            return counters["submitted"] + counters["blocked"] + counters["unsent"]
        time.sleep(args.warmup)
        with counting_aws_calls() as send_calls:
            first, window_start = submitted(), time.perf_counter()
            time.sleep(args.window)
            last, window_end = submitted(), time.perf_counter()
        sent = max(last - first, 1)
        print_calls("sent message", send_calls, sent)
        print(f"  dispatch throughput        {sent / (window_end - window_start):7.1f} numbers/s "
              f"({sent:,} in a {window_end - window_start:.0f} s window; carrier budget "
              f"{os.environ['JMC_CARRIER_TPS']}/s)")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
