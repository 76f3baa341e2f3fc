"""号码管理 and the Voice call log in a real browser, in both languages: a customer searches a
country, buys a number (the balance in the header drops by its monthly price), finds it in
您的号码 and releases it, and is refused with the API's words when the balance is short; an
operator sets a country to need an application (号码规则), a customer's buy there becomes an
application, and the operator approves one (the number is the customer's) and rejects another
(the customer reads why); a number in a registration country waits in 待登记号码 until an
operator marks it; a call the carrier simulator places on a bought number shows in 通话记录 with
its duration and price, opens in its drawer and is exported to the download center.

Roles take turns in one browser: signing in again needs a new code, and a used code frees its
login at once. Inventory numbers are taken from the first search result: the simulator's
inventory is shared by the session, so no test names a number in advance."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import Portal, new_customer, new_operator
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e

#: antd's motions (a dialog zooming, a toast moving): axe would read colours through them.
ANIMATING = ", ".join(f".ant-{motion}-{phase}" for motion in ("zoom", "zoom-big", "fade", "message-move-up")
                      for phase in ("enter", "appear", "leave"))
APPLICATION_COUNTRY, REGISTRATION_COUNTRY = "FR", "NL"


@pytest.fixture
def customer(stack, ops_token):
    return new_customer(stack, ops_token, name="Numbers Co")


@pytest.fixture
def operator_login(stack, ops_token):
    return new_operator(stack, ops_token)


def _sign_in(portal: Portal, login: str, password: str) -> str:
    """Signed in as ``Portal.sign_in`` does; the access token for the test's own API calls."""
    return portal.sign_in(login, password)["access_token"]


def _check(portal: Portal, name: str, dialog: bool = False) -> None:
    """``portal.check`` once no dialog (unless ``dialog``) or popover is open and nothing moves."""
    if not dialog:
        expect(portal.page.locator(".ant-modal-wrap:visible, .ant-popover:visible")).to_have_count(0)
    expect(portal.page.locator(ANIMATING)).to_have_count(0)
    portal.page.mouse.move(0, 0)  # no button left hovered (a hovered button is lighter)
    portal.check(name)


def _heading(portal: Portal, zh: str, en: str) -> None:
    portal.page.locator("h1", has_text=portal.t(zh, en)).wait_for()


def _popconfirm(portal: Portal):
    popup = portal.page.locator(".ant-popconfirm:visible")
    popup.wait_for()
    expect(portal.page.locator(ANIMATING)).to_have_count(0)
    return popup


def _choose(portal: Portal, selector: str, typed: str, option: str) -> None:
    """Type into an antd select and take the option showing ``option``."""
    field = portal.page.locator(selector)
    field.click()
    field.fill(typed)
    portal.page.locator(".ant-select-item-option:visible", has_text=option).first.click()


def _header_balance(portal: Portal) -> Decimal:
    text = portal.page.get_by_test_id("header-balance").inner_text()
    found = re.search(r"(-?\d+(?:\.\d+)?)", text)
    assert found, f"no amount in {text!r}"
    return Decimal(found.group(1))


def _search(portal: Portal, country: str, type_label: tuple[str, str] | None = None) -> None:
    """购买号码: a country (and a type), searched."""
    _choose(portal, "#country", f"({country})", f"({country})")
    if type_label:
        portal.page.locator("#type").click()
        portal.page.locator(".ant-select-item-option:visible", has_text=portal.t(*type_label)).first.click()
    portal.page.get_by_test_id("buy-search").click()
    portal.page.locator("[data-testid=available-table] tbody tr[data-msisdn]").first.wait_for()


def _offer_row(portal: Portal, nth: int = 0) -> str:
    """The number of the ``nth`` row of the search results."""
    row = portal.page.locator("[data-testid=available-table] tbody tr[data-msisdn]").nth(nth)
    msisdn = row.get_attribute("data-msisdn")
    assert msisdn, "a result row without its number"
    return msisdn


def _available(stack, token: str, country: str, **filters) -> dict:
    reply = stack.call("GET", "/v1/numbers/available", params={"country": country, **filters}, token=token)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _mine(stack, token: str) -> dict[str, dict]:
    reply = stack.call("GET", "/v1/numbers", params={"limit": 100}, token=token)
    assert reply.status_code == 200, reply.text
    return {n["msisdn"]: n for n in reply.json()["numbers"]}


def _balance_text(stack, token: str) -> str:
    return stack.call("GET", "/v1/me", token=token).json()["balance"]


def _balance(stack, token: str) -> Decimal:
    return Decimal(_balance_text(stack, token))


def _set_rule(stack, ops_token: str, country: str, purchase: str) -> None:
    reply = stack.call("PUT", f"/v1/ops/number-rules/{country}", {"purchase": purchase}, token=ops_token)
    assert reply.status_code == 200, reply.text


def test_a_number_is_searched_bought_listed_and_released(portal, stack, customer):
    page = portal.page
    token = _sign_in(portal, customer["email"], customer["password"])
    before = _header_balance(portal)
    assert before == Decimal("100.00")
    portal.open("/numbers/buy")
    _heading(portal, "购买号码", "Buy numbers")
    _search(portal, "GB", ("手机号码", "Mobile"))
    banner = page.locator("[data-testid=purchase-mode][data-purchase=direct]")
    banner.wait_for()
    assert portal.t("可直接购买", "bought directly") in banner.inner_text()
    offers = _available(stack, token, "GB", type="mobile-lvn", limit=10)
    count = page.get_by_test_id("buy-count").inner_text()
    assert str(offers["count"]) in count
    _check(portal, "numbers-buy")

    msisdn = _offer_row(portal)
    offer = next(o for o in offers["numbers"] if o["msisdn"] == msisdn)
    assert offer["type"] == "mobile-lvn"
    price = f"{offer['monthly_price']} {offer['currency']}"
    row = page.locator(f"[data-testid=available-table] tr[data-msisdn='{msisdn}']")
    assert price in row.inner_text()
    page.get_by_test_id(f"buy-{msisdn}").click()
    confirmation = page.get_by_test_id("buy-confirmation")
    confirmation.wait_for()
    assert msisdn in confirmation.inner_text()
    assert price in page.get_by_test_id("buy-price").inner_text()  # what is charged now, said before
    _check(portal, "numbers-buy-confirm", dialog=True)
    page.get_by_test_id("buy-confirm").click()
    outcome = page.locator("[data-testid=buy-outcome][data-kind=bought]")
    outcome.wait_for()
    assert msisdn in outcome.inner_text()
    charged = before - Decimal(offer["monthly_price"])
    assert _balance(stack, token) == charged
    expect(page.get_by_test_id("header-balance")).to_contain_text(_balance_text(stack, token))
    assert _header_balance(portal) == charged
    assert _mine(stack, token)[msisdn]["status"] == "active"
    # the number left the carrier's inventory: the refreshed results no longer offer it
    expect(page.locator(f"[data-testid=available-table] tr[data-msisdn='{msisdn}']")).to_have_count(0)

    page.get_by_test_id("buy-outcome-link").click()
    _heading(portal, "您的号码", "Your numbers")
    mine = page.locator(f"[data-testid=numbers-table] tr[data-msisdn='{msisdn}']")
    mine.locator("[data-status=active]").wait_for()
    text = mine.inner_text()
    assert price in text and portal.t("手机号码", "Mobile") in text
    assert portal.t("英国", "United Kingdom") in text
    _check(portal, "numbers-mine")

    page.get_by_test_id(f"release-{msisdn}").click()
    popup = _popconfirm(portal)
    assert msisdn in popup.inner_text()
    assert portal.t("停止续费", "renewals stop") in popup.inner_text()
    portal.page.mouse.move(0, 0)
    portal.check("numbers-release-confirm")
    popup.get_by_test_id("release-confirm").click()
    mine.wait_for(state="detached")
    assert msisdn not in _mine(stack, token)
    assert _balance(stack, token) == charged  # releasing refunds nothing and charges nothing


def test_a_buy_the_balance_cannot_cover_shows_the_apis_refusal(portal, stack, ops_token):
    customer = new_customer(stack, ops_token, name="Broke Co", balance="0.01")
    page = portal.page
    token = _sign_in(portal, customer["email"], customer["password"])
    portal.open("/numbers/buy")
    _search(portal, "GB")
    msisdn = _offer_row(portal)
    page.get_by_test_id(f"buy-{msisdn}").click()
    page.get_by_test_id("buy-confirm").click()
    toast = page.locator(".ant-message-notice", has_text=portal.t("余额不足", "Insufficient balance"))
    toast.wait_for()
    assert page.get_by_test_id("buy-outcome").count() == 0
    assert _mine(stack, token) == {}
    assert _balance(stack, token) == Decimal("0.01")


def test_an_application_country_buy_is_approved_or_rejected_by_an_operator(portal, stack, customer, operator_login):
    page = portal.page
    # 号码规则: the operator makes the country need an application, with its own mobile price
    _sign_in(portal, operator_login["email"], operator_login["password"])
    portal.open("/ops/number-rules")
    _heading(portal, "号码规则", "Number rules")
    _choose(portal, "#country", f"({APPLICATION_COUNTRY})", f"({APPLICATION_COUNTRY})")
    page.get_by_test_id("rule-purchase").click()
    page.locator(".ant-select-item-option:visible", has_text=portal.t("须申请", "Application")).first.click()
    page.locator("[id='mobile-lvn']").fill("3.5")
    page.get_by_test_id("rule-submit").click()
    rule = page.locator(f"[data-testid=rules-table] tr[data-country={APPLICATION_COUNTRY}]")
    rule.locator("[data-purchase=application]").wait_for()
    assert "3.50" in rule.inner_text()
    _check(portal, "ops-number-rules")

    # the customer's buys there become applications, charging nothing yet
    token = _sign_in(portal, customer["email"], customer["password"])
    portal.open("/numbers/buy")
    _search(portal, APPLICATION_COUNTRY, ("手机号码", "Mobile"))
    banner = page.locator("[data-testid=purchase-mode][data-purchase=application]")
    banner.wait_for()
    assert portal.t("服务团队审核", "service team reviews") in banner.inner_text()
    _check(portal, "numbers-buy-application")
    applied = []
    for nth in range(2):
        msisdn = _offer_row(portal, nth)
        page.get_by_test_id(f"buy-{msisdn}").click()
        assert portal.t("暂不扣费", "charges nothing yet") in page.get_by_test_id("buy-price").inner_text()
        assert "3.50" in page.get_by_test_id("buy-price").inner_text()
        page.get_by_test_id("buy-confirm").click()
        page.locator("[data-testid=buy-outcome][data-kind=applied]", has_text=msisdn).wait_for()
        applied.append(msisdn)
    approved, rejected = applied
    assert _balance(stack, token) == Decimal("100.00")  # nothing charged before the approval
    page.get_by_test_id("buy-outcome-link").click()
    _heading(portal, "号码申请", "Number applications")
    for msisdn in applied:
        page.locator(f"[data-testid=applications-table] tr[data-msisdn='{msisdn}'] [data-status=pending]").wait_for()
    _check(portal, "numbers-applications-pending")

    # 号码申请审核: one approved (bought for the account), one rejected with a reason
    _sign_in(portal, operator_login["email"], operator_login["password"])
    portal.open("/ops/number-applications")
    _heading(portal, "号码申请审核", "Number applications")
    row = page.locator(f"[data-testid=number-review-table] tr[data-msisdn='{approved}']")
    row.wait_for()
    assert customer["account_id"] in row.inner_text() and "3.50" in row.inner_text()
    _check(portal, "ops-number-review")
    row.get_by_test_id(f"approve-{approved}").click()
    popup = _popconfirm(portal)
    assert approved in popup.inner_text() and customer["account_id"] in popup.inner_text()
    popup.get_by_test_id("approve-confirm").click()
    row.wait_for(state="detached")
    page.get_by_test_id(f"reject-{rejected}").click()
    page.get_by_test_id("reject-submit").click()  # no reason: refused by the form
    page.locator("#reason_help").wait_for()
    page.locator("#reason").fill("请提供当地地址证明 / proof of a local address")
    _check(portal, "ops-number-reject", dialog=True)
    page.get_by_test_id("reject-submit").click()
    page.locator(f"[data-testid=number-review-table] tr[data-msisdn='{rejected}']").wait_for(state="detached")

    _sign_in(portal, customer["email"], customer["password"])
    assert _mine(stack, token)[approved]["status"] == "active"
    assert rejected not in _mine(stack, token)
    assert _balance(stack, token) == Decimal("96.50")
    expect(page.get_by_test_id("header-balance")).to_contain_text(_balance_text(stack, token))
    portal.open("/numbers/applications")
    page.locator(f"[data-testid=applications-table] tr[data-msisdn='{approved}'] [data-status=approved]").wait_for()
    refused = page.locator(f"[data-testid=applications-table] tr[data-msisdn='{rejected}']")
    refused.locator("[data-status=rejected]").wait_for()
    assert "proof of a local address" in refused.get_by_test_id("application-reason").inner_text()
    assert portal.t("已驳回", "Rejected") in refused.inner_text()
    _check(portal, "numbers-applications")
    portal.open("/numbers")
    page.locator(f"[data-testid=numbers-table] tr[data-msisdn='{approved}'] [data-status=active]").wait_for()


def test_a_number_needing_registration_waits_until_an_operator_marks_it(portal, stack, customer, operator_login,
                                                                         ops_token):
    _set_rule(stack, ops_token, REGISTRATION_COUNTRY, "registration")
    page = portal.page
    token = _sign_in(portal, customer["email"], customer["password"])
    portal.open("/numbers/buy")
    _search(portal, REGISTRATION_COUNTRY, ("手机号码", "Mobile"))
    page.locator("[data-testid=purchase-mode][data-purchase=registration]").wait_for()
    msisdn = _offer_row(portal)
    page.get_by_test_id(f"buy-{msisdn}").click()
    assert portal.t("须完成登记", "registered") in page.get_by_test_id("buy-price").inner_text()
    page.get_by_test_id("buy-confirm").click()
    page.locator("[data-testid=buy-outcome][data-kind=bought]").wait_for()
    portal.open("/numbers")
    waiting = page.locator(f"[data-testid=numbers-table] tr[data-msisdn='{msisdn}']")
    waiting.locator("[data-status=pending_registration]").wait_for()
    assert _mine(stack, token)[msisdn]["status"] == "pending_registration"

    _sign_in(portal, operator_login["email"], operator_login["password"])
    portal.open("/ops/numbers/pending")
    _heading(portal, "待登记号码", "Numbers to register")
    row = page.locator(f"[data-testid=pending-table] tr[data-msisdn='{msisdn}']")
    row.wait_for()
    assert customer["account_id"] in row.inner_text()
    _check(portal, "ops-numbers-pending")
    row.get_by_test_id(f"mark-{msisdn}").click()
    popup = _popconfirm(portal)
    assert msisdn in popup.inner_text()
    popup.get_by_test_id("mark-confirm").click()
    row.wait_for(state="detached")
    assert _mine(stack, token)[msisdn]["status"] == "active"


def test_a_simulated_call_shows_in_the_call_log_and_is_exported(portal, stack, customer):
    page = portal.page
    token = _sign_in(portal, customer["email"], customer["password"])
    offer = _available(stack, token, "GB", type="landline", features="VOICE", limit=1)["numbers"][0]
    bought = stack.call("POST", "/v1/numbers", {"country": "GB", "msisdn": offer["msisdn"]}, token=token)
    assert bought.status_code == 201, bought.text
    number = bought.json()["msisdn"]
    caller = "+447700900321"
    placed = requests.post(stack.info["carrier_url"] + "/_sim/calls",
                           json={"number": number.lstrip("+"), "direction": "inbound", "other": caller.lstrip("+"),
                                 "duration": 37}, timeout=10)
    assert placed.status_code == 201, placed.text

    def calls() -> list[dict]:
        return stack.call("GET", "/v1/voice/calls", token=token).json()["calls"]
    [call] = wait_for(calls, lambda found: len(found) == 1 and found[0]["status"] == "completed", timeout=60)
    assert (call["number"], call["from"], call["direction"], call["duration"]) == (number, caller, "inbound", 37)

    portal.open("/voice/calls")
    _heading(portal, "通话记录", "Voice call log")
    row = page.locator(f"[data-testid=calls-table] tr[data-call='{call['id']}']")
    row.locator("[data-status=completed]").wait_for()
    assert row.get_by_test_id("duration").inner_text() == "0:37"
    assert row.get_by_test_id("price").inner_text() == f"{call['price']} {call['currency']}"
    text = row.inner_text()
    assert number in text and caller in text and portal.t("呼入", "Inbound") in text
    _check(portal, "voice-calls")

    # filtered to the number and the other direction: nothing; back to inbound: the call
    page.locator("#number").fill(number)
    page.get_by_test_id("call-direction").click()
    page.locator(".ant-select-item-option:visible", has_text=portal.t("呼出", "Outbound")).click()
    page.get_by_test_id("call-search").click()
    page.locator("[data-testid=calls-table] .ant-table-placeholder").wait_for()
    page.get_by_test_id("call-direction").click()
    page.locator(".ant-select-item-option:visible", has_text=portal.t("呼入", "Inbound")).click()
    page.get_by_test_id("call-search").click()
    row.wait_for()

    row.get_by_test_id("open-call").click()
    detail = page.get_by_test_id("call-detail")
    detail.wait_for()
    assert detail.get_by_test_id("call-duration").inner_text() == "0:37"
    assert call["id"] in detail.inner_text()
    _check(portal, "voice-call-detail", dialog=True)
    page.keyboard.press("Escape")
    detail.wait_for(state="hidden")

    page.get_by_test_id("export-csv").click()
    notice = page.get_by_test_id("export-notice")
    notice.wait_for()
    export = stack.call("GET", "/v1/exports", token=token).json()["exports"][0]
    assert (export["type"], export["format"], export["lang"]) == ("voice_calls", "csv", portal.lang)
    assert export["filters"]["number"] == number and export["filters"]["direction"] == "inbound"
    assert export["filename"] in notice.inner_text()
    page.get_by_test_id("go-downloads").click()
    done = page.locator(f"tr[data-row-key='{export['export_id']}']")
    done.locator("[data-testid=export-status][data-status=succeeded]").wait_for(timeout=60_000)
    assert portal.t("通话记录", "Voice call log") in done.inner_text()
    finished = stack.call("GET", f"/v1/exports/{export['export_id']}", token=token).json()
    assert finished["rows"] == 1
