"""任务管理 in a real browser, in both languages: a list with bad rows uploaded (in the request,
and through the presigned upload straight to S3 with its progress bar) shows 检测到异常数据X条 and
its 异常数据.xlsx downloads with the bad rows; the estimate of a known text is right as it is
typed; a scheduled task created from the form (numbers typed in) is paused, edited, resumed and
watched to completion in 任务统计, whose downloads go to the download center; the domestic form
offers only what is bound and approved, and a template fills the content."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.browser import new_customer
from tests.e2e.waiting import wait_for
from tests.number_files import XLSX, xlsx_file

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")  # new_customer's account zone
BAD_ROWS = ["nonsense", "12345", "+44791120000"]  # the last: one digit short


def uk_numbers(count: int, start: int = 0) -> list[str]:
    return [f"+4479112{i:05d}" for i in range(start, start + count)]


@pytest.fixture
def owner(portal, stack, ops_token):
    """A fresh account with a GB sender and an app, its owner signed in to the page; the
    owner's access token (same session) for checking what the API holds."""
    customer = new_customer(stack, ops_token)
    account_id = customer["account_id"]
    added = stack.call("POST", f"/v1/ops/accounts/{account_id}/senders",
                       {"type": "sender_id", "value": "JMCTest", "countries": ["GB"]}, token=ops_token)
    assert added.status_code == 201, added.text
    token = portal.sign_in(customer["email"], customer["password"])["access_token"]
    app = stack.call("POST", "/v1/apps", {"name": "Campaigns"}, token=token)
    assert app.status_code == 201, app.text
    return {**customer, "token": token, "app_id": app.json()["id"]}


def _upload_file(page, name: str, data: bytes) -> None:
    page.get_by_test_id("number-dragger").locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}])


def _workbook(download):
    """A downloaded workbook (Playwright's file has no extension, which openpyxl goes by)."""
    return load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)


def _bad_rows_report(page) -> list[tuple]:
    with page.expect_download() as download:
        page.get_by_test_id("invalid-download").click()
    rows = _workbook(download.value).worksheets[0].iter_rows(min_row=2, values_only=True)
    return [(row[0], str(row[1])) for row in rows]


def test_a_list_with_bad_rows_shows_the_count_and_downloads_its_report_and_the_estimate_follows_the_text(
        portal, owner, stack):
    page = portal.page
    portal.open("/tasks/send/international")
    page.get_by_test_id("send-form").wait_for()
    portal.check("tasks-international")

    # the standard template downloads, with the owner's token
    with page.expect_download() as template:
        page.get_by_test_id("number-template").click()
    assert template.value.suggested_filename == "号码模板.xlsx"
    assert len(_workbook(template.value).sheetnames) == 2

    # a small list is parsed in the request
    _upload_file(page, "numbers.xlsx", xlsx_file(uk_numbers(2) + BAD_ROWS + uk_numbers(3, 2)))
    warning = page.get_by_test_id("upload-invalid")
    warning.get_by_text(portal.t("检测到异常数据3条", "3 invalid rows detected")).wait_for()
    assert portal.t("5 个", "5 valid") in page.get_by_test_id("upload-result").inner_text()
    assert _bad_rows_report(page) == [(4, "nonsense"), (5, "12345"), (6, "+44791120000")]  # row 1 is the header

    # the estimate of a known text, as it is typed: 14 GSM-7 characters are one segment, five
    # GB numbers at 0.0400; 80 Chinese characters are two UCS-2 segments
    content = page.get_by_test_id("content")
    content.fill("Hello from JMC")
    assert page.get_by_test_id("est-segments").inner_text() == "1"
    assert page.get_by_test_id("est-numbers").inner_text() == "5"
    assert page.get_by_test_id("est-cost").inner_text().startswith("0.20 ")
    content.fill("你好" * 40)
    assert page.get_by_test_id("est-segments").inner_text() == "2"
    chars = page.get_by_test_id("est-chars").inner_text()
    assert "80" in chars and "UCS-2" in chars
    assert page.get_by_test_id("est-cost").inner_text().startswith("0.40 ")
    portal.check("tasks-international-uploaded")

    # a large list goes through the presigned upload (the threshold lowered for the test): the
    # browser posts it to S3 with a progress bar, then the parse is polled
    page.evaluate("() => sessionStorage.setItem('jmc.presignAbove', '1')")
    page.get_by_test_id("number-dragger").locator("input[type=file]").set_input_files(
        files=[{"name": "big.xlsx", "mimeType": XLSX, "buffer": xlsx_file(uk_numbers(40) + ["oops"])}])
    page.get_by_test_id("upload-result").get_by_text("big.xlsx").wait_for(timeout=60_000)
    assert page.get_by_test_id("est-numbers").inner_text() == "40"
    page.get_by_test_id("upload-invalid").get_by_text(portal.t("检测到异常数据1条", "1 invalid rows detected"))\
        .wait_for()
    assert _bad_rows_report(page) == [(42, "oops")]


def _pick_time(page, field: str, when: datetime) -> None:
    """Typed as a user types (a picker holding a value ignores fill()), then confirmed with OK
    (Enter would submit the form). Keystrokes lost while the dropdown opens, or an OK that
    keeps the old value because the typed text was not parsed yet, are done again."""
    picker, text = page.locator(f"#{field}"), when.strftime("%Y-%m-%d %H:%M:%S")
    for _ in range(3):
        picker.click()
        picker.press("Control+a")
        picker.press("Backspace")
        picker.press_sequentially(text)
        if picker.input_value() != text:
            continue
        page.wait_for_timeout(200)  # the picker parses typed text on its next render
        page.locator(".ant-picker-dropdown:visible .ant-picker-ok button").click()
        if picker.input_value() == text:
            break
    expect(picker).to_have_value(text)


def _row(page, name: str):
    return page.get_by_test_id("task-table").locator("tr", has_text=name)


def test_a_scheduled_task_is_paused_edited_resumed_and_completes_in_the_statistics(portal, owner, stack):
    page = portal.page
    name = f"Winter sale {uuid.uuid4().hex[:6]}"
    draft, final = f"draft {uuid.uuid4().hex[:8]}", f"final {uuid.uuid4().hex[:8]}"
    numbers = uk_numbers(6, 500)
    portal.open("/tasks/send/international")
    page.locator("#name").fill(name)
    page.get_by_test_id("content").fill(draft)
    page.get_by_text(portal.t("手动输入", "Type numbers")).click()
    page.get_by_test_id("numbers-text").fill("\n".join(numbers))
    page.get_by_test_id("numbers-text-submit").click()
    page.get_by_test_id("upload-result").wait_for()
    page.get_by_text(portal.t("定时发送", "Schedule"), exact=True).click()
    _pick_time(page, "send_at", datetime.now(ZONE) + timedelta(minutes=2))
    assert page.get_by_test_id("est-cost").inner_text().startswith("0.24 ")
    page.get_by_test_id("submit-task").click()

    # 任务统计: scheduled, then paused (pausing it again is refused, with the reason)
    row = _row(page, name)
    row.locator('[data-status="scheduled"]').wait_for()
    portal.check("tasks-stats")
    row.get_by_test_id("task-pause").click()
    row.locator('[data-status="paused"]').wait_for()
    assert row.get_by_test_id("task-pause").is_disabled() and row.get_by_test_id("task-resume").is_enabled()
    assert row.get_by_test_id("task-pause-why").get_attribute("data-why") == portal.t(
        "只有待发送的任务可以暂停", "Only a scheduled task can be paused")

    # edited: the content and a send time a few seconds away
    row.get_by_test_id("task-edit").click()
    page.get_by_test_id("edit-content").fill(final)
    soon = (datetime.now(ZONE) + timedelta(seconds=8)).replace(microsecond=0)
    _pick_time(page, "send_at", soon)
    portal.check("tasks-edit")
    page.get_by_test_id("edit-save").click()
    page.get_by_test_id("edit-form").wait_for(state="detached")
    listed = stack.call("GET", "/v1/tasks", params={"name": name}, token=owner["token"]).json()["tasks"]
    assert [(t["status"], t["content"]) for t in listed] == [("paused", final)]
    assert datetime.fromisoformat(listed[0]["send_at"].replace("Z", "+00:00")) == soon
    task_id = listed[0]["task_id"]

    row.get_by_test_id("task-resume").click()
    row.locator('[data-status="paused"]').wait_for(state="detached")
    try:
        row.locator('[data-status="completed"]').wait_for(timeout=120_000)
    except PlaywrightTimeout:
        page.screenshot(path=f"build/portal-screens/tasks-stats-timeout.{portal.lang}.png", full_page=True)
        raise AssertionError(stack.call("GET", f"/v1/tasks/{task_id}", token=owner["token"]).text) from None
    done = wait_for(lambda: stack.call("GET", f"/v1/tasks/{task_id}", token=owner["token"]).json(),
                    lambda t: t["counters"]["pending"] == 0, timeout=30)
    assert done["counters"]["submitted"] == 6 and done["counters"]["cost"] == "0.24"
    row.get_by_test_id("task-submitted").get_by_text("6", exact=True).wait_for()
    assert row.get_by_test_id("task-cost").inner_text() == "0.24"
    assert row.get_by_test_id("task-edit-why").get_attribute("data-why") == portal.t(
        "任务已完成", "The task is completed")
    sent = requests.get(f"{stack.info['carrier_url']}/_sim/messages", timeout=30).json()["messages"]
    assert sorted("+" + m["to"] for m in sent if m["text"] == final) == numbers
    assert not [m for m in sent if m["text"] == draft]

    # the task's costs and the overview go to the download center
    row.get_by_test_id("task-cost-download").click()
    queued = page.get_by_test_id("export-queued")
    queued.wait_for()
    assert queued.get_by_role("link").get_attribute("href").endswith("#/downloads")
    page.get_by_test_id("export-tasks").click()
    exports = wait_for(lambda: stack.call("GET", "/v1/exports", token=owner["token"]).json()["exports"],
                       lambda e: len(e) == 2)
    assert sorted((e["type"], e["format"], e["lang"]) for e in exports) == [
        ("task_cost", "xlsx", portal.lang), ("tasks", "xlsx", portal.lang)]
    assert [e["filters"] for e in exports if e["type"] == "task_cost"][0]["task_id"] == task_id


def test_the_domestic_form_offers_only_what_is_bound_and_approved(portal, owner, stack, ops_token):
    account_id, token = owner["account_id"], owner["token"]
    stack.call("POST", f"/v1/ops/accounts/{account_id}/senders",
               {"type": "number", "value": "+14155550177", "countries": ["CN"]}, token=ops_token)
    stack.call("POST", f"/v1/ops/accounts/{account_id}/signatures", {"text": "锦木科技"}, token=ops_token)
    approved = stack.call("POST", "/v1/templates",
                          {"name": "验证码", "content": "您的验证码是1234", "kind": "domestic"}, token=token).json()
    assert stack.call("POST", f"/v1/ops/templates/{approved['id']}/approve", {}, token=ops_token).status_code == 200
    stack.call("POST", "/v1/templates", {"name": "待审核", "content": "还没通过", "kind": "domestic"}, token=token)
    page = portal.page
    portal.open("/tasks/send/domestic")
    page.get_by_test_id("send-form").wait_for()

    page.get_by_test_id("template-select").click()
    options = page.locator(".ant-select-dropdown:visible .ant-select-item-option")
    expect(options).to_have_text(["验证码"])  # the pending one is not offered
    options.first.click()
    assert page.get_by_test_id("content").input_value() == "您的验证码是1234"
    page.get_by_test_id("signature-select").click()
    page.locator(".ant-select-dropdown:visible .ant-select-item-option").get_by_text("【锦木科技】").click()
    # the signature list fades out for a moment: the next list must not be read through it
    expect(page.locator(".ant-select-dropdown:visible")).to_have_count(0)
    # 【锦木科技】您的验证码是1234: 16 characters, one segment by the domestic rule
    assert page.get_by_test_id("est-segments").inner_text() == "1"
    assert "16" in page.get_by_test_id("est-chars").inner_text()
    assert page.get_by_test_id("est-unit").inner_text() == "0.0350"
    page.get_by_test_id("from-select").click()
    senders = page.locator(".ant-select-dropdown:visible .ant-select-item-option")
    expect(senders).to_have_text(["+14155550177 (CN)"])  # retried: the list renders its options after opening
    page.keyboard.press("Escape")

    # a domestic list takes +86 numbers only
    _upload_file(page, "cn.xlsx", xlsx_file(["+8613800138000", "13800138001", "+447911200000"]))
    page.get_by_test_id("upload-invalid").get_by_text(portal.t("检测到异常数据1条", "1 invalid rows detected"))\
        .wait_for()
    assert page.get_by_test_id("est-cost").inner_text().startswith("0.07 ")
    portal.check("tasks-domestic")
