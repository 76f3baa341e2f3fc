"""The download center against ``make run``'s stack, over HTTP: an account sends API messages
and a task (delivered, failed and blacklisted ones); every export type in both formats and
both languages is created, listed, finishes and downloads, and its rows are what the log, the
task counters and the report say. Cancelling, another tenant and bad filters too."""
from __future__ import annotations

import csv
import io
import itertools
import uuid

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.waiting import wait_for
from tests.number_files import XLSX, xlsx_file

pytestmark = pytest.mark.e2e

DELIVERED = ["+447833000101", "+447833000102"]
FAILED = "+447833000103"
BLOCKED = "+447833000104"
TASK_NUMBERS = ["+447833000111", "+447833000112", "+447833000113", BLOCKED]
TASK_FAILED = "+447833000113"
FINAL = {"delivered", "failed", "rejected", "expired", "blocked"}


@pytest.fixture(scope="module")
def account(stack, ops_token):
    """A new account that sent API messages and one task, every message in a final state."""
    tag = uuid.uuid4().hex[:8]
    email = f"owner-{tag}@exports.example"
    created = stack.call("POST", "/v1/ops/accounts", {"name": f"Export Traders {tag}", "timezone": "Asia/Shanghai",
                                                      "owner": {"email": email, "name": "Eve"}}, token=ops_token).json()
    assert stack.call("POST", f"/v1/ops/accounts/{created['id']}/topups", {"amount": "100.00", "reference": tag},
                      token=ops_token).status_code == 201
    token = stack.login(email, stack.outbox(email, r"Initial password: (\S+)"))
    app = stack.call("POST", "/v1/apps", {"name": "Exporter"}, token=token).json()
    secret = stack.call("GET", f"/v1/apps/{app['id']}/secret", token=token).json()["app_secret"]
    _fail_at_the_carrier(stack, [FAILED, TASK_FAILED])
    assert stack.call("POST", "/v1/blacklist/numbers", {"app_id": app["id"], "numbers": [BLOCKED]},
                      token=token).status_code == 201
    basic = (app["app_key"], secret)
    for to in [*DELIVERED, FAILED, BLOCKED]:
        reply = stack.call("POST", "/v1/sms", {"to": to, "text": f"Hi {to}, 你好", "type": "transactional"}, auth=basic)
        assert reply.status_code in (202, 422), reply.text
    upload = stack.call("POST", "/v1/uploads?kind=international&filename=n.xlsx", token=token,
                        data=xlsx_file(TASK_NUMBERS), headers={"Content-Type": XLSX}).json()
    task = stack.call("POST", "/v1/tasks", {"name": "导出 Promo", "kind": "international", "app_id": app["id"],
                                            "upload_id": upload["upload_id"], "content": "Sale, \"today\"",
                                            "blacklist_check": True}, token=token).json()
    wait_for(lambda: _log(stack, token), lambda log: len(log) == 8 and all(m["status"] in FINAL for m in log),
             timeout=120)
    wait_for(lambda: stack.call("GET", f"/v1/tasks/{task['task_id']}", token=token).json(),
             lambda t: t["status"] == "completed" and t["counters"]["pending"] == 0, timeout=60)
    return {"token": token, "task_id": task["task_id"], "basic": basic, "app_id": app["id"]}


def _fail_at_the_carrier(stack, numbers: list[str]) -> None:
    sim = stack.info["carrier_url"] + "/_sim/config"
    outcomes = requests.get(sim, timeout=5).json().get("number_outcomes", {})
    outcomes.update({n.lstrip("+"): "failed" for n in numbers})
    assert requests.put(sim, json={"number_outcomes": outcomes}, timeout=5).status_code == 200


def _log(stack, token) -> list[dict]:
    return stack.call("GET", "/v1/messages?limit=200", token=token).json()["messages"]


def _create(stack, token, body) -> str:
    reply = stack.call("POST", "/v1/exports", body, token=token)
    assert reply.status_code == 202, reply.text
    return reply.json()["export_id"]


def _finished(stack, token, export_id) -> dict:
    return wait_for(lambda: stack.call("GET", f"/v1/exports/{export_id}", token=token).json(),
                    lambda e: e["status"] in ("succeeded", "failed", "cancelled"), timeout=120)


def _rows(export: dict) -> list[list[str]]:
    """The file's rows as text (xlsx cells as csv would show them)."""
    reply = requests.get(export["download_url"], timeout=30)
    assert reply.status_code == 200
    assert export["filename"] in requests.utils.unquote(reply.headers["Content-Disposition"])
    if export["format"] == "csv":
        assert reply.content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"), newline="")))
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    return [["" if v is None else str(v) for v in row] for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)]


def test_every_type_format_and_language_is_what_the_log_says(stack, account):
    token, task_id = account["token"], account["task_id"]
    filters = {"tasks": {}, "task_cost": {"task_id": task_id}, "task_failures": {"task_id": task_id},
               "messages": {}, "report": {}}
    made = {(kind, fmt, lang): _create(stack, token, {"type": kind, "format": fmt, "lang": lang,
                                                      "filters": filters[kind]})
            for kind, fmt, lang in itertools.product(filters, ("xlsx", "csv"), ("zh", "en"))}
    listed = stack.call("GET", "/v1/exports?limit=100", token=token).json()["exports"]
    assert [e["export_id"] for e in listed] == list(made.values())[::-1]  # the download center, newest first
    done = {key: _finished(stack, token, export_id) for key, export_id in made.items()}
    assert {e["status"] for e in done.values()} == {"succeeded"}, done
    log = _log(stack, token)
    task = stack.call("GET", f"/v1/tasks/{task_id}", token=token).json()
    report = stack.call("GET", "/v1/reports", token=token).json()
    for (kind, fmt, lang), export in done.items():
        rows = _rows(export)
        header, body = rows[0], rows[1:]
        assert export["rows"] == len(body), (kind, fmt, lang)
        if kind == "messages":
            assert header[0] == "Message ID" and header[5] == ("接收号码" if lang == "zh" else "To")
            assert [r[0] for r in body] == [m["id"] for m in log]
            assert {r[0]: r[9] for r in body} == {m["id"]: str(m["segments"]) for m in log}
            assert {r[0]: r[12] for r in body} == {m["id"]: m["price"] for m in log}
        elif kind == "tasks":
            (row,) = [r for r in body if r[0] == task_id]
            counters = task["counters"]
            assert row[6:] == [str(task["counters"]["total"]), str(counters["submitted"]),
                               str(counters["delivered"]), str(counters["failed"]), counters["cost"]]
            assert row[5] == ("已完成" if lang == "zh" else "Completed")
        elif kind == "task_cost":
            assert header[0] == "TaskID" and sorted(r[1] for r in body) == sorted(TASK_NUMBERS)
        elif kind == "task_failures":
            assert sorted(r[1] for r in body) == sorted([BLOCKED, TASK_FAILED])
        else:
            totals = body[-1]
            assert totals[4:] == [str(report["totals"][k]) for k in ("total", "delivered", "failed")]
            assert int(totals[4]) == len(log)
            assert int(totals[5]) == sum(m["status"] == "delivered" for m in log)
        if kind != "report":
            names = {"zh": "英国", "en": "United Kingdom"}
            column = {"messages": 6, "task_cost": 4, "task_failures": 4}.get(kind)
            if column is not None:
                assert {r[column] for r in body} == {names[lang]}


def test_cancel_and_delete(stack, account):
    token = account["token"]
    # A DELETE right after the POST finds the export pending or running (cancelled, 200), or,
    # rarely, finished (deleted, 204): try until one is caught unfinished.
    for _ in range(5):
        export_id = _create(stack, token, {"type": "messages", "format": "xlsx"})
        cancelled = stack.call("DELETE", f"/v1/exports/{export_id}", token=token)
        assert cancelled.status_code in (200, 204), cancelled.text
        if cancelled.status_code == 200:
            break
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    after = _finished(stack, token, export_id)
    assert after["status"] == "cancelled" and "download_url" not in after
    assert after == stack.call("GET", f"/v1/exports/{export_id}", token=token).json()  # workers stopped
    done = _finished(stack, token, _create(stack, token, {"type": "tasks", "format": "csv"}))
    assert stack.call("DELETE", f"/v1/exports/{done['export_id']}", token=token).status_code == 204
    assert stack.call("GET", f"/v1/exports/{done['export_id']}", token=token).status_code == 404
    assert requests.get(done["download_url"], timeout=10).status_code in (403, 404)


def test_another_tenant_gets_404_and_bad_filters_make_no_job(stack, account, demo_token):
    token = account["token"]
    done = _finished(stack, token, _create(stack, token, {"type": "tasks", "format": "csv"}))
    assert stack.call("GET", f"/v1/exports/{done['export_id']}", token=demo_token).status_code == 404
    assert stack.call("DELETE", f"/v1/exports/{done['export_id']}", token=demo_token).status_code == 404
    before = stack.call("GET", "/v1/exports?limit=200", token=token).json()["exports"]
    for body, field in [
        ({"type": "everything", "format": "csv"}, "type"),
        ({"type": "messages", "format": "csv", "filters": {"start": "2026-12-01", "end": "2026-11-01"}}, "filters.end"),
        ({"type": "messages", "format": "csv", "filters": {"country": "ZZ"}}, "filters.country"),
        ({"type": "task_cost", "format": "csv", "filters": {"task_id": "task_0000"}}, "filters.task_id"),
    ]:
        reply = stack.call("POST", "/v1/exports", body, token=token)
        assert 400 <= reply.status_code < 500 and reply.json()["error"]["field"] == field, reply.text
    foreign = stack.call("POST", "/v1/exports", {"type": "task_cost", "format": "csv",
                                                 "filters": {"task_id": account["task_id"]}}, token=demo_token)
    assert foreign.status_code == 422 and foreign.json()["error"]["field"] == "filters.task_id"
    after = stack.call("GET", "/v1/exports?limit=200", token=token).json()["exports"]
    assert [e["export_id"] for e in after] == [e["export_id"] for e in before]  # no job made


def test_an_app_key_exports_its_own_messages(stack, account):
    reply = stack.call("POST", "/v1/exports", {"type": "messages", "format": "csv"}, auth=account["basic"])
    assert reply.status_code == 202, reply.text
    export = wait_for(lambda: stack.call("GET", f"/v1/exports/{reply.json()['export_id']}",
                                         auth=account["basic"]).json(),
                      lambda e: e["status"] == "succeeded", timeout=120)
    ids = [r[0] for r in _rows(export)[1:]]
    assert ids == [m["id"] for m in _log(stack, account["token"]) if m["app_id"] == account["app_id"]]
