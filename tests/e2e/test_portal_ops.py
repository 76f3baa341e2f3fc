"""The operators' console in a real browser, in both languages: an operator creates an account
with its owner (who then signs in with the emailed password), works on it (a user, a top-up that
moves the ledger, a From number, a signature, the webhook URL), reviews domestic templates
(approve one, reject one with a reason the customer sees), suspends the account (its owner is
signed out and refused) and reactivates it; prices and country rules. A customer sees no
operator menu, and an operator page is not found for them.

Each test signs in as an operator of its own (``new_operator``): a login gets one code per 60 s,
and the seeded operator's is taken by ``ops_token``. A used code frees its login at once, so the
same owner can sign in, be refused and sign in again without waiting."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import AXE, TIMEOUT_MS, Portal, new_customer, new_operator

pytestmark = pytest.mark.e2e


@pytest.fixture
def operator(portal, stack, ops_token) -> Portal:
    """``portal``, signed in as a fresh operator, on the operator's landing page."""
    login = new_operator(stack, ops_token)
    portal.sign_in(login["email"], login["password"])
    portal.page.get_by_test_id("menu-operator").wait_for()
    return portal


@pytest.fixture
def other_browser(browser, lang):
    """A second browser context (a customer beside the operator), set up as ``portal``'s is and
    closed after the test."""
    contexts = []
    errors: list[str] = []

    def open_portal(stack) -> Portal:
        context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US",
                                      viewport={"width": 1440, "height": 900}, timezone_id="UTC")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(f"localStorage.getItem('jmc.lang') || localStorage.setItem('jmc.lang', '{lang}')")
        context.add_init_script(path=str(AXE))
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return Portal(stack, page, lang)
    yield open_portal
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def _check(portal: Portal, name: str) -> None:
    """``portal.check``, with the pointer off the button just clicked (a hovered button is lighter)."""
    portal.page.mouse.move(1, 1)
    portal.check(name)


def _heading(portal: Portal, zh: str, en: str) -> None:
    portal.page.locator("h1", has_text=portal.t(zh, en)).wait_for()


def _confirm(portal: Portal) -> None:
    """The OK button of the open Popconfirm."""
    portal.page.locator(".ant-popconfirm:visible .ant-btn-primary").click()


def _tab(portal: Portal, zh: str, en: str) -> None:
    portal.page.get_by_role("tab", name=portal.t(zh, en)).click()


def _pick_country(portal: Portal, selector: str, code: str) -> None:
    """Type ``(XX)`` into a country select and take the match."""
    field = portal.page.locator(selector)
    field.click()
    field.fill(f"({code})")
    portal.page.locator(".ant-select-item-option:visible", has_text=f"({code})").first.click()
    portal.page.keyboard.press("Escape")


def _account(stack, ops_token: str, account_id: str) -> dict:
    reply = stack.call("GET", f"/v1/ops/accounts/{account_id}", token=ops_token)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_an_account_from_creation_to_suspension_and_back(operator, stack, ops_token, other_browser):
    portal, page = operator, operator.page
    _heading(portal, "账户管理", "Accounts")  # the operator's landing page
    assert page.get_by_test_id("menu-customer").count() == 0
    _check(portal, "ops-accounts")

    tag = uuid.uuid4().hex[:8]
    name, email = f"Console Co {tag}", f"owner-{tag}@console.example"
    page.get_by_test_id("create-account").click()
    page.fill("#name", name)
    page.fill("#owner_email", email)
    page.fill("#owner_name", f"Owner {tag}")
    _check(portal, "ops-account-create")
    page.get_by_test_id("create-account-submit").click()
    page.get_by_test_id("accounts-table").get_by_role("link", name=name).wait_for()
    created = next(a for a in stack.call("GET", "/v1/ops/accounts", params={"limit": 100}, token=ops_token)
                   .json()["accounts"] if a["name"] == name)
    assert (created["currency"], created["timezone"], created["status"]) == ("CNY", "Asia/Shanghai", "active")
    owner_users = _account(stack, ops_token, created["id"])["users"]
    assert [(u["email"], u["role"]) for u in owner_users] == [(email, "owner")]

    # the owner's initial password arrives by email, and the owner signs in: a customer's console
    password = stack.outbox(email, r"Initial password: (\S+)")
    owner = other_browser(stack)
    owner.sign_in(email, password)
    owner.page.get_by_test_id("menu-customer").wait_for()
    assert owner.page.get_by_test_id("menu-operator").count() == 0
    owner.open("/ops/accounts")  # an operator page, typed in
    expect(owner.page.get_by_test_id("not-found")).to_contain_text(owner.t("页面不存在", "Page not found"))
    assert owner.page.get_by_test_id("menu-operator").count() == 0
    _check(owner, "ops-page-for-a-customer")

    # the operator suspends the account: the owner's open session ends, a new login is refused
    page.get_by_test_id("accounts-table").get_by_role("link", name=name).click()
    _heading(portal, f"账户详情：{name}", f"Account: {name}")
    _check(portal, "ops-account-info")

    # 号码加价倍数: a markup out of range is refused beside its field; one in range is saved, then cleared
    page.locator("#number_markup").fill("0.01")
    page.get_by_test_id("markup-save").click()
    page.locator("#number_markup_help").wait_for()
    assert _account(stack, ops_token, created["id"])["number_markup"] is None
    page.locator("#number_markup").fill("2.5")
    page.get_by_test_id("markup-save").click()
    expect(page.get_by_test_id("account-markup")).to_have_text("2.5")
    assert _account(stack, ops_token, created["id"])["number_markup"] == "2.5"
    page.get_by_test_id("markup-reset").click()
    expect(page.get_by_test_id("account-markup")).to_have_text(portal.t("默认（平台统一倍数）",
                                                                        "Default (the platform's markup)"))
    assert _account(stack, ops_token, created["id"])["number_markup"] is None

    page.get_by_test_id("suspend-account").click()
    _confirm(portal)
    page.locator("[data-testid=account-status][data-status=suspended]").wait_for()
    assert _account(stack, ops_token, created["id"])["status"] == "suspended"
    owner.page.reload()
    owner.page.locator("#login").wait_for()
    owner.sign_in_with_form(email, password)
    refused = owner.page.get_by_test_id("login-error")
    refused.wait_for()
    assert portal.t("账号已停用", "The account is suspended") in refused.inner_text()

    page.get_by_test_id("reactivate-account").click()
    _confirm(portal)
    page.locator("[data-testid=account-status][data-status=active]").wait_for()
    assert _account(stack, ops_token, created["id"])["status"] == "active"
    owner.sign_in(email, password)
    owner.page.get_by_test_id("menu-customer").wait_for()


def test_users_top_up_ledger_senders_signatures_and_webhook(operator, stack, ops_token):
    portal, page = operator, operator.page
    customer = new_customer(stack, ops_token, balance="")
    account_id = customer["account_id"]
    portal.open(f"/ops/accounts/{account_id}")
    page.get_by_test_id("account-status").wait_for()

    _tab(portal, "用户", "Users")
    member = f"member-{customer['tag']}@browser.example"
    page.get_by_test_id("add-user").click()
    page.fill("#email", member)
    page.fill("#name", "Mia Member")
    page.get_by_test_id("add-user-submit").click()
    page.get_by_test_id("users-table").get_by_text(member).wait_for()
    _check(portal, "ops-account-users")
    users = {u["email"]: u["role"] for u in _account(stack, ops_token, account_id)["users"]}
    assert users == {customer["email"]: "owner", member: "member"}
    assert stack.outbox(member, r"Initial password: (\S+)")

    _tab(portal, "充值与流水", "Top-ups and ledger")
    reference = f"TT-{customer['tag']}"
    page.fill("#amount", "50.00")
    page.fill("#reference", reference)
    page.get_by_test_id("topup-submit").click()
    ledger = page.get_by_test_id("ledger-table")
    ledger.get_by_text(reference).wait_for()
    assert "50.00" in ledger.inner_text()
    page.locator("[data-testid=topup-balance]", has_text="50.00").wait_for()
    _check(portal, "ops-account-ledger")
    entries = stack.call("GET", f"/v1/ops/accounts/{account_id}/ledger", token=ops_token).json()["entries"]
    assert [(e["kind"], e["amount"], e["reference"]) for e in entries] == [("topup", "50.00", reference)]
    assert _account(stack, ops_token, account_id)["balance"] == "50.00"
    # the same reference again is refused (a bank transfer counts once), said in the page's language
    page.fill("#amount", "50.00")
    page.fill("#reference", reference)
    page.get_by_test_id("topup-submit").click()
    page.locator(".ant-form-item-explain-error", has_text=portal.t("当前状态不允许此操作", "cannot be done")).wait_for()
    assert _account(stack, ops_token, account_id)["balance"] == "50.00"

    _tab(portal, "From / Sender ID", "From / Sender ID")
    page.fill("#value", "+14155550123")
    _pick_country(portal, "#countries", "US")
    page.get_by_test_id("sender-submit").click()
    page.get_by_test_id("senders-table").get_by_text("+14155550123").wait_for()
    _check(portal, "ops-account-senders")
    senders = stack.call("GET", f"/v1/ops/accounts/{account_id}/senders", token=ops_token).json()["senders"]
    assert [(s["type"], s["value"], s["countries"]) for s in senders] == [("number", "+14155550123", ["US"])]

    _tab(portal, "短信签名", "Signatures")
    page.fill("#text", "锦木测试")
    page.get_by_test_id("signature-submit").click()
    page.get_by_test_id("signatures-table").get_by_text("【锦木测试】").wait_for()
    _check(portal, "ops-account-signatures")
    signatures = stack.call("GET", f"/v1/ops/accounts/{account_id}/signatures", token=ops_token).json()
    assert [s["text"] for s in signatures["signatures"]] == ["【锦木测试】"]
    page.get_by_test_id(f"remove-signature-{signatures['signatures'][0]['id']}").click()
    _confirm(portal)
    page.get_by_test_id("signatures-table").get_by_text("【锦木测试】").wait_for(state="detached")
    assert stack.call("GET", f"/v1/ops/accounts/{account_id}/signatures", token=ops_token).json()["signatures"] == []

    _tab(portal, "Webhook 地址", "Webhook URL")
    page.fill("#url", "https://hooks.example.com/jmc")
    page.get_by_test_id("webhook-submit").click()
    page.get_by_test_id("webhook-saved").get_by_text("https://hooks.example.com/jmc").wait_for()
    _check(portal, "ops-account-webhook")
    owner_token = stack.login(customer["email"], customer["password"])
    assert stack.call("GET", "/v1/webhook", token=owner_token).json()["url"] == "https://hooks.example.com/jmc"


def test_domestic_templates_are_approved_or_rejected_with_a_reason(operator, stack, ops_token):
    portal, page = operator, operator.page
    customer = new_customer(stack, ops_token, balance="")
    owner_token = stack.login(customer["email"], customer["password"])
    ids = []
    for name in ("验证码", "营销"):
        reply = stack.call("POST", "/v1/templates", {"name": f"{name} {customer['tag']}", "kind": "domestic",
                                                     "content": f"您的{name}内容 {customer['tag']}"}, token=owner_token)
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    approve, reject = ids

    portal.open("/ops/templates")
    _heading(portal, "模板审核", "Template review")
    page.get_by_test_id("review-account").fill(customer["account_id"])
    table = page.get_by_test_id("review-table")
    table.get_by_text(f"您的验证码内容 {customer['tag']}").wait_for()
    assert table.locator("tbody tr.ant-table-row").count() == 2  # the filter keeps this account's only
    _check(portal, "ops-templates")

    page.get_by_test_id(f"approve-{approve}").click()
    page.get_by_test_id(f"approve-{approve}").wait_for(state="detached")
    page.get_by_test_id(f"reject-{reject}").click()
    page.get_by_test_id("reject-submit").click()  # no reason: refused next to the field
    page.locator(".ant-form-item-explain-error", has_text=portal.t("驳回原因", "Reason")).wait_for()
    reason = portal.t("内容涉及营销，请补充退订方式", "Marketing content needs an opt-out")
    page.locator("textarea").fill(reason)
    _check(portal, "ops-template-reject")
    page.get_by_test_id("reject-submit").click()
    page.get_by_test_id(f"reject-{reject}").wait_for(state="detached")

    approved = stack.call("GET", f"/v1/templates/{approve}", token=owner_token).json()
    rejected = stack.call("GET", f"/v1/templates/{reject}", token=owner_token).json()
    assert (approved["status"], approved["reason"]) == ("approved", None)
    assert (rejected["status"], rejected["reason"]) == ("rejected", reason)
    pending = [t["id"] for t in stack.call("GET", "/v1/ops/templates", token=ops_token).json()["templates"]]
    assert approve not in pending and reject not in pending


def test_an_accounts_own_prices_and_the_country_rules(operator, stack, ops_token):
    portal, page = operator, operator.page
    customer = new_customer(stack, ops_token, balance="")
    account_id = customer["account_id"]

    portal.open("/ops/prices")
    _heading(portal, "价格管理", "Prices")
    page.locator("[data-testid=prices-table] tbody tr.ant-table-row").first.wait_for()  # the defaults
    _check(portal, "ops-prices")
    page.get_by_test_id("prices-account").fill(account_id)
    page.get_by_test_id("prices-search").click()
    page.get_by_test_id("prices-scope").get_by_text(account_id).wait_for()
    _pick_country(portal, "#country", "GB")
    page.fill("#price", "0.0410")
    page.get_by_test_id("price-submit").click()
    page.get_by_test_id("remove-price-GB").wait_for()
    own = stack.call("GET", "/v1/ops/prices", params={"account_id": account_id}, token=ops_token).json()["prices"]
    assert own == [{"country": "GB", "price": "0.0410"}]
    assert "0.0410" in page.get_by_test_id("prices-table").inner_text()
    page.get_by_test_id("remove-price-GB").click()
    _confirm(portal)
    page.get_by_test_id("remove-price-GB").wait_for(state="detached")
    left = stack.call("GET", "/v1/ops/prices", params={"account_id": account_id}, token=ops_token).json()
    assert left["prices"] == []
    # an unknown account: the API's refusal, naming the field
    page.get_by_test_id("prices-account").fill("acc_doesnotexist")
    page.get_by_test_id("prices-search").click()
    page.locator(".ant-notification, .ant-message, .ant-form-item-explain-error").get_by_text(
        re.compile("account_id")).first.wait_for()

    portal.open("/ops/countries")
    _heading(portal, "国家规则", "Country rules")
    page.get_by_test_id("preapproval-CN").wait_for()
    page.locator(".ant-message-notice").first.wait_for(state="detached")  # the prices page's notices, fading out
    _check(portal, "ops-countries")
    _pick_country(portal, "#country", "IS")
    page.get_by_test_id("country-submit").click()  # the form's defaults: no pre-approval, Sender ID allowed
    page.get_by_test_id("sender-id-IS").wait_for()
    page.get_by_test_id("preapproval-IS").click()
    page.locator("[data-testid=preapproval-IS][aria-checked=true]").wait_for()
    rules = {r["country"]: r for r in stack.call("GET", "/v1/ops/countries", token=ops_token).json()["countries"]}
    assert rules["IS"] == {"country": "IS", "sender_preapproval_required": True, "sender_id_allowed": True}
    page.get_by_test_id("preapproval-IS").click()
    page.locator("[data-testid=preapproval-IS][aria-checked=false]").wait_for()
    rules = {r["country"]: r for r in stack.call("GET", "/v1/ops/countries", token=ops_token).json()["countries"]}
    assert rules["IS"]["sender_preapproval_required"] is False
    # mainland China takes numeric senders only: the API's refusal is shown in the page's language
    page.get_by_test_id("sender-id-CN").click()
    page.locator(".ant-message").get_by_text(re.compile("sender_id_allowed")).wait_for()
    assert rules["CN"]["sender_id_allowed"] is False
