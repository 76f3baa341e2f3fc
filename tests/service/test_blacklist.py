"""Blacklists per app key: managed by the account's users or the app itself; enforced on
every send (refused, logged as blocked, never charged, never sent)."""
from __future__ import annotations

import pytest

from chalicelib.services import blacklist
from chalicelib.services.billing import balance_micros
from chalicelib.store import audit
from chalicelib.store.messages import get_message
from devstack.aws_calls import counting_aws_calls
from tests.service.helpers import initial_password, login
from tests.service.messaging import UK, UK2, carrier_messages, dispatch_all, make_tenant, reset_carrier, send

SG = "+6591234567"
CN = "+8613800138000"


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


@pytest.fixture
def demo_app_id(client, demo_token):
    return client.get("/v1/apps", token=demo_token).json["apps"][0]["id"]


def _rival_user_token(client, app, ops_token) -> str:
    """A portal owner of another account, made the way operators make one."""
    client.post("/v1/ops/accounts", {"name": "Rival Inc", "owner": {"email": "boss@rival.example", "name": "Boss"}},
                token=ops_token)
    return login(client, app, "boss@rival.example", initial_password(app, "boss@rival.example"))["access_token"]


def _all_routes(app_id: str, number_id: str, country_id: str, app_id_in_body: bool = True) -> list[tuple]:
    """(method, path, body) for every blacklist route, aimed at ``app_id`` and two entries."""
    named = {"app_id": app_id} if app_id_in_body else {}
    return [("POST", "/v1/blacklist/numbers", {**named, "numbers": [UK2]}),
            ("GET", f"/v1/blacklist/numbers?app_id={app_id}", None),
            ("GET", f"/v1/blacklist/numbers?app_id={app_id}&number={UK.lstrip('+')}", None),
            ("DELETE", f"/v1/blacklist/numbers/{number_id}", None),
            ("POST", "/v1/blacklist/countries", {**named, "country": "SG"}),
            ("GET", f"/v1/blacklist/countries?app_id={app_id}", None),
            ("DELETE", f"/v1/blacklist/countries/{country_id}", None)]


def _listed(client, path: str, key: str, **auth) -> list[str]:
    reply = client.get(path, **auth)
    assert reply.status == 200, reply
    return [e[key] for e in reply.json["numbers" if key == "number" else "countries"]]


# --- managing the lists ----------------------------------------------------------------------

@pytest.mark.parametrize("item", [None, 447400123456, {}, [], True])
def test_an_item_that_is_not_a_string_refuses_the_whole_request(client, demo_token, demo_app_id, item):
    reply = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK, item]}, token=demo_token)
    assert (reply.status, reply.json["error"]["field"]) == (422, "numbers[1]"), reply
    assert _listed(client, f"/v1/blacklist/numbers?app_id={demo_app_id}", "number", token=demo_token) == []


def test_numbers_are_normalised_reported_and_idempotent(client, demo_token, demo_app_id):
    reply = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [
        "+86 138 0013 8000", "8613800138000", "+44123", "hello", UK]}, token=demo_token)
    assert reply.status == 201
    assert [e["number"] for e in reply.json["added"]] == [CN, UK]  # request order
    assert reply.json["already_listed"] == 1  # the second spelling of the Chinese number
    assert [i["value"] for i in reply.json["invalid"]] == ["+44123", "hello"]  # as sent
    assert "short" in reply.json["invalid"][0]["reason"] and reply.json["invalid"][1]["reason"]
    entry = reply.json["added"][1]
    assert entry["app_id"] == demo_app_id and entry["created_by"].startswith("usr_") and entry["created_at"]
    assert set(entry) == {"id", "app_id", "number", "created_at", "created_by"}

    again = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": ["+86 138 0013 8000", UK]},
                        token=demo_token)
    assert again.status == 200 and again.json == {"added": [], "already_listed": 2, "invalid": []}
    nothing_valid = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": ["nope"]}, token=demo_token)
    assert nothing_valid.status == 200 and nothing_valid.json["added"] == [] and len(nothing_valid.json["invalid"]) == 1
    assert sorted(_listed(client, f"/v1/blacklist/numbers?app_id={demo_app_id}", "number", token=demo_token)) == [UK,
                                                                                                                  CN]

    # an exact lookup takes any spelling of the number; unlisted → empty
    [found] = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&number=8613800138000",
                         token=demo_token).json["numbers"]
    assert found["number"] == CN and found["id"] == reply.json["added"][0]["id"]
    assert client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&number={UK2.lstrip('+')}",
                      token=demo_token).json == {"numbers": [], "next_cursor": None}

    assert client.delete(f"/v1/blacklist/numbers/{found['id']}", token=demo_token).status == 204
    assert client.delete(f"/v1/blacklist/numbers/{found['id']}", token=demo_token).status == 404
    assert _listed(client, f"/v1/blacklist/numbers?app_id={demo_app_id}", "number", token=demo_token) == [UK]


def test_adding_many_numbers_is_batched(client, demo_token, demo_app_id):
    numbers = [f"+4474001{i:05d}" for i in range(250)]
    client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": numbers[:10]}, token=demo_token)
    with counting_aws_calls() as calls:
        reply = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": numbers}, token=demo_token)
    assert reply.status == 201 and len(reply.json["added"]) == 240 and reply.json["already_listed"] == 10
    assert calls["BatchGetItem"] == 3 and calls["BatchWriteItem"] == 10  # 100 keys / 25 puts a call
    assert calls["PutItem"] == 1  # the audit event only
    listed, cursor = [], None
    while True:
        after = f"&cursor={cursor}" if cursor else ""
        page = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&limit=200{after}", token=demo_token).json
        listed += [e["number"] for e in page["numbers"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(listed) == sorted(numbers)


def test_paging_with_a_cursor(client, demo_token, demo_app_id):
    client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK, UK2, SG]}, token=demo_token)
    first = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&limit=2", token=demo_token).json
    assert len(first["numbers"]) == 2 and first["next_cursor"]
    second = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&limit=2&cursor={first['next_cursor']}",
                        token=demo_token).json
    assert [e["number"] for e in first["numbers"] + second["numbers"]] == sorted([UK, UK2, SG])
    assert second["next_cursor"] is None
    # a cursor is bound to its list: not another kind's, not garbage
    countries = client.get(f"/v1/blacklist/countries?app_id={demo_app_id}&cursor={first['next_cursor']}",
                           token=demo_token)
    assert countries.status == 400 and countries.json["error"]["field"] == "cursor"
    garbage = client.get(f"/v1/blacklist/numbers?app_id={demo_app_id}&cursor=eyJ4IjoxfQ", token=demo_token)
    assert garbage.status == 400 and garbage.json["error"]["field"] == "cursor"


def test_countries(client, demo_token, demo_app_id):
    created = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "gb"}, token=demo_token)
    assert created.status == 201 and created.json["country"] == "GB" and created.json["app_id"] == demo_app_id
    assert set(created.json) == {"id", "app_id", "country", "created_at", "created_by"}
    again = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "GB"}, token=demo_token)
    assert again.status == 200 and again.json == created.json
    client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "SG"}, token=demo_token)
    first = client.get(f"/v1/blacklist/countries?app_id={demo_app_id}&limit=1", token=demo_token).json
    rest = client.get(f"/v1/blacklist/countries?app_id={demo_app_id}&cursor={first['next_cursor']}",
                      token=demo_token).json
    assert [c["country"] for c in first["countries"] + rest["countries"]] == ["GB", "SG"]
    # countries and numbers are separate lists of one app
    assert _listed(client, f"/v1/blacklist/numbers?app_id={demo_app_id}", "number", token=demo_token) == []
    assert client.delete(f"/v1/blacklist/countries/{created.json['id']}", token=demo_token).status == 204
    assert client.delete(f"/v1/blacklist/countries/{created.json['id']}", token=demo_token).status == 404
    assert _listed(client, f"/v1/blacklist/countries?app_id={demo_app_id}", "country", token=demo_token) == ["SG"]


def test_changes_are_audited(client, seeded, demo_token, demo_app_id):
    number = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK, "bad"]},
                         token=demo_token).json["added"][0]
    client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]}, token=demo_token)  # nothing new
    country = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "SG"}, token=demo_token).json
    client.delete(f"/v1/blacklist/numbers/{number['id']}", token=demo_token)
    client.delete(f"/v1/blacklist/countries/{country['id']}", token=demo_token)
    events = [e for e in client.get("/v1/audit-events", token=demo_token).json["events"]
              if e["action"].startswith("blacklist.")]
    assert [(e["action"], e["target"]) for e in reversed(events)] == [
        ("blacklist.numbers_added", demo_app_id), ("blacklist.country_added", demo_app_id),
        ("blacklist.number_removed", demo_app_id), ("blacklist.country_removed", demo_app_id)]
    assert all(e["actor"] == number["created_by"] for e in events)
    # the API does not show details yet; the stored events name what changed
    stored, _ = audit.list_events(seeded.demo_account_id, 50, None)
    assert [e.details.as_dict() for e in reversed(stored) if e.action.startswith("blacklist.")] == [
        {"numbers": [UK]}, {"country": "SG"}, {"number": UK}, {"country": "SG"}]


def test_a_disabled_apps_list_can_still_be_read(client, demo_token):
    other = client.post("/v1/apps", {"name": "Retired app"}, token=demo_token).json
    client.post("/v1/blacklist/countries", {"app_id": other["id"], "country": "SG"}, token=demo_token)
    assert client.delete(f"/v1/apps/{other['id']}", token=demo_token).status == 204
    assert _listed(client, f"/v1/blacklist/countries?app_id={other['id']}", "country", token=demo_token) == ["SG"]


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("body, field, status", [
    ({"numbers": [UK]}, "app_id", 400),
    ({"app_id": 7, "numbers": [UK]}, "app_id", 422),
    ({}, "numbers", 400),
    ({"numbers": []}, "numbers", 422),
    ({"numbers": UK}, "numbers", 422),
    ({"numbers": [UK] * 1001}, "numbers", 422),
])
def test_bad_number_requests_name_the_field(client, demo_token, demo_app_id, body, field, status):
    if field != "app_id":
        body = {"app_id": demo_app_id, **body}
    reply = client.post("/v1/blacklist/numbers", body, token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field, reply


@pytest.mark.parametrize("body, field, status", [
    ({"country": "GB"}, "app_id", 400),
    ({}, "country", 400),
    ({"country": "XX"}, "country", 422),
    ({"country": "GBR"}, "country", 422),
    ({"country": 44}, "country", 422),
])
def test_bad_country_requests_name_the_field(client, demo_token, demo_app_id, body, field, status):
    if field != "app_id":
        body = {"app_id": demo_app_id, **body}
    reply = client.post("/v1/blacklist/countries", body, token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field, reply


def test_bad_list_parameters_name_the_field(client, demo_token, demo_app_id):
    for path, field, status in [("/v1/blacklist/numbers", "app_id", 400), ("/v1/blacklist/countries", "app_id", 400),
                                (f"/v1/blacklist/numbers?app_id={demo_app_id}&limit=0", "limit", 400),
                                (f"/v1/blacklist/numbers?app_id={demo_app_id}&number=12", "number", 422)]:
        reply = client.get(path, token=demo_token)
        assert reply.status == status and reply.json["error"]["field"] == field, (path, reply)
    assert client.post("/v1/blacklist/numbers", token=demo_token).json["error"]["field"] == "body"


def test_malformed_entry_ids_are_404(client, demo_token, demo_app_id):
    number = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]},
                         token=demo_token).json["added"][0]
    country = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "GB"}, token=demo_token).json
    assert number["id"] == f"N.{demo_app_id}.447400123456" and country["id"] == f"C.{demo_app_id}.GB"
    for garbage in ("nope", "N..1234", "N.app_zz.447400123456", f"N.{demo_app_id}.0447400123456",
                    f"N.{demo_app_id}.447400123456.", f"N.{demo_app_id}.4474001234567890",
                    f"X.{demo_app_id}.447400123456",
                    f"N.{demo_app_id}.447400654321", country["id"], f"n.{demo_app_id}.447400123456"):
        assert client.delete(f"/v1/blacklist/numbers/{garbage}", token=demo_token).status == 404, garbage
    for garbage in (f"C.{demo_app_id}.gb", f"C.{demo_app_id}.GBR", f"C.{demo_app_id}.SG", number["id"], "C.app_.GB"):
        assert client.delete(f"/v1/blacklist/countries/{garbage}", token=demo_token).status == 404, garbage
    assert _listed(client, f"/v1/blacklist/numbers?app_id={demo_app_id}", "number", token=demo_token) == [UK]
    assert _listed(client, f"/v1/blacklist/countries?app_id={demo_app_id}", "country", token=demo_token) == ["GB"]


# --- who may do what -------------------------------------------------------------------------

def test_other_tenants_get_404_on_every_route(client, app, seeded, demo_token, ops_token, demo_app_id):
    number = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]},
                         token=demo_token).json["added"][0]
    country = client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "GB"}, token=demo_token).json
    _, key, secret, _ = make_tenant("Rival Co")
    rival_token = _rival_user_token(client, app, ops_token)
    for auth in ({"basic": (key, secret)}, {"token": rival_token}):
        for method, path, body in _all_routes(demo_app_id, number["id"], country["id"]):
            reply = client.call(method, path, body, **auth)
            assert reply.status == 404 and reply.json["error"]["code"] == "not_found", (auth, method, path, reply)
    # nothing changed
    assert _listed(client, f"/v1/blacklist/numbers?app_id={demo_app_id}", "number", token=demo_token) == [UK]
    assert _listed(client, f"/v1/blacklist/countries?app_id={demo_app_id}", "country", token=demo_token) == ["GB"]


def test_operators_get_403_on_every_route(client, ops_token, demo_token, demo_app_id):
    number = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": [UK]},
                         token=demo_token).json["added"][0]
    for method, path, body in _all_routes(demo_app_id, number["id"], f"C.{demo_app_id}.GB"):
        reply = client.call(method, path, body, token=ops_token)
        assert reply.status == 403, (method, path, reply)
    for method, path, body in _all_routes(demo_app_id, number["id"], f"C.{demo_app_id}.GB"):
        assert client.call(method, path, body).status == 401, (method, path)


def test_an_app_manages_only_its_own_list(client, seeded, demo_token, demo_app_id):
    own = (seeded.app_key, seeded.app_secret)
    sibling = client.post("/v1/apps", {"name": "Sibling app"}, token=demo_token).json
    sibling_entry = client.post("/v1/blacklist/numbers", {"app_id": sibling["id"], "numbers": [UK]},
                                token=demo_token).json["added"][0]
    sibling_country = client.post("/v1/blacklist/countries", {"app_id": sibling["id"], "country": "GB"},
                                  token=demo_token).json
    # the seeded app may not touch its sibling (same account) …
    for method, path, body in _all_routes(sibling["id"], sibling_entry["id"], sibling_country["id"]):
        reply = client.call(method, path, body, basic=own)
        assert reply.status == 404, (method, path, reply)
    # … and manages its own list without naming itself (or naming itself)
    added = client.post("/v1/blacklist/numbers", {"numbers": [UK2]}, basic=own)
    assert added.status == 201 and added.json["added"][0]["app_id"] == demo_app_id
    assert added.json["added"][0]["created_by"] == demo_app_id
    assert client.post("/v1/blacklist/countries", {"app_id": demo_app_id, "country": "SG"}, basic=own).status == 201
    assert _listed(client, "/v1/blacklist/numbers", "number", basic=own) == [UK2]
    assert _listed(client, f"/v1/blacklist/countries?app_id={demo_app_id}", "country", basic=own) == ["SG"]
    assert client.delete(f"/v1/blacklist/numbers/{added.json['added'][0]['id']}", basic=own).status == 204
    # the sibling's list is untouched, and each app's entries stay in its own list
    assert _listed(client, f"/v1/blacklist/numbers?app_id={sibling['id']}", "number", token=demo_token) == [UK]
    assert _listed(client, f"/v1/blacklist/countries?app_id={sibling['id']}", "country", token=demo_token) == ["GB"]


# --- enforcement -----------------------------------------------------------------------------

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


def test_another_apps_blacklist_does_not_apply(client, seeded, demo_token):
    sibling = client.post("/v1/apps", {"name": "Sibling app"}, token=demo_token).json
    client.post("/v1/blacklist/numbers", {"app_id": sibling["id"], "numbers": [UK]}, token=demo_token)
    assert send(client, seeded).status == 202  # the seeded app's own list is empty


@pytest.fixture
def bulk_app(aws, seeded):
    """An app blocking two numbers (UK, CN) and a country (SG): keys C#SG, N#+44…, N#+86…."""
    _, _, _, caller = make_tenant("Bulk Co")
    blacklist.add_numbers(caller, caller.app_id, [UK, CN])
    blacklist.add_country(caller, caller.app_id, "SG")
    return caller


def test_is_blocked_is_one_batch_get(bulk_app):
    app_id = bulk_app.app_id
    with counting_aws_calls() as calls:
        assert blacklist.is_blocked(app_id, UK, "GB") == "number"
    assert dict(calls) == {"BatchGetItem": 1}
    assert blacklist.is_blocked(app_id, SG, "SG") == "country"
    assert blacklist.is_blocked(app_id, UK2, "GB") is None
    blacklist.add_country(bulk_app, app_id, "GB")
    assert blacklist.is_blocked(app_id, UK, "GB") == "number"  # the number wins when both hold
    assert blacklist.is_blocked(app_id, UK2, "GB") == "country"
    assert blacklist.is_blocked("app_0000", UK, "GB") is None  # an app with no list


RECIPIENTS = [(UK, "GB"), (UK2, "GB"), (SG, "SG"), ("+6598765432", "SG"), (CN, "CN"), ("+8613900139000", "CN")]
BLOCKED = {UK: "number", SG: "country", "+6598765432": "country", CN: "number"}


def test_blocked_numbers_reads_a_short_list_in_one_query(bulk_app):
    app_id = bulk_app.app_id
    with counting_aws_calls() as calls:
        assert blacklist.blocked_numbers(app_id, RECIPIENTS) == BLOCKED
    assert dict(calls) == {"Query": 1}
    # plain E.164 strings work too (their country is parsed), and so does an empty batch
    assert blacklist.blocked_numbers(app_id, [e164 for e164, _ in RECIPIENTS]) == BLOCKED
    assert blacklist.blocked_numbers(app_id, [UK2, "+8613900139000"]) == {}
    assert blacklist.blocked_numbers("app_0000", RECIPIENTS) == {}
    with counting_aws_calls() as calls:
        assert blacklist.blocked_numbers(app_id, []) == {}
    assert not calls


@pytest.mark.parametrize("slack", [0, 1])
def test_blocked_numbers_with_a_list_longer_than_the_batch(bulk_app, monkeypatch, slack):
    """The list does not fit in the first read (len(numbers) + slack entries), so numbers
    beyond it are looked up by key. With no slack a one-number read sees only the country
    entry, so the countries are then read on their own."""
    app_id = bulk_app.app_id
    monkeypatch.setattr(blacklist, "_MAX_COUNTRY_ENTRIES", slack)
    with counting_aws_calls() as calls:
        assert blacklist.blocked_numbers(app_id, [(CN, "CN")]) == {CN: "number"}
    assert calls["Query"] == (2 if slack == 0 else 1) and calls["BatchGetItem"] == 1
    assert blacklist.blocked_numbers(app_id, [(UK2, "GB"), (SG, "SG")]) == {SG: "country"}
    assert blacklist.blocked_numbers(app_id, [("+8613900139000", "CN"), (SG, "SG")]) == {SG: "country"}
    assert blacklist.blocked_numbers(app_id, [(CN, "CN"), ("+6598765432", "SG")]) == {CN: "number",
                                                                                       "+6598765432": "country"}


def test_blocked_numbers_skips_lookups_for_numbers_before_the_last_key_read(bulk_app, monkeypatch):
    blacklist.add_numbers(bulk_app, bulk_app.app_id, ["+8618912345678"])  # sorts last
    monkeypatch.setattr(blacklist, "_MAX_COUNTRY_ENTRIES", 1)
    with counting_aws_calls() as calls:  # reads C#SG, N#+44…, N#+86138… and stops at its limit
        assert blacklist.blocked_numbers(bulk_app.app_id, [("+12025550123", "US"), (UK2, "GB")]) == {}
    assert dict(calls) == {"Query": 1}


def test_numbers_with_the_00_international_prefix_are_sent_and_blacklisted_as_e164(client, seeded, demo_token,
                                                                                   demo_app_id):
    sent = send(client, seeded, to="00" + UK.lstrip("+"))
    assert (sent.status, sent.json["to"]) == (202, UK), sent
    listed = client.post("/v1/blacklist/numbers", {"app_id": demo_app_id, "numbers": ["0044 " + UK2[3:]]},
                         token=demo_token)
    assert [e["number"] for e in listed.json["added"]] == [UK2] and listed.json["invalid"] == []
    refused = send(client, seeded, to="00" + UK2.lstrip("+"))
    assert (refused.status, refused.json["error"]["code"]) == (422, "recipient_blacklisted")
