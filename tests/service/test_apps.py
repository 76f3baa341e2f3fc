"""Application management and app credentials."""
from __future__ import annotations

import base64

import boto3
import pytest

from chalicelib.errors import FieldError
from chalicelib.services import apps


def test_create_list_reveal_and_call_with_the_app(client, demo_token, seeded):
    created = client.post("/v1/apps", {"name": "Billing system"}, token=demo_token)
    assert created.status == 201
    app = created.json
    assert set(app) >= {"id", "name", "app_key", "created_at"} and "app_secret" not in app
    assert app["id"] in [a["id"] for a in client.get("/v1/apps", token=demo_token).json["apps"]]

    secret = client.get(f"/v1/apps/{app['id']}/secret", token=demo_token)
    assert secret.status == 200 and secret.headers.get("Cache-Control") == "no-store"
    app_secret = secret.json["app_secret"]
    assert client.get("/v1/balance", basic=(app["app_key"], app_secret)).json["balance"] == "100.00"
    assert client.get("/v1/balance", basic=(app["app_key"], app_secret + "x")).status == 401
    assert client.get("/v1/balance", basic=("nokey", app_secret)).status == 401
    # app credentials open only the routes meant for systems
    assert client.get("/v1/me", basic=(app["app_key"], app_secret)).status == 401

    events = client.get("/v1/audit-events", token=demo_token).json["events"]
    assert [e["action"] for e in events][:2] == ["app.secret_revealed", "app.created"]


def test_the_secret_is_encrypted_at_rest(client, demo_token, seeded):
    app = client.post("/v1/apps", {"name": "At rest"}, token=demo_token).json
    app_secret = client.get(f"/v1/apps/{app['id']}/secret", token=demo_token).json["app_secret"]
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="jmc-local-accounts", Key={"pk": {"S": seeded.demo_account_id},
                                             "sk": {"S": f"APP#{app['id']}"}})["Item"]
    stored = str(item)
    assert app_secret not in stored
    ciphertext = base64.b64decode(item["secret_ciphertext"]["S"])
    kms = boto3.client("kms", region_name="us-east-1")
    plain = kms.decrypt(CiphertextBlob=ciphertext,
                        EncryptionContext={"account_id": seeded.demo_account_id, "app_id": app["id"]})["Plaintext"]
    assert plain.decode() == app_secret


def test_disabling_an_app_stops_its_credentials_at_once(client, demo_token, seeded):
    app = client.post("/v1/apps", {"name": "Short lived"}, token=demo_token).json
    app_secret = client.get(f"/v1/apps/{app['id']}/secret", token=demo_token).json["app_secret"]
    assert client.get("/v1/balance", basic=(app["app_key"], app_secret)).status == 200
    assert client.delete(f"/v1/apps/{app['id']}", token=demo_token).status == 204
    assert client.get("/v1/balance", basic=(app["app_key"], app_secret)).status == 401
    assert client.get(f"/v1/apps/{app['id']}", token=demo_token).json["status"] == "disabled"


def test_app_name_is_validated(client, demo_token):
    assert client.post("/v1/apps", {}, token=demo_token).json["error"]["field"] == "name"
    assert client.post("/v1/apps", {"name": "x" * 65}, token=demo_token).status == 422


@pytest.mark.parametrize("name", ["Billing\nsystem", "tab\there", "nul\x00", "bell\x07", "del\x7f", "c1\x85",
                                  "line\u2028break", "lone \ud800 surrogate"])
def test_app_names_with_control_characters_are_refused_whoever_creates_them(name):
    """The JSON reader refuses control characters for the HTTP API; seeding and other callers
    of the service meet the same rule."""
    with pytest.raises(FieldError) as caught:
        apps.name_field(name)
    assert (caught.value.status, caught.value.message) == (422, "name must not contain control characters")
    assert apps.name_field("  Billing 系统 ✓  ") == "Billing 系统 ✓"
