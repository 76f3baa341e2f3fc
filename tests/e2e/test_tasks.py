"""Bulk tasks against ``make run``'s stack, over HTTP: a 10,000-number xlsx with bad rows and
its 异常数据.xlsx, a presigned upload parsed through S3 → EventBridge (a large csv in
parallel parts through the uploads queue), an immediate 2,000-number task
whose every number reaches the simulator exactly once (blacklisted ones never), a scheduled
task paused, edited and resumed that sends the edit at its time, 409s once a task has left
``scheduled``/``paused``, and a domestic task refused until its template is approved."""
from __future__ import annotations

import io
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.waiting import wait_for
from tests.number_files import XLSX, xlsx_file

pytestmark = pytest.mark.e2e

BAD_ROWS = ["nonsense", "12345", "+999123456789", "+44791120000"]  # the last: one digit short
BLOCKED = ["+447911200007", "+447911201242"]
SENT = 2_000


def uk_numbers(count: int) -> list[str]:
    return [f"+4479112{i:05d}" for i in range(count)]


@pytest.fixture(scope="module")
def customer(stack, ops_token):
    """A new account with money, a CN number, a signature, an app and its owner's token."""
    created = stack.call("POST", "/v1/ops/accounts", {"name": "Bulk Traders", "owner": {
        "email": "owner@bulk.example", "name": "Bo"}}, token=ops_token).json()
    account_id = created["id"]
    assert stack.call("POST", f"/v1/ops/accounts/{account_id}/topups", {"amount": "1000.00", "reference": "BULK-1"},
                      token=ops_token).status_code == 201
    stack.call("POST", f"/v1/ops/accounts/{account_id}/senders",
               {"type": "number", "value": "+14155550177", "countries": ["CN"]}, token=ops_token)
    signature = stack.call("POST", f"/v1/ops/accounts/{account_id}/signatures", {"text": "锦木科技"},
                           token=ops_token).json()
    owner = stack.login("owner@bulk.example", stack.outbox("owner@bulk.example", r"Initial password: (\S+)"))
    app = stack.call("POST", "/v1/apps", {"name": "Campaigns"}, token=owner).json()
    return {"account_id": account_id, "token": owner, "app_id": app["id"], "signature_id": signature["id"]}


def _upload(stack, customer, data: bytes, kind: str = "international") -> dict:
    reply = stack.call("POST", f"/v1/uploads?kind={kind}&filename=numbers.xlsx", token=customer["token"], data=data,
                       headers={"Content-Type": XLSX})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _task(stack, customer, upload_id: str, **fields) -> requests.Response:
    body = {"name": "Winter sale", "kind": "international", "app_id": customer["app_id"], "upload_id": upload_id,
            "content": "Winter sale", "blacklist_check": True, **fields}
    return stack.call("POST", "/v1/tasks", body, token=customer["token"])


def _get_task(stack, customer, task_id: str) -> dict:
    reply = stack.call("GET", f"/v1/tasks/{task_id}", token=customer["token"])
    if reply.status_code == 401:  # a long wait outlived the access token
        customer["token"] = stack.refreshed("owner@bulk.example")
        reply = stack.call("GET", f"/v1/tasks/{task_id}", token=customer["token"])
    assert reply.status_code == 200, reply.text
    return reply.json()


def _sim_rows(stack, text: str) -> list[dict]:
    """The simulator's accepted messages (first parts) carrying ``text``."""
    rows = requests.get(f"{stack.info['carrier_url']}/_sim/messages", timeout=30).json()["messages"]
    return [row for row in rows if row["text"] == text and row["part"] == 1]


def test_the_standard_template_downloads(stack, customer):
    reply = stack.call("GET", "/v1/tasks/number-template?kind=international", token=customer["token"],
                       headers={"Accept": "*/*"})
    assert reply.status_code == 200 and reply.headers["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    assert len(book.sheetnames) == 2


def test_ten_thousand_numbers_upload_with_counts_and_a_bad_rows_report(stack, customer):
    numbers = uk_numbers(10_000)
    upload = _upload(stack, customer, xlsx_file(numbers[:5] + BAD_ROWS + numbers[5:] + [numbers[0], numbers[1]]))
    assert upload["status"] == "ready"
    assert (upload["total_rows"], upload["valid"], upload["invalid"], upload["duplicates"]) == (10_006, 10_000, 4, 2)
    assert upload["countries"] == {"GB": 10_000}
    assert upload["message"] == "检测到异常数据4条"
    report = requests.get(upload["invalid_report_url"], timeout=10)
    assert report.status_code == 200 and "%E5%BC%82%E5%B8%B8%E6%95%B0%E6%8D%AE.xlsx" in \
        report.headers["Content-Disposition"]  # 异常数据.xlsx
    rows = list(load_workbook(io.BytesIO(report.content), read_only=True).active.iter_rows(values_only=True))
    listed = {(row[0], str(row[1])) for row in rows[1:]}
    assert listed == {(7, "nonsense"), (8, "12345"), (9, "+999123456789"), (10, "+44791120000")}
    assert all(row[2] for row in rows[1:])  # every bad row says why


def test_an_immediate_two_thousand_number_task_sends_each_number_once(stack, customer):
    # 2,000 numbers span two 1,000-number chunks and 80 slices of 25; the 10,000-number send took 10 minutes
    # against moto and its throughput is bench/bench_tasks.py's figure
    numbers = uk_numbers(SENT)
    added = stack.call("POST", "/v1/blacklist/numbers", {"app_id": customer["app_id"], "numbers": BLOCKED},
                       token=customer["token"])
    assert added.status_code == 201, added.text
    text = f"Winter sale {uuid.uuid4().hex[:8]}"
    upload = _upload(stack, customer, xlsx_file(numbers + [numbers[0]]))
    reply = _task(stack, customer, upload["upload_id"], content=text)
    assert reply.status_code == 201, reply.text
    task = reply.json()
    assert task["status"] == "sending"
    assert task["estimate"]["numbers"] == SENT and task["estimate"]["cost"] == "80.00"
    done = wait_for(lambda: _get_task(stack, customer, task["task_id"]),
                     lambda t: t["status"] == "completed" and t["counters"]["pending"] == 0, timeout=600, pause=2)
    counters = done["counters"]
    assert counters["total"] == SENT and counters["blocked"] == 2 and counters["unsent"] == 0
    assert counters["submitted"] == SENT - 2 == counters["delivered"] + counters["failed"]
    assert counters["segments"] == SENT - 2 and counters["cost"] == "79.92"
    sent = Counter("+" + row["to"] for row in _sim_rows(stack, text))
    assert set(sent) == set(numbers) - set(BLOCKED)
    assert set(sent.values()) == {1}
    balance = stack.call("GET", "/v1/balance", token=customer["token"]).json()["balance"]
    assert balance == "920.08"


def test_a_scheduled_task_is_paused_edited_resumed_and_sends_the_edit_at_its_time(stack, customer):
    upload = _upload(stack, customer, xlsx_file(uk_numbers(20)))
    send_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)
    draft, final = f"draft {uuid.uuid4().hex[:8]}", f"final {uuid.uuid4().hex[:8]}"
    task = _task(stack, customer, upload["upload_id"], content=draft, send_at=send_at.isoformat()).json()
    assert task["status"] == "scheduled", task
    task_id, token = task["task_id"], customer["token"]
    assert stack.call("POST", f"/v1/tasks/{task_id}/pause", token=token).json()["status"] == "paused"
    edited = stack.call("PATCH", f"/v1/tasks/{task_id}", {"content": final}, token=token)
    assert edited.status_code == 200 and edited.json()["content"] == final
    assert stack.call("POST", f"/v1/tasks/{task_id}/resume", token=token).json()["status"] == "scheduled"
    assert _get_task(stack, customer, task_id)["status"] == "scheduled"  # not before its time
    done = wait_for(lambda: _get_task(stack, customer, task_id), lambda t: t["status"] == "completed", timeout=120)
    started = datetime.fromisoformat(done["sent_at"].replace("Z", "+00:00"))
    assert started >= send_at
    # (+447911200007 is on the app's blacklist since the 2,000-number test)
    assert {"+" + row["to"] for row in _sim_rows(stack, final)} == set(uk_numbers(20)) - {BLOCKED[0]}
    assert _sim_rows(stack, draft) == [] and done["counters"]["blocked"] == 1
    refused = stack.call("PATCH", f"/v1/tasks/{task_id}", {"content": "too late"}, token=token)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "task_not_editable"
    assert "completed" in refused.json()["error"]["message"]


def test_a_sending_task_cannot_be_edited_or_stopped(stack, customer):
    upload = _upload(stack, customer, xlsx_file(uk_numbers(1000)))
    task = _task(stack, customer, upload["upload_id"], content=f"busy {uuid.uuid4().hex[:8]}").json()
    assert task["status"] == "sending"
    for method, path, body in (("PATCH", "", {"content": "changed"}), ("POST", "/pause", None),
                               ("POST", "/cancel", None)):
        refused = stack.call(method, f"/v1/tasks/{task['task_id']}{path}", body, token=customer["token"])
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["message"].startswith(("the task is sending", "the task is completed"))
    # let it finish, so the tests after this one have the local stack to themselves
    wait_for(lambda: _get_task(stack, customer, task["task_id"]), lambda t: t["status"] == "completed",
              timeout=600, pause=2)


def test_a_presigned_upload_is_parsed_when_it_lands(stack, customer):
    reply = stack.call("POST", "/v1/uploads/presign", {"kind": "international", "filename": "big.xlsx"},
                       token=customer["token"])
    assert reply.status_code == 201, reply.text
    presigned = reply.json()
    assert presigned["status"] == "uploading"
    posted = requests.post(presigned["upload"]["url"], data=presigned["upload"]["fields"],
                           files={"file": ("big.xlsx", xlsx_file(uk_numbers(50) + ["oops"]))}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    ready = wait_for(lambda: stack.call("GET", f"/v1/uploads/{presigned['upload_id']}",
                                         token=customer["token"]).json(),
                      lambda u: u["status"] != "uploading" and u["status"] != "parsing", timeout=60)
    assert ready["status"] == "ready" and (ready["valid"], ready["invalid"]) == (50, 1)


def test_a_large_csv_is_parsed_in_parallel_parts(stack, customer):
    numbers = [f"+4474002{i:05d}" for i in range(3000)]
    rows = numbers[:1000] + ["not a number"] + numbers[1000:] + numbers[:7] + ["+44740020"]
    data = ("phone\r\n" + "\r\n".join(rows) + "\r\n").encode()
    assert len(data) > 8 * 4096  # more than eight parts on this stack
    presigned = stack.call("POST", "/v1/uploads/presign", {"kind": "international", "filename": "big.csv"},
                           token=customer["token"]).json()
    posted = requests.post(presigned["upload"]["url"], data=presigned["upload"]["fields"],
                           files={"file": ("big.csv", data)}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    ready = wait_for(lambda: stack.call("GET", f"/v1/uploads/{presigned['upload_id']}",
                                         token=customer["token"]).json(),
                      lambda u: u["status"] not in ("uploading", "parsing"), timeout=120)
    assert ready["status"] == "ready", ready
    assert (ready["total_rows"], ready["valid"], ready["invalid"], ready["duplicates"]) == (3009, 3000, 2, 7)
    assert ready["progress"]["parts"] == -(-len(data) // 4096) == ready["progress"]["parts_parsed"]
    assert ready["progress"]["buckets_merged"] == 16 and ready["countries"] == {"GB": 3000}
    report = load_workbook(io.BytesIO(requests.get(ready["invalid_report_url"], timeout=10).content), read_only=True)
    bad = [tuple(r[:2]) for r in report.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert bad == [(1002, "not a number"), (3010, "+44740020")]  # rows of the whole file


def test_a_domestic_task_needs_an_approved_template(stack, customer, ops_token):
    upload = _upload(stack, customer, xlsx_file(["+8613800138000", "13800138001", "+447911200000"]), kind="domestic")
    assert (upload["valid"], upload["invalid"]) == (2, 1)  # domestic lists are mainland China only
    template = stack.call("POST", "/v1/templates",
                          {"name": "发货通知", "content": "您的订单已发货", "kind": "domestic"},
                          token=customer["token"]).json()
    assert template["status"] == "pending"
    body = {"kind": "domestic", "template_id": template["id"], "signature_id": customer["signature_id"],
            "from": "+14155550177", "send_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}
    refused = _task(stack, customer, upload["upload_id"], **body)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "template_id"
    assert "pending" in refused.json()["error"]["message"]
    stack.call("POST", f"/v1/ops/templates/{template['id']}/reject", {"reason": "营销内容"}, token=ops_token)
    refused = _task(stack, customer, upload["upload_id"], **body)
    assert refused.status_code == 422 and "rejected" in refused.json()["error"]["message"]
    other = stack.call("POST", "/v1/templates", {"name": "验证码", "content": "您的验证码是1234", "kind": "domestic"},
                       token=customer["token"]).json()
    assert stack.call("POST", f"/v1/ops/templates/{other['id']}/approve", {}, token=ops_token).status_code == 200
    accepted = _task(stack, customer, upload["upload_id"], **{**body, "template_id": other["id"], "content": None})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["text"] == "【锦木科技】您的验证码是1234"
    cancelled = stack.call("POST", f"/v1/tasks/{accepted.json()['task_id']}/cancel", token=customer["token"])
    assert cancelled.json()["status"] == "cancelled"
