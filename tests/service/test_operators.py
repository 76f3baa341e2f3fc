"""The operators' team: an operator adds another operator (initial password by email), who can
sign in to the console; customers cannot list or add operators."""
from __future__ import annotations

import re

from tests.service.helpers import drain_notifications, emails_to, login


def test_an_operator_adds_an_operator_who_can_sign_in(client, app, seeded, ops_token):
    created = client.post("/v1/ops/operators", {"email": "second.op@jmc.example", "name": "Second",
                                                "role": "owner"}, token=ops_token)
    assert created.status == 201, created
    assert created.json["role"] == "operator"  # the team has one role, whatever is asked
    drain_notifications(app)
    password = re.search(r"Initial password: (\S+)", "\n".join(emails_to("second.op@jmc.example"))).group(1)
    token = login(client, app, "second.op@jmc.example", password)["access_token"]
    assert client.get("/v1/me", token=token).json["role"] == "operator"
    listed = client.get("/v1/ops/operators", token=token).json["operators"]
    assert {"second.op@jmc.example", "ops@jmc.local"} <= {u["email"] for u in listed}
    assert all(u["role"] == "operator" for u in listed)


def test_bad_input_names_the_field_and_adds_no_one(client, seeded, ops_token):
    bad = client.post("/v1/ops/operators", {"name": "No Email"}, token=ops_token)
    assert (bad.status, bad.json["error"]["field"]) in ((400, "email"), (422, "email"))
    taken = client.post("/v1/ops/operators", {"email": "ops@jmc.local", "name": "Again"}, token=ops_token)
    assert taken.status == 409
    assert len(client.get("/v1/ops/operators", token=ops_token).json["operators"]) == 1


def test_customers_cannot_see_or_add_operators(client, seeded, demo_token):
    assert client.get("/v1/ops/operators", token=demo_token).status == 403
    assert client.post("/v1/ops/operators", {"email": "x@y.example", "name": "X"}, token=demo_token).status == 403
    assert client.get("/v1/ops/operators").status == 401
