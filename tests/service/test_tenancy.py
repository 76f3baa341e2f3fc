"""Tenants never see each other's data: foreign ids are 404, not 403."""
from __future__ import annotations

from tests.service.helpers import initial_password, login


def _second_tenant(client, app, ops_token):
    created = client.post("/v1/ops/accounts", {"name": "Rival Inc", "owner": {"email": "boss@rival.example",
                                                                              "name": "Boss"}},
                          token=ops_token).json
    password = initial_password(app, "boss@rival.example")
    token = login(client, app, "boss@rival.example", password)["access_token"]
    return created["id"], token


def test_users_of_one_account_cannot_reach_another_accounts_apps_or_ledger(client, app, ops_token, demo_token, seeded):
    demo_app = client.post("/v1/apps", {"name": "Demo secret app"}, token=demo_token).json
    rival_id, rival_token = _second_tenant(client, app, ops_token)

    for method, path in [("GET", f"/v1/apps/{demo_app['id']}"), ("GET", f"/v1/apps/{demo_app['id']}/secret"),
                         ("DELETE", f"/v1/apps/{demo_app['id']}")]:
        reply = client.call(method, path, token=rival_token)
        assert reply.status == 404, (method, path, reply)
    assert client.get("/v1/apps", token=rival_token).json["apps"] == []
    assert client.get("/v1/ledger", token=rival_token).json["entries"] == []
    assert client.get("/v1/balance", token=rival_token).json["balance"] == "0.00"
    assert client.get("/v1/audit-events", token=rival_token).json["events"] == []
    # the demo app is untouched
    assert client.get(f"/v1/apps/{demo_app['id']}", token=demo_token).json["status"] == "active"
    # and a customer cannot reach the ops view of either account
    assert client.get(f"/v1/ops/accounts/{seeded.demo_account_id}", token=rival_token).status == 403


def test_app_credentials_only_see_their_own_account(client, app, ops_token, demo_token, seeded):
    rival_id, rival_token = _second_tenant(client, app, ops_token)
    client.post(f"/v1/ops/accounts/{rival_id}/topups", {"amount": "7.00", "reference": "r-1"}, token=ops_token)
    rival_app = client.post("/v1/apps", {"name": "Rival app"}, token=rival_token).json
    secret = client.get(f"/v1/apps/{rival_app['id']}/secret", token=rival_token).json["app_secret"]
    assert client.get("/v1/balance", basic=(rival_app["app_key"], secret)).json["balance"] == "7.00"
    assert client.get("/v1/balance", token=demo_token).json["balance"] == "100.00"


def test_members_cannot_read_the_audit_log(client, app, ops_token, seeded):
    client.post(f"/v1/ops/accounts/{seeded.demo_account_id}/users", {"email": "mem@demo.example", "name": "Mem"},
                token=ops_token)
    token = login(client, app, "mem@demo.example", initial_password(app, "mem@demo.example"))["access_token"]
    assert client.get("/v1/audit-events", token=token).status == 403
    assert client.get("/v1/me", token=token).json["role"] == "member"
