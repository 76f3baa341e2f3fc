"""Operators' API: accounts, users, top-ups, prices, country rules, senders, signatures."""
from __future__ import annotations

import pytest

from tests.service.helpers import initial_password, login

NEW_ACCOUNT = {"name": "Acme Ltd", "timezone": "Europe/London", "currency": "GBP",
               "owner": {"email": "owner@acme.example", "name": "Ann Owner"}}


def test_non_operators_get_403_on_every_ops_route(client, demo_token, seeded):
    acc = seeded.demo_account_id
    for method, path in [("GET", "/v1/ops/accounts"), ("POST", "/v1/ops/accounts"),
                         ("GET", f"/v1/ops/accounts/{acc}"), ("POST", f"/v1/ops/accounts/{acc}/topups"),
                         ("PUT", "/v1/ops/prices/US"), ("PUT", "/v1/ops/countries/US"),
                         ("POST", f"/v1/ops/accounts/{acc}/senders"), ("POST", f"/v1/ops/accounts/{acc}/signatures")]:
        reply = client.call(method, path, {"amount": "1.00"}, token=demo_token)
        assert reply.status == 403, (method, path, reply)
        assert reply.json["error"]["code"] == "forbidden"
    assert client.get("/v1/ops/accounts").status == 401


def test_create_account_emails_the_owner_an_initial_password_that_works(client, app, ops_token):
    reply = client.post("/v1/ops/accounts", NEW_ACCOUNT, token=ops_token)
    assert reply.status == 201, reply
    body = reply.json
    assert body["name"] == "Acme Ltd" and body["currency"] == "GBP" and body["balance"] == "0.00"
    assert body["owner"]["role"] == "owner" and "password" not in str(body).lower()
    password = initial_password(app, "owner@acme.example")
    tokens = login(client, app, "owner@acme.example", password)
    me = client.get("/v1/me", token=tokens["access_token"]).json
    assert me["account"]["id"] == body["id"] and me["timezone"] == "Europe/London"

    listed = client.get("/v1/ops/accounts", token=ops_token).json["accounts"]
    assert body["id"] in [a["id"] for a in listed]
    assert "JMC Operations" not in [a["name"] for a in listed]
    detail = client.get(f"/v1/ops/accounts/{body['id']}", token=ops_token).json
    assert [u["email"] for u in detail["users"]] == ["owner@acme.example"]


def test_account_validation_names_the_field_and_writes_nothing(client, ops_token):
    cases = [({**NEW_ACCOUNT, "name": ""}, "name"),
             ({**NEW_ACCOUNT, "timezone": "Mars/Olympus"}, "timezone"),
             ({**NEW_ACCOUNT, "currency": "XXX"}, "currency"),
             ({**NEW_ACCOUNT, "owner": {"email": "not-an-email", "name": "A"}}, "owner.email"),
             ({**NEW_ACCOUNT, "owner": {"email": "p@acme.example", "name": "A", "phone": "+14155552671"}},
              "owner.phone")]
    for body, field in cases:
        reply = client.post("/v1/ops/accounts", body, token=ops_token)
        assert reply.status in (400, 422) and reply.json["error"]["field"] == field, (field, reply)
    missing = client.post("/v1/ops/accounts", {"name": "X"}, token=ops_token)
    assert (missing.status, missing.json["error"]["field"]) == (400, "owner")
    assert [a["name"] for a in client.get("/v1/ops/accounts", token=ops_token).json["accounts"]] == ["Demo Co"]


def test_a_login_can_belong_to_one_user_only(client, ops_token):
    assert client.post("/v1/ops/accounts", NEW_ACCOUNT, token=ops_token).status == 201
    again = client.post("/v1/ops/accounts", {**NEW_ACCOUNT, "name": "Acme Two"}, token=ops_token)
    assert (again.status, again.json["error"]["field"]) == (409, "owner.email")
    names = [a["name"] for a in client.get("/v1/ops/accounts", token=ops_token).json["accounts"]]
    assert "Acme Two" not in names  # nothing half-created


def test_add_user_roles_and_phone_regions(client, ops_token, seeded):
    acc = seeded.demo_account_id
    ok = client.post(f"/v1/ops/accounts/{acc}/users",
                     {"email": "m@demo.example", "name": "Mem", "phone": "+6581234567",
                      "role": "member"}, token=ops_token)
    assert ok.status == 201 and ok.json["phone"] == "+6581234567"
    bad_role = client.post(f"/v1/ops/accounts/{acc}/users", {"email": "o@demo.example", "name": "O",
                                                             "role": "operator"},
                           token=ops_token)
    assert (bad_role.status, bad_role.json["error"]["field"]) == (422, "role")
    us_phone = client.post(f"/v1/ops/accounts/{acc}/users",
                           {"email": "u@demo.example", "name": "U", "phone": "+14155552671",
                            "role": "member"}, token=ops_token)
    assert (us_phone.status, us_phone.json["error"]["field"]) == (422, "phone")
    assert client.post("/v1/ops/accounts/acc_doesnotexist/users", {"email": "z@z.zz", "name": "Z"},
                       token=ops_token).status == 404


def test_top_up_changes_balance_records_the_ledger_and_counts_a_reference_once(client, ops_token, demo_token, seeded):
    acc = seeded.demo_account_id
    reply = client.post(f"/v1/ops/accounts/{acc}/topups", {"amount": "250.50", "reference": "BANK-001"},
                        token=ops_token)
    assert reply.status == 201, reply
    assert reply.json["amount"] == "250.50" and reply.json["balance"] == "350.50"
    assert client.post(f"/v1/ops/accounts/{acc}/topups", {"amount": "250.50", "reference": "BANK-001"},
                       token=ops_token).status == 409
    for bad in ({"amount": 10.5, "reference": "r"}, {"amount": "-1", "reference": "r"},
                {"amount": "1.0000001", "reference": "r"}, {"amount": "abc", "reference": "r"}):
        r = client.post(f"/v1/ops/accounts/{acc}/topups", bad, token=ops_token)
        assert (r.status, r.json["error"]["field"]) == (422, "amount"), bad
    assert client.get("/v1/balance", token=demo_token).json == {"balance": "350.50", "currency": "USD"}
    ledger = client.get("/v1/ledger", token=demo_token).json["entries"]
    assert [(e["kind"], e["amount"], e["reference"]) for e in ledger] == [
        ("topup", "250.50", "BANK-001"), ("topup", "100.00", "seed-opening-balance")]
    from chalicelib.services import billing
    from chalicelib.store.ledger import ENTRY_PREFIX, LedgerEntry
    total = sum(int(e.amount_micros) for e in LedgerEntry.query(acc, LedgerEntry.entry_id.startswith(ENTRY_PREFIX)))
    assert total == billing.balance_micros(acc) == 350_500_000


def test_prices_default_and_per_account_override(client, ops_token, demo_token, seeded):
    acc = seeded.demo_account_id
    assert client.put("/v1/ops/prices/gb", {"price": "0.0410"}, token=ops_token).json["price"] == "0.0410"
    assert client.put("/v1/ops/prices/GB", {"price": "0.0390", "account_id": acc}, token=ops_token).status == 200
    for bad, field in [({"price": 0.04}, "price"), ({"price": "0"}, "price"), ({"price": "1", "account_id": "acc_x"},
                                                                               "account_id")]:
        r = client.put("/v1/ops/prices/GB", bad, token=ops_token)
        assert (r.status, r.json["error"]["field"]) == (422, field)
    assert client.put("/v1/ops/prices/ZZ", {"price": "1.00"}, token=ops_token).json["error"]["field"] == "country"
    prices = {p["country"]: p for p in client.get("/v1/prices", token=demo_token).json["prices"]}
    assert prices["GB"] == {"country": "GB", "price": "0.0390", "source": "account"}
    assert prices["US"]["source"] == "default"
    assert client.delete(f"/v1/ops/prices/GB?account_id={acc}", token=ops_token).status == 204
    prices = {p["country"]: p for p in client.get("/v1/prices", token=demo_token).json["prices"]}
    assert prices["GB"]["price"] == "0.0410"


def test_country_rules_keep_china_and_us_numeric(client, ops_token):
    assert client.put("/v1/ops/countries/CN", {"sender_id_allowed": True}, token=ops_token).status == 422
    ok = client.put("/v1/ops/countries/FR", {"sender_preapproval_required": True}, token=ops_token)
    assert ok.json == {"country": "FR", "sender_preapproval_required": True, "sender_id_allowed": True}
    rules = {r["country"]: r for r in client.get("/v1/ops/countries", token=ops_token).json["countries"]}
    assert rules["CN"]["sender_id_allowed"] is False and rules["FR"]["sender_preapproval_required"] is True


def test_senders_and_signatures(client, ops_token, seeded):
    acc = seeded.demo_account_id
    refused = client.post(f"/v1/ops/accounts/{acc}/senders",
                          {"type": "sender_id", "value": "ACME", "countries": ["GB", "US"]}, token=ops_token)
    assert (refused.status, refused.json["error"]["field"]) == (422, "countries")
    created = client.post(f"/v1/ops/accounts/{acc}/senders",
                          {"type": "number", "value": "+44 7911 123456", "countries": ["gb"]}, token=ops_token)
    assert created.status == 201 and created.json["value"] == "+447911123456" and created.json["countries"] == ["GB"]
    bad_value = client.post(f"/v1/ops/accounts/{acc}/senders",
                            {"type": "sender_id", "value": "THIS-IS-TOO-LONG", "countries": ["GB"]}, token=ops_token)
    assert (bad_value.status, bad_value.json["error"]["field"]) == (422, "value")
    listed = client.get(f"/v1/ops/accounts/{acc}/senders", token=ops_token).json["senders"]
    assert created.json["id"] in [s["id"] for s in listed]
    assert client.delete(f"/v1/ops/accounts/{acc}/senders/{created.json['id']}", token=ops_token).status == 204
    assert client.delete(f"/v1/ops/accounts/{acc}/senders/{created.json['id']}", token=ops_token).status == 404

    sig = client.post(f"/v1/ops/accounts/{acc}/signatures", {"text": "【阿克米】"}, token=ops_token)
    assert sig.status == 201 and sig.json["text"] == "【阿克米】"
    assert client.post(f"/v1/ops/accounts/{acc}/signatures", {"text": "x"}, token=ops_token).status == 422


def test_an_owner_email_is_checked_as_an_email_and_required_because_the_password_is_emailed(client, ops_token):
    not_email = client.post("/v1/ops/accounts", {**NEW_ACCOUNT, "owner": {"email": "not-an-email", "name": "A"}},
                            token=ops_token)
    assert (not_email.status, not_email.json["error"]["field"]) == (422, "owner.email")
    assert not_email.json["error"]["message"] == "owner.email is not an email address"
    a_phone = client.post("/v1/ops/accounts", {**NEW_ACCOUNT, "owner": {"email": "+8613800138000", "name": "A"}},
                          token=ops_token)
    assert a_phone.json["error"]["message"] == "owner.email is not an email address"
    phone_only = client.post("/v1/ops/accounts", {**NEW_ACCOUNT, "owner": {"phone": "+8613800138000", "name": "A"}},
                             token=ops_token)
    assert (phone_only.status, phone_only.json["error"]["field"]) == (400, "owner.email")
    assert phone_only.json["error"]["message"] == "owner.email is required: the initial password is emailed to it"


def test_a_top_up_reference_over_the_limit_says_the_limit(client, ops_token, seeded):
    topups = f"/v1/ops/accounts/{seeded.demo_account_id}/topups"
    too_long = client.post(topups, {"amount": "1.00", "reference": "R" * 101}, token=ops_token)
    assert (too_long.status, too_long.json["error"]["field"]) == (422, "reference")
    assert too_long.json["error"]["message"] == "reference must be at most 100 characters"
    missing = client.post(topups, {"amount": "1.00"}, token=ops_token)
    assert (missing.status, missing.json["error"]["message"]) == (
        400, "reference is required: the bank transfer's reference")
    assert client.post(topups, {"amount": "1.00", "reference": 42}, token=ops_token).json["error"]["message"] == \
        "reference must be a string"
    assert client.post(topups, {"amount": "1.00", "reference": " " + "R" * 100 + " "}, token=ops_token).status == 201


def test_amounts_and_prices_take_one_plain_decimal_format(client, ops_token, demo_token, seeded):
    topups = f"/v1/ops/accounts/{seeded.demo_account_id}/topups"
    for amount in ("1e3", " 10.00 ", "+10.00", "１０.００", "10.", ".5", "0", "0.00", "-1"):
        topped = client.post(topups, {"amount": amount, "reference": f"ref {amount!r}"}, token=ops_token)
        assert (topped.status, topped.json["error"]["field"]) == (422, "amount"), amount
        priced = client.put("/v1/ops/prices/GB", {"price": amount}, token=ops_token)
        assert (priced.status, priced.json["error"]["field"]) == (422, "price"), amount
    assert client.get("/v1/balance", token=demo_token).json["balance"] == "100.00"  # nothing was booked
    assert client.post(topups, {"amount": "10", "reference": "plain"}, token=ops_token).json["balance"] == "110.00"
    assert client.put("/v1/ops/prices/GB", {"price": "0.045"}, token=ops_token).json["price"] == "0.0450"


def test_a_china_service_code_binds_as_a_from_for_china_only(client, ops_token, seeded):
    senders = f"/v1/ops/accounts/{seeded.demo_account_id}/senders"
    code = "106" + "9" * 17  # the longest: 106 and 17 more digits
    bound = client.post(senders, {"type": "number", "value": code, "countries": ["cn"]}, token=ops_token)
    assert bound.status == 201 and (bound.json["value"], bound.json["countries"]) == (code, ["CN"])
    abroad = client.post(senders, {"type": "number", "value": "10690000", "countries": ["CN", "HK"]}, token=ops_token)
    assert (abroad.status, abroad.json["error"]["field"]) == (422, "countries")
    assert "mainland China" in abroad.json["error"]["message"]
    too_long = client.post(senders, {"type": "number", "value": code + "0", "countries": ["CN"]}, token=ops_token)
    assert (too_long.status, too_long.json["error"]["field"]) == (422, "value")


# --- what the fuzzer found (issue 13) ---------------------------------------------------------

@pytest.mark.parametrize("value", [{}, [], 0, False, ""])
def test_optional_account_settings_of_the_wrong_kind_are_refused_not_defaulted(client, ops_token, value):
    for field in ("currency", "timezone"):
        body = {"name": "Typed Co", "owner": {"email": f"t-{field}@typed.example", "name": "T"}, field: value}
        reply = client.post("/v1/ops/accounts", body, token=ops_token)
        assert (reply.status, reply.json["error"]["field"]) == (422, field), reply


@pytest.mark.parametrize("role", [{}, [], 7, None])
def test_a_role_that_is_not_a_string_is_refused(client, ops_token, seeded, role):
    body = {"email": "role@demo.example", "name": "R", "role": role}
    reply = client.post(f"/v1/ops/accounts/{seeded.demo_account_id}/users", body, token=ops_token)
    if role is None:  # null is "left out": the default role
        assert reply.status == 201 and reply.json["role"] == "member"
    else:
        assert (reply.status, reply.json["error"]["field"]) == (422, "role"), reply


def test_an_empty_account_id_in_a_body_is_refused_in_a_query_is_none(client, ops_token):
    assert client.put("/v1/ops/prices/NZ", {"price": "0.05"}, token=ops_token).status == 200
    refused = client.put("/v1/ops/prices/NZ", {"price": "0.07", "account_id": ""}, token=ops_token)
    assert (refused.status, refused.json["error"]["field"]) == (422, "account_id"), refused  # was a 500
    listed = client.get("/v1/ops/prices?account_id=", token=ops_token).json  # as in every query string
    assert listed["account_id"] is None and {"country": "NZ", "price": "0.0500"} in listed["prices"]
    assert client.get("/v1/ops/prices?account_id=acc_nope", token=ops_token).status == 422


def test_a_top_up_that_fails_on_aws_is_not_reported_as_a_used_reference(client, ops_token, seeded, monkeypatch):
    from pynamodb.exceptions import TransactWriteError

    from chalicelib.store import base

    class Throttled:
        def __enter__(self):
            return self

        def update(self, *args, **kwargs):
            pass

        save = update

        def __exit__(self, *exc):
            raise TransactWriteError("throttled")
    monkeypatch.setattr(base, "transaction", Throttled)
    monkeypatch.setattr("chalicelib.services.billing.transaction", Throttled)
    reply = client.post(f"/v1/ops/accounts/{seeded.demo_account_id}/topups",
                        {"amount": "5.00", "reference": "THROTTLED-1"}, token=ops_token)
    assert reply.status == 500 and reply.json["error"]["code"] == "internal_error", reply
