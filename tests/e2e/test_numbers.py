"""Number management end to end against the local stack: buy a number through the API
(balance and ledger move), send from it, release it; and the official SDK's numbers client
against our Vonage-shaped endpoints over the TLS port."""
from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def _app_credentials(stack, token: str, name: str) -> tuple[str, str]:
    app = stack.call("POST", "/v1/apps", {"name": name}, token=token).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=token).json()["app_secret"]
    return app["app_key"], secret


def _balance(stack, token: str) -> str:
    return stack.call("GET", "/v1/balance", token=token).json()["balance"]


def _carrier_copies_from(stack, sender: str, timeout: float = 20) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        sent = requests.get(f"{stack.info['carrier_url']}/_sim/messages", timeout=5).json()["messages"]
        mine = [m for m in sent if m["from"] == sender]
        if mine:
            return mine
        time.sleep(0.3)
    return []


def test_buy_a_number_send_from_it_and_release_it(stack, demo_token):
    found = stack.call("GET", "/v1/numbers/available", token=demo_token,
                       params={"country": "GB", "features": "SMS", "type": "mobile-lvn", "limit": 5})
    assert found.status_code == 200, found.text
    offer = found.json()["numbers"][-1]
    before = _balance(stack, demo_token)
    bought = stack.call("POST", "/v1/numbers", {"country": "GB", "msisdn": offer["msisdn"]}, token=demo_token)
    assert bought.status_code == 201 and bought.json()["status"] == "active", bought.text
    after = _balance(stack, demo_token)
    assert round(float(before) - float(after), 2) == float(offer["monthly_price"])
    entries = stack.call("GET", "/v1/ledger", token=demo_token).json()["entries"]
    assert entries[0]["kind"] == "number_rental" and entries[0]["amount"] == f"-{offer['monthly_price']}"
    listed = stack.call("GET", "/v1/numbers", token=demo_token).json()["numbers"]
    assert offer["msisdn"] in {n["msisdn"] for n in listed}

    key, secret = _app_credentials(stack, demo_token, "From a bought number")
    sent = stack.call("POST", "/v1/sms", {"to": "+447400999111", "text": "from our own number",
                                          "from": offer["msisdn"]}, auth=(key, secret))
    assert sent.status_code == 202, sent.text
    assert _carrier_copies_from(stack, offer["msisdn"].lstrip("+"))

    released = stack.call("DELETE", f"/v1/numbers/{offer['msisdn']}", token=demo_token)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert offer["msisdn"] not in {n["msisdn"] for n in stack.call("GET", "/v1/numbers", token=demo_token).json()[
        "numbers"]}


def test_the_official_sdk_numbers_client_works_against_our_api(stack, demo_token, vonage_sdk):
    from vonage_http_client.errors import AuthenticationError, HttpRequestError
    from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter
    key, secret = _app_credentials(stack, demo_token, "Numbers over the SDK")
    sdk = vonage_sdk(key, secret)

    offers, count, next_index = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", features="SMS,VOICE", size=3))
    assert len(offers) == 3 and count >= 3 and next_index == 2
    ours = stack.call("GET", "/v1/numbers/available", token=demo_token,
                      params={"country": "GB", "features": "SMS,VOICE", "limit": 3}).json()["numbers"]
    assert [(o.msisdn, o.cost) for o in offers] == [(n["msisdn"].lstrip("+"), n["monthly_price"]) for n in ours]

    chosen = offers[0]
    status = sdk.numbers.buy_number(NumberParams(country="GB", msisdn=chosen.msisdn))
    assert (status.error_code, status.error_code_label) == ("200", "success")
    owned, count, _ = sdk.numbers.list_owned_numbers(
        ListOwnedNumbersFilter(country="GB", pattern=chosen.msisdn, search_pattern=0))
    assert count == 1 and owned[0].msisdn == chosen.msisdn and set(owned[0].features) == {"SMS", "VOICE"}
    with pytest.raises(HttpRequestError) as again:  # no longer for sale
        sdk.numbers.buy_number(NumberParams(country="GB", msisdn=chosen.msisdn))
    assert again.value.response.status_code == 420

    assert sdk.numbers.cancel_number(NumberParams(country="GB", msisdn=chosen.msisdn)).error_code == "200"
    gone = sdk.numbers.list_owned_numbers(ListOwnedNumbersFilter(pattern=chosen.msisdn, search_pattern=0))
    assert gone == ([], 0, None)
    with pytest.raises(HttpRequestError) as not_ours:
        sdk.numbers.cancel_number(NumberParams(country="GB", msisdn=chosen.msisdn))
    assert not_ours.value.response.status_code == 420

    with pytest.raises(AuthenticationError):
        vonage_sdk(key, "wrong-secret").numbers.list_owned_numbers()
