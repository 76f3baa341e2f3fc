"""Templates: international ones usable at once; domestic ones reviewed by an operator."""
from __future__ import annotations

import pytest


def test_international_template_crud(client, demo_token):
    created = client.post("/v1/templates", {"name": "OTP", "content": "Your code is {code}"}, token=demo_token)
    assert created.status == 201 and created.json["status"] == "active" and created.json["kind"] == "international"
    template_id = created.json["id"]
    edited = client.put(f"/v1/templates/{template_id}", {"content": "Code: {code}"}, token=demo_token)
    assert edited.status == 200 and edited.json["content"] == "Code: {code}" and edited.json["status"] == "active"
    assert [t["id"] for t in client.get("/v1/templates", token=demo_token).json["templates"]] == [template_id]
    assert client.delete(f"/v1/templates/{template_id}", token=demo_token).status == 204
    assert client.get(f"/v1/templates/{template_id}", token=demo_token).status == 404


def test_domestic_template_review(client, demo_token, ops_token):
    created = client.post("/v1/templates", {"name": "验证码", "content": "您的验证码是{code}", "kind": "domestic"},
                          token=demo_token).json
    assert created["status"] == "pending"
    pending = client.get("/v1/ops/templates", token=ops_token).json["templates"]
    assert [t["id"] for t in pending] == [created["id"]] and pending[0]["account_id"]
    rejected = client.post(f"/v1/ops/templates/{created['id']}/reject", {"reason": "缺少退订说明"}, token=ops_token)
    assert rejected.status == 200 and rejected.json["status"] == "rejected"
    mine = client.get(f"/v1/templates/{created['id']}", token=demo_token).json
    assert (mine["status"], mine["reason"]) == ("rejected", "缺少退订说明")
    # Editing the content sends it back to review; then it is approved.
    client.put(f"/v1/templates/{created['id']}", {"content": "您的验证码是{code}，回T退订"}, token=demo_token)
    assert client.get(f"/v1/templates/{created['id']}", token=demo_token).json["status"] == "pending"
    approved = client.post(f"/v1/ops/templates/{created['id']}/approve", {}, token=ops_token)
    assert approved.status == 200 and approved.json["status"] == "approved" and approved.json["reason"] is None
    assert client.get("/v1/ops/templates", token=ops_token).json["templates"] == []
    assert client.post(f"/v1/ops/templates/{created['id']}/approve", {}, token=ops_token).status == 404


@pytest.mark.parametrize("body, field, status", [
    ({"content": "x"}, "name", 400), ({"name": "n"}, "content", 400), ({"name": "n", "content": "x", "kind": "x"},
                                                                       "kind", 422),
    ({"name": "n" * 65, "content": "x"}, "name", 422),
    ({"name": "n", "content": "【锦木科技】验证码", "kind": "domestic"}, "content", 422),
])
def test_bad_templates_name_the_field(client, demo_token, body, field, status):
    reply = client.post("/v1/templates", body, token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field


def test_roles_and_tenants(client, app, demo_token, ops_token, seeded):
    created = client.post("/v1/templates", {"name": "d", "content": "c", "kind": "domestic"}, token=demo_token).json
    assert client.post(f"/v1/ops/templates/{created['id']}/approve", {}, token=demo_token).status == 403
    assert client.post("/v1/templates", {"name": "n", "content": "c"}, token=ops_token).status == 403
    reject_without_reason = client.post(f"/v1/ops/templates/{created['id']}/reject", {}, token=ops_token)
    assert reject_without_reason.status == 400 and reject_without_reason.json["error"]["field"] == "reason"
    from tests.service.helpers import initial_password, login
    reply = client.post("/v1/ops/accounts", {"name": "Tpl Rival", "owner": {"email": "r@tpl.example", "name": "R"}},
                        token=ops_token)
    assert reply.status == 201
    rival = login(client, app, "r@tpl.example", initial_password(app, "r@tpl.example"))["access_token"]
    assert client.get(f"/v1/templates/{created['id']}", token=rival).status == 404
    assert client.get("/v1/templates", token=rival).json["templates"] == []
