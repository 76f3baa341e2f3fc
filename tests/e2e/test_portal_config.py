"""The portal's configuration pages in a real browser, in both languages: applications (create,
the key shown, the secret revealed only after a confirmation and working as HTTP Basic, the
reveal in the audit log, delete), international templates (create, edit, delete) and domestic
ones with their review status and reason, the blacklists by number and by country, the webhook
URL (edit, a bad URL refused with the API's error next to the field, the secret rotated and shown
once, the delivery log)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chalicelib.domain import webhook_signing
from tests.e2e.browser import new_customer
from tests.e2e.waiting import wait_for
from tests.listener import Listener

pytestmark = pytest.mark.e2e

UK = "+447400123456"


@pytest.fixture
def customer(stack, ops_token):
    return new_customer(stack, ops_token, name="Config Co")


def _sign_in(portal, customer) -> None:
    """Signed in as ``Portal.sign_in`` does, keeping the access token for the test's own API calls."""
    customer["token"] = portal.sign_in(customer["email"], customer["password"])["access_token"]


ANIMATING = ", ".join(f".ant-{motion}-{phase}" for motion in ("zoom", "zoom-big", "fade", "message-move-up")
                      for phase in ("enter", "appear", "leave"))


def _check(portal, name: str, dialog: bool = False) -> None:
    """``portal.check`` once no dialog (unless ``dialog``) or popover is open and nothing is
    still fading in or out: axe would read colours through a half-transparent mask."""
    if not dialog:
        expect(portal.page.locator(".ant-modal-wrap:visible, .ant-popover:visible")).to_have_count(0)
    expect(portal.page.locator(ANIMATING)).to_have_count(0)
    portal.page.mouse.move(0, 0)  # no button left hovered (a hovered danger button is lighter)
    portal.check(name)


def _confirm(page) -> None:
    """OK in the open Popconfirm, once it has finished appearing."""
    popup = page.locator(".ant-popconfirm:visible")
    popup.wait_for()
    expect(page.locator(ANIMATING)).to_have_count(0)
    popup.locator(".ant-btn-primary").click()
    expect(page.locator(".ant-popconfirm:visible")).to_have_count(0)


def _app(stack, customer, name: str = "Backend") -> dict:
    app = stack.call("POST", "/v1/apps", {"name": name}, token=customer["token"]).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=customer["token"]).json()["app_secret"]
    return {**app, "auth": (app["app_key"], secret)}


def test_the_owner_creates_an_app_and_reveals_its_secret_after_confirming(portal, stack, customer):
    page = portal.page
    _sign_in(portal, customer)
    portal.open("/apps")
    page.get_by_role("heading", name=portal.t("应用列表", "Applications")).wait_for()
    page.get_by_test_id("app-create").click()
    page.locator("#name").fill("Order system")
    page.get_by_test_id("app-create-ok").click()
    key = page.get_by_test_id("app-created-key").inner_text().strip()
    [app] = stack.call("GET", "/v1/apps", token=customer["token"]).json()["apps"]
    assert app["name"] == "Order system" and app["app_key"] == key
    page.get_by_test_id("app-created-close").click()
    page.get_by_test_id("app-key").get_by_text(key).wait_for()
    _check(portal, "apps")

    page.get_by_test_id("app-secret").click()  # a confirmation first: nothing is revealed yet
    page.get_by_text(portal.t("每次查看都会记录在审计日志中", "Every reveal is recorded in the audit log")).wait_for()
    assert page.get_by_test_id("app-secret-value").count() == 0
    page.get_by_test_id("app-reveal-confirm").click()
    secret = page.get_by_test_id("app-secret-value").inner_text().strip()
    assert len(secret) > 20
    _check(portal, "apps-secret", dialog=True)
    page.get_by_test_id("app-secret-close").click()
    # The revealed secret authenticates the app's own calls (HTTP Basic key:secret).
    balance = stack.call("GET", "/v1/balance", auth=(key, secret))
    assert balance.status_code == 200 and balance.json()["balance"] == "100.00"

    portal.open("/apps/audit")
    row = page.locator(f"tr[data-action='app.secret_revealed'][data-target='{app['id']}']")
    row.wait_for()
    assert portal.t("查看应用密钥", "App secret revealed") in row.inner_text()
    assert page.locator(f"tr[data-action='app.created'][data-target='{app['id']}']").count() == 1
    _check(portal, "apps-audit")

    portal.open("/apps")
    page.get_by_test_id("app-delete").click()
    _confirm(page)
    page.locator("[data-status='disabled']").wait_for()
    assert stack.call("GET", "/v1/balance", auth=(key, secret)).status_code == 401


def test_international_templates_are_created_edited_and_deleted(portal, stack, customer, ops_token):
    page = portal.page
    _sign_in(portal, customer)
    portal.open("/templates/international")
    page.get_by_role("heading", name=portal.t("国际|港澳台短信模板", "International templates")).wait_for()
    page.get_by_test_id("template-create").click()
    page.locator("#name").fill("Verification")
    page.locator("#content").fill("Your code is {code}")
    page.get_by_test_id("template-save").click()
    row = page.locator("tr[data-name='Verification']")
    row.wait_for()
    assert "Your code is {code}" in row.inner_text()

    def mine(kind: str) -> list[dict]:
        return stack.call("GET", f"/v1/templates?kind={kind}", token=customer["token"]).json()["templates"]
    [created] = mine("international")
    assert (created["name"], created["content"], created["status"]) == ("Verification", "Your code is {code}", "active")
    _check(portal, "templates-international")

    row.get_by_test_id("template-edit").click()
    page.locator("#content").fill("Your login code is {code}")
    page.get_by_test_id("template-save").click()
    page.locator("tr[data-name='Verification']", has_text="Your login code is {code}").wait_for()
    assert mine("international")[0]["content"] == "Your login code is {code}"

    page.locator("tr[data-name='Verification']").get_by_test_id("template-delete").click()
    _confirm(page)
    page.locator("tr[data-name='Verification']").wait_for(state="detached")
    assert mine("international") == []

    # A domestic template an operator rejected: its status and the reason; a changed content goes
    # back to review.
    domestic = stack.call("POST", "/v1/templates", {"kind": "domestic", "name": "Notice", "content": "您的订单已发货"},
                          token=customer["token"]).json()
    assert stack.call("POST", f"/v1/ops/templates/{domestic['id']}/reject", {"reason": "请补充业务说明"},
                      token=ops_token).status_code == 200
    portal.open("/templates/domestic")
    row = page.locator("tr[data-name='Notice']")
    row.locator("[data-status='rejected']").wait_for()
    assert "请补充业务说明" in row.inner_text()
    assert portal.t("已驳回", "Rejected") in row.inner_text()
    _check(portal, "templates-domestic")
    row.get_by_test_id("template-edit").click()
    page.locator("#content").fill("您的订单已发货，请注意查收")
    page.get_by_test_id("template-rereview").wait_for()
    page.get_by_test_id("template-save").click()
    page.locator("tr[data-name='Notice'] [data-status='pending']").wait_for()
    [again] = mine("domestic")
    assert again["status"] == "pending" and again["reason"] is None


def test_numbers_and_countries_are_blacklisted_and_removed_per_app_key(portal, stack, customer):
    page = portal.page
    _sign_in(portal, customer)
    app = _app(stack, customer, "Marketing")
    page.reload()
    portal.open("/blacklist/numbers")
    page.get_by_role("heading", name=portal.t("根据手机号配置", "Blocked numbers")).wait_for()
    page.get_by_text(app["app_key"]).first.wait_for()  # the app key is chosen
    page.get_by_test_id("blacklist-add").click()
    page.locator("#numbers").fill(f"{UK}\nnot-a-number")
    page.get_by_test_id("blacklist-add-ok").click()
    result = page.get_by_test_id("blacklist-add-result")
    result.wait_for()
    assert "not-a-number" in result.inner_text()
    assert portal.t("已添加 1 个号码", "1 number(s) added") in result.inner_text()
    page.get_by_test_id("blacklist-add-ok").click()
    page.get_by_test_id(f"blacklist-remove-{UK}").wait_for()

    def listed(kind: str) -> list[dict]:
        return stack.call("GET", f"/v1/blacklist/{kind}", params={"app_id": app["id"]},
                          token=customer["token"]).json()[kind]
    assert [e["number"] for e in listed("numbers")] == [UK]
    _check(portal, "blacklist-numbers")

    # A bad number in the lookup: the API's error, in the page's language, next to the field it names.
    page.locator("#number").fill("12ab")
    page.get_by_test_id("blacklist-search").click()
    error = page.locator("#number_help")
    error.wait_for()
    assert portal.t("输入有误", "Please check your input") in error.inner_text()
    assert portal.t("字段：手机号", "Field: Phone number") in error.inner_text()
    page.locator("#number").fill(UK)
    page.get_by_test_id("blacklist-search").click()
    page.get_by_test_id(f"blacklist-remove-{UK}").click()
    _confirm(page)
    page.get_by_test_id(f"blacklist-remove-{UK}").wait_for(state="detached")
    assert listed("numbers") == []

    portal.open("/blacklist/countries")
    page.get_by_role("heading", name=portal.t("根据国家配置", "Blocked countries")).wait_for()
    page.get_by_test_id("blacklist-add").click()
    page.locator("#country").fill("(DE)")
    page.locator(".ant-select-item-option[title*='(DE)']").click()
    page.get_by_test_id("blacklist-add-ok").click()
    page.get_by_test_id("blacklist-remove-DE").wait_for()
    assert portal.t("德国", "Germany") in page.get_by_test_id("blacklist-countries-table").inner_text()
    assert [e["country"] for e in listed("countries")] == ["DE"]
    blocked = stack.call("POST", "/v1/sms", {"to": "+4915123456789", "text": "nope", "from": "Config"},
                         auth=app["auth"])
    assert blocked.json()["error"]["code"] == "recipient_blacklisted"
    _check(portal, "blacklist-countries")
    page.get_by_test_id("blacklist-remove-DE").click()
    _confirm(page)
    page.get_by_test_id("blacklist-remove-DE").wait_for(state="detached")
    assert listed("countries") == []


def test_the_webhook_url_is_edited_its_secret_rotated_once_and_deliveries_logged(portal, stack, customer, ops_token):
    page = portal.page
    _sign_in(portal, customer)
    portal.open("/templates/webhook")
    page.get_by_test_id("webhook-not-configured").wait_for()  # an operator creates it first

    endpoint = Listener()
    try:
        assert stack.call("PUT", f"/v1/ops/accounts/{customer['account_id']}/webhook",
                          {"url": "http://127.0.0.1:9/first"}, token=ops_token).status_code == 200
        page.reload()
        page.get_by_test_id("webhook-current-url").get_by_text("http://127.0.0.1:9/first").wait_for()

        # A bad URL: the API's error in the page's language, next to the field, naming it.
        page.locator("#url").fill("ftp://example.com/hook")
        page.get_by_test_id("webhook-save").click()
        error = page.locator("#url_help")
        error.wait_for()
        assert portal.t("输入有误", "Please check your input") in error.inner_text()
        assert portal.t("字段：Webhook URL", "Field: Webhook URL") in error.inner_text()
        assert stack.call("GET", "/v1/webhook", token=customer["token"]).json()["url"] == "http://127.0.0.1:9/first"

        page.locator("#url").fill(endpoint.url)
        page.get_by_test_id("webhook-save").click()
        page.get_by_test_id("webhook-current-url").get_by_text(endpoint.url).wait_for()
        assert stack.call("GET", "/v1/webhook", token=customer["token"]).json()["url"] == endpoint.url

        page.get_by_test_id("webhook-rotate").click()
        page.get_by_text(portal.t("旧密钥将在 30 秒内失效", "The old secret stops working within 30 s")).wait_for()
        _confirm(page)
        secret = page.get_by_test_id("webhook-secret").inner_text().strip()
        assert len(secret) > 20
        page.get_by_text(portal.t("密钥只显示这一次", "This secret is shown only once")).wait_for()
        _check(portal, "webhook-secret", dialog=True)
        page.get_by_test_id("webhook-secret-close").click()
        page.get_by_test_id("webhook-secret-hint").get_by_text(secret[-4:]).wait_for()
        expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
        assert secret not in page.content()  # shown once: gone with the dialog

        # A message sent by an app: its signed webhook (with the rotated secret) and the log.
        app = _app(stack, customer)
        sent = stack.call("POST", "/v1/sms", {"to": UK, "text": "webhook me", "from": "Config"}, auth=app["auth"])
        assert sent.status_code == 202, sent.text
        message_id = sent.json()["message_id"]
        hits = wait_for(lambda: [h for h in endpoint.received if h["params"].get("message_id") == message_id],
                        lambda found: len(found) >= 1, timeout=30)
        headers = {k.lower(): v for k, v in hits[0]["headers"].items()}
        assert webhook_signing.verify(secret, headers["x-jmc-timestamp"], hits[0]["body"], headers["x-jmc-signature"])
        wait_for(lambda: stack.call("GET", f"/v1/webhook/deliveries?message_id={message_id}",
                                    token=customer["token"]).json()["deliveries"],
                 lambda found: any(d["status"] == "delivered" for d in found), timeout=30)
        page.locator("#message_id").fill(message_id)
        page.get_by_role("button", name=re.compile(portal.t("查.?询", "Search"))).click()
        table = page.get_by_test_id("deliveries-table")
        table.locator("[data-status='delivered']").first.wait_for()
        assert message_id in table.inner_text()
        _check(portal, "webhook")
    finally:
        endpoint.close()
