"""What the portal's send forms offer: the senders and signatures an operator bound to the
caller's own account (``GET /v1/senders``, ``GET /v1/signatures``), never another's."""
from __future__ import annotations

from tests.service.test_ops import NEW_ACCOUNT


def test_a_customer_sees_the_senders_and_signatures_bound_to_its_own_account(client, ops_token, demo_token, seeded):
    acc = seeded.demo_account_id
    sender = client.post(f"/v1/ops/accounts/{acc}/senders",
                         {"type": "number", "value": "+447911123456", "countries": ["GB"]}, token=ops_token).json
    signature = client.post(f"/v1/ops/accounts/{acc}/signatures", {"text": "【阿克米】"}, token=ops_token).json
    other = client.post("/v1/ops/accounts", NEW_ACCOUNT, token=ops_token).json["id"]
    client.post(f"/v1/ops/accounts/{other}/senders",
                {"type": "number", "value": "+447911654321", "countries": ["GB"]}, token=ops_token)
    client.post(f"/v1/ops/accounts/{other}/signatures", {"text": "【别家】"}, token=ops_token)

    senders = client.get("/v1/senders", token=demo_token)
    assert senders.status == 200
    assert sender in senders.json["senders"]
    assert "+447911654321" not in [s["value"] for s in senders.json["senders"]]
    signatures = client.get("/v1/signatures", token=demo_token).json["signatures"]
    assert signature in signatures and "【别家】" not in [s["text"] for s in signatures]


def test_operators_and_anonymous_callers_are_refused(client, ops_token):
    for path in ("/v1/senders", "/v1/signatures"):
        assert client.get(path, token=ops_token).status == 403
        assert client.get(path).status == 401
