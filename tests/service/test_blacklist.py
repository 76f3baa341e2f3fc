"""Blacklists per app key: managed by the account's users or the app itself; enforced on
every send (refused, logged as blocked, never charged, never sent)."""
from __future__ import annotations

import pytest

from chalicelib.services import blacklist
from chalicelib.services.directory import balance_micros
from chalicelib.store.messages import get_message
from tests.service.messaging import UK, UK2, carrier_messages, dispatch_all, make_tenant, reset_carrier, send


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


@pytest.fixture
def demo_app_id(client, demo_token):
    return client.get("/v1/apps", token=demo_token).json["apps"][0]["id"]


def test_numbers_are_normalised_reported_and_idempotent(client, demo_token, demo_app_id):
    reply = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [
        "+86 138 0013 8000", "8613800138000", "+44123", "hello", UK]}, token=demo_token)
    assert reply.status == 201
    assert sorted(e["number"] for e in reply.json["added"]) == ["+447400123456", "+8613800138000"]
    assert reply.json["already_listed"] == 1
    assert [i["value"] for i in reply.json["invalid"]] == ["+44123", "hello"]
    assert all(i["reason"] for i in reply.json["invalid"])
    again = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]}, token=demo_token)
    assert again.status == 200 and again.json["added"] == [] and again.json["already_listed"] == 1
    listed = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&limit=1", token=demo_token).json
    assert len(listed["numbers"]) == 1 and listed["next_cursor"]
    rest = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&cursor={listed['next_cursor']}",
                      token=demo_token).json
    assert len(listed["numbers"] + rest["numbers"]) == 2
    one = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&number=%2B447400123456", token=demo_token).json
    [entry] = one["numbers"]
    assert client.delete(f"/v1/blacklist/numbers/{entry['id']}", token=demo_token).status == 204
    assert client.delete(f"/v1/blacklist/numbers/{entry['id']}", token=demo_token).status == 404


def test_countries(client, demo_token, demo_app_id):
    created = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "gb"}, token=demo_token)
    assert created.status == 201 and created.json["country"] == "GB"
    again = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "GB"}, token=demo_token)
    assert again.status == 200 and again.json["id"] == created.json["id"]
    listed = client.get(f"/v1/blacklist/countries?app_id={demo_app_id}", token=demo_token).json["countries"]
    assert [c["country"] for c in listed] == ["GB"]
    bad = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "XX"}, token=demo_token)
    assert bad.status == 422 and bad.json["error"]["field"] == "country"
    assert client.delete(f"/v1/blacklist/countries/{created.json['id']}", token=demo_token).status == 204


@pytest.mark.parametrize("body, field, status", [
    ({"numbers": ["+447400123456"]}, "app_id", 400),
    ({"numbers": []}, "numbers", 422),
    ({}, "numbers", 400),
    ({"numbers": ["+447400123456"] * 1001}, "numbers", 422),
])
def test_bad_requests_name_the_field(client, demo_token, demo_app_id, body, field, status):
    if field != "app_id":
        body = {"app_id": demo_app_id, **body}
    reply = client.post("/v1/blacklist/numbers", body, token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field


def test_other_tenants_and_operators_are_kept_out(client, seeded, demo_token, ops_token, demo_app_id):
    entry = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]}, token=demo_token).json["added"][0]
    _, key, secret, rival = make_tenant("Rival Co")
    rival_auth = (key, secret)
    assert client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}", basic=rival_auth).status == 404
    assert client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK2]}, basic=rival_auth).status == 404
    assert client.delete(f"/v1/blacklist/numbers/{entry['id']}", basic=rival_auth).status == 404
    assert client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}", token=ops_token).status == 403
    for garbage in ("nope", "N.app_zz.123", f"C.{demo_app_id}.447400123456", "N..1234"):
        assert client.delete(f"/v1/blacklist/numbers/{garbage}", token=demo_token).status == 404
    # An app manages its own list without naming itself.
    own = client.get("/v1/blacklist/numbers", basic=(seeded.app_key, seeded.app_secret)).json["numbers"]
    assert [e["number"] for e in own] == [UK]


def test_blacklisted_number_is_refused_logged_blocked_and_never_charged_or_sent(
        client, seeded, app, demo_token, demo_app_id, carrier_sim):
    client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]}, token=demo_token)
    before = balance_micros(seeded.demo_account_id)
    reply = send(client, seeded, key="blocked-1")
    assert reply.status == 422 and reply.json["error"]["code"] == "recipient_blacklisted"
    assert reply.json["error"]["field"] == "to"
    again = send(client, seeded, key="blocked-1")
    assert again.status == 422 and again.json == reply.json  # the replay answers the same
    assert balance_micros(seeded.demo_account_id) == before
    assert dispatch_all(app) == 0
    assert carrier_messages(carrier_sim.url, to=UK.lstrip("+")) == []
    message_id = reply.json["error"]["message"].split("message ")[1].split()[0]
    message = get_message(message_id)
    assert message.status == "blocked" and message.billing == "none" and message.err_code == "number"
    assert send(client, seeded, to=UK2).status == 202  # other numbers still go


def test_blacklisted_country_is_refused(client, seeded, app, demo_token, demo_app_id, carrier_sim):
    client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "GB"}, token=demo_token)
    reply = send(client, seeded, to=UK2)
    assert reply.status == 422 and "country" in reply.json["error"]["message"]
    assert dispatch_all(app) == 0


def test_bulk_check_by_number_and_country(aws, seeded):
    _, _, _, caller = make_tenant("Bulk Co")
    blacklist.add_numbers(caller, caller.app_id, [UK])
    blacklist.add_country(caller, caller.app_id, "SG")
    recipients = [(UK, "GB"), (UK2, "GB"), ("+6591234567", "SG"), ("+8613800138000", "CN")]
    assert blacklist.blocked_numbers(caller.app_id, recipients) == {UK, "+6591234567"}
    assert blacklist.is_blocked(caller.app_id, UK, "GB") == "number"
    assert blacklist.is_blocked(caller.app_id, "+6591234567", "SG") == "country"
    assert blacklist.is_blocked(caller.app_id, UK2, "GB") is None
