"""Hostile input is a 4xx in our error shape naming the field, and nothing is written: lone
surrogates, control characters, huge and deeply nested bodies, on bodies, forms and query
strings alike (the Vonage-compatible API answers with Vonage status codes instead)."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from chalicelib.api import payload
from chalicelib.store.auth import AuthRecord
from chalicelib.store.messages import Message
from tests.service.messaging import UK, carrier_messages, reset_carrier, send
from tests.service.tasks_helpers import app_id_of

NEW_ACCOUNT = {"name": "Acme Ltd", "owner": {"email": "owner@acme.example", "name": "Ann Owner"}}
SURROGATE = "x\ud800y"  # json.dumps sends it as the escape "x\ud800y", as a hostile client would


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


def _refused(reply, status: int, field: str) -> None:
    assert reply.status == status, reply
    error = reply.json["error"]
    assert error["field"] == field, reply
    assert error["code"] == {400: "invalid_request", 413: "payload_too_large", 422: "invalid_value"}[status]
    assert error["message"].startswith(field)
    assert "\ud800" not in reply.body.decode() and "\\u0000" not in reply.body.decode()


def _no_messages() -> bool:
    return list(Message.scan()) == []


def _app_names(client, token) -> list[str]:
    return [a["name"] for a in client.get("/v1/apps", token=token).json["apps"]]


def _account_names(client, token) -> list[str]:
    return sorted(a["name"] for a in client.get("/v1/ops/accounts", token=token).json["accounts"])


def _nested(depth: int) -> bytes:
    return b'{"to": ' + b"[" * depth + b"]" * depth + b', "text": "hi"}'


# --- POST /v1/sms ---------------------------------------------------------------------------

NATIVE_SEND_CASES = [
    ({"text": SURROGATE}, 400, "text"),
    ({"to": "+44740012\udc00"}, 400, "to"),
    ({"client_ref": "\udbff"}, 400, "client_ref"),
    ({"text": "hi\x00"}, 422, "text"),
    ({"text": "hi\x7f"}, 422, "text"),
    ({"text": "hi\x9b[31m"}, 422, "text"),  # C1: a terminal's CSI
    ({"from": "JMC\x00"}, 422, "from"),
    ({"client_ref": "order\n7"}, 422, "client_ref"),
    ({"x\ud800": 1}, 400, "x\\ud800"),
    ({"meta": {"tags": ["ok", "\x1b"]}}, 422, "meta.tags[1]"),
]


def test_native_send_refuses_bad_strings_and_logs_nothing(client, seeded, carrier_sim):
    for fields, status, field in NATIVE_SEND_CASES:
        _refused(send(client, seeded, **fields), status, field)
    assert _no_messages()
    assert carrier_messages(carrier_sim.url) == []


def test_native_send_takes_line_breaks_in_its_text(client, seeded):
    reply = send(client, seeded, text="Your code is 123456.\r\nDo not share it.\tJMC")
    assert reply.status == 202, reply


def test_native_send_refuses_huge_and_deep_bodies(client, seeded):
    basic = (seeded.app_key, seeded.app_secret)
    huge = json.dumps({"to": UK, "text": "x" * payload.MAX_BODY_BYTES}).encode()
    _refused(client.call("POST", "/v1/sms", basic=basic, raw_body=huge), 413, "body")
    _refused(client.call("POST", "/v1/sms", basic=basic, raw_body=_nested(100_000)), 400, "body")
    _refused(client.call("POST", "/v1/sms", basic=basic, raw_body=_nested(payload.MAX_DEPTH)), 400, "body")
    assert _no_messages()


# --- POST /sms/json (Vonage's shape: HTTP 200 and a Vonage status) ----------------------------

def _vonage(client, seeded, params: dict, *, form: bool):
    params = {"api_key": seeded.app_key, "api_secret": seeded.app_secret, "from": "JMCDemo",
              "to": UK.lstrip("+"), "text": "hi", **params}
    if form:
        return client.call("POST", "/sms/json", raw_body=urlencode(params).encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    return client.post("/sms/json", params)


VONAGE_CASES = [
    ({"text": SURROGATE}, False, "6", "text"),
    ({"text": "hi\x00"}, True, "6", "text"),
    ({"text": "hi\x1b"}, False, "6", "text"),
    ({"from": "JMC\x00"}, True, "3", "from"),
    ({"from": "JMC\nDemo"}, False, "3", "from"),
    ({"to": "4474001\ud800"}, False, "3", "to"),
    ({"client-ref": "a\x7f"}, True, "3", "client-ref"),
    ({"callback": "https://example.com/\x00"}, True, "3", "callback"),
]


def test_vonage_send_refuses_bad_strings_with_vonage_statuses(client, seeded, carrier_sim):
    for params, form, status, field in VONAGE_CASES:
        reply = _vonage(client, seeded, params, form=form)
        assert reply.status == 200, reply
        [entry] = reply.json["messages"]
        assert entry["status"] == status, (params, entry)
        assert field in entry["error-text"] and "\ud800" not in reply.body.decode()
        assert "to" not in entry  # nothing of the refused request is echoed
    assert _no_messages()
    assert carrier_messages(carrier_sim.url) == []


def test_vonage_send_takes_line_breaks_in_its_text(client, seeded):
    reply = _vonage(client, seeded, {"text": "line one\nline two"}, form=True)
    assert reply.json["messages"][0]["status"] == "0", reply


def test_vonage_send_refuses_bad_query_parameters_huge_and_deep_bodies(client, seeded):
    creds = urlencode({"api_key": seeded.app_key, "api_secret": seeded.app_secret})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    reply = client.call("POST", f"/sms/json?{creds}&client-ref=%01", headers=form,
                        raw_body=b"from=JMCDemo&to=447400123456&text=hi")
    assert reply.json["messages"][0]["status"] == "3" and "client-ref" in reply.json["messages"][0]["error-text"]
    huge = b"text=" + b"x" * payload.MAX_BODY_BYTES
    reply = client.call("POST", f"/sms/json?{creds}", headers=form, raw_body=huge)
    assert reply.json["messages"][0]["status"] == "3" and "body" in reply.json["messages"][0]["error-text"]
    reply = client.call("POST", f"/sms/json?{creds}", raw_body=_nested(100_000))
    assert reply.status == 200 and reply.json["messages"][0]["status"] == "3"
    assert _no_messages()


# --- POST /v1/tasks ---------------------------------------------------------------------------

def _tasks(client, token) -> list:
    return client.get("/v1/tasks", token=token).json["tasks"]


TASK_CASES = [
    ({"content": SURROGATE}, 400, "content"),
    ({"name": "Winter\ud800"}, 400, "name"),
    ({"content": "Sale\x00today"}, 422, "content"),
    ({"name": "Winter\nsale"}, 422, "name"),
    ({"upload_id": "u\x85"}, 422, "upload_id"),
]


def test_task_creation_refuses_bad_strings_and_writes_nothing(client, demo_token):
    for fields, status, field in TASK_CASES:
        body = {"name": "Winter sale", "kind": "international", "app_id": "a", "upload_id": "u",
                "content": "Sale today", **fields}
        _refused(client.post("/v1/tasks", body, token=demo_token), status, field)
    assert _tasks(client, demo_token) == []


def test_task_content_may_carry_line_breaks(client, demo_token):
    body = {"name": "Winter sale", "kind": "international", "app_id": "a", "upload_id": "u",
            "content": "Sale today\nonly"}
    reply = client.post("/v1/tasks", body, token=demo_token)
    assert reply.json["error"]["field"] != "content", reply  # refused later, for the unknown app or upload


def test_a_list_filter_with_a_control_character_matches_nothing(client, demo_token):
    # A filter is not stored: a control character in it finds nothing (status: not one of them).
    _refused(client.get("/v1/tasks?status=%00", token=demo_token), 400, "status")
    reply = client.get("/v1/tasks?name=a%0Ab&a%01=1", token=demo_token)
    assert reply.status == 200 and reply.json["tasks"] == [], reply


# --- POST /v1/apps ----------------------------------------------------------------------------

def test_app_creation_refuses_bad_names_and_creates_nothing(client, demo_token):
    before = _app_names(client, demo_token)
    for name, status in [(SURROGATE, 400), ("\udfff", 400), ("App\x00", 422), ("App\x7f", 422), ("App\x85", 422),
                         ("App\r\n", 422), ("A\tB", 422)]:
        _refused(client.post("/v1/apps", {"name": name}, token=demo_token), status, "name")
    assert _app_names(client, demo_token) == before


def test_app_creation_refuses_huge_and_deep_bodies(client, demo_token):
    before = _app_names(client, demo_token)
    huge = json.dumps({"name": "x" * payload.MAX_BODY_BYTES}).encode()
    _refused(client.call("POST", "/v1/apps", token=demo_token, raw_body=huge), 413, "body")
    deep = b'{"name": "n", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _refused(client.call("POST", "/v1/apps", token=demo_token, raw_body=deep), 400, "body")
    assert _app_names(client, demo_token) == before


# --- POST /v1/auth/codes ----------------------------------------------------------------------

def test_code_requests_refuse_bad_logins_and_store_nothing(client, seeded):
    for login, status in [("ops@jmc.local\ud800", 400), ("ops@jmc.local\x00", 422), ("ops@jmc.local\n", 422)]:
        _refused(client.post("/v1/auth/codes", {"login": login, "purpose": "login"}), status, "login")
    assert list(AuthRecord.scan()) == []


@pytest.mark.parametrize("login", ["ops@jmc.local*", "ops@jmc.local.", "ops@jmc", "\u3000ops@jmc.local",
                                   "+8613800138000x", "+8613800138000;ext=1"])
def test_a_login_with_more_than_an_address_or_number_in_it_is_a_422(client, seeded, login):
    """The fuzzer found "gum@empty.io*" answered 202 where the spec's pattern refuses it."""
    _refused(client.post("/v1/auth/codes", {"login": login, "purpose": "login"}), 422, "login")
    assert list(AuthRecord.scan()) == []


@pytest.mark.parametrize("to", ["+447400123456x", "+447400123456*", "+447400123456;ext=1", "tel:+447400123456",
                                "+44７400123456"])
def test_a_recipient_with_more_than_a_number_in_it_is_a_422(client, seeded, carrier_sim, to):
    """phonenumbers alone reads each as +447400123456: a typo must not become a send."""
    _refused(send(client, seeded, to=to), 422, "to")
    assert _no_messages()
    assert carrier_messages(carrier_sim.url) == []


def test_every_field_that_takes_a_number_refuses_one_with_more_in_it(client, demo_token, ops_token, seeded):
    """The same rule on each route where a number is typed: the sender an operator binds, the
    blacklist's add (reported per number) and lookup, the message log's filter."""
    typo = "+447911123456x"
    senders = f"/v1/ops/accounts/{seeded.demo_account_id}/senders"
    bound = client.get(senders, token=ops_token).json["senders"]
    _refused(client.post(senders, {"type": "number", "value": typo, "countries": ["GB"]}, token=ops_token),
             422, "value")
    assert client.get(senders, token=ops_token).json["senders"] == bound
    app_id = app_id_of(client, demo_token)
    added = client.post("/v1/blacklist/numbers", {"app_id": app_id, "numbers": [typo, "+447911123457"]},
                        token=demo_token)
    assert added.status == 201, added
    assert [e["number"] for e in added.json["added"]] == ["+447911123457"]
    assert [i["value"] for i in added.json["invalid"]] == [typo]
    _refused(client.get(f"/v1/blacklist/numbers?app_id={app_id}&number=%2B447911123457x", token=demo_token),
             422, "number")
    _refused(client.get("/v1/messages?to=%2B447911123456x", token=demo_token), 422, "to")


def test_a_new_user_s_phone_must_be_a_string(client, ops_token):
    body = {**NEW_ACCOUNT, "owner": {**NEW_ACCOUNT["owner"], "phone": 8613800138000}}
    _refused(client.post("/v1/ops/accounts", body, token=ops_token), 422, "owner.phone")
    assert _account_names(client, ops_token) == ["Demo Co"]


# --- POST /v1/ops/accounts --------------------------------------------------------------------

ACCOUNT_CASES = [
    ({**NEW_ACCOUNT, "name": SURROGATE}, 400, "name"),
    ({**NEW_ACCOUNT, "owner": {"email": "owner@acme.example", "name": "Ann\ud800"}}, 400, "owner.name"),
    ({**NEW_ACCOUNT, "name": "Acme\x00"}, 422, "name"),
    ({**NEW_ACCOUNT, "owner": {"email": "owner@acme.example\x1f", "name": "Ann"}}, 422, "owner.email"),
    ({**NEW_ACCOUNT, "owner": {"email": "owner@acme.example", "name": "Ann", "x\x00": "\x01"}}, 422,
     "owner.x\\x00"),
]


def test_account_creation_refuses_bad_strings_and_creates_nothing(client, ops_token):
    for body, status, field in ACCOUNT_CASES:
        _refused(client.post("/v1/ops/accounts", body, token=ops_token), status, field)
    assert _account_names(client, ops_token) == ["Demo Co"]


# --- free text, numbers lists, receipts -------------------------------------------------------

def test_template_content_and_rejection_reason_may_carry_line_breaks(client, demo_token, ops_token):
    created = client.post("/v1/templates", {"name": "验证码", "content": "您的验证码是{code}\n请勿泄露",
                                            "kind": "domestic"}, token=demo_token)
    assert created.status == 201, created
    _refused(client.post("/v1/templates", {"name": "a\nb", "content": "x"}, token=demo_token), 422, "name")
    _refused(client.post(f"/v1/ops/templates/{created.json['id']}/reject", {"reason": "no\x00"},
                         token=ops_token), 422, "reason")
    rejected = client.post(f"/v1/ops/templates/{created.json['id']}/reject", {"reason": "缺少退订说明\n请补充"},
                           token=ops_token)
    assert rejected.status == 200 and rejected.json["reason"] == "缺少退订说明\n请补充"


def test_a_bad_number_in_a_blacklist_add_names_its_index(client, demo_token, seeded):
    app_id = app_id_of(client, demo_token)
    numbers = ["+447400123456", "+447400123457", "+4474001\x0023458"]
    reply = client.post("/v1/blacklist/numbers", {"app_id": app_id, "numbers": numbers}, token=demo_token)
    _refused(reply, 422, "numbers[2]")
    listed = client.get(f"/v1/blacklist/numbers?app_id={app_id}", token=demo_token).json["numbers"]
    assert listed == []


def test_receipts_follow_the_string_rules(client):
    reply = client.post("/webhooks/vonage/dlr", {"messageId": "m1", "msisdn": "4474\ud800", "status": "delivered"})
    _refused(reply, 400, "msisdn")
    reply = client.call("POST", "/webhooks/vonage/dlr", raw_body=b"messageId=m1&status=delivered%00",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    _refused(reply, 422, "status")
    _refused(client.get("/webhooks/vonage/dlr?messageId=m%01&status=delivered"), 422, "messageId")


# --- Content-Type -----------------------------------------------------------------------------

def test_json_without_a_content_type_is_read_as_json(client, demo_token, seeded):
    headers = {"Authorization": f"Bearer {demo_token}"}
    reply = client.raw.http.post("/v1/apps", headers=headers, body=json.dumps({"name": "No type"}))
    assert reply.status_code == 201, reply.body
    assert "No type" in _app_names(client, demo_token)
    reply = client.raw.http.post("/v1/sms", headers=_basic(seeded), body=json.dumps({"to": UK, "text": "hi"}))
    assert reply.status_code == 202, reply.body


def test_json_without_a_content_type_follows_the_same_rules(client, demo_token):
    headers = {"Authorization": f"Bearer {demo_token}"}
    reply = client.raw.http.post("/v1/apps", headers=headers, body=json.dumps({"name": SURROGATE}))
    assert reply.status_code == 400 and json.loads(reply.body)["error"]["field"] == "name"


def test_another_content_type_on_a_json_route_is_a_415_in_our_shape(client, demo_token, seeded):
    before = _app_names(client, demo_token)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml",
                         "multipart/form-data; boundary=x"):
        reply = client.call("POST", "/v1/apps", token=demo_token, raw_body=json.dumps({"name": "Typed"}).encode(),
                            headers={"Content-Type": content_type})
        assert reply.status == 415, reply
        assert reply.json["error"]["code"] == "unsupported_media_type" and reply.json["error"]["message"]
        reply = client.call("POST", "/v1/sms", basic=(seeded.app_key, seeded.app_secret),
                            raw_body=json.dumps({"to": UK, "text": "hi"}).encode(),
                            headers={"Content-Type": content_type})
        assert reply.status == 415 and reply.json["error"]["code"] == "unsupported_media_type"
    assert _app_names(client, demo_token) == before
    assert _no_messages()


def _basic(seeded) -> dict:
    token = base64.b64encode(f"{seeded.app_key}:{seeded.app_secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
