"""Bulk tasks: validation and pricing, the state machine (pause, edit, resume, cancel, 409
once sending), scheduling, and fan-out that sends every number exactly once — through
redelivered tickets, a worker that dies mid-slice, blacklists and an empty balance."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.services import fanout, scheduler
from chalicelib.store.base import iso, utcnow
from chalicelib.store.messages import Message
from chalicelib.store.tasks import TaskChunk, chunk_sk, get_task, task_pk
from tests.service.messaging import carrier_messages, ledger_sum, post_receipt, receipt, reset_carrier
from tests.service.tasks_helpers import app_id_of, csv_file, new_task, run_tasks, tick, uk_numbers, upload, xlsx_file


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


def _upload(client, token, values, **kw) -> str:
    reply = upload(client, token, xlsx_file(values), **kw)
    assert reply.status == 201, reply
    return reply.json["upload_id"]


def _sent_to(carrier_url) -> list[str]:
    return sorted("+" + m["to"] for m in carrier_messages(carrier_url))


def _deliver_everything(client, task_id: str) -> None:
    for message in Message.scan(Message.task_id == task_id):
        for carrier_id in message.carrier_ids or []:
            assert post_receipt(client, receipt(message, carrier_id)).status == 204


# --- creating --------------------------------------------------------------------------------

def test_an_immediate_task_sends_every_number_once_and_counts_add_up(client, app, demo_token, seeded, carrier_sim,
                                                                     small_chunks):
    numbers = uk_numbers(10)
    upload_id = _upload(client, demo_token, numbers + ["nonsense", numbers[0]])
    reply = new_task(client, demo_token, upload_id, content="Sale today")
    assert reply.status == 201, reply
    task = reply.json
    assert task["status"] == "sending" and task["sent_at"]
    assert task["estimate"] == {"numbers": 10, "segments": 10, "cost": "0.40",
                                "by_country": {"GB": {"numbers": 10, "segments": 10, "cost": "0.40"}}}
    assert run_tasks(app) == 3  # 10 numbers in chunks of 4
    assert _sent_to(carrier_sim.url) == sorted(numbers)
    done = client.get(f"/v1/tasks/{task['task_id']}", token=demo_token).json
    assert done["status"] == "completed" and done["completed_at"]
    assert done["counters"]["submitted"] == 10 and done["counters"]["pending"] == 10
    _deliver_everything(client, task["task_id"])
    counters = client.get(f"/v1/tasks/{task['task_id']}", token=demo_token).json["counters"]
    assert counters == {"total": 10, "blocked": 0, "unsent": 0, "submitted": 10, "delivered": 10, "failed": 0,
                        "segments": 10, "pending": 0, "cost": "0.40"}
    assert ledger_sum(seeded.demo_account_id) == _balance(seeded.demo_account_id)
    logged = client.get(f"/v1/messages?task_id={task['task_id']}", token=demo_token).json["messages"]
    assert len(logged) == 10 and {m["task_name"] for m in logged} == {"Promo"}


def _balance(account_id: str) -> int:
    from chalicelib.services.billing import balance_micros
    return balance_micros(account_id)


@pytest.mark.parametrize("change, field, status", [
    ({"name": None}, "name", 400), ({"kind": "moon"}, "kind", 422), ({"app_id": "app_nope"}, "app_id", 422),
    ({"upload_id": "upl_nope"}, "upload_id", 422), ({"content": ""}, "content", 422),
    ({"send_at": "yesterday"}, "send_at", 422), ({"send_at": "2020-01-01T00:00:00Z"}, "send_at", 422),
    ({"blacklist_check": "yes"}, "blacklist_check", 422), ({"content": "x" * 2000}, "content", 422),
    ({"from": "NOT-ALLOWED-SENDER-ID"}, "from", 422), ({"kind": "domestic"}, "upload_id", 422),
])
def test_bad_tasks_name_the_field(client, demo_token, change, field, status):
    upload_id = _upload(client, demo_token, uk_numbers(2))
    body = {"name": "t", "kind": "international", "app_id": app_id_of(client, demo_token), "upload_id": upload_id,
            "content": "hi", **change}
    body = {k: v for k, v in body.items() if v is not None}
    reply = client.post("/v1/tasks", body, token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field, reply


def test_a_task_the_balance_cannot_cover_is_refused(client, demo_token, seeded):
    upload_id = _upload(client, demo_token, uk_numbers(3))
    reply = new_task(client, demo_token, upload_id, content="x" * 1530)  # 10 segments × 3 × 0.04 = 1.20
    assert reply.status == 201
    from chalicelib.store.accounts import Account, get_account
    get_account(seeded.demo_account_id).update(actions=[Account.balance_micros.set(1_000_000)])
    reply = new_task(client, demo_token, upload_id, content="x" * 1530)
    assert reply.status == 402 and reply.json["error"]["code"] == "insufficient_balance"


def test_domestic_tasks_need_an_approved_template_and_a_bound_signature(client, demo_token, ops_token, seeded):
    upload_id = _upload(client, demo_token, ["8613800138000"], kind="domestic")
    template = client.post("/v1/templates", {"name": "通知", "content": "您的订单已发货", "kind": "domestic"},
                           token=demo_token).json
    signature_id = client.get("/v1/me", token=demo_token).json.get("signatures", [{}])[0].get("id") \
        if "signatures" in (client.get("/v1/me", token=demo_token).json or {}) else _signature_id(seeded)
    body = {"kind": "domestic", "template_id": template["id"], "signature_id": signature_id, "from": "14155550100"}
    refused = new_task(client, demo_token, upload_id, **body)
    assert refused.status == 422 and refused.json["error"]["field"] == "template_id"
    assert "pending" in refused.json["error"]["message"]
    client.post(f"/v1/ops/templates/{template['id']}/approve", {}, token=ops_token)
    assert new_task(client, demo_token, upload_id, **{**body, "signature_id": "sig_nope"}).json["error"]["field"] \
        == "signature_id"
    accepted = new_task(client, demo_token, upload_id, **body, content=None, send_at=iso(utcnow() + timedelta(hours=1)))
    assert accepted.status == 201, accepted
    assert accepted.json["text"] == "【锦木科技】您的订单已发货" and accepted.json["warning"] is None
    edited = new_task(client, demo_token, upload_id, **{**body, "content": "全场五折，点击链接领取优惠券"},
                      send_at=iso(utcnow() + timedelta(hours=1)))
    assert edited.status == 201 and "differs substantially" in edited.json["warning"]


def _signature_id(seeded) -> str:
    from chalicelib.services import catalog
    return catalog.signatures(seeded.demo_account_id)[0].signature_id


# --- the state machine -----------------------------------------------------------------------

def test_a_scheduled_task_is_paused_edited_resumed_and_sends_the_edit_at_its_time(client, app, demo_token,
                                                                                   carrier_sim):
    upload_id = _upload(client, demo_token, uk_numbers(3))
    send_at = utcnow() + timedelta(minutes=30)
    task = new_task(client, demo_token, upload_id, content="first draft", send_at=iso(send_at)).json
    assert task["status"] == "scheduled" and task["scheduled"] is True
    task_id = task["task_id"]
    assert client.post(f"/v1/tasks/{task_id}/pause", token=demo_token).json["status"] == "paused"
    assert client.post(f"/v1/tasks/{task_id}/pause", token=demo_token).status == 409
    edited = client.patch(f"/v1/tasks/{task_id}", {"content": "final text"}, token=demo_token)
    assert edited.status == 200 and edited.json["content"] == "final text" and edited.json["status"] == "paused"
    assert client.post(f"/v1/tasks/{task_id}/resume", token=demo_token).json["status"] == "scheduled"
    tick(app)  # not yet due
    assert get_task(task_id).status == "scheduled" and carrier_messages(carrier_sim.url) == []
    scheduler.tick(now=send_at + timedelta(seconds=1))
    run_tasks(app)
    sent = carrier_messages(carrier_sim.url)
    assert len(sent) == 3 and {m["text"] for m in sent} == {"final text"}
    for action in ("pause", "resume", "cancel"):
        assert client.post(f"/v1/tasks/{task_id}/{action}", token=demo_token).status == 409
    refused = client.patch(f"/v1/tasks/{task_id}", {"content": "too late"}, token=demo_token)
    assert refused.status == 409 and refused.json["error"]["code"] == "task_not_editable"
    assert "completed" in refused.json["error"]["message"]


def test_an_edit_keeps_the_from_it_does_not_change(client, demo_token):
    upload_id = _upload(client, demo_token, uk_numbers(2))
    send_at = iso(utcnow() + timedelta(hours=1))
    task = new_task(client, demo_token, upload_id, content="a", send_at=send_at, **{"from": "MyShop"}).json
    assert task["from"] == {"GB": "MyShop"}  # not the account's bound JMCDemo
    edited = client.patch(f"/v1/tasks/{task['task_id']}", {"content": "b"}, token=demo_token).json
    assert edited["from"] == {"GB": "MyShop"} and edited["content"] == "b"
    bound = client.patch(f"/v1/tasks/{task['task_id']}", {"from": None}, token=demo_token).json
    assert bound["from"] == {"GB": "JMCDemo"}


def test_an_edit_with_fields_that_cannot_change_names_a_few_and_echoes_no_long_key(client, demo_token):
    upload_id = _upload(client, demo_token, uk_numbers(1))
    task = new_task(client, demo_token, upload_id, send_at=iso(utcnow() + timedelta(hours=1))).json
    long_key = "k" * 5000
    reply = client.patch(f"/v1/tasks/{task['task_id']}", {long_key: 1, "content": "b"}, token=demo_token)
    assert (reply.status, reply.json["error"]["field"]) == (400, "body")
    message = reply.json["error"]["message"]
    assert message.startswith('body has fields that cannot be changed: "' + "k" * 40 + '…" (editable: name, content')
    assert len(message) < 300
    many = client.patch(f"/v1/tasks/{task['task_id']}", {f"field{i}": 1 for i in range(10)}, token=demo_token)
    assert many.json["error"]["message"].startswith(
        'body has fields that cannot be changed: "field0", "field1", "field2" and 7 more (editable: ')
    assert client.get(f"/v1/tasks/{task['task_id']}", token=demo_token).json["content"] == "Hello from JMC"


def test_a_sending_task_cannot_be_edited_paused_or_cancelled(client, demo_token, small_chunks):
    task = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(5))).json
    assert task["status"] == "sending"
    for call in (lambda: client.patch(f"/v1/tasks/{task['task_id']}", {"name": "x"}, token=demo_token),
                 lambda: client.post(f"/v1/tasks/{task['task_id']}/pause", token=demo_token),
                 lambda: client.post(f"/v1/tasks/{task['task_id']}/cancel", token=demo_token)):
        reply = call()
        assert reply.status == 409 and "sending" in reply.json["error"]["message"]


def test_a_pause_a_moment_before_the_start_wins(client, demo_token, carrier_sim):
    task = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(2)),
                    send_at=iso(utcnow() + timedelta(minutes=5))).json
    stale = get_task(task["task_id"])  # what the scheduler read
    client.post(f"/v1/tasks/{task['task_id']}/pause", token=demo_token)
    assert scheduler.start(stale) is False
    edited = get_task(task["task_id"])
    client.post(f"/v1/tasks/{task['task_id']}/resume", token=demo_token)
    client.patch(f"/v1/tasks/{task['task_id']}", {"content": "changed"}, token=demo_token)
    assert scheduler.start(edited) is False  # read before the edit: a newer version exists
    assert get_task(task["task_id"]).status == "scheduled"


def test_a_cancelled_task_never_sends(client, app, demo_token, carrier_sim):
    send_at = utcnow() + timedelta(minutes=5)
    task = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(2)), send_at=iso(send_at)).json
    assert client.post(f"/v1/tasks/{task['task_id']}/cancel", token=demo_token).json["status"] == "cancelled"
    scheduler.tick(now=send_at + timedelta(minutes=1))
    run_tasks(app)
    assert carrier_messages(carrier_sim.url) == [] and get_task(task["task_id"]).status == "cancelled"


def test_tasks_are_listed_filtered_and_private(client, app, demo_token, ops_token):
    later = iso(utcnow() + timedelta(hours=2))
    first = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(1)), name="Alpha", send_at=later).json
    second = new_task(client, demo_token, _upload(client, demo_token, ["+6591234567"]), name="Beta",
                      send_at=later).json
    client.post(f"/v1/tasks/{first['task_id']}/pause", token=demo_token)
    listed = client.get("/v1/tasks", token=demo_token).json["tasks"]
    assert [t["task_id"] for t in listed] == [second["task_id"], first["task_id"]]
    assert [t["name"] for t in client.get("/v1/tasks?status=paused", token=demo_token).json["tasks"]] == ["Alpha"]
    assert [t["name"] for t in client.get("/v1/tasks?country=SG", token=demo_token).json["tasks"]] == ["Beta"]
    assert [t["name"] for t in client.get("/v1/tasks?country=sg", token=demo_token).json["tasks"]] == ["Beta"]
    # The fuzzer's "]x.y" reached DynamoDB as a document path (a 500): a country is a code.
    for bad in ("%5Dx.y", "ZZ", "countries"):
        refused = client.get(f"/v1/tasks?country={bad}", token=demo_token)
        assert (refused.status, refused.json["error"]["field"]) == (422, "country"), refused
    assert [t["name"] for t in client.get("/v1/tasks?name=lph", token=demo_token).json["tasks"]] == ["Alpha"]
    page = client.get("/v1/tasks?limit=1", token=demo_token).json
    assert len(page["tasks"]) == 1 and page["next_cursor"]
    rest = client.get(f"/v1/tasks?limit=1&cursor={page['next_cursor']}", token=demo_token).json
    assert [t["name"] for t in rest["tasks"]] == ["Alpha"]
    assert client.get("/v1/tasks?status=nope", token=demo_token).status == 400
    from tests.service.helpers import initial_password, login
    client.post("/v1/ops/accounts", {"name": "Rival", "owner": {"email": "r@tasks.example", "name": "R"}},
                token=ops_token)
    rival = login(client, app, "r@tasks.example", initial_password(app, "r@tasks.example"))["access_token"]
    assert client.get(f"/v1/tasks/{first['task_id']}", token=rival).status == 404
    assert client.post(f"/v1/tasks/{first['task_id']}/resume", token=rival).status == 404
    assert client.get("/v1/tasks", token=rival).json["tasks"] == []
    assert client.get(f"/v1/tasks?cursor={page['next_cursor']}", token=rival).status == 400
    assert client.post("/v1/apps", {"name": "Rival App"}, token=rival).status == 201
    stolen = client.post("/v1/tasks", {"name": "x", "kind": "international", "app_id": app_id_of(client, rival),
                                       "upload_id": first["upload_id"], "content": "x"}, token=rival)
    assert stolen.status == 422 and stolen.json["error"]["field"] == "upload_id"


# --- fan-out: exactly once -------------------------------------------------------------------

def test_a_redelivered_ticket_sends_nothing_twice(client, app, demo_token, carrier_sim, small_chunks):
    task = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(4))).json
    assert fanout.send_chunk(task["task_id"], 0) == "done"
    assert fanout.send_chunk(task["task_id"], 0) == "not-sending"  # the task completed
    run_tasks(app)  # the original ticket, delivered now
    assert len(carrier_messages(carrier_sim.url)) == 4


class WorkerDied(BaseException):
    """Stands for the Lambda being killed: nothing after it runs."""


def test_a_worker_that_dies_mid_slice_is_resumed_without_sending_twice(client, app, demo_token, seeded,
                                                                       carrier_sim, monkeypatch, small_chunks):
    numbers = uk_numbers(8)
    task = new_task(client, demo_token, _upload(client, demo_token, numbers)).json
    from chalicelib.services import dispatch
    real, calls = dispatch.dispatch_message, []

    def dies_on_the_third(message):  # ... and stays dead: nothing after it runs
        calls.append(message.message_id)
        if len(calls) >= 3:
            raise WorkerDied()
        return real(message)
    monkeypatch.setattr(dispatch, "dispatch_message", dies_on_the_third)
    with pytest.raises(WorkerDied):
        fanout.send_chunk(task["task_id"], 0)
    monkeypatch.setattr(dispatch, "dispatch_message", real)
    assert len(carrier_messages(carrier_sim.url)) == 2
    assert fanout.send_chunk(task["task_id"], 0) == "leased-elsewhere"  # the dead worker's lease holds
    TaskChunk(task_pk(task["task_id"]), chunk_sk(0)).update(actions=[TaskChunk.lease_until.set(0)])  # expired
    run_tasks(app)
    assert _sent_to(carrier_sim.url) == sorted(numbers)
    assert get_task(task["task_id"]).status == "completed"
    assert ledger_sum(seeded.demo_account_id) == _balance(seeded.demo_account_id)


def test_blacklisted_numbers_never_reach_the_carrier(client, app, demo_token, carrier_sim, small_chunks):
    numbers = uk_numbers(6) + ["+6591234567"]
    app_id = app_id_of(client, demo_token)
    client.post("/v1/blacklist/numbers", {"app_id": app_id, "numbers": [numbers[1], numbers[4]]}, token=demo_token)
    client.post("/v1/blacklist/countries", {"app_id": app_id, "country": "SG"}, token=demo_token)
    task = new_task(client, demo_token, _upload(client, demo_token, numbers)).json
    run_tasks(app)
    sent = _sent_to(carrier_sim.url)
    assert sent == sorted(set(numbers[:6]) - {numbers[1], numbers[4]})
    done = client.get(f"/v1/tasks/{task['task_id']}", token=demo_token).json
    assert done["counters"]["blocked"] == 3 and done["counters"]["submitted"] == 4
    blocked = client.get(f"/v1/messages?task_id={task['task_id']}&status=blocked", token=demo_token).json
    assert len(blocked["messages"]) == 3 and {m["price"] for m in blocked["messages"]} == {"0.00"}
    unchecked = new_task(client, demo_token, _upload(client, demo_token, [numbers[1]]), blacklist_check=False).json
    run_tasks(app)
    assert client.get(f"/v1/tasks/{unchecked['task_id']}", token=demo_token).json["counters"]["submitted"] == 1


def test_when_the_balance_runs_out_the_rest_is_not_sent_and_the_task_says_why(client, app, demo_token, seeded,
                                                                               carrier_sim, small_chunks):
    from chalicelib.store.accounts import Account, get_account
    task = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(10))).json
    get_account(seeded.demo_account_id).update(actions=[Account.balance_micros.set(150_000)])  # 3 × 0.04 + change
    run_tasks(app)
    done = client.get(f"/v1/tasks/{task['task_id']}", token=demo_token).json
    assert done["status"] == "failed" and done["reason"].startswith("insufficient_balance")
    assert "7 number(s) were not sent" in done["reason"]
    assert len(carrier_messages(carrier_sim.url)) == 3
    assert (done["counters"]["submitted"], done["counters"]["unsent"]) == (3, 7)
    assert _balance(seeded.demo_account_id) == 30_000 and _balance(seeded.demo_account_id) >= 0


def test_the_scheduler_resends_tickets_of_a_stalled_task(client, app, demo_token, carrier_sim, small_chunks):
    import boto3
    task = new_task(client, demo_token, _upload(client, demo_token, uk_numbers(8))).json
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName="jmc-local-tasks")["QueueUrl"])  # tickets lost
    scheduler.tick(now=utcnow() + timedelta(minutes=2))
    assert run_tasks(app) == 0  # not stalled yet
    scheduler.tick(now=utcnow() + timedelta(minutes=30))
    assert run_tasks(app) == 2
    assert len(carrier_messages(carrier_sim.url)) == 8 and get_task(task["task_id"]).status == "completed"


def test_a_csv_list_with_many_countries_is_priced_per_country(client, demo_token):
    reply = upload(client, demo_token, csv_file(["+447400100001", "+6591234567", "+85291234567"]),
                   filename="l.csv")
    task = new_task(client, demo_token, reply.json["upload_id"], send_at=iso(utcnow() + timedelta(days=1))).json
    assert task["estimate"]["by_country"] == {"GB": {"numbers": 1, "segments": 1, "cost": "0.04"},
                                              "HK": {"numbers": 1, "segments": 1, "cost": "0.045"},
                                              "SG": {"numbers": 1, "segments": 1, "cost": "0.03"}}
    assert task["from"] == {"GB": "JMCDemo", "HK": "JMCDemo", "SG": "JMCDemo"}


def test_a_refund_booked_after_a_receipt_beat_the_worker_comes_off_the_task_cost(client, app, demo_token, seeded,
                                                                                   carrier_sim, monkeypatch):
    """A receipt may move a message before its worker books the carrier's answer (a failed
    first part ends a two-part message at once); the refund of its rejected second part,
    booked then, must still come off the task's cost."""
    from chalicelib.domain.money import format_amount
    from chalicelib.services import dispatch
    from tests.service.messaging import carrier_config
    numbers = uk_numbers(2)
    carrier_config(carrier_sim.url, reject={numbers[0].lstrip("+"): {"status": "7", "from_part": 2}})
    original = dispatch.record_result

    def receipt_first(message, result):
        post_receipt(client, receipt(message, result.parts[0].message_id, "failed", "6"))
        original(message, result)
    monkeypatch.setattr(dispatch, "record_result", receipt_first)
    task_id = new_task(client, demo_token, _upload(client, demo_token, numbers), content="x" * 200).json["task_id"]
    run_tasks(app)
    messages = list(Message.scan(Message.task_id == task_id))
    charged = sum(int(m.price_micros) - int(m.refunded_micros or 0) for m in messages)
    assert sorted(int(m.refunded_micros or 0) > 0 for m in messages) == [False, True]  # one part refunded
    counters = client.get(f"/v1/tasks/{task_id}", token=demo_token).json["counters"]
    assert (counters["failed"], counters["submitted"]) == (2, 2), counters
    assert counters["cost"] == format_amount(charged), counters
    assert ledger_sum(seeded.demo_account_id) == _balance(seeded.demo_account_id)


def test_a_china_service_code_is_a_from_for_domestic_tasks(client, demo_token, ops_token, seeded):
    from chalicelib.services import catalog
    code = "10690000123456789012"
    catalog.add_sender(seeded.demo_account_id, {"type": "number", "value": code, "countries": ["CN"]})
    upload_id = _upload(client, demo_token, ["8613800138000"], kind="domestic")
    template = client.post("/v1/templates", {"name": "通知", "content": "您的订单已发货", "kind": "domestic"},
                           token=demo_token).json
    client.post(f"/v1/ops/templates/{template['id']}/approve", {}, token=ops_token)
    accepted = new_task(client, demo_token, upload_id, kind="domestic", template_id=template["id"],
                        signature_id=_signature_id(seeded), content=None, send_at=iso(utcnow() + timedelta(hours=1)),
                        **{"from": code})
    assert accepted.status == 201, accepted
    assert accepted.json["from"] == {"CN": code}
