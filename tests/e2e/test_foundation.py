"""The foundation story over HTTP against the local stack: an operator creates an
account; its owner gets the initial password and a code in the outbox, logs in, creates
an app, reveals its secret and calls GET /v1/balance with it. Plus the unhappy paths."""
from __future__ import annotations

import pytest
import requests

from devstack.seed import DEMO_OWNER

pytestmark = pytest.mark.e2e


def test_local_info_and_health(stack):
    info = stack.info
    assert info["api_url"] == stack.base
    assert requests.get(info["carrier_url"] + "/health", timeout=5).json() == {"status": "ok"}
    assert info["aws_endpoint_url"].startswith("http://127.0.0.1:")
    assert stack.call("GET", "/health").json() == {"status": "ok"}
    assert stack.call("GET", "/openapi.json").json()["paths"]


def test_operator_onboards_a_customer_who_then_calls_the_api(stack, ops_token):
    ops = ops_token
    created = stack.call("POST", "/v1/ops/accounts", {"name": "E2E Traders", "currency": "USD",
                                                      "owner": {"email": "owner@e2e.example",
                                                                "name": "Olive"}}, token=ops)
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    assert stack.call("POST", f"/v1/ops/accounts/{account_id}/topups",
                      {"amount": "42.50", "reference": "E2E-TT-1"}, token=ops).status_code == 201

    password = stack.outbox("owner@e2e.example", r"Initial password: (\S+)")
    owner = stack.login("owner@e2e.example", password)
    me = stack.call("GET", "/v1/me", token=owner).json()
    assert me["account"]["id"] == account_id and me["balance"] == "42.50"

    app = stack.call("POST", "/v1/apps", {"name": "Checkout"}, token=owner).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=owner).json()["app_secret"]
    balance = stack.call("GET", "/v1/balance", auth=(app["app_key"], secret))
    assert balance.status_code == 200 and balance.json() == {"balance": "42.50", "currency": "USD"}
    assert stack.call("GET", "/v1/balance", auth=(app["app_key"], "wrong")).status_code == 401


def test_unhappy_paths(stack, ops_token, demo_token):
    demo, ops = demo_token, ops_token
    # wrong password: generic 401
    stack_code = stack.call("POST", "/v1/auth/login", {"login": DEMO_OWNER[0], "password": "wrong-pass-1",
                                                       "code": "123456"})
    assert stack_code.status_code == 401 and stack_code.json()["error"]["code"] == "invalid_credentials"
    # the code just used to log in cannot be reused
    # (a fresh code is throttled for 60 s, so reuse the one from the outbox)
    used = stack.outbox(DEMO_OWNER[0], r"verification code is (\d{6})")
    reuse = stack.call("POST", "/v1/auth/login", {"login": DEMO_OWNER[0], "password": DEMO_OWNER[1], "code": used})
    assert reuse.status_code == 401
    # rate limit: a second code within 60 s
    assert stack.call("POST", "/v1/auth/codes", {"login": "burst@nowhere.example"}).status_code == 202
    limited = stack.call("POST", "/v1/auth/codes", {"login": "burst@nowhere.example"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    # non-operator on ops
    assert stack.call("GET", "/v1/ops/accounts", token=demo).status_code == 403
    # foreign ids
    stack.call("POST", "/v1/ops/accounts", {"name": "Other Co", "owner": {"email": "o@other.example", "name": "O"}},
               token=ops)
    other = stack.login("o@other.example", stack.outbox("o@other.example", r"Initial password: (\S+)"))
    demo_app = stack.call("POST", "/v1/apps", {"name": "Mine"}, token=demo).json()
    assert stack.call("GET", f"/v1/apps/{demo_app['id']}/secret", token=other).status_code == 404
    assert stack.call("DELETE", f"/v1/apps/{demo_app['id']}", token=other).status_code == 404
    # malformed JSON
    bad = stack.call("POST", "/v1/apps", token=demo, data=b"{oops", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "body"


def test_phone_login_code_goes_through_the_carrier_simulator(stack, ops_token):
    ops = ops_token
    accounts = stack.call("GET", "/v1/ops/accounts", token=ops).json()["accounts"]
    demo_id = next(a["id"] for a in accounts if a["name"] == "Demo Co")
    user = stack.call("POST", f"/v1/ops/accounts/{demo_id}/users",
                      {"email": "sms@demo.example", "name": "SMS", "phone": "+8613800138000",
                       "role": "member"}, token=ops)
    assert user.status_code == 201, user.text
    assert stack.call("POST", "/v1/auth/codes", {"login": "+86 138 0013 8000"}).status_code == 202
    code = stack.outbox("+8613800138000", r"verification code is (\d{6})")
    sim = requests.get(stack.info["carrier_url"] + "/_sim/messages", params={"to": "8613800138000"}, timeout=5).json()
    assert any(code in m["text"] for m in sim["messages"])
