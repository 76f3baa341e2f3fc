"""GET /v1/reports (报告下载) and the daily aggregates behind it: counts that follow API sends
and tasks as their messages end (blocked, delivered, failed), the account's local day, a
receipt or move that comes twice counted once, every filter (and who sees what), bad filters
named, the backfill of messages older than the aggregates (and its rerun), and what a report
costs in DynamoDB calls for a day and for a year."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.report_counts import periods
from chalicelib.services import messages, reports
from chalicelib.store.messages import Message, get_message, index_keys
from chalicelib.store.reports import REPORT_SHARDS, ReportCount
from tests.service.messaging import (
    UK,
    UK2,
    deliver_all,
    dispatch_all,
    make_tenant,
    post_receipt,
    receipt,
    reset_carrier,
    send,
)
from tests.service.tasks_helpers import new_task, run_tasks, uk_numbers, upload, xlsx_file

SG, HK = "+6591234567", "+85291234567"
GB_NAME = {"en": "United Kingdom", "zh": "英国"}


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


def _report(client, query: str = "", **auth) -> dict:
    reply = client.get(f"/v1/reports?{query}", **auth)
    assert reply.status == 200, reply
    return reply.json


def _counts(body: dict) -> list[tuple]:
    return [(r["country"], r["user"], r["total"], r["delivered"], r["failed"]) for r in body["rows"]]


def _app_id(client, token) -> str:
    return client.get("/v1/apps", token=token).json["apps"][0]["id"]


def _second_app(client, token) -> tuple[str, tuple[str, str]]:
    made = client.post("/v1/apps", {"name": "Second App"}, token=token).json
    secret = client.get(f"/v1/apps/{made['id']}/secret", token=token).json["app_secret"]
    return made["id"], (made["app_key"], secret)


# --- what counts --------------------------------------------------------------------------------

def test_api_sends_count_as_they_end_and_match_the_log(client, app, seeded, demo_token):
    app_id = _app_id(client, demo_token)
    client.post("/v1/blacklist/numbers", {"app_id": app_id, "numbers": [UK2]}, token=demo_token)
    assert send(client, seeded, to=UK2).status == 422  # logged as blocked: total and failed
    ids = [send(client, seeded).json["message_id"] for _ in range(3)]
    before = _report(client, token=demo_token)
    assert _counts(before) == [("GB", app_id, 4, 0, 1)]  # queued ones are counted in total at once
    dispatch_all(app)
    deliver_all(client, ids[0], "delivered")
    deliver_all(client, ids[1], "failed")  # ids[2] stays submitted

    body = _report(client, token=demo_token)
    assert body["rows"] == [{"country": "GB", "country_name": GB_NAME, "user": app_id, "user_name": "Demo App",
                             "total": 4, "delivered": 1, "failed": 2, "success_rate": "25.00%"}]
    assert body["totals"] == {"country": None, "country_name": None, "user": None, "user_name": None,
                              "total": 4, "delivered": 1, "failed": 2, "success_rate": "25.00%"}
    today = body["end"]
    assert date.fromisoformat(today) - date.fromisoformat(body["start"]) == timedelta(days=6)  # the last 7 days
    log = client.get("/v1/messages", token=demo_token).json["messages"]
    statuses = [m["status"] for m in log]
    assert len(statuses) == body["totals"]["total"]
    assert statuses.count("delivered") == body["totals"]["delivered"]
    assert sum(s in ("failed", "blocked", "rejected", "expired") for s in statuses) == body["totals"]["failed"]


def test_a_receipt_or_a_move_that_comes_twice_counts_once(client, app, seeded, demo_token):
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    stale = get_message(message_id)  # read while submitted
    deliver_all(client, message_id, "delivered")
    deliver_all(client, message_id, "delivered")  # the carrier redelivers the receipt
    deliver_all(client, message_id, "failed")  # a final state is never left
    assert messages.move_status(stale, "delivered") is False  # a worker holding an old copy
    assert messages.move_status(get_message(message_id), "failed") is False
    assert _counts(_report(client, token=demo_token))[0][2:] == (1, 1, 0)


def test_a_task_counts_for_the_user_who_made_it(client, app, seeded, demo_token, small_chunks):
    numbers = uk_numbers(6) + [SG]
    client.post("/v1/blacklist/numbers", {"app_id": _app_id(client, demo_token), "numbers": [numbers[1]]},
                token=demo_token)
    made = upload(client, demo_token, xlsx_file(numbers))
    task = new_task(client, demo_token, made.json["upload_id"]).json
    run_tasks(app)
    sent = [m for m in Message.scan(Message.task_id == task["task_id"]) if m.carrier_ids]
    for n, message in enumerate(sent):
        for carrier_id in message.carrier_ids:
            status = "failed" if n == 0 else "delivered"
            assert post_receipt(client, receipt(message, carrier_id, status)).status == 204
    owner = task["created_by"]
    body = _report(client, "type=marketing", token=demo_token)
    counters = client.get(f"/v1/tasks/{task['task_id']}", token=demo_token).json["counters"]
    assert body["totals"]["total"] == counters["total"] == 7
    assert body["totals"]["delivered"] == counters["delivered"] == 5
    assert body["totals"]["failed"] == counters["failed"] + counters["blocked"] == 2
    assert {r["user"] for r in body["rows"]} == {owner} and body["rows"][0]["user_name"] == "Demo Owner"
    assert [r["country"] for r in body["rows"]] == ["GB", "SG"]
    assert _report(client, "type=transactional", token=demo_token)["rows"] == []


def test_a_message_counts_on_the_accounts_local_day(client, seeded, demo_token, monkeypatch):
    """Demo Co is in Asia/Shanghai (UTC+8): 23:30 local is still that day, 00:30 the next,
    although both are the same UTC day."""
    from chalicelib.services import messages as message_service
    for moment in (datetime(2026, 3, 10, 15, 30, tzinfo=UTC), datetime(2026, 3, 10, 16, 30, tzinfo=UTC)):
        monkeypatch.setattr(message_service, "utcnow", lambda moment=moment: moment)
        assert send(client, seeded).status == 202
    day = {d: _report(client, f"start={d}&end={d}", token=demo_token)["totals"]["total"]
           for d in ("2026-03-09", "2026-03-10", "2026-03-11")}
    assert day == {"2026-03-09": 0, "2026-03-10": 1, "2026-03-11": 1}
    assert _report(client, "start=2026-03-01&end=2026-03-31", token=demo_token)["totals"]["total"] == 2
    assert _report(client, "start=2026-01-01&end=2026-12-31", token=demo_token)["totals"]["total"] == 2  # months


# --- filters and who sees what ------------------------------------------------------------------

@pytest.fixture
def mixed(client, app, seeded, demo_token):
    """Demo App: 2 transactional to GB, 1 marketing to SG; Second App: 1 transactional to
    HK, 1 marketing to GB."""
    first = _app_id(client, demo_token)
    second, second_key = _second_app(client, demo_token)
    for body in ({}, {}, {"to": SG, "type": "marketing"}):
        assert send(client, seeded, body).status == 202
    for body in ({"to": HK}, {"to": UK, "type": "marketing"}):
        payload = {"text": "Your code is 123456", "type": "transactional", **body}
        assert client.post("/v1/sms", payload, basic=second_key).status == 202
    return first, second, second_key


def test_filters_select_type_countries_and_user(client, demo_token, mixed):
    first, second, _ = mixed
    assert _counts(_report(client, token=demo_token)) == sorted([
        ("GB", first, 2, 0, 0), ("GB", second, 1, 0, 0), ("HK", second, 1, 0, 0), ("SG", first, 1, 0, 0)])
    assert _counts(_report(client, "type=transactional", token=demo_token)) == [
        ("GB", first, 2, 0, 0), ("HK", second, 1, 0, 0)]
    assert _counts(_report(client, "countries=gb,HK", token=demo_token)) == sorted([
        ("GB", first, 2, 0, 0), ("GB", second, 1, 0, 0), ("HK", second, 1, 0, 0)])
    body = _report(client, f"user={second}&type=marketing", token=demo_token)
    assert _counts(body) == [("GB", second, 1, 0, 0)] and body["rows"][0]["user_name"] == "Second App"
    assert _report(client, "user=usr_0123456789abcdef0123", token=demo_token)["rows"] == []  # no such user


def test_an_app_sees_its_own_sends_another_tenant_nothing_operators_403(client, seeded, demo_token, ops_token,
                                                                          mixed):
    first, second, second_key = mixed
    own = (seeded.app_key, seeded.app_secret)
    assert _counts(_report(client, basic=own)) == [("GB", first, 2, 0, 0), ("SG", first, 1, 0, 0)]
    assert _report(client, f"user={second}", basic=own)["rows"] == []
    assert _counts(_report(client, "countries=HK", basic=second_key)) == [("HK", second, 1, 0, 0)]
    _, key, secret, _ = make_tenant("Rival Report Co")
    rival = _report(client, basic=(key, secret))
    assert rival["rows"] == [] and rival["totals"]["total"] == 0 and rival["totals"]["success_rate"] is None
    assert _report(client, f"user={first}", basic=(key, secret))["rows"] == []
    assert client.get("/v1/reports", token=ops_token).status == 403
    assert client.get("/v1/reports").status == 401


@pytest.mark.parametrize(("query", "field", "words"), [
    ("start=2026-01-01T10:00:00", "start", "reports are daily: give a date"),
    ("end=2026-01-01%2010:00", "end", "reports are daily: give a date"),
    ("start=2026-1-1", "start", "must be a date"),
    ("end=2026-02-30", "end", "is not a date"),
    ("start=2026-02-01&end=2026-01-31", "end", "must not be before start"),
    ("start=2025-01-01&end=2026-01-02", "start", "at most 366 days"),
    ("start=2999-01-01", "start", "after today"),
    ("start=1969-12-31&end=1970-01-02", "start", "between"),
    ("type=promo", "type", "transactional or marketing"),
    ("countries=GB,XX", "countries", "country code"),
    ("countries=GB,", "countries", "country code"),
    ("countries=" + ",".join(["GB"] * 51), "countries", "at most 50"),
    ("user=bob", "user", "user id"),
])
def test_bad_filters_name_the_field(client, demo_token, query, field, words):
    reply = client.get(f"/v1/reports?{query}", token=demo_token)
    assert reply.status == 422, reply
    assert reply.json["error"]["field"] == field and words in reply.json["error"]["message"]


def test_a_full_year_and_empty_values_are_taken(client, demo_token):
    assert _report(client, "start=2024-01-01&end=2024-12-31", token=demo_token)["rows"] == []  # 366 days
    body = _report(client, "type=&countries=&user=&start=&end=", token=demo_token)
    assert date.fromisoformat(body["end"]) - date.fromisoformat(body["start"]) == timedelta(days=6)
    assert _report(client, "end=2026-05-10", token=demo_token)["start"] == "2026-05-04"


# --- the backfill -------------------------------------------------------------------------------

def _old_message(account_id: str, n: int, *, created: datetime, status: str, country: str = "GB",
                 app_id: str | None = "app_old", kind: str = "transactional") -> Message:
    """A message as the code before issue 15 logged it: no report_day."""
    message_id = f"msg_{n:020x}"
    item = Message(message_id, account_id=account_id, app_id=app_id, source="api", type=kind, to=UK,
                   country=country, sender="JMC", text="old", segments=1, carrier_parts=1, encoding="GSM-7",
                   status=status, created_at=created, request_hash="h",
                   **index_keys(account_id, message_id, UK, created, queued=False))
    item.save()
    return item


def test_the_backfill_counts_old_messages_once_and_a_rerun_changes_nothing(client, app, seeded, demo_token):
    from chalicelib.jobs.reports import backfill_reports
    from scripts.backfill_reports import main as backfill_cli
    account = seeded.demo_account_id
    # 2020-04-30 20:00 UTC is 05-01 04:00 in Shanghai: the account's day, not the UTC one
    late = datetime(2020, 4, 30, 20, 0, tzinfo=UTC)
    old = [_old_message(account, n, created=late + timedelta(minutes=n), status=status)
           for n, status in enumerate(["delivered", "delivered", "failed", "blocked", "submitted", "rejected"])]
    _old_message(account, 50, created=late, status="delivered", country="SG", kind="marketing")
    rival, *_ = make_tenant("Rival Backfill Co")
    _old_message(rival.account_id, 60, created=late, status="delivered")
    live = send(client, seeded).json["message_id"]  # logged by the new code: never the backfill's
    assert get_message(live).report_day

    outcome = backfill_reports({}, None)
    assert outcome["messages"] == 8 and outcome["segments"] == 32
    may = "start=2020-05-01&end=2020-05-31"
    expected = [("GB", "app_old", 6, 2, 3), ("SG", "app_old", 1, 1, 0)]
    assert _counts(_report(client, may, token=demo_token)) == expected
    assert _counts(_report(client, "start=2020-05-01&end=2020-05-01", token=demo_token)) == expected
    assert _report(client, "start=2020-04-30&end=2020-04-30", token=demo_token)["rows"] == []
    assert _report(client, may, token=demo_token)["rows"][0]["success_rate"] == "33.33%"
    today = _report(client, token=demo_token)
    assert _counts(today) == [("GB", _app_id(client, demo_token), 1, 0, 0)]  # the live one, once

    assert backfill_cli(["--segments", "0-31", "--workers", "4"]) == 0  # a rerun sets the same values
    assert _counts(_report(client, may, token=demo_token)) == expected
    assert _counts(_report(client, token=demo_token)) == _counts(today)
    # an old message that ends after the backfill: the live path leaves it to the next run
    assert messages.move_status(get_message(old[4].message_id), "delivered")
    assert _counts(_report(client, may, token=demo_token)) == expected
    reports.backfill()
    assert _counts(_report(client, may, token=demo_token)) == [("GB", "app_old", 6, 3, 3), ("SG", "app_old", 1, 1, 0)]
    assert _report(client, may, basic=(seeded.app_key, seeded.app_secret))["rows"] == []


# --- cost ---------------------------------------------------------------------------------------

def test_a_year_costs_what_a_day_costs(client, seeded, demo_token):
    """In DynamoDB calls: a day reads each of the 4 shards once; 366 days read each shard's
    head days, whole months and tail days (12 Queries), never a Scan. Both add 1 Query for the
    apps' names and the token check's 2 GetItem."""
    from devstack.aws_calls import counting_aws_calls
    for _ in range(3):
        assert send(client, seeded).status == 202
    today = date.fromisoformat(_report(client, token=demo_token)["end"])
    year_ago = today - timedelta(days=365)

    def cost(query: str):
        with counting_aws_calls() as calls:
            body = _report(client, query, token=demo_token)
        assert body["totals"]["total"] == 3 and "Scan" not in calls
        return calls
    day = cost(f"start={today}&end={today}")
    year = cost(f"start={year_ago}&end={today}")
    runs = len(periods(year_ago, today))  # 3, or 2 when the year starts on a 1st or ends on a month's last day
    assert day["Query"] == REPORT_SHARDS + 1 and day["GetItem"] == 2
    assert year["Query"] == runs * REPORT_SHARDS + 1 and year["GetItem"] == 2
    assert sum(day.values()) == 7 and sum(year.values()) == 3 + runs * REPORT_SHARDS
    # the aggregates: a day item and a month item per shard written to, nothing per message
    assert sum(1 for _ in ReportCount.scan()) <= 2 * REPORT_SHARDS
