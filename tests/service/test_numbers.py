"""Number management (号码管理): search, buy (direct, by application, pending registration),
release, renewal once per period, tenancy and bad input — against the carrier simulator."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.carrier import platform_numbers_client
from chalicelib.domain.money import parse_amount
from chalicelib.domain.numbers import monthly_price_micros
from chalicelib.services import number_renewals
from chalicelib.services.billing import balance_micros
from chalicelib.store.audit import list_events
from chalicelib.store.numbers import held_number
from tests.service.helpers import drain_notifications, emails_to, initial_password, login
from tests.service.messaging import send


def _customer(client, app, ops_token, email: str, balance: str | None = None) -> tuple[str, str]:
    """Another customer account with its owner logged in: (account id, token)."""
    created = client.post("/v1/ops/accounts", {"name": email, "owner": {"email": email, "name": "Owner"}},
                          token=ops_token).json
    token = login(client, app, email, initial_password(app, email))["access_token"]
    if balance:
        _top_up(client, ops_token, created["id"], balance)
    return created["id"], token


def _top_up(client, ops_token, account_id: str, amount: str) -> None:
    reply = client.post(f"/v1/ops/accounts/{account_id}/topups", {"amount": amount, "reference": f"t-{amount}"},
                        token=ops_token)
    assert reply.status == 201, reply


def _search(client, token, country="GB", **params):
    query = "&".join(f"{k}={v}" for k, v in {"country": country, **params}.items())
    return client.get(f"/v1/numbers/available?{query}", token=token)


def _first_offer(client, token, country="GB", **params) -> dict:
    reply = _search(client, token, country, features="SMS,VOICE", **params)
    assert reply.status == 200, reply
    return reply.json["numbers"][0]


def _buy(client, token, offer: dict):
    return client.post("/v1/numbers", {"country": offer["country"], "msisdn": offer["msisdn"]}, token=token)


def _carrier_owns(msisdn: str) -> bool:
    return any(n.msisdn == msisdn.lstrip("+") for n in platform_numbers_client().owned(size=100).numbers)


def _rental_entries(client, token) -> list[dict]:
    return [e for e in client.get("/v1/ledger?limit=200", token=token).json["entries"] if e["kind"] == "number_rental"]


@pytest.fixture(autouse=True)
def release_everything(aws, carrier_sim):
    """The simulator is shared by the session: give back what a test bought."""
    yield
    client = platform_numbers_client()
    for number in client.owned(size=100).numbers:
        client.cancel(number.country, number.msisdn)


def test_search_prices_numbers_at_cost_times_markup_and_says_how_to_buy(client, demo_token):
    reply = _search(client, demo_token, "GB", type="mobile-lvn", features="SMS", limit=5)
    assert reply.status == 200, reply
    body = reply.json
    assert body["country"] == "GB" and body["purchase"] == "direct" and body["count"] >= len(body["numbers"]) > 0
    carrier = {n.msisdn: n for n in platform_numbers_client().search("GB", type="mobile-lvn", features="SMS",
                                                                     size=5).numbers}
    for offer in body["numbers"]:
        assert offer["type"] == "mobile-lvn" and "SMS" in offer["features"] and offer["msisdn"].startswith("+44")
        cost = carrier[offer["msisdn"].lstrip("+")].cost
        assert parse_amount(offer["monthly_price"]) == monthly_price_micros(cost, Decimal("1.30"))


@pytest.mark.parametrize(("query", "field", "status"), [
    ("country=ZZ", "country", 422), ("country=GB&type=satellite", "type", 422),
    ("country=GB&features=SMS,FAX", "features", 422), ("country=GB&pattern=12ab", "pattern", 422),
    ("country=GB&limit=101", "limit", 400)])
def test_bad_search_input_names_the_field(client, demo_token, query, field, status):
    reply = client.get(f"/v1/numbers/available?{query}", token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field, reply


def test_buying_charges_the_first_month_lists_the_number_and_makes_it_a_from(client, app, demo_token, seeded):
    offer = _first_offer(client, demo_token)
    before = balance_micros(seeded.demo_account_id)
    reply = _buy(client, demo_token, offer)
    assert reply.status == 201, reply
    number = reply.json
    assert (number["msisdn"], number["status"], number["monthly_price"]) == (
        offer["msisdn"], "active", offer["monthly_price"])
    price = parse_amount(offer["monthly_price"])
    assert balance_micros(seeded.demo_account_id) == before - price
    rentals = _rental_entries(client, demo_token)
    assert [e["amount"] for e in rentals] == [f"-{offer['monthly_price']}"]
    assert rentals[0]["reference"].startswith(f"number:{offer['msisdn']}:")
    listed = client.get("/v1/numbers", token=demo_token).json["numbers"]
    assert [n["msisdn"] for n in listed] == [offer["msisdn"]] and listed[0]["next_renewal_at"] > listed[0]["bought_at"]
    assert _carrier_owns(offer["msisdn"])
    senders = client.get("/v1/senders", token=demo_token).json["senders"]
    assert {"type": "number", "value": offer["msisdn"], "countries": ["GB"]}.items() <= next(
        s for s in senders if s["value"] == offer["msisdn"]).items()
    assert send(client, seeded, **{"from": offer["msisdn"]}).status == 202
    # the same number cannot be bought twice
    again = _buy(client, demo_token, offer)
    assert again.status == 409 and again.json["error"]["code"] == "number_not_available"


def test_a_balance_that_does_not_cover_the_month_is_402_and_nothing_is_bought(client, app, ops_token):
    _, token = _customer(client, app, ops_token, "poor@numbers.example", balance="0.01")
    offer = _first_offer(client, token)
    reply = _buy(client, token, offer)
    assert reply.status == 402 and reply.json["error"]["code"] == "insufficient_balance", reply
    assert client.get("/v1/numbers", token=token).json["numbers"] == []
    assert _rental_entries(client, token) == [] and not _carrier_owns(offer["msisdn"])


@pytest.mark.parametrize(("body", "field"), [
    ({"country": "GB", "msisdn": "+12025550143"}, "msisdn"),
    ({"country": "GB", "msisdn": "not a number"}, "msisdn"),
    ({"country": "XX", "msisdn": "+447700900123"}, "country"),
    ({"msisdn": "+447700900123"}, "country")])
def test_bad_purchases_name_the_field(client, demo_token, body, field):
    reply = client.post("/v1/numbers", body, token=demo_token)
    assert 400 <= reply.status < 500 and reply.json["error"]["field"] == field, reply


def test_a_number_the_carrier_does_not_sell_is_409(client, demo_token):
    reply = client.post("/v1/numbers", {"country": "GB", "msisdn": "+447700900999"}, token=demo_token)
    if reply.status != 409:  # the inventory may hold it: take one the carrier sells, twice
        offer = _first_offer(client, demo_token)
        assert _buy(client, demo_token, offer).status == 201
        reply = _buy(client, demo_token, offer)
    assert reply.status == 409 and reply.json["error"]["field"] == "msisdn"


def test_an_application_country_records_an_application_the_operators_approve_or_reject(
        client, app, demo_token, ops_token, seeded):
    assert client.put("/v1/ops/number-rules/GB", {"purchase": "application"}, token=ops_token).status == 200
    first, second = _search(client, demo_token, "GB", features="SMS", limit=2).json["numbers"][:2]
    assert _search(client, demo_token, "GB").json["purchase"] == "application"
    before = balance_micros(seeded.demo_account_id)
    applied = _buy(client, demo_token, first)
    assert applied.status == 202 and applied.json["application"]["status"] == "pending", applied
    assert balance_micros(seeded.demo_account_id) == before and not _carrier_owns(first["msisdn"])
    rejected_one = _buy(client, demo_token, second).json["application"]
    pending = client.get("/v1/ops/number-applications", token=ops_token).json["applications"]
    assert {a["id"] for a in pending} >= {applied.json["application"]["id"], rejected_one["id"]}
    assert all(a["account_id"] for a in pending)
    # customers cannot decide their own applications
    assert client.post(f"/v1/ops/number-applications/{rejected_one['id']}/approve", token=demo_token).status == 403

    approved = client.post(f"/v1/ops/number-applications/{applied.json['application']['id']}/approve",
                           token=ops_token)
    assert approved.status == 200 and approved.json["status"] == "approved", approved
    assert [n["msisdn"] for n in client.get("/v1/numbers", token=demo_token).json["numbers"]] == [first["msisdn"]]
    assert balance_micros(seeded.demo_account_id) == before - parse_amount(first["monthly_price"])

    no_reason = client.post(f"/v1/ops/number-applications/{rejected_one['id']}/reject", {}, token=ops_token)
    assert no_reason.status == 422 and no_reason.json["error"]["field"] == "reason"
    rejected = client.post(f"/v1/ops/number-applications/{rejected_one['id']}/reject",
                           {"reason": "A UK business address is required"}, token=ops_token)
    assert rejected.status == 200 and rejected.json["status"] == "rejected"
    mine = {a["id"]: a for a in client.get("/v1/numbers/applications", token=demo_token).json["applications"]}
    assert mine[rejected_one["id"]]["reason"] == "A UK business address is required"
    assert mine[applied.json["application"]["id"]]["status"] == "approved"
    # a decided application cannot be decided again
    again = client.post(f"/v1/ops/number-applications/{rejected_one['id']}/approve", token=ops_token)
    assert again.status == 404


def test_a_registration_country_number_cannot_send_until_an_operator_registers_it(
        client, app, demo_token, ops_token, seeded):
    client.put("/v1/ops/number-rules/GB", {"purchase": "registration"}, token=ops_token)
    offer = _first_offer(client, demo_token)
    bought = _buy(client, demo_token, offer)
    assert bought.status == 201 and bought.json["status"] == "pending_registration", bought
    refused = send(client, seeded, **{"from": offer["msisdn"]})
    assert refused.status == 422 and refused.json["error"]["field"] == "from", refused
    queue = client.get("/v1/ops/numbers?status=pending_registration", token=ops_token).json["numbers"]
    assert [n["msisdn"] for n in queue] == [offer["msisdn"]]
    assert client.post(f"/v1/ops/numbers/{offer['msisdn']}/registered", token=demo_token).status == 403
    registered = client.post(f"/v1/ops/numbers/{offer['msisdn']}/registered", token=ops_token)
    assert registered.status == 200 and registered.json["status"] == "active", registered
    assert client.get("/v1/ops/numbers", token=ops_token).json["numbers"] == []
    assert send(client, seeded, **{"from": offer["msisdn"]}).status == 202


def test_operator_prices_override_the_markup(client, demo_token, ops_token):
    rule = client.put("/v1/ops/number-rules/GB", {"purchase": "direct", "monthly_prices": {"mobile-lvn": "2.50"}},
                      token=ops_token)
    assert rule.status == 200 and rule.json["monthly_prices"] == {"mobile-lvn": "2.50"}
    offers = _search(client, demo_token, "GB", type="mobile-lvn").json["numbers"]
    assert offers and {o["monthly_price"] for o in offers} == {"2.50"}
    bad = client.put("/v1/ops/number-rules/GB", {"purchase": "sometimes"}, token=ops_token)
    assert bad.status == 422 and bad.json["error"]["field"] == "purchase"
    bad_price = client.put("/v1/ops/number-rules/GB", {"monthly_prices": {"landline": "-1"}}, token=ops_token)
    assert bad_price.status == 422 and bad_price.json["error"]["field"] == "monthly_prices.landline"
    not_a_map = client.put("/v1/ops/number-rules/GB", {"monthly_prices": False}, token=ops_token)
    assert not_a_map.status == 422 and not_a_map.json["error"]["field"] == "monthly_prices"
    cleared = client.put("/v1/ops/number-rules/GB", {"monthly_prices": None}, token=ops_token)
    assert cleared.status == 200 and cleared.json["monthly_prices"] == {}
    assert [r["country"] for r in client.get("/v1/ops/number-rules", token=ops_token).json["rules"]] == ["GB"]
    assert client.get("/v1/ops/number-rules", token=demo_token).status == 403


def test_an_account_s_own_markup_prices_its_numbers_and_its_buys(client, app, ops_token):
    account_id, token = _customer(client, app, ops_token, "markup@numbers.example", balance="50.00")
    _, other = _customer(client, app, ops_token, "plain@numbers.example")
    cost = {n.msisdn: n.cost for n in platform_numbers_client().search("GB", type="mobile-lvn", size=3).numbers}
    set_markup = client.patch(f"/v1/ops/accounts/{account_id}", {"number_markup": "2.5"}, token=ops_token)
    assert set_markup.status == 200 and set_markup.json["number_markup"] == "2.5", set_markup
    assert set_markup.json["status"] == "active"
    offers = _search(client, token, "GB", type="mobile-lvn", limit=3).json["numbers"]
    for offer in offers:
        assert parse_amount(offer["monthly_price"]) == monthly_price_micros(cost[offer["msisdn"][1:]], Decimal("2.5"))
    # another account keeps the stage's markup
    plain = _search(client, other, "GB", type="mobile-lvn", limit=3).json["numbers"]
    assert [parse_amount(o["monthly_price"]) for o in plain] == [
        monthly_price_micros(cost[o["msisdn"][1:]], Decimal("1.30")) for o in plain]
    bought = _buy(client, token, offers[0])
    assert bought.status == 201 and bought.json["monthly_price"] == offers[0]["monthly_price"]
    assert _rental_entries(client, token)[0]["amount"] == f"-{offers[0]['monthly_price']}"

    reset = client.patch(f"/v1/ops/accounts/{account_id}", {"number_markup": None}, token=ops_token)
    assert reset.status == 200 and reset.json["number_markup"] is None
    again = _search(client, token, "GB", type="mobile-lvn", limit=3).json["numbers"]
    assert [o["monthly_price"] for o in again] == [o["monthly_price"] for o in plain]
    events, _ = list_events(account_id, 50, None)
    assert [e.details.as_dict() for e in events
            if e.action == "account.number_markup_set"] == [{"number_markup": None}, {"number_markup": "2.5"}]


@pytest.mark.parametrize(("body", "field"), [
    ({"number_markup": "0.1"}, "number_markup"), ({"number_markup": "11"}, "number_markup"),
    ({"number_markup": 1.5}, "number_markup"), ({"number_markup": "1.23456"}, "number_markup"),
    ({"number_markup": " 1.5"}, "number_markup"), ({"number_markup": "1.5", "status": "paused"}, "status"),
    ({"number_markup": "1.5", "price": "2"}, "price"), ({}, "status")])
def test_a_bad_account_change_names_the_field_and_changes_nothing(client, app, ops_token, body, field):
    account_id, token = _customer(client, app, ops_token, "badmarkup@numbers.example")
    reply = client.patch(f"/v1/ops/accounts/{account_id}", body, token=ops_token)
    assert reply.status in (400, 422) and reply.json["error"]["field"] == field, reply
    account = client.get(f"/v1/ops/accounts/{account_id}", token=ops_token).json
    assert (account["number_markup"], account["status"]) == (None, "active")
    assert client.patch(f"/v1/ops/accounts/{account_id}", {"number_markup": "2"}, token=token).status == 403


def test_releasing_stops_renewal_drops_the_from_and_gives_the_number_back(client, app, demo_token, seeded):
    offer = _first_offer(client, demo_token)
    _buy(client, demo_token, offer)
    number = held_number(seeded.demo_account_id, offer["msisdn"])
    reply = client.delete(f"/v1/numbers/{offer['msisdn']}", token=demo_token)
    assert reply.status == 200 and reply.json == {"msisdn": offer["msisdn"], "status": "released"}
    assert client.get("/v1/numbers", token=demo_token).json["numbers"] == []
    assert not _carrier_owns(offer["msisdn"])
    assert offer["msisdn"] not in {s["value"] for s in client.get("/v1/senders", token=demo_token).json["senders"]}
    number_renewals.renew_due(number.paid_until + timedelta(days=40))
    assert len(_rental_entries(client, demo_token)) == 1
    assert client.delete(f"/v1/numbers/{offer['msisdn']}", token=demo_token).status == 404


def test_renewal_charges_once_per_period_under_reruns(client, demo_token, seeded):
    offer = _first_offer(client, demo_token)
    _buy(client, demo_token, offer)
    number = held_number(seeded.demo_account_id, offer["msisdn"])
    assert number_renewals.renew_due(number.paid_until - timedelta(seconds=1)).renewed == 0
    after_period = number.paid_until + timedelta(seconds=1)
    first = number_renewals.renew_due(after_period)
    rerun = number_renewals.renew_due(after_period)  # a redelivered or overlapping run
    assert (first.renewed, rerun.renewed) == (1, 0)
    # a run working from the stale item (read before the first run wrote) charges nothing
    assert number_renewals.charge_period(number) is None
    rentals = _rental_entries(client, demo_token)
    assert len(rentals) == 2 and len({e["reference"] for e in rentals}) == 2
    renewed = held_number(seeded.demo_account_id, offer["msisdn"])
    assert renewed.paid_until > number.paid_until and renewed.status == "active"


def test_an_unpaid_renewal_suspends_warns_and_releases_after_the_grace_period(client, app, ops_token):
    email = "lapsed@numbers.example"
    account_id, token = _customer(client, app, ops_token, email)
    offer = _first_offer(client, token)
    _top_up(client, ops_token, account_id, offer["monthly_price"])  # the first month, not the second
    assert _buy(client, token, offer).status == 201
    assert balance_micros(account_id) == 0
    number = held_number(account_id, offer["msisdn"])
    due = number.paid_until + timedelta(hours=1)
    assert number_renewals.renew_due(due).suspended == 1
    suspended = client.get("/v1/numbers", token=token).json["numbers"][0]
    assert suspended["status"] == "suspended" and suspended["release_at"]
    drain_notifications(app)
    assert any(offer["msisdn"] in mail and "suspended" in mail for mail in emails_to(email))
    assert offer["msisdn"] not in {s["value"] for s in client.get("/v1/senders", token=token).json["senders"]}
    assert number_renewals.renew_due(due + timedelta(days=1)).suspended == 0  # still in grace, warned once
    assert number_renewals.renew_due(due + timedelta(days=8)).released == 1
    assert client.get("/v1/numbers", token=token).json["numbers"] == [] and not _carrier_owns(offer["msisdn"])


def test_another_tenants_numbers_are_404_and_never_listed(client, app, demo_token, ops_token, seeded):
    offer = _first_offer(client, demo_token)
    _buy(client, demo_token, offer)
    _, rival_token = _customer(client, app, ops_token, "rival@numbers.example", balance="50.00")
    assert client.get("/v1/numbers", token=rival_token).json["numbers"] == []
    assert client.delete(f"/v1/numbers/{offer['msisdn']}", token=rival_token).status == 404
    taken = _buy(client, rival_token, offer)
    assert taken.status == 409 and taken.json["error"]["code"] == "number_not_available"
    assert held_number(seeded.demo_account_id, offer["msisdn"]) is not None


# --- the Vonage-shaped numbers API (the official SDK's own test is in tests/e2e/test_numbers.py)

def test_vonage_shape_answers_with_vonage_codes(client, app, seeded, demo_token, ops_token):
    basic = (seeded.app_key, seeded.app_secret)
    found = client.get("/number/search?country=GB&features=SMS&size=2", basic=basic)
    assert found.status == 200 and found.json["count"] >= 2 and len(found.json["numbers"]) == 2
    assert set(found.json["numbers"][0]) == {"country", "msisdn", "type", "cost", "features"}
    msisdn = found.json["numbers"][0]["msisdn"]
    assert not msisdn.startswith("+")
    bad_size = client.get("/number/search?country=GB&size=101", basic=basic)
    assert bad_size.status == 400 and bad_size.json["error-code-label"].startswith("size:")
    assert client.get("/account/numbers", basic=(seeded.app_key, "wrong")).json == {
        "error-code": "401", "error-code-label": "authentication failed"}
    # a portal session is not an app key: refused as Vonage refuses credentials
    assert client.get("/account/numbers", token=demo_token).status == 401

    bought = client.post_form("/number/buy", {"country": "GB", "msisdn": msisdn, "api_key": seeded.app_key,
                                              "api_secret": seeded.app_secret})
    assert bought.status == 200 and bought.json == {"error-code": "200", "error-code-label": "success"}, bought
    owned = client.get(f"/account/numbers?api_key={seeded.app_key}&api_secret={seeded.app_secret}", ).json
    assert owned["count"] == 1 and owned["numbers"][0]["msisdn"] == msisdn

    client.put("/v1/ops/number-rules/GB", {"purchase": "application"}, token=ops_token)
    other = found.json["numbers"][1]["msisdn"]
    applied = client.post_form("/number/buy", {"country": "GB", "msisdn": other}, basic=basic)
    assert applied.status == 420 and "application" in applied.json["error-code-label"]
    cancelled = client.post_form("/number/cancel", {"country": "GB", "msisdn": msisdn}, basic=basic)
    assert cancelled.status == 200 and cancelled.json["error-code"] == "200"
    again = client.post_form("/number/cancel", {"country": "GB", "msisdn": msisdn}, basic=basic)
    assert again.status == 420
