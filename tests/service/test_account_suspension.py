"""Suspending an account (``PATCH /v1/ops/accounts/{id}``): operators only, audited; while
suspended its users cannot log in (open sessions end), its app keys are refused and it cannot
send; reactivating restores all of it."""
from __future__ import annotations

import pytest

from chalicelib.services import identity
from chalicelib.store.audit import list_events
from tests.service.helpers import initial_password, last_code, login
from tests.service.messaging import send


def _suspend(client, ops_token, account_id: str, status: str = "suspended"):
    return client.patch(f"/v1/ops/accounts/{account_id}", {"status": status}, token=ops_token)


def _later(monkeypatch, seconds: int) -> None:
    """Move identity's clock on, past the one-code-per-60-s window of a login (whose code is
    still unused)."""
    now = identity._now()
    monkeypatch.setattr(identity, "_now", lambda: now + seconds)


def _try_login(client, app, login_id: str, password: str):
    assert client.post("/v1/auth/codes", {"login": login_id, "purpose": "login"}).status == 202
    return client.post("/v1/auth/login", {"login": login_id, "password": password,
                                          "code": last_code(app, login_id)})


def test_a_suspended_accounts_users_cannot_log_in_and_reactivating_lets_them(client, app, ops_token, seeded,
                                                                              monkeypatch):
    from devstack.seed import DEMO_OWNER
    acc = seeded.demo_account_id
    owner = login(client, app, *DEMO_OWNER)
    assert client.get("/v1/me", token=owner["access_token"]).status == 200

    reply = _suspend(client, ops_token, acc)
    assert reply.status == 200, reply
    assert reply.json["id"] == acc and reply.json["status"] == "suspended"
    assert client.get(f"/v1/ops/accounts/{acc}", token=ops_token).json["status"] == "suspended"
    assert acc in [a["id"] for a in client.get("/v1/ops/accounts", token=ops_token).json["accounts"]
                   if a["status"] == "suspended"]

    # the open session ended at once, and its refresh token with it
    assert client.get("/v1/me", token=owner["access_token"]).status == 401
    assert client.post("/v1/auth/refresh", {"refresh_token": owner["refresh_token"]}).status == 401
    # a fresh login with the right password and code is told the account is suspended (the
    # code of the last login was used up, so a new one can be asked for at once)
    refused = _try_login(client, app, *DEMO_OWNER)
    assert refused.status == 403 and refused.json["error"]["code"] == "account_inactive", refused
    # a wrong password still gets the one generic answer: nothing is revealed to a stranger
    wrong = _try_login(client, app, DEMO_OWNER[0], "not-the-password")
    assert wrong.status == 401 and wrong.json["error"]["code"] == "invalid_credentials"

    back = _suspend(client, ops_token, acc, "active")
    assert back.status == 200 and back.json["status"] == "active"
    _later(monkeypatch, 61)  # the wrong try left its code unused: the next one comes after 60 s
    again = _try_login(client, app, *DEMO_OWNER)
    assert again.status == 200 and again.json["access_token"], again  # (its iat is in the moved clock's future)


def test_a_suspended_accounts_app_keys_are_refused_and_it_cannot_send(client, ops_token, seeded):
    acc = seeded.demo_account_id
    key = (seeded.app_key, seeded.app_secret)
    assert client.get("/v1/balance", basic=key).status == 200
    assert _suspend(client, ops_token, acc).status == 200

    balance = client.get("/v1/balance", basic=key)
    assert balance.status == 403 and balance.json["error"]["code"] == "account_inactive", balance
    sent = send(client, seeded, to="+447700900123", text="hello")
    assert sent.status == 403 and sent.json["error"]["code"] == "account_inactive", sent
    vonage = client.post("/sms/json", {"api_key": seeded.app_key, "api_secret": seeded.app_secret,
                                       "to": "447700900123", "from": "JMCDemo", "text": "hello"})
    assert vonage.json["messages"][0]["status"] == "8", vonage  # "Partner account barred"
    assert client.get(f"/v1/ops/accounts/{acc}", token=ops_token).json["balance"] == "100.00"

    assert _suspend(client, ops_token, acc, "active").status == 200
    assert client.get("/v1/balance", basic=key).status == 200


def test_changes_are_audited_once_and_a_repeat_is_no_change(client, ops_token, seeded):
    acc = seeded.demo_account_id
    assert _suspend(client, ops_token, acc).status == 200
    repeat = _suspend(client, ops_token, acc)
    assert repeat.status == 200 and repeat.json["status"] == "suspended"
    assert _suspend(client, ops_token, acc, "active").status == 200
    events, _ = list_events(acc, 50, None)
    actions = [e.action for e in events if e.action.startswith("account.")]
    assert actions == ["account.reactivated", "account.suspended"]  # newest first; the repeat wrote nothing
    operator_id = client.get("/v1/me", token=ops_token).json["user"]["id"]
    assert {e.actor for e in events if e.action.startswith("account.")} == {operator_id}


def test_only_operators_may_suspend(client, demo_token, seeded):
    reply = client.patch(f"/v1/ops/accounts/{seeded.demo_account_id}", {"status": "suspended"}, token=demo_token)
    assert reply.status == 403 and reply.json["error"]["code"] == "forbidden"
    assert client.patch(f"/v1/ops/accounts/{seeded.demo_account_id}", {"status": "suspended"}).status == 401
    assert client.get("/v1/me", token=demo_token).json["account"]["status"] == "active"


def test_an_unknown_account_or_the_operators_own_is_not_found(client, ops_token):
    assert _suspend(client, ops_token, "acc_doesnotexist").status == 404
    operators = client.get("/v1/me", token=ops_token).json["account"]["id"]
    reply = _suspend(client, ops_token, operators)
    assert reply.status == 404 and reply.json["error"]["code"] == "not_found"
    assert client.get("/v1/me", token=ops_token).status == 200


@pytest.mark.parametrize(("body", "status"), [({}, 400), ({"status": None}, 400), ({"status": "paused"}, 422),
                                              ({"status": ["suspended"]}, 422), ({"status": "SUSPENDED"}, 422)])
def test_a_bad_status_names_the_field_and_changes_nothing(client, ops_token, seeded, body, status):
    acc = seeded.demo_account_id
    reply = client.patch(f"/v1/ops/accounts/{acc}", body, token=ops_token)
    assert reply.status == status and reply.json["error"]["field"] == "status", reply
    assert client.get(f"/v1/ops/accounts/{acc}", token=ops_token).json["status"] == "active"


def test_a_new_accounts_owner_is_refused_while_suspended(client, app, ops_token):
    created = client.post("/v1/ops/accounts", {"name": "Paused Co", "owner": {"email": "p@paused.example",
                                                                              "name": "P"}}, token=ops_token).json
    assert _suspend(client, ops_token, created["id"]).status == 200
    refused = _try_login(client, app, "p@paused.example", initial_password(app, "p@paused.example"))
    assert refused.status == 403 and refused.json["error"]["code"] == "account_inactive"
