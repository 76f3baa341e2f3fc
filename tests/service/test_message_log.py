"""GET /v1/messages and /v1/messages/{id}: newest first across days and shards, each filter,
cursor paging without gaps or repeats, tenant and app isolation."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store.messages import Message, index_keys
from tests.service.messaging import make_tenant

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _message(account_id: str, n: int, *, created: datetime, app_id: str | None = None, to: str = "+447400123456",
             country: str = "GB", kind: str = "transactional", task_id: str | None = None,
             task_name: str | None = None, status: str = "delivered") -> Message:
    message_id = f"msg_{n:020x}"
    item = Message(message_id, account_id=account_id, app_id=app_id, source="api", type=kind, to=to,
                   country=country, sender="JMC", text=f"text {n}", segments=1, carrier_parts=1,
                   encoding="GSM-7", unit_price_micros=40_000, price_micros=40_000, status=status,
                   task_id=task_id, task_name=task_name, created_at=created,
                   **index_keys(account_id, message_id, to, created, task_id, queued=False))
    item.save()
    return item


@pytest.fixture
def log(seeded):
    """40 messages over 4 days for Demo Co, and 3 for another account."""
    account = seeded.demo_account_id
    from chalicelib.services.apps import list_apps
    app_id = list_apps(account)[0].app_id
    items = []
    for n in range(40):
        created = NOW - timedelta(hours=2 * n + 1)
        items.append(_message(account, n, created=created, app_id=app_id if n % 2 == 0 else "app_other",
                              to="+447400123456" if n % 4 == 0 else "+6591234567",
                              country="GB" if n % 4 == 0 else "SG",
                              kind="marketing" if n % 5 == 0 else "transactional",
                              task_id="tsk_1" if n % 3 == 0 else None, task_name="Promo" if n % 3 == 0 else None,
                              status="failed" if n == 7 else "delivered"))
    rival, key, secret, rival_app = make_tenant("Rival Log Co")
    for n in range(3):
        _message(rival.account_id, 100 + n, created=NOW - timedelta(hours=n + 1), app_id=rival_app.app_id)
    return {"items": items, "rival": (key, secret)}


def _all_pages(client, token, query: str, limit: int = 7) -> list[str]:
    ids, cursor = [], None
    for _ in range(50):
        url = f"/v1/messages?limit={limit}&{query}" + (f"&cursor={cursor}" if cursor else "")
        reply = client.get(url, token=token)
        assert reply.status == 200, reply
        ids += [m["id"] for m in reply.json["messages"]]
        cursor = reply.json["next_cursor"]
        if not cursor:
            return ids
    raise AssertionError("paging did not end")


def test_pages_cover_every_message_once_newest_first(client, demo_token, log):
    ids = _all_pages(client, demo_token, "")
    expected = [m.message_id for m in log["items"]]  # created newest first already
    assert ids == expected


@pytest.mark.parametrize("query, keep", [
    ("type=marketing", lambda n: n % 5 == 0),
    ("to=%2B447400123456", lambda n: n % 4 == 0),
    ("country=sg", lambda n: n % 4 != 0),
    ("task_id=tsk_1", lambda n: n % 3 == 0),
    ("task_name=Promo", lambda n: n % 3 == 0),
    ("status=failed", lambda n: n == 7),
    ("task_id=tsk_1&type=marketing", lambda n: n % 15 == 0),
    ("message_id=msg_" + f"{5:020x}", lambda n: n == 5),
])
def test_filters(client, demo_token, log, query, keep):
    ids = _all_pages(client, demo_token, query, limit=4)
    assert ids == [m.message_id for n, m in enumerate(log["items"]) if keep(n)]


def test_time_range_and_account_time_zone(client, demo_token, log):
    start = (NOW - timedelta(hours=10)).isoformat()
    ids = _all_pages(client, demo_token, f"start={start.replace('+00:00', 'Z')}")
    assert ids == [m.message_id for m in log["items"][:5]]  # created 1, 3, 5, 7, 9 hours ago
    local = (NOW - timedelta(hours=10)).astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)
    assert _all_pages(client, demo_token, f"start={local.isoformat()}") == ids  # Asia/Shanghai applies


@pytest.mark.parametrize("query, field", [
    ("type=promo", "type"), ("status=lost", "status"), ("country=GBR", "country"), ("to=12", "to"),
    ("start=yesterday", "start"), ("start=2026-01-10T00:00:00Z&end=2026-01-01T00:00:00Z", "start"),
    ("start=2025-01-01T00:00:00Z&end=2026-01-01T00:00:00Z", "start"),
])
def test_bad_filters_name_the_field(client, demo_token, seeded, query, field):
    reply = client.get(f"/v1/messages?{query}", token=demo_token)
    assert reply.status == 422 and reply.json["error"]["field"] == field


def test_cursor_is_bound_to_its_filters(client, demo_token, log):
    cursor = client.get("/v1/messages?limit=2", token=demo_token).json["next_cursor"]
    assert client.get(f"/v1/messages?limit=2&type=marketing&cursor={cursor}", token=demo_token).status == 400
    assert client.get("/v1/messages?cursor=garbage", token=demo_token).status == 400


def test_one_message_and_isolation(client, seeded, demo_token, ops_token, log):
    mine = log["items"][0]
    reply = client.get(f"/v1/messages/{mine.message_id}", token=demo_token)
    assert reply.status == 200 and reply.json["id"] == mine.message_id and reply.json["price"] == "0.04"
    assert "request_hash" not in reply.json and "pending" not in reply.json
    assert reply.json["country_name"] == {"en": "United Kingdom", "zh": "英国"}
    rival_auth = log["rival"]
    assert client.get(f"/v1/messages/{mine.message_id}", basic=rival_auth).status == 404
    assert len(client.get("/v1/messages", basic=rival_auth).json["messages"]) == 3
    assert client.get("/v1/messages", token=ops_token).status == 403
    # The demo app sees only what it sent (even numbers), not the account's other app.
    app_ids = [m["id"] for m in client.get("/v1/messages?limit=200", basic=(seeded.app_key, seeded.app_secret)).json["messages"]]
    assert app_ids == [m.message_id for n, m in enumerate(log["items"]) if n % 2 == 0]
    assert client.get(f"/v1/messages/{log['items'][1].message_id}", basic=(seeded.app_key, seeded.app_secret)).status == 404


def test_sent_message_shows_in_the_log(client, seeded, app):
    from tests.service.messaging import dispatch_all, send
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    reply = client.get(f"/v1/messages/{message_id}", basic=(seeded.app_key, seeded.app_secret))
    assert reply.status == 200 and reply.json["status"] == "submitted" and len(reply.json["carrier_ids"]) == 1
