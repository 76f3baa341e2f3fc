"""Vonage's Numbers API in the carrier simulator, through the official ``vonage`` SDK (what
Vonage's own customers run, so the simulator keeps to the real contract) and through our
``NumbersClient`` (so our client and the SDK agree).

The SDK only speaks https: it builds ``https://{rest_host}{path}``. Its supported options
are ``HttpClientOptions(rest_host="127.0.0.1:<port>")`` and the CA bundle requests trusts
(``REQUESTS_CA_BUNDLE``), so these tests serve the simulator over TLS with a local CA
(``devstack.tls``) and point the SDK at it.
"""
from __future__ import annotations

import socket
import threading
import time
from decimal import Decimal

import phonenumbers
import pytest
import requests
from phonenumbers import PhoneNumberType
from pydantic import ValidationError
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import AuthenticationError, HttpRequestError
from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter, UpdateNumberParams

from carrier_sim import CarrierSimulator
from carrier_sim.numbers_models import INVENTORY_BLOCKS, build_inventory
from chalicelib import carrier
from chalicelib.carrier.numbers import CarrierNumber, NumbersClient, NumbersError
from chalicelib.config import settings
from devstack import tls
from tests.carrier.sim import KEY, SECRET, configure

GB_MOBILE = "447400100000"  # first of GB's mobile-lvn block: VOICE and SMS
GB_SMS_ONLY = "447400100020"
DE_MOBILE = "4915112345600"
CALLBACK = "http://127.0.0.1:9/voice/events"
ALLOWED_TYPES = {"landline": {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
                 "mobile-lvn": {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
                 "landline-toll-free": {PhoneNumberType.TOLL_FREE}}


@pytest.fixture(scope="module")
def local_tls(tmp_path_factory):
    return tls.create(tmp_path_factory.mktemp("numbers-tls"))


@pytest.fixture
def tls_sim(local_tls, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(local_tls.ca_bundle))
    simulator = CarrierSimulator(api_key=KEY, api_secret=SECRET, tls=local_tls.server_context()).start()
    yield simulator
    simulator.stop()


def sdk_for(simulator, secret: str = SECRET) -> Vonage:
    host = simulator.url.removeprefix("https://")
    return Vonage(Auth(api_key=KEY, api_secret=secret),
                  HttpClientOptions(rest_host=host, api_host=host, timeout=5, max_retries=0))


@pytest.fixture
def sdk(tls_sim):
    return sdk_for(tls_sim)


@pytest.fixture
def client(sim):
    numbers = NumbersClient(sim.url, KEY, SECRET, timeout=(2, 5), base_delay=0.01)
    yield numbers
    numbers.close()


def sim_owned(simulator) -> dict[str, dict]:
    body = requests.get(f"{simulator.url}/_sim/numbers", timeout=5).json()
    return {n["msisdn"]: n for n in body["numbers"]}


def balance(simulator) -> Decimal:
    return Decimal(requests.get(f"{simulator.url}/_sim/config", timeout=5).json()["balance"])


# --- the inventory ------------------------------------------------------------------------------

def test_every_number_for_sale_is_valid_for_its_country_and_type():
    inventory = build_inventory()
    assert {"GB", "US", "CA", "DE", "FR", "NL", "SE", "AU", "SG", "HK", "JP"} <= set(INVENTORY_BLOCKS)
    assert len(inventory) == sum(b.count for blocks in INVENTORY_BLOCKS.values() for b in blocks)  # no overlap
    for number in inventory.values():
        parsed = phonenumbers.parse("+" + number.msisdn)
        assert phonenumbers.is_valid_number_for_region(parsed, number.country), number
        assert phonenumbers.number_type(parsed) in ALLOWED_TYPES[number.type], number


def test_config_keys_are_checked_all_or_nothing(sim):
    patches: list[dict] = [{"number_costs": {"GB:fax": "1.00"}}, {"number_costs": {"GB:landline": -1}},
                           {"numbers_documents_required": "DE"}, {"numbers_documents_required": ["de"]},
                           {"numbers_documents_required": [], "number_costs": {"gb": "1"}}]
    for patch in patches:
        response = requests.put(f"{sim.url}/_sim/config", json=patch, timeout=5)
        assert response.status_code == 400, patch
    config = requests.get(f"{sim.url}/_sim/config", timeout=5).json()
    assert config["numbers_documents_required"] == ["DE"] and config["number_costs"] == {}


# --- the official SDK ---------------------------------------------------------------------------

def test_sdk_searches_with_filters_and_pages_by_index(sdk):
    first, count, next_index = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", type="mobile-lvn", features="SMS", size=12))
    assert count == 30 and next_index == 2 and len(first) == 12
    assert all(n.type == "mobile-lvn" and "SMS" in n.features and n.cost == "1.25" for n in first)
    seen = [n.msisdn for n in first]
    while next_index is not None:
        page, _, next_index = sdk.numbers.search_available_numbers(
            SearchAvailableNumbersFilter(country="GB", type="mobile-lvn", features="SMS", size=12, index=next_index))
        seen += [n.msisdn for n in page]
    assert len(seen) == len(set(seen)) == 30  # the pages cover the total, once each

    both, count, _ = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", features="SMS,VOICE", size=100))
    assert count == len(both) == 20 and all({"SMS", "VOICE"} <= set(n.features) for n in both)
    ending, count, _ = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="05", search_pattern=2))
    assert count == len(ending) and count > 0 and all(n.msisdn.endswith("05") for n in ending)
    toll_free, count, _ = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="US", type="landline-toll-free"))
    assert count == 10 and all(n.msisdn.startswith("1800") for n in toll_free)


def test_sdk_search_in_a_country_without_numbers_is_empty(sdk):
    assert sdk.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="ZZ")) == ([], 0, None)


def test_sdk_buys_lists_updates_and_cancels(sdk, tls_sim):
    status = sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_MOBILE))
    assert (status.error_code, status.error_code_label) == ("200", "success")
    owned, count, _ = sdk.numbers.list_owned_numbers(ListOwnedNumbersFilter(country="GB"))
    assert count == 1 and owned[0].msisdn == GB_MOBILE and owned[0].type == "mobile-lvn"
    assert set(owned[0].features) == {"SMS", "VOICE"}
    search, _, _ = sdk.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB", size=100))
    assert GB_MOBILE not in {n.msisdn for n in search}  # it left the inventory

    status = sdk.numbers.update_number(UpdateNumberParams(country="GB", msisdn=GB_MOBILE, app_id="app-1",
                                                          voice_status_callback=CALLBACK))
    assert status.error_code == "200"
    owned, _, _ = sdk.numbers.list_owned_numbers(ListOwnedNumbersFilter(has_application=True))
    assert [n.app_id for n in owned] == ["app-1"]
    assert sdk.numbers.list_owned_numbers(ListOwnedNumbersFilter(has_application=False)) == ([], 0, None)
    assert sim_owned(tls_sim)[GB_MOBILE]["voice_status_callback"] == CALLBACK

    assert sdk.numbers.cancel_number(NumberParams(country="GB", msisdn=GB_MOBILE)).error_code == "200"
    assert sdk.numbers.list_owned_numbers() == ([], 0, None)
    search, _, _ = sdk.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB", size=100))
    assert GB_MOBILE in {n.msisdn for n in search}  # back for sale


def test_sdk_raises_420_for_a_country_that_needs_documents(sdk, tls_sim):
    with pytest.raises(HttpRequestError) as refused:
        sdk.numbers.buy_number(NumberParams(country="DE", msisdn=DE_MOBILE))
    assert refused.value.response.status_code == 420
    assert "local address" in refused.value.response.json()["error-code-label"]
    configure(tls_sim, numbers_documents_required=[])
    assert sdk.numbers.buy_number(NumberParams(country="DE", msisdn=DE_MOBILE)).error_code == "200"


@pytest.mark.parametrize("action, msisdn, country", [
    ("buy_number", GB_MOBILE, "GB"),  # already bought: no longer for sale
    ("buy_number", "447400100001", "FR"),  # for sale, but not in France
    ("cancel_number", "447400100001", "GB"),  # not owned
    ("update_number", "447400100001", "GB"),  # not owned
])
def test_sdk_raises_420_for_numbers_not_for_sale_or_not_owned(sdk, action, msisdn, country):
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_MOBILE))
    params = UpdateNumberParams if action == "update_number" else NumberParams
    with pytest.raises(HttpRequestError) as refused:
        getattr(sdk.numbers, action)(params(country=country, msisdn=msisdn))
    assert refused.value.response.status_code == 420
    assert refused.value.response.json()["error-code-label"] == "method failed"


def test_sdk_with_wrong_credentials_gets_401(tls_sim):
    with pytest.raises(AuthenticationError) as refused:
        sdk_for(tls_sim, secret="wrong").numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB"))
    assert refused.value.response.json() == {"error-code": "401", "error-code-label": "authentication failed"}


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # the unchecked "fax" we mean to send
def test_sdk_refuses_bad_type_and_size_itself_and_the_simulator_answers_400(sdk):
    with pytest.raises(ValidationError):
        SearchAvailableNumbersFilter(country="GB", type="fax")
    with pytest.raises(ValidationError):
        SearchAvailableNumbersFilter(country="GB", size=101)
    # model_construct skips the SDK's own checks, so the request reaches the simulator as sent
    for unchecked in (SearchAvailableNumbersFilter.model_construct(country="GB", type="fax", size=10),
                      SearchAvailableNumbersFilter.model_construct(country="GB", size=101)):
        with pytest.raises(HttpRequestError) as refused:
            sdk.numbers.search_available_numbers(unchecked)
        assert refused.value.response.status_code == 400
        assert refused.value.response.json()["error-code"] == "400"


def test_sdk_and_our_client_see_the_same_numbers(sdk, tls_sim):
    ours = NumbersClient(tls_sim.url, KEY, SECRET)
    try:
        sdk_page, sdk_count, _ = sdk.numbers.search_available_numbers(
            SearchAvailableNumbersFilter(country="US", features="SMS", size=7, index=2))
        page = ours.search("US", features=["SMS"], size=7, index=2)
        assert page.count == sdk_count
        assert [(n.msisdn, n.type, n.cost, n.features) for n in page.numbers] == \
            [(n.msisdn, n.type, n.cost, tuple(sorted(n.features))) for n in sdk_page]
        ours.buy("US", sdk_page[0].msisdn)
        owned, count, _ = sdk.numbers.list_owned_numbers()
        assert count == 1 and owned[0].msisdn == sdk_page[0].msisdn
    finally:
        ours.close()


# --- our client ---------------------------------------------------------------------------------

def test_client_searches_with_filters_and_pages(client):
    page = client.search("GB", type="mobile-lvn", features="SMS", size=12, index=3)
    assert page.count == 30 and len(page.numbers) == 6  # the last page holds the rest
    everything = [n for index in (1, 2, 3) for n in client.search("GB", type="mobile-lvn", features="SMS",
                                                                  size=12, index=index).numbers]
    assert len({n.msisdn for n in everything}) == 30
    assert everything[0] == CarrierNumber(GB_MOBILE, "GB", "mobile-lvn", ("SMS", "VOICE"), "1.25")
    assert client.search("GB", features=["SMS"], pattern=GB_SMS_ONLY, search_pattern=0).numbers[0].features == ("SMS",)
    assert client.search("US", type="mobile-lvn", size=1).numbers[0].features == ("MMS", "SMS", "VOICE")
    beyond = client.search("GB", size=10, index=99)
    assert beyond.count == 60 and beyond.numbers == []  # Vonage leaves "numbers" out of an empty page


def test_client_buys_lists_updates_and_cancels(client, sim):
    configure(sim, balance="10")
    client.buy("GB", "+" + GB_MOBILE)
    assert balance(sim) == Decimal("8.75")  # the first month is charged
    owned = client.owned(country="GB")
    assert owned.count == 1 and owned.numbers == [CarrierNumber(GB_MOBILE, "GB", "mobile-lvn", ("SMS", "VOICE"), None)]
    assert client.owned(country="FR").count == 0

    client.update("GB", GB_MOBILE, voice_status_callback=CALLBACK, app_id="app-1")
    number = sim_owned(sim)[GB_MOBILE]
    assert (number["voice_status_callback"], number["app_id"], number["cost"]) == (CALLBACK, "app-1", "1.25")
    client.update("GB", GB_MOBILE, voice_status_callback="")  # "" removes it, the rest stays
    number = sim_owned(sim)[GB_MOBILE]
    assert (number["voice_status_callback"], number["app_id"]) == (None, "app-1")

    client.cancel("GB", GB_MOBILE)
    assert client.owned().count == 0 and sim_owned(sim) == {}
    assert GB_MOBILE in {n.msisdn for n in client.search("GB", pattern=GB_MOBILE).numbers}


def test_client_refusals_carry_vonage_codes_and_labels(client, sim):
    with pytest.raises(NumbersError) as refused:
        client.buy("DE", DE_MOBILE)
    assert (refused.value.http_status, refused.value.error_code) == (420, "420")
    assert "local address" in (refused.value.label or "") and not refused.value.maybe_done
    with pytest.raises(NumbersError) as refused:
        client.cancel("GB", GB_MOBILE)  # not owned
    assert (refused.value.http_status, refused.value.label) == (420, "method failed")
    for bad in (dict(type="fax"), dict(size=101), dict(features="SMS,FAX"), dict(index=0)):
        with pytest.raises(NumbersError) as refused:
            client.search("GB", **bad)
        assert (refused.value.http_status, refused.value.error_code) == (400, "400"), bad
        assert refused.value.attempts == 1  # a 4xx is not retried
    with pytest.raises(NumbersError) as refused:
        client.update("GB", GB_MOBILE, voice_status_callback="not a url")
    assert refused.value.http_status == 400 and "voiceStatusCallback" in (refused.value.label or "")


def test_client_with_wrong_credentials_gets_401_and_never_shows_the_secret(sim):
    secret = "wrong-secret-do-not-log"
    wrong = NumbersClient(sim.url, KEY, secret)
    with pytest.raises(NumbersError) as refused:
        wrong.owned()
    assert (refused.value.http_status, refused.value.label) == (401, "authentication failed")
    assert secret not in str(refused.value) and secret not in repr(wrong)
    wrong.close()


def test_buying_with_too_little_credit_is_420_and_charges_nothing(client, sim):
    configure(sim, balance="1.00")
    with pytest.raises(NumbersError) as refused:
        client.buy("GB", GB_MOBILE)  # 1.25 a month
    assert refused.value.http_status == 420
    assert balance(sim) == Decimal("1.00") and client.owned().count == 0
    client.buy("GB", "442079460000")  # a landline at 0.90 fits
    assert balance(sim) == Decimal("0.10")


def test_number_costs_override_what_is_listed_and_charged(client, sim):
    configure(sim, number_costs={"GB:mobile-lvn": "2.5"}, balance="10")
    assert {n.cost for n in client.search("GB", type="mobile-lvn", size=100).numbers} == {"2.50"}
    assert client.search("GB", type="landline", size=1).numbers[0].cost == "0.90"
    client.buy("GB", GB_MOBILE)
    assert balance(sim) == Decimal("7.5") and sim_owned(sim)[GB_MOBILE]["cost"] == "2.50"


def test_credentials_in_query_or_body_are_accepted_too(sim):
    search = requests.get(f"{sim.url}/number/search", timeout=5,
                          params={"country": "SE", "api_key": KEY, "api_secret": SECRET})
    assert search.status_code == 200 and search.json()["count"] == 60
    bought = requests.post(f"{sim.url}/number/buy", timeout=5,
                           data={"country": "SE", "msisdn": "46701234500", "api_key": KEY, "api_secret": SECRET})
    assert bought.json() == {"error-code": "200", "error-code-label": "success"}
    missing = requests.get(f"{sim.url}/account/numbers", timeout=5)
    assert missing.status_code == 401


def test_gets_are_retried_on_5xx_and_posts_are_not(client, sim):
    configure(sim, fail_next_5xx=2)
    assert client.search("GB").count == 60  # third attempt
    configure(sim, fail_next_5xx=3)
    with pytest.raises(NumbersError) as failed:
        client.owned()
    assert (failed.value.http_status, failed.value.attempts) == (500, 3)
    configure(sim, fail_next_5xx=1)
    with pytest.raises(NumbersError) as failed:
        client.buy("GB", GB_MOBILE)
    assert failed.value.http_status == 500 and failed.value.maybe_done and failed.value.attempts == 1
    client.buy("GB", GB_MOBILE)  # the fault took nothing: the number was still for sale


def test_a_post_read_timeout_may_have_been_done(sim):
    configure(sim, latency_ms=400)
    slow = NumbersClient(sim.url, KEY, SECRET, timeout=(2, 0.1))
    with pytest.raises(NumbersError) as lost:
        slow.buy("GB", GB_MOBILE)
    assert lost.value.maybe_done and lost.value.http_status is None
    deadline = time.monotonic() + 5
    while GB_MOBILE not in sim_owned(sim) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert GB_MOBILE in sim_owned(sim)  # and indeed it was
    slow.close()


def test_an_unreachable_carrier_did_nothing():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = NumbersClient(f"http://127.0.0.1:{port}", KEY, SECRET, base_delay=0.01)
    with pytest.raises(NumbersError) as failed:
        nowhere.search("GB")
    assert failed.value.http_status is None and failed.value.attempts == 3
    with pytest.raises(NumbersError) as failed:
        nowhere.buy("GB", GB_MOBILE)
    assert not failed.value.maybe_done
    nowhere.close()


def test_two_buyers_of_one_number_cannot_both_get_it(sim):
    configure(sim, balance="100")
    outcomes: list[str] = []

    def buy():
        buyer = NumbersClient(sim.url, KEY, SECRET)
        try:
            buyer.buy("GB", GB_MOBILE)
            outcomes.append("bought")
        except NumbersError as exc:
            outcomes.append(exc.label or "")
        finally:
            buyer.close()

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["bought"] + ["method failed"] * 7
    assert balance(sim) == Decimal("98.75")  # charged once


def test_sim_numbers_release_returns_every_owned_number(client, sim):
    client.buy("GB", GB_MOBILE)
    client.buy("AU", "61491570100")
    assert set(sim_owned(sim)) == {GB_MOBILE, "61491570100"}
    assert requests.delete(f"{sim.url}/_sim/numbers", timeout=5).status_code == 200
    assert sim_owned(sim) == {} and client.search("AU", pattern="61491570100").count == 1


def test_platform_numbers_client_uses_the_carrier_settings(sim, monkeypatch):
    monkeypatch.setenv("JMC_CARRIER_URL", sim.url)
    monkeypatch.setenv("JMC_CARRIER_API_KEY", KEY)
    monkeypatch.setenv("JMC_CARRIER_API_SECRET", SECRET)
    settings.cache_clear()
    carrier.reset()
    try:
        numbers = carrier.platform_numbers_client()
        assert numbers is carrier.platform_numbers_client()  # one per process
        assert numbers.search("JP").count == 60
        carrier.reset()
        assert carrier.platform_numbers_client() is not numbers
    finally:
        settings.cache_clear()
        carrier.reset()
