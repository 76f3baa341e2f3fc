"""Editing a task before it starts re-plans everything that follows from its number list:
whatever edits come before the start, the task sends exactly its final list, once, with its
final text, and its counters add up to that list's size."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.services import scheduler
from chalicelib.store.base import iso, utcnow
from chalicelib.store.messages import Message
from tests.service.messaging import carrier_messages, post_receipt, receipt, reset_carrier
from tests.service.tasks_helpers import new_task, run_tasks, uk_numbers, upload, xlsx_file

#: Lists an edit may switch to (chunks of 4 numbers: 1, 2 and 3 chunks).
LISTS = {"one": uk_numbers(1, 100), "five": uk_numbers(5, 200), "nine": uk_numbers(9, 300)}


@pytest.fixture
def lists(client, demo_token, small_chunks) -> dict[str, str]:
    """Upload id of each list in LISTS."""
    ids = {}
    for name, numbers in LISTS.items():
        reply = upload(client, demo_token, xlsx_file(numbers))
        assert reply.status == 201, reply
        ids[name] = reply.json["upload_id"]
    return ids


def _send_and_settle(client, app, task_id: str, send_at) -> dict:
    """Start the task at its time, send every chunk, deliver every receipt: its counters."""
    scheduler.tick(now=send_at + timedelta(seconds=1))
    run_tasks(app)
    for message in Message.scan(Message.task_id == task_id):
        for carrier_id in message.carrier_ids or []:
            assert post_receipt(client, receipt(message, carrier_id)).status == 204
    return client.get(f"/v1/tasks/{task_id}", token=client.token).json


def _sent(carrier_url: str) -> list[tuple[str, str]]:
    """(number, text) of every message the carrier took (it lists a row per segment)."""
    return sorted(("+" + m["to"], m["text"]) for m in carrier_messages(carrier_url) if m["part"] == 1)


@pytest.mark.parametrize("before, after", [("one", "nine"), ("nine", "five")])
def test_an_edit_to_another_list_sends_the_new_list_whole(client, app, demo_token, carrier_sim, lists,
                                                          before, after):
    reset_carrier(carrier_sim.url)
    client.token = demo_token
    task = new_task(client, demo_token, lists[before], send_at=iso(utcnow() + timedelta(minutes=10))).json
    assert client.post(f"/v1/tasks/{task['task_id']}/pause", token=demo_token).status == 200
    send_at = utcnow() + timedelta(seconds=5)
    edited = client.patch(f"/v1/tasks/{task['task_id']}", {"upload_id": lists[after], "send_at": iso(send_at)},
                          token=demo_token)
    assert edited.status == 200 and edited.json["estimate"]["numbers"] == len(LISTS[after])
    assert edited.json["counters"]["total"] == len(LISTS[after])
    assert client.post(f"/v1/tasks/{task['task_id']}/resume", token=demo_token).status == 200
    done = _send_and_settle(client, app, task["task_id"], send_at)
    assert _sent(carrier_sim.url) == sorted((n, "Hello from JMC") for n in LISTS[after])
    assert done["status"] == "completed"
    counters = done["counters"]
    assert counters["total"] == counters["submitted"] == counters["delivered"] == len(LISTS[after])
    assert counters["pending"] == 0


def _wire(field: str, value, lists: dict[str, str]):
    """An edit as sent: lists by upload id, send_at as minutes from now."""
    if field == "upload_id":
        return lists[value]
    if field == "send_at":
        return iso(utcnow() + timedelta(minutes=value))
    return value


EDITS = st.one_of(
    st.tuples(st.just("upload_id"), st.sampled_from(sorted(LISTS))),
    st.tuples(st.just("content"), st.sampled_from(["short", "ünïcödé", "x" * 170, "final words"])),
    st.tuples(st.just("send_at"), st.integers(min_value=1, max_value=120)),
    st.tuples(st.just("from"), st.sampled_from([None, "MyShop"])),
)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.sampled_from(sorted(LISTS)), edits=st.lists(st.tuples(EDITS, st.booleans()), min_size=1,
                                                             max_size=4))
def test_any_edits_before_the_start_send_exactly_the_final_list_once(client, app, demo_token, carrier_sim, lists,
                                                                     first, edits):
    reset_carrier(carrier_sim.url)
    client.token = demo_token
    task = new_task(client, demo_token, lists[first], send_at=iso(utcnow() + timedelta(minutes=30))).json
    task_id, final = task["task_id"], {"upload_id": first, "content": "Hello from JMC", "send_at": 30, "from": None}
    for (field, value), paused in edits:
        if paused != (client.get(f"/v1/tasks/{task_id}", token=demo_token).json["status"] == "paused"):
            assert client.post(f"/v1/tasks/{task_id}/{'pause' if paused else 'resume'}",
                               token=demo_token).status == 200
        final[field] = value
        reply = client.patch(f"/v1/tasks/{task_id}", {field: _wire(field, value, lists)}, token=demo_token)
        assert reply.status == 200, reply
        assert reply.json["counters"]["total"] == len(LISTS[final["upload_id"]])
    if client.get(f"/v1/tasks/{task_id}", token=demo_token).json["status"] == "paused":
        client.post(f"/v1/tasks/{task_id}/resume", token=demo_token)
    done = _send_and_settle(client, app, task_id, utcnow() + timedelta(minutes=final["send_at"]))
    numbers = LISTS[final["upload_id"]]
    assert _sent(carrier_sim.url) == sorted((n, final["content"]) for n in numbers)
    assert {m["from"] for m in carrier_messages(carrier_sim.url)} == {final["from"] or "JMCDemo"}
    counters = done["counters"]
    assert done["status"] == "completed"
    assert counters["total"] == len(numbers) == counters["submitted"] == counters["delivered"]
    assert counters["blocked"] + counters["unsent"] + counters["delivered"] + counters["failed"] == len(numbers)
    assert counters["pending"] == 0
