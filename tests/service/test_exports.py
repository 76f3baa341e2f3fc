"""The download center: exports of every type, their files read back, their jobs under
redelivery, cancellation and stalls, and tenancy."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import unquote

import boto3
import openpyxl
import pytest
import requests

from chalicelib.services import exports
from chalicelib.store import exports as store
from chalicelib.store.base import utcnow
from chalicelib.store.messages import Message
from tests.service.helpers import drain_queue
from tests.service.messaging import deliver_all, dispatch_all, make_tenant, reset_carrier, send
from tests.service.tasks_helpers import app_id_of, new_task, run_tasks, uk_numbers, upload, xlsx_file

BLOCKED = "+447400999999"


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


@pytest.fixture
def sent(client, app, seeded, demo_token):
    """API messages (delivered, failed, blacklisted) and a task (sent, one blacklisted)."""
    app_id = app_id_of(client, demo_token)
    assert client.post("/v1/blacklist/numbers", {"app_id": app_id, "numbers": [BLOCKED]},
                       token=demo_token).status == 201
    delivered = send(client, seeded, to="+447400100001", text="Hello, \"quoted\", 你好").json["message_id"]
    failed = send(client, seeded, to="+447400100002", text="=cmd|' /C calc'!A0").json["message_id"]
    assert send(client, seeded, to=BLOCKED).status == 422
    dispatch_all(app)
    deliver_all(client, delivered)
    deliver_all(client, failed, status="failed")
    numbers = uk_numbers(3) + [BLOCKED]
    reply = upload(client, demo_token, xlsx_file(numbers))
    task = new_task(client, demo_token, reply.json["upload_id"], name="Promo 促销").json
    run_tasks(app)
    dispatch_all(app)
    for message in Message.scan(Message.task_id == task["task_id"]):
        if message.status == "submitted":
            deliver_all(client, message.message_id)
    return {"task_id": task["task_id"], "delivered": delivered, "failed": failed, "app_id": app_id}


def _export(client, token, body, *, basic=None):
    reply = client.post("/v1/exports", body, token=token, basic=basic)
    assert reply.status == 202, reply
    assert reply.json["status"] == "pending"
    return reply.json["export_id"]


def _finished(client, app, token, export_id, *, basic=None) -> dict:
    drain_queue(app, "exports")
    body = client.get(f"/v1/exports/{export_id}", token=token, basic=basic).json
    assert body["status"] == "succeeded", body
    return body


def _download(body) -> requests.Response:
    reply = requests.get(body["download_url"], timeout=10)
    assert reply.status_code == 200
    return reply


def _csv_rows(body) -> list[list[str]]:
    data = _download(body).content
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(body) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(_download(body).content), read_only=True)
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def _log(client, token) -> list[dict]:
    return client.get("/v1/messages?limit=200", token=token).json["messages"]


# --- files --------------------------------------------------------------------------------------

def test_messages_csv_has_the_log_rows_and_columns(client, app, demo_token, sent):
    export_id = _export(client, demo_token, {"type": "messages", "format": "csv"})
    body = _finished(client, app, demo_token, export_id)
    rows = _csv_rows(body)
    assert rows[0] == ["Message ID", "短信类型", "任务ID", "任务名称", "FROM", "接收号码", "国家地区名称",
                       "国家地区代码", "发送内容", "计费条数", "状态", "失败原因", "费用", "创建时间", "提交时间",
                       "送达时间"]
    log = _log(client, demo_token)
    assert [r[0] for r in rows[1:]] == [m["id"] for m in log]  # newest first, every message
    assert body["rows"] == len(log) == 7 and body["progress"] == 100
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[sent["delivered"]][8] == 'Hello, "quoted", 你好' and by_id[sent["delivered"]][10] == "成功"
    assert by_id[sent["delivered"]][6] == "英国" and by_id[sent["delivered"]][7] == "GB"
    assert by_id[sent["failed"]][8].startswith("'=")  # never a formula in Excel
    blocked = next(r for r in rows[1:] if r[5] == BLOCKED and not r[2])
    assert blocked[10] == "黑名单拦截" and blocked[11] == "号码在黑名单中" and blocked[12] == "0.00"
    assert by_id[sent["delivered"]][13].endswith("+08:00") or by_id[sent["delivered"]][13][-6] in "+-"
    assert body["filename"].startswith("日志查询_") and body["filename"].endswith(".csv")
    disposition = _download(body).headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and unquote(disposition.split("''")[1]) == body["filename"]


def test_messages_xlsx_in_english_filtered(client, app, demo_token, sent):
    export_id = _export(client, demo_token, {"type": "messages", "format": "xlsx", "lang": "en",
                                             "filters": {"task_id": sent["task_id"], "status": "delivered"}})
    body = _finished(client, app, demo_token, export_id)
    rows = _xlsx_rows(body)
    assert rows[0][:3] == ["Message ID", "Type", "Task ID"]
    expected = [m["id"] for m in _log(client, demo_token)
                if m["task_id"] == sent["task_id"] and m["status"] == "delivered"]
    assert [r[0] for r in rows[1:]] == expected and len(expected) == 3
    assert {r[6] for r in rows[1:]} == {"United Kingdom"} and {r[10] for r in rows[1:]} == {"Delivered"}
    assert body["filename"].startswith("Message_log_") and body["filename"].endswith(".xlsx")
    assert body["filters"]["task_id"] == sent["task_id"] and body["filters"]["start"]


def test_task_statistics_match_the_task_counters(client, app, demo_token, sent):
    for fmt in ("xlsx", "csv"):
        export_id = _export(client, demo_token, {"type": "tasks", "format": fmt})
        body = _finished(client, app, demo_token, export_id)
        rows = _xlsx_rows(body) if fmt == "xlsx" else _csv_rows(body)
        assert rows[0] == ["任务ID", "发送用户", "任务名称", "创建时间", "发送时间", "任务状态", "短信统计",
                           "已发送条数", "成功条数", "失败条数", "费用统计"]
        task = client.get(f"/v1/tasks/{sent['task_id']}", token=demo_token).json
        (row,) = [r for r in rows[1:] if r[0] == sent["task_id"]]
        counters = task["counters"]
        assert [str(v) for v in row[5:]] == ["已完成", "4", str(counters["submitted"]), str(counters["delivered"]),
                                            str(counters["failed"]), counters["cost"]]
        assert row[2] == "Promo 促销" and row[1]


def test_task_cost_and_failures(client, app, demo_token, sent):
    cost = _finished(client, app, demo_token, _export(client, demo_token, {
        "type": "task_cost", "format": "xlsx", "filters": {"task_id": sent["task_id"]}}))
    rows = _xlsx_rows(cost)
    assert rows[0] == ["TaskID", "手机号码", "结果", "发送时间", "国家地区名称", "国家地区代码", "FROM", "发送内容",
                       "费用"]
    assert sorted(r[1] for r in rows[1:]) == sorted(uk_numbers(3) + [BLOCKED])
    failures = _finished(client, app, demo_token, _export(client, demo_token, {
        "type": "task_failures", "format": "csv", "filters": {"task_id": sent["task_id"]}}))
    rows = _csv_rows(failures)
    assert rows[0][-1] == "失败原因" and [r[1] for r in rows[1:]] == [BLOCKED]
    assert rows[1][2] == "黑名单拦截" and rows[1][-1] == "号码在黑名单中"


def test_a_big_task_s_csv_is_cut_over_the_time_it_sent(client, app, demo_token, sent, monkeypatch):
    """A task's recipients are spread over its sending time: at 2 rows a segment, its 4
    messages take at least 2 slices, and the file has each message once, newest first."""
    real_settings = exports.settings
    monkeypatch.setattr(exports, "settings", lambda: replace(real_settings(), export_segment_rows=2))
    body = _finished(client, app, demo_token, _export(client, demo_token, {
        "type": "task_cost", "format": "csv", "filters": {"task_id": sent["task_id"]}}))
    export = store.get_export(body["export_id"])
    assert int(export.segments) >= 2
    rows = _csv_rows(body)
    assert sorted(r[1] for r in rows[1:]) == sorted(uk_numbers(3) + [BLOCKED]) and body["rows"] == 4
    times = [r[3] for r in rows[1:]]
    assert times == sorted(times, reverse=True)


def test_a_log_export_over_many_days_is_joined_from_segments(client, app, demo_token, sent, monkeypatch):
    """Segments of a csv are written apart and joined in order; redelivered tickets change
    nothing (every ticket is played twice). The plan comes from the report aggregates: at 2
    rows a segment, today's 7 messages are cut into 4 slices and the quiet days before it
    joined into one."""
    import chalicelib.files.exports as files_module
    monkeypatch.setattr(files_module, "MIN_PART", 64)  # tiny parts: copies and joins both happen
    real_settings = exports.settings
    monkeypatch.setattr(exports, "settings", lambda: replace(real_settings(), export_segment_rows=2))
    start = (utcnow() - timedelta(days=3)).date().isoformat()
    export_id = _export(client, demo_token, {"type": "messages", "format": "csv", "filters": {"start": start}})
    export = store.get_export(export_id)
    tickets = []
    original = exports.send_tickets
    monkeypatch.setattr(exports, "send_tickets", lambda batch: (tickets.extend(batch), original(batch)))
    exports.handle({"export_id": export_id, "step": "run"})
    segments = [t for t in tickets if t["step"] == "segment"]
    ranges = [(datetime.fromisoformat(a), datetime.fromisoformat(b))
              for a, b in json.loads(store.get_export(export_id).segment_ranges)]
    assert len(segments) == len(ranges) >= 3
    assert all(newer[0] == older[1] for newer, older in zip(ranges, ranges[1:], strict=False))
    per_day = Counter(a.date() for a, _ in ranges)
    assert max(per_day.values()) >= 2  # the busy day is cut
    assert ranges[-1][1] - ranges[-1][0] > timedelta(days=1)  # the quiet days are one segment
    for ticket in segments + segments:
        exports.handle(ticket)
    for ticket in [t for t in tickets if t["step"] == "finish"][:2]:
        exports.handle(ticket)
    drain_queue(app, "exports")
    body = client.get(f"/v1/exports/{export_id}", token=demo_token).json
    rows = _csv_rows(body)
    assert [r[0] for r in rows[1:]] == [m["id"] for m in _log(client, demo_token)]
    assert body["rows"] == 7 and store.get_export(export_id).segments == len(segments)
    assert export.status == "pending"


def test_report_export_has_the_seed_columns(client, app, demo_token, sent):
    body = _finished(client, app, demo_token, _export(client, demo_token, {"type": "report", "format": "xlsx"}))
    rows = _xlsx_rows(body)
    assert rows[0] == ["Country / Region", "国家/地区", "用户名", "成功率", "总计/条", "成功/条", "失败/条"]
    total = rows[-1]
    # 7 messages: the API's delivered, failed and blacklisted ones, the task's three delivered
    # and one blacklisted; a blocked message never reached anyone, so it counts as failed.
    assert total[0] == "总计" and total[4] == 7 and total[5] == 4 and total[6] == 3


# --- the download center -----------------------------------------------------------------------

def test_list_newest_first_filtered_and_paged(client, app, demo_token, sent):
    ids = [_export(client, demo_token, {"type": t, "format": "csv"}) for t in ("tasks", "messages", "tasks")]
    listed = client.get("/v1/exports", token=demo_token).json["exports"]
    assert [e["export_id"] for e in listed] == ids[::-1]
    only = client.get("/v1/exports?type=tasks", token=demo_token).json["exports"]
    assert [e["export_id"] for e in only] == [ids[2], ids[0]]
    first = client.get("/v1/exports?limit=2", token=demo_token).json
    second = client.get(f"/v1/exports?limit=2&cursor={first['next_cursor']}", token=demo_token).json
    assert [e["export_id"] for e in first["exports"] + second["exports"]] == ids[::-1]
    later = (utcnow() + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert client.get(f"/v1/exports?start={later}", token=demo_token).json["exports"] == []
    assert client.get("/v1/exports?type=nope", token=demo_token).json["error"]["field"] == "type"


def test_cancel_stops_a_running_export_and_delete_removes_a_finished_one(client, app, demo_token, sent, monkeypatch):
    export_id = _export(client, demo_token, {"type": "messages", "format": "csv"})
    exports.handle({"export_id": export_id, "step": "run"})  # planned; segment tickets queued
    cancelled = client.call("DELETE", f"/v1/exports/{export_id}", token=demo_token)
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    drain_queue(app, "exports")  # the segment workers find it cancelled and stop
    after = client.get(f"/v1/exports/{export_id}", token=demo_token).json
    assert after["status"] == "cancelled" and "download_url" not in after
    assert store.segments_of(store.get_export(export_id)) == []
    done = _finished(client, app, demo_token, _export(client, demo_token, {"type": "tasks", "format": "csv"}))
    assert client.call("DELETE", f"/v1/exports/{done['export_id']}", token=demo_token).status == 204
    assert client.get(f"/v1/exports/{done['export_id']}", token=demo_token).status == 404
    assert requests.get(done["download_url"], timeout=10).status_code in (403, 404)


def test_a_worker_stops_at_its_next_page_once_cancelled(client, app, demo_token, sent, monkeypatch):
    real_settings = exports.settings
    monkeypatch.setattr(exports, "settings", lambda: replace(real_settings(), export_page_rows=1))
    export_id = _export(client, demo_token, {"type": "messages", "format": "xlsx"})
    export = store.get_export(export_id)
    real_rows = exports._rows

    def cancel_midway(item):
        for index, row in enumerate(real_rows(item)):
            if index == 1:
                store.cancel(store.get_export(export_id))
            yield row
    monkeypatch.setattr(exports, "_rows", cancel_midway)
    assert exports.handle({"export_id": export_id, "step": "run"}).startswith("stopped")
    assert store.get_export(export_id).status == "cancelled" and export.status == "pending"


def test_a_stalled_export_is_resumed_then_failed_with_a_reason(client, app, demo_token, sent, monkeypatch):
    export_id = _export(client, demo_token, {"type": "tasks", "format": "csv"})
    _lose_tickets()  # the run ticket is lost: nothing happens until the stall time passes
    assert exports.resume_stalled() == {"resumed": 0, "failed": 0}
    later = utcnow() + exports.STALL + timedelta(seconds=1)
    assert exports.resume_stalled(later) == {"resumed": 1, "failed": 0}
    assert exports.resume_stalled(later) == {"resumed": 0, "failed": 0}  # claimed: not twice
    drain_queue(app, "exports")
    assert client.get(f"/v1/exports/{export_id}", token=demo_token).json["status"] == "succeeded"
    stuck = _export(client, demo_token, {"type": "tasks", "format": "csv"})
    _lose_tickets()
    when = utcnow()
    for _ in range(exports.MAX_RESUMES):
        when += exports.STALL + timedelta(seconds=1)
        assert exports.resume_stalled(when)["resumed"] == 1
        _lose_tickets()
    when += exports.STALL + timedelta(seconds=1)
    assert exports.resume_stalled(when) == {"resumed": 0, "failed": 1}
    body = client.get(f"/v1/exports/{stuck}", token=demo_token).json
    assert body["status"] == "failed" and "stopped making progress" in body["error"]


def _lose_tickets() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-exports")["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_webhook_hears_the_export_finish(client, app, demo_token, ops_token, seeded, sent, monkeypatch):
    queued = []
    from chalicelib.services import webhooks
    monkeypatch.setattr(webhooks, "configured_url", lambda account_id: "https://hooks.example.com/jmc")
    monkeypatch.setattr(webhooks, "_enqueue", lambda ticket, delay=0: queued.append(ticket))
    body = _finished(client, app, demo_token, _export(client, demo_token, {"type": "tasks", "format": "csv"}))
    (event,) = [t["event"] for t in queued if t["event"]["type"].startswith("export.")]
    assert event["type"] == "export.succeeded" and event["export_id"] == body["export_id"]
    assert event["rows"] == body["rows"] and "download_url" not in event


# --- bad input and tenancy -------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"type": "nope", "format": "csv"}, "type"),
    ({"format": "csv"}, "type"),
    ({"type": "messages", "format": "pdf"}, "format"),
    ({"type": "messages", "format": "csv", "lang": "fr"}, "lang"),
    ({"type": "messages", "format": "csv", "filters": {"start": "2026-12-01", "end": "2026-11-01"}}, "filters.end"),
    ({"type": "messages", "format": "csv", "filters": {"country": "XX"}}, "filters.country"),
    ({"type": "messages", "format": "csv", "filters": {"colour": "red"}}, "filters.colour"),
    ({"type": "messages", "format": "csv", "filters": {"status": 3}}, "filters.status"),
    ({"type": "messages", "format": "csv", "filters": "all"}, "filters"),
    ({"type": "task_cost", "format": "csv"}, "filters.task_id"),
    ({"type": "task_cost", "format": "csv", "filters": {"task_id": "task_nope"}}, "filters.task_id"),
    ({"type": "tasks", "format": "csv", "filters": {"status": "done"}}, "filters.status"),
])
def test_bad_requests_name_the_field_and_make_no_job(client, app, demo_token, seeded, body, field):
    reply = client.post("/v1/exports", body, token=demo_token)
    assert 400 <= reply.status < 500 and reply.json["error"]["field"] == field, reply
    assert client.get("/v1/exports", token=demo_token).json["exports"] == []
    assert drain_queue(app, "exports") == 0


def test_another_tenant_sees_nothing(client, app, demo_token, seeded, sent):
    body = _finished(client, app, demo_token, _export(client, demo_token, {"type": "tasks", "format": "csv"}))
    _, key, secret, _ = make_tenant("Other Co", 10_000_000)
    other = (key, secret)
    assert client.get(f"/v1/exports/{body['export_id']}", basic=other).status == 404
    assert client.call("DELETE", f"/v1/exports/{body['export_id']}", basic=other).status == 404
    assert client.get("/v1/exports", basic=other).json["exports"] == []
    foreign = client.post("/v1/exports", {"type": "messages", "format": "csv",
                                          "filters": {"task_id": sent["task_id"]}}, basic=other)
    assert foreign.status == 422 and foreign.json["error"]["field"] == "filters.task_id"
    assert client.get(f"/v1/exports/{body['export_id']}", token=demo_token).status == 200


def test_an_app_exports_only_its_own_messages(client, app, demo_token, seeded, sent):
    basic = (seeded.app_key, seeded.app_secret)
    refused = client.post("/v1/exports", {"type": "tasks", "format": "csv"}, basic=basic)
    assert refused.status == 403 and refused.json["error"]["field"] == "type"
    body = _finished(client, app, None, _export(client, None, {"type": "messages", "format": "csv"}, basic=basic),
                     basic=basic)
    rows = _csv_rows(body)
    mine = [m["id"] for m in _log(client, demo_token) if m["app_id"] == sent["app_id"]]
    assert [r[0] for r in rows[1:]] == mine and mine
    _, key, secret, _ = make_tenant("Other Co", 10_000_000)
    assert client.get(f"/v1/exports/{body['export_id']}", basic=(key, secret)).status == 404


def test_operators_are_refused(client, ops_token):
    assert client.post("/v1/exports", {"type": "tasks", "format": "csv"}, token=ops_token).status == 403
    assert client.get("/v1/exports", token=ops_token).status == 403


def test_filters_shown_are_the_ones_applied(client, demo_token, seeded):
    export_id = _export(client, demo_token, {"type": "messages", "format": "csv", "filters": {"to": "+44 7400 100001"}})
    shown = client.get(f"/v1/exports/{export_id}", token=demo_token).json["filters"]
    assert shown["to"] == "+447400100001" and set(shown) == {"to", "start", "end"}
    assert json.loads(store.get_export(export_id).filters)["range_given"] is False


def test_an_xlsx_past_its_limit_fails_with_the_reason_and_leaves_no_file(client, app, demo_token, sent, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    export_id = _export(client, demo_token, {"type": "messages", "format": "xlsx"})
    drain_queue(app, "exports")
    body = client.get(f"/v1/exports/{export_id}", token=demo_token).json
    assert body["status"] == "failed" and "at most 2 rows" in body["error"] and "csv" in body["error"]
    assert "download_url" not in body
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="jmc-local-files",
                                                                         Prefix="exports/files/")
    assert all(export_id not in o["Key"] for o in listed.get("Contents", []))
