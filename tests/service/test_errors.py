"""One error shape everywhere; malformed input is a 4xx, never a 500."""
from __future__ import annotations


def test_malformed_json_is_400_with_our_shape(client, demo_token):
    for raw in (b"{not json", b"[1,2]", b"\xff\xfe", b""):
        reply = client.call("POST", "/v1/apps", token=demo_token, raw_body=raw)
        assert reply.status == 400, raw
        assert set(reply.json["error"]) >= {"code", "message", "field"}


def test_health_and_openapi(client):
    assert client.get("/health").json == {"status": "ok"}
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")


def test_unknown_methods_are_json_errors(client, demo_token):
    reply = client.call("PATCH", "/v1/apps", token=demo_token)
    assert reply.status in (403, 404, 405) and "error" in reply.json


def test_bad_paging_is_a_400(client, demo_token):
    assert client.get("/v1/ledger?limit=0", token=demo_token).json["error"]["field"] == "limit"
    assert client.get("/v1/ledger?cursor=%%%", token=demo_token).json["error"]["field"] == "cursor"


def test_local_endpoints_are_absent_on_cloud_stages(aws, monkeypatch):
    from chalice.test import Client

    from app import app
    from chalicelib.config import settings
    monkeypatch.setenv("JMC_STAGE", "dev")
    settings.cache_clear()
    try:
        with Client(app, stage_name="dev") as c:
            assert c.http.get("/local/info").status_code == 404
            assert c.http.get("/local/outbox?to=a@b.cc").status_code == 404
    finally:
        monkeypatch.setenv("JMC_STAGE", "local")
        settings.cache_clear()


def test_a_method_the_route_does_not_declare_is_a_405_that_keeps_its_allow_header(client, seeded):
    reply = client.call("DELETE", "/v1/sms", basic=(seeded.app_key, seeded.app_secret))
    assert reply.status == 405 and reply.headers["Allow"] == "POST"
    assert reply.json["error"]["code"] == "method_not_allowed"
