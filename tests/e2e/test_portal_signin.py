"""Signing in to the portal in a real browser, in both languages: the login form with its code
from the outbox, a wrong code shows the API's error in the page's language, the session
survives a reload (silent refresh), sign-out, the language switch is remembered per user, and a
customer has no operator menu (an operator page is not found)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import new_customer, new_operator

pytestmark = pytest.mark.e2e


@pytest.fixture
def customer(stack, ops_token):
    return new_customer(stack, ops_token)


def test_the_owner_signs_in_with_the_code_from_the_outbox_and_sees_the_dashboard(portal, customer, stack):
    page = portal.page
    portal.open("/login")
    portal.check("login")
    portal.sign_in_with_form(customer["email"], customer["password"])
    page.get_by_test_id("menu-customer").wait_for()
    assert page.get_by_test_id("menu-operator").count() == 0
    assert "100" in page.get_by_test_id("header-balance").inner_text()
    page.get_by_test_id("home-sent").locator(".ant-statistic-content-value").filter(has_text="0").wait_for()
    portal.check("home")

    page.reload()  # the access token lived in memory only: the refresh token signs in again
    page.get_by_test_id("menu-customer").wait_for()

    portal.open("/ops/accounts")  # an operator page, typed in: not found for a customer
    expect(page.get_by_test_id("not-found")).to_contain_text(portal.t("页面不存在", "Page not found"))
    assert page.get_by_test_id("menu-operator").count() == 0

    refresh_token = page.evaluate("localStorage.getItem('jmc.refresh')")
    page.get_by_test_id("logout").click()
    page.locator("#login").wait_for()
    page.reload()
    page.locator("#login").wait_for()  # signed out for good: no refresh token left behind
    # and closed on the server: a copy of the refresh token is worthless
    assert stack.call("POST", "/v1/auth/refresh", {"refresh_token": refresh_token}).status_code == 401


def test_a_wrong_code_shows_the_apis_error_in_the_pages_language(portal, customer):
    portal.sign_in_with_form(customer["email"], customer["password"], code="000000")
    error = portal.page.get_by_test_id("login-error")
    error.wait_for()
    assert portal.t("验证码", "code") in error.inner_text()
    assert portal.page.get_by_test_id("menu-customer").count() == 0


def test_the_language_switch_is_remembered_for_the_user(portal, customer):
    page = portal.page
    portal.sign_in(customer["email"], customer["password"])
    other = portal.t("Sign out", "退出登录")
    page.get_by_test_id("switch-language").click()
    page.get_by_test_id("logout").get_by_text(other).wait_for()
    assert page.evaluate("document.documentElement.lang") == portal.t("en", "zh-CN")
    page.reload()
    page.get_by_test_id("logout").get_by_text(other).wait_for()


def test_the_operator_lands_in_the_console_without_the_customer_menu(portal, stack, ops_token):
    operator = new_operator(stack, ops_token)
    page = portal.page
    portal.sign_in(operator["email"], operator["password"])
    page.get_by_test_id("menu-operator").wait_for()
    assert page.get_by_test_id("menu-customer").count() == 0
    assert page.get_by_test_id("header-balance").count() == 0
