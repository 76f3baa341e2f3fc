"""Identity costs: KDF and code hashing per core, and AWS calls per authenticated request.

    .venv/bin/python bench/bench_identity.py

AWS calls are counted at botocore's client call point on moto in-process, so
the figure is what each request costs on AWS (moto's own speed is no proxy for AWS).
"""
from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.moto_env import use_moto_in_process  # noqa: E402

use_moto_in_process()


def rate(fn, seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def domain_figures() -> None:
    from chalicelib.domain import identity as rules
    encoded = rules.hash_password("bench-password-1")
    verify = rate(lambda: rules.verify_password('bench-password-1', encoded))
    print(f"scrypt password verify:     {verify:8.1f} /s per core")
    print(f"code HMAC:                  {rate(lambda: rules.hash_code('123456', b'k', 'a@b.cc')):8.0f} /s per core")
    print(f"login normalise (phone):    {rate(lambda: rules.normalise_login('+86 138 0013 8000')):8.0f} /s per core")


def aws_calls_per_request() -> None:
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from devstack.provision import provision_stack
        provision_stack(ROOT / "infra" / "template.json", {"Stage": "local"})
        from app import app
        from devstack.seed import seed
        seeded = seed()
        from devstack.aws_calls import counting_aws_calls
        basic = "Basic " + base64.b64encode(f"{seeded.app_key}:{seeded.app_secret}".encode()).decode()
        with Client(app, stage_name="local") as client, counting_aws_calls() as calls:
            client.http.get("/v1/balance", headers={"Authorization": basic})  # warm
            calls.clear()
            n = 200
            start = time.perf_counter()
            for _ in range(n):
                assert client.http.get("/v1/balance", headers={"Authorization": basic}).status_code == 200
            elapsed = time.perf_counter() - start
        per_request = sum(calls.values()) / n
        print(f"GET /v1/balance (app Basic): {per_request:.1f} AWS calls/request "
              f"({', '.join(f'{k} {v / n:.1f}' for k, v in sorted(calls.items()))}); "
              f"{n / elapsed:.0f} req/s in-process on moto (not an AWS figure)")


if __name__ == "__main__":
    domain_figures()
    aws_calls_per_request()
