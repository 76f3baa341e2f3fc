"""日志管理 and 下载中心 in a real browser, in both languages: a fresh account's messages (API
sends, one failed at the carrier, and a small task) are found in 日志查询 by recipient, status,
country, type and task name; a message's details open in a drawer; 报告下载 shows today's totals
and narrows to a country; the log filtered to one country is exported (csv in Chinese, xlsx in
English), finishes in 下载中心 and downloads with the seeds' column names and the rows the page
showed; an export still queued is cancelled from 下载中心."""
from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.browser import new_customer
from tests.e2e.waiting import wait_for
from tests.number_files import XLSX, xlsx_file

pytestmark = pytest.mark.e2e

ZONE = "Asia/Shanghai"
FINAL = {"delivered", "failed", "rejected", "expired", "blocked"}
#: 日志查询's columns as the download writes them (the seeds' names in Chinese).
COLUMNS = {
    "zh": ["Message ID", "短信类型", "任务ID", "任务名称", "FROM", "接收号码", "国家地区名称", "国家地区代码",
           "发送内容", "计费条数", "状态", "失败原因", "费用", "创建时间", "提交时间", "送达时间"],
    "en": ["Message ID", "Type", "Task ID", "Task name", "From", "To", "Country / Region", "Country code", "Content",
           "Segments", "Status", "Failure reason", "Price", "Created at", "Submitted at", "Delivered at"],
}


def _member(stack, ops_token: str, account_id: str) -> str:
    """A second user of the account, signed in over the API: the owner's one login code a
    minute is the browser's."""
    email = f"member-{uuid.uuid4().hex[:8]}@browser.example"
    created = stack.call("POST", f"/v1/ops/accounts/{account_id}/users",
                         {"email": email, "name": "Mia", "role": "member"}, token=ops_token)
    assert created.status_code == 201, created.text
    return stack.login(email, stack.outbox(email, r"Initial password: (\S+)"))


def _numbers() -> dict[str, str]:
    def tail() -> str:
        return f"{random.randrange(10**5):05d}"
    return {"gb1": f"+4478330{tail()}", "gb2": f"+4478331{tail()}", "gb_failed": f"+4478332{tail()}",
            "de": f"+49151123{tail()}", "task1": f"+4478333{tail()}", "task2": f"+4478334{tail()}"}


@pytest.fixture
def sent(stack, ops_token):
    """A fresh account that sent 4 API messages (one fails at the carrier, one goes to Germany)
    and a 2-number task, every message final."""
    customer = new_customer(stack, ops_token, timezone=ZONE)
    token = _member(stack, ops_token, customer["account_id"])
    numbers = _numbers()
    sim = stack.info["carrier_url"] + "/_sim/config"
    outcomes = requests.get(sim, timeout=5).json().get("number_outcomes", {})
    outcomes[numbers["gb_failed"].lstrip("+")] = "failed"
    assert requests.put(sim, json={"number_outcomes": outcomes}, timeout=5).status_code == 200
    app = stack.call("POST", "/v1/apps", {"name": "Logs"}, token=token).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=token).json()["app_secret"]
    for key in ("gb1", "gb2", "gb_failed", "de"):
        reply = stack.call("POST", "/v1/sms", {"to": numbers[key], "text": f"Code 1234 for {key}",
                                               "type": "transactional"}, auth=(app["app_key"], secret))
        assert reply.status_code == 202, reply.text
    upload = stack.call("POST", "/v1/uploads?kind=international&filename=n.xlsx", token=token,
                        data=xlsx_file([numbers["task1"], numbers["task2"]]), headers={"Content-Type": XLSX}).json()
    task_name = f"日志 Promo {customer['tag']}"
    task = stack.call("POST", "/v1/tasks", {"name": task_name, "kind": "international", "app_id": app["id"],
                                            "upload_id": upload["upload_id"], "content": "Winter sale"}, token=token)
    assert task.status_code == 201, task.text
    log = wait_for(lambda: _log(stack, token), lambda log: len(log) == 6 and all(m["status"] in FINAL for m in log),
                   timeout=90)
    by_to = {m["to"]: m for m in log}
    return {**customer, "token": token, "numbers": numbers, "task_name": task_name, "log": log, "by_to": by_to}


def _log(stack, token, **filters) -> list[dict]:
    reply = stack.call("GET", "/v1/messages", params={"limit": 200, **filters}, token=token)
    assert reply.status_code == 200, reply.text
    return reply.json()["messages"]


# --- the page, as a user works it ------------------------------------------------------------

def _row_keys(page) -> list[str]:
    return page.locator("tr.ant-table-row").evaluate_all("rows => rows.map(r => r.dataset.rowKey)")


def _wait_rows(page, expected: list[str], timeout: float = 15) -> None:
    wait_for(lambda: _row_keys(page), lambda keys: keys == expected, timeout=timeout, pause=0.2)


def _choose(page, label: str, option: str) -> None:
    """An antd Select: open it by its label, click the option."""
    page.get_by_label(label, exact=True).click()
    page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)").get_by_title(option, exact=True).click()


def _search(portal, expected: list[str]) -> None:
    portal.page.get_by_test_id("log-search").click()
    _wait_rows(portal.page, expected)


def _reset(portal) -> None:
    portal.page.get_by_test_id("log-reset").click()


def _file_rows(path: Path, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    book = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    return [["" if v is None else str(v) for v in row] for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)]


def test_the_log_is_filtered_reported_exported_and_downloaded(portal, stack, sent):
    page, numbers, by_to = portal.page, sent["numbers"], sent["by_to"]
    ids = [m["id"] for m in sent["log"]]  # newest first, as the API gives them
    portal.sign_in(sent["email"], sent["password"])
    portal.open("/logs")
    _wait_rows(page, ids)
    portal.check("logs")

    # 接收方手机号码
    page.get_by_label(portal.t("接收方手机号码", "Recipient number"), exact=True).fill(numbers["gb_failed"])
    _search(portal, [by_to[numbers["gb_failed"]]["id"]])
    assert portal.t("失败", "Failed") in page.locator("tr.ant-table-row").first.inner_text()
    _reset(portal)
    _wait_rows(page, ids)
    # 状态
    _choose(page, portal.t("状态", "Status"), portal.t("失败", "Failed"))
    _search(portal, [by_to[numbers["gb_failed"]]["id"]])
    _reset(portal)
    # 国家名称 (searchable)
    page.get_by_label(portal.t("国家名称", "Country"), exact=True).fill("DE")
    page.keyboard.press("Enter")
    _search(portal, [by_to[numbers["de"]]["id"]])
    _reset(portal)
    # 短信类型 + 任务名称: the task's two messages
    task_ids = [m["id"] for m in sent["log"] if m["task_name"] == sent["task_name"]]
    assert len(task_ids) == 2
    _choose(page, portal.t("短信类型", "Message type"), portal.t("营销类", "Marketing"))
    _search(portal, task_ids)
    page.get_by_label(portal.t("任务名称", "Task name"), exact=True).fill(sent["task_name"] + "x")
    _search(portal, [])
    page.get_by_label(portal.t("任务名称", "Task name"), exact=True).fill(sent["task_name"])
    _search(portal, task_ids)

    # a message's details in the drawer
    page.locator(f"tr[data-row-key='{task_ids[0]}']").get_by_test_id("open-message").click()
    detail = page.get_by_test_id("message-detail")
    detail.wait_for()
    assert sent["task_name"] in detail.inner_text() and "Winter sale" in detail.inner_text()
    assert by_to_of(sent, task_ids[0]) in detail.inner_text()
    assert "(UTC+08:00)" in detail.inner_text()  # times in the account's zone, named
    portal.check("logs-detail")
    page.keyboard.press("Escape")
    detail.wait_for(state="hidden")
    _reset(portal)
    _wait_rows(page, ids)

    # 报告下载: today's totals, then one country
    today = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date().isoformat()
    report = stack.call("GET", "/v1/reports", params={"start": today, "end": today}, token=sent["token"]).json()
    assert report["totals"]["total"] == 6
    portal.open("/logs/reports")
    totals = {k: page.get_by_test_id(f"total-{k}") for k in ("total", "delivered", "failed")}
    wait_for(lambda: {k: v.inner_text() for k, v in totals.items()},
             lambda shown: shown == {k: str(report["totals"][k]) for k in totals}, timeout=15, pause=0.2)
    assert today in page.get_by_test_id("report-period").inner_text()
    portal.check("reports")
    page.get_by_label(portal.t("国家", "Countries"), exact=True).click()
    page.keyboard.type("DE")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_test_id("report-search").click()
    wait_for(lambda: totals["total"].inner_text(), lambda text: text == "1", timeout=15, pause=0.2)
    assert page.locator("tr.ant-table-row").count() == 1
    assert portal.t("德国", "Germany") in page.locator("tr.ant-table-row").inner_text()

    # the log of one country, exported in this language, finishes and downloads
    fmt = "csv" if portal.lang == "zh" else "xlsx"
    portal.open("/logs")
    _wait_rows(page, ids)
    page.get_by_label(portal.t("国家名称", "Country"), exact=True).fill("GB")
    page.keyboard.press("Enter")
    gb = [m["id"] for m in sent["log"] if m["country"] == "GB"]
    _search(portal, gb)
    page.get_by_test_id(f"export-{fmt}").click()
    notice = page.get_by_test_id("export-notice")
    notice.wait_for()
    export = stack.call("GET", "/v1/exports", token=sent["token"]).json()["exports"][0]
    assert export["filename"] in notice.inner_text()
    assert (export["type"], export["format"], export["lang"]) == ("messages", fmt, portal.lang)
    assert export["filters"]["country"] == "GB"
    page.get_by_test_id("go-downloads").click()
    row = page.locator(f"tr[data-row-key='{export['export_id']}']")
    row.locator("[data-testid=export-status][data-status=succeeded]").wait_for(timeout=60_000)
    assert export["filename"] in row.inner_text()
    assert portal.t("日志查询", "Message log") in row.inner_text()
    expires = datetime.fromisoformat(export["expires_at"]).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M:%S")
    assert expires in row.get_by_test_id("export-expires").inner_text()  # in the account's zone
    portal.check("downloads")
    with page.expect_download() as download_info:
        row.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename == export["filename"]
    rows = _file_rows(Path(download.path()), fmt)
    assert rows[0] == COLUMNS[portal.lang]
    assert [r[0] for r in rows[1:]] == gb  # the rows the page showed, newest first
    assert [r[5] for r in rows[1:]] == [m["to"] for m in sent["log"] if m["country"] == "GB"]
    assert {r[6] for r in rows[1:]} == {portal.t("英国", "United Kingdom")}


def by_to_of(sent: dict, message_id: str) -> str:
    return next(m["to"] for m in sent["log"] if m["id"] == message_id)


def test_an_export_still_queued_is_cancelled_in_the_download_center(portal, stack, ops_token):
    customer = new_customer(stack, ops_token, timezone=ZONE)
    token = _member(stack, ops_token, customer["account_id"])
    portal.sign_in(customer["email"], customer["password"])
    portal.open("/downloads")
    page = portal.page
    page.get_by_test_id("downloads-refresh").wait_for()
    # The exports queue runs one ticket at a time: behind a log export over 92 days (736
    # queries), a second one waits, queued.
    now = datetime.now(UTC)
    long_range = {"start": (now - timedelta(days=91)).isoformat(), "end": now.isoformat()}
    made = [stack.call("POST", "/v1/exports", {"type": "messages", "format": "csv", "filters": long_range},
                       token=token).json()["export_id"] for _ in range(2)]
    try:
        page.get_by_test_id("downloads-refresh").click()
        row = page.locator(f"tr[data-row-key='{made[1]}']")
        row.get_by_test_id("export-cancel").click()
        page.get_by_test_id("confirm-ok").click()
        row.locator("[data-testid=export-status][data-status=cancelled]").wait_for()
        assert row.get_by_test_id("export-cancel").count() == 0 and row.get_by_test_id("export-download").count() == 0
        assert portal.t("已取消", "Cancelled") in row.inner_text()
        assert stack.call("GET", f"/v1/exports/{made[1]}", token=token).json()["status"] == "cancelled"
        portal.check("downloads-cancelled")
    finally:
        for export_id in made:  # nothing left for the shared queue
            stack.call("DELETE", f"/v1/exports/{export_id}", token=token)
