"""GET /v1/messages and /v1/messages/{id}: newest first across days and shards, each filter
alone and combined, the time range's bounds and zone, cursor paging without gaps or repeats
(also when a page's reading budget runs out), tenant and app isolation, and what one page
costs in DynamoDB calls."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from chalicelib.domain.timeline import days_newest_first
from chalicelib.store.messages import ACCOUNT_SHARDS, Message, ckey, index_keys, shard_of
from tests.service.messaging import make_tenant

NOW = datetime.now(UTC).replace(microsecond=0)
SHANGHAI = timezone(timedelta(hours=8))  # Demo Co's zone (Asia/Shanghai has no DST)
UK, SG = "+447400123456", "+6591234567"


def _message(account_id: str, n: int, *, created: datetime, app_id: str | None = None, to: str = UK,
             country: str = "GB", kind: str = "transactional", task_id: str | None = None,
             task_name: str | None = None, status: str = "delivered") -> Message:
    message_id = f"msg_{n:020x}"
    item = Message(message_id, account_id=account_id, app_id=app_id, source="api", type=kind, to=to,
                   country=country, sender="JMC", text=f"text {n}", segments=1, carrier_parts=1,
                   encoding="GSM-7", unit_price_micros=40_000, price_micros=40_000, status=status,
                   task_id=task_id, task_name=task_name, created_at=created, request_hash="h",
                   **index_keys(account_id, message_id, to, created, task_id, queued=False))
    item.save()
    return item


def _iso(moment: datetime) -> str:
    return quote(moment.isoformat().replace("+00:00", "Z"))


@pytest.fixture
def log(seeded):
    """40 messages of Demo Co, one every 2 hours from 1 hour ago (over 4 UTC days, all 8
    shards), and 3 of a rival account that reuses Demo Co's task id and recipient."""
    from chalicelib.services.apps import list_apps
    account = seeded.demo_account_id
    app_id = list_apps(account)[0].app_id
    items = []
    for n in range(40):
        items.append(_message(account, n, created=NOW - timedelta(hours=2 * n + 1),
                              app_id=app_id if n % 2 == 0 else "app_other",
                              to=UK if n % 4 == 0 else SG, country="GB" if n % 4 == 0 else "SG",
                              kind="marketing" if n % 5 == 0 else "transactional",
                              task_id="tsk_1" if n % 3 == 0 else None, task_name="Promo" if n % 3 == 0 else None,
                              status="failed" if n == 7 else "delivered"))
    rival, key, secret, rival_app = make_tenant("Rival Log Co")
    rival_items = [_message(rival.account_id, 100 + n, created=NOW - timedelta(hours=n + 1), app_id=rival_app.app_id,
                            task_id="tsk_1", task_name="Promo", kind="marketing") for n in range(3)]
    return {"items": items, "rival": (key, secret), "rival_items": rival_items, "app_id": app_id}


def _pages(client, query: str = "", limit: int = 7, **auth) -> list[list[str]]:
    pages, cursor = [], None
    for _ in range(60):
        url = f"/v1/messages?limit={limit}&{query}" + (f"&cursor={cursor}" if cursor else "")
        reply = client.get(url, **auth)
        assert reply.status == 200, reply
        pages.append([m["id"] for m in reply.json["messages"]])
        cursor = reply.json["next_cursor"]
        if not cursor:
            return pages
    raise AssertionError("paging did not end")


def _all(client, query: str = "", limit: int = 7, **auth) -> list[str]:
    return [i for page in _pages(client, query, limit, **auth) for i in page]


def _ids(items, keep=lambda n: True) -> list[str]:
    return [m.message_id for n, m in enumerate(items) if keep(n)]  # the fixture is newest first


def test_pages_cover_every_message_once_newest_first(client, demo_token, log):
    items = log["items"]
    assert {shard_of(m.message_id, ACCOUNT_SHARDS) for m in items} == set(range(ACCOUNT_SHARDS))
    assert len({m.created_at.date() for m in items}) >= 4
    pages = _pages(client, limit=7, token=demo_token)
    assert [i for page in pages for i in page] == _ids(items)
    assert [len(p) for p in pages[:-1]] == [7] * (len(pages) - 1)  # no budget ran out: only the last is short


FILTERS = [
    ("type=marketing", lambda n: n % 5 == 0),
    (f"to={quote(UK)}", lambda n: n % 4 == 0),
    ("to=+6591234567", lambda n: n % 4 != 0),  # "+" sent unencoded arrives as a space
    ("country=sg", lambda n: n % 4 != 0),
    ("task_id=tsk_1", lambda n: n % 3 == 0),
    ("task_name=Promo", lambda n: n % 3 == 0),
    ("status=failed", lambda n: n == 7),
    (f"message_id=msg_{5:020x}", lambda n: n == 5),
    ("task_id=tsk_1&type=marketing", lambda n: n % 15 == 0),
    (f"to={quote(UK)}&task_id=tsk_1", lambda n: n % 12 == 0),
    ("country=GB&type=marketing", lambda n: n % 20 == 0),
    ("status=failed&country=SG&type=transactional", lambda n: n == 7),
    ("task_name=Promo&status=failed", lambda n: False),
    (f"message_id=msg_{5:020x}&type=marketing", lambda n: n == 5),
    (f"message_id=msg_{6:020x}&type=marketing", lambda n: False),
    (f"message_id=msg_{4:020x}&to={quote(SG)}", lambda n: False),
    ("type=&country=", lambda n: True),  # empty values are absent filters
]


def test_each_filter_alone_and_combined(client, demo_token, log):
    for query, keep in FILTERS:
        assert _all(client, query, limit=4, token=demo_token) == _ids(log["items"], keep), query


def test_start_is_inclusive_and_end_exclusive(client, demo_token, log):
    created = log["items"][2].created_at  # NOW - 5 h; message 1 is NOW - 3 h, message 3 NOW - 7 h
    assert _all(client, f"start={_iso(created)}&end={_iso(created + timedelta(hours=2))}", token=demo_token) \
        == [log["items"][2].message_id]
    assert _all(client, f"start={_iso(created - timedelta(hours=2))}&end={_iso(created)}", token=demo_token) \
        == [log["items"][3].message_id]


def test_times_without_an_offset_are_in_the_account_zone(client, demo_token, log):
    items = log["items"]
    start = NOW - timedelta(hours=10)
    with_offset = _all(client, f"start={_iso(start)}", token=demo_token)
    assert with_offset == _ids(items[:5])  # created 1, 3, 5, 7, 9 hours ago
    local = start.astimezone(SHANGHAI).replace(tzinfo=None).isoformat()
    assert _all(client, f"start={local}", token=demo_token) == with_offset
    end_local = (NOW - timedelta(hours=4)).astimezone(SHANGHAI).replace(tzinfo=None).isoformat()
    assert _all(client, f"start={local}&end={end_local}", token=demo_token) == _ids(items[2:5])


def test_a_bare_date_is_the_whole_day_in_the_account_zone(client, demo_token, log):
    day = (NOW - timedelta(hours=40)).astimezone(SHANGHAI).date()
    expected = [m.message_id for m in log["items"] if m.created_at.astimezone(SHANGHAI).date() == day]
    in_utc_day = [m.message_id for m in log["items"] if m.created_at.date() == day]
    assert expected and expected != in_utc_day  # the zone decides which messages are in
    assert _all(client, f"start={day}&end={day}", token=demo_token) == expected


def test_a_message_id_lookup_ignores_the_default_range_but_not_a_given_one(client, demo_token, seeded):
    old = _message(seeded.demo_account_id, 900, created=NOW - timedelta(days=30))
    assert _all(client, "", token=demo_token) == []  # the default range is the last 7 days
    assert _all(client, f"message_id={old.message_id}", token=demo_token) == [old.message_id]
    assert _all(client, f"message_id={old.message_id}&start={_iso(NOW - timedelta(days=2))}", token=demo_token) == []
    assert _all(client, f"start={_iso(NOW - timedelta(days=31))}", token=demo_token) == [old.message_id]


@pytest.mark.parametrize("query, status, field", [
    ("type=promo", 422, "type"), ("status=lost", 422, "status"), ("country=GBR", 422, "country"),
    ("country=XX", 422, "country"), ("to=12", 422, "to"), ("task_id=" + "t" * 129, 422, "task_id"),
    ("start=yesterday", 422, "start"), ("end=2026-02-30", 422, "end"),
    ("start=2026-01-10T00:00:00Z&end=2026-01-01T00:00:00Z", 422, "end"),
    ("start=2026-12-02&end=2026-12-01", 422, "end"),  # end is exclusive of 12-02: an empty range
    ("start=2025-01-01T00:00:00Z&end=2026-01-01T00:00:00Z", 422, "start"),
    ("start=2020-01-01T00:00:00Z", 422, "start"),  # until now: far more than 92 days
    ("limit=0", 400, "limit"), ("limit=201", 400, "limit"), ("limit=ten", 400, "limit"),
])
def test_bad_values_name_the_field(client, demo_token, seeded, query, status, field):
    reply = client.get(f"/v1/messages?{query}", token=demo_token)
    assert reply.status == status and reply.json["error"]["field"] == field, reply


def test_cursor_is_bound_to_its_filters_and_caller(client, seeded, demo_token, log):
    cursor = client.get("/v1/messages?limit=2", token=demo_token).json["next_cursor"]
    assert client.get(f"/v1/messages?limit=2&cursor={cursor}", token=demo_token).status == 200
    for query in ("type=marketing", "country=SG", f"start={_iso(NOW - timedelta(days=1))}"):
        reply = client.get(f"/v1/messages?limit=2&{query}&cursor={cursor}", token=demo_token)
        assert reply.status == 400 and reply.json["error"]["field"] == "cursor", query
    # an app's view is filtered by the app: a portal user's cursor is not valid there
    assert client.get(f"/v1/messages?limit=2&cursor={cursor}", basic=(seeded.app_key, seeded.app_secret)).status == 400
    for garbage in ("garbage", "e30", quote("eyJiZWZvcmUiOiJ4In0=")):
        reply = client.get(f"/v1/messages?cursor={garbage}", token=demo_token)
        assert reply.status == 400 and reply.json["error"]["field"] == "cursor", garbage


def test_tenants_never_see_each_other(client, demo_token, log):
    rival_auth, rival_items = log["rival"], log["rival_items"]
    mine = log["items"][0]
    assert client.get(f"/v1/messages/{mine.message_id}", basic=rival_auth).status == 404
    assert client.get(f"/v1/messages/{rival_items[0].message_id}", token=demo_token).status == 404
    assert _all(client, f"message_id={mine.message_id}", basic=rival_auth) == []
    # The rival reuses Demo Co's task id and number: each side sees only its own.
    assert _all(client, "task_id=tsk_1", token=demo_token) == _ids(log["items"], lambda n: n % 3 == 0)
    assert _all(client, "task_id=tsk_1", basic=rival_auth) == _ids(rival_items)
    assert _all(client, f"to={quote(UK)}", basic=rival_auth) == _ids(rival_items)
    assert _all(client, "", basic=rival_auth) == _ids(rival_items)


def test_one_message(client, demo_token, log):
    mine = log["items"][0]
    reply = client.get(f"/v1/messages/{mine.message_id}", token=demo_token)
    assert reply.status == 200
    body = reply.json
    assert body["id"] == mine.message_id and body["price"] == "0.04" and body["from"] == "JMC"
    assert body["created_at"] == mine.created_at.isoformat().replace("+00:00", "Z")
    assert body["country_name"] == {"en": "United Kingdom", "zh": "英国"}
    for internal in ("request_hash", "pending", "ckey", "acct_day", "acct_to", "part_status", "sender", "pk"):
        assert internal not in body
    for unknown in ("msg_00000000000000000bad", "nothing", "msg_" + "a" * 300):
        assert client.get(f"/v1/messages/{unknown}", token=demo_token).status == 404, unknown


def test_an_app_sees_only_what_it_sent(client, seeded, log):
    demo_app = (seeded.app_key, seeded.app_secret)
    assert _all(client, "", limit=200, basic=demo_app) == _ids(log["items"], lambda n: n % 2 == 0)
    assert _all(client, "type=marketing", limit=3, basic=demo_app) == _ids(log["items"], lambda n: n % 10 == 0)
    assert _all(client, f"message_id={log['items'][1].message_id}", basic=demo_app) == []
    assert client.get(f"/v1/messages/{log['items'][1].message_id}", basic=demo_app).status == 404
    assert client.get(f"/v1/messages/{log['items'][2].message_id}", basic=demo_app).status == 200


def test_operators_get_403(client, ops_token, log):
    assert client.get("/v1/messages", token=ops_token).status == 403
    assert client.get(f"/v1/messages/{log['items'][0].message_id}", token=ops_token).status == 403
    assert client.get("/v1/messages").status == 401


def test_a_spent_budget_ends_a_page_early_and_its_cursor_resumes_exactly(client, demo_token, log, monkeypatch):
    """With one DynamoDB call per page a page stops at the end of a UTC day (every day's
    first reads are made), so pages are days, some of them empty, and together complete."""
    from chalicelib.services import message_log
    monkeypatch.setattr(message_log, "PAGE_QUERIES", 1)
    pages = _pages(client, limit=200, token=demo_token)
    by_id = {m.message_id: m for m in log["items"]}
    assert [i for page in pages for i in page] == _ids(log["items"])
    assert all(len({by_id[i].created_at.date() for i in page}) == 1 for page in pages if page)
    assert [] in pages[:-1]  # the default 7 days reach back past the data: empty pages still have a cursor
    utc_days = list(days_newest_first(ckey(NOW - timedelta(days=7), ""), ckey(NOW, "")))
    assert len(pages) == len(utc_days)  # one page per UTC day the default 7 days touch


def test_what_one_page_costs(client, demo_token, seeded):
    """One page of the account plan: 8 Queries per UTC day in range (each shard asked for its
    share of the page with headroom, so 30 messages of a day take one read per shard), no
    Scan, and the account's GetItem only when a time lacks an offset."""
    from devstack.aws_calls import counting_aws_calls
    day = (NOW - timedelta(days=3)).replace(hour=0, minute=0, second=0)
    created = [_message(seeded.demo_account_id, n, created=day + timedelta(minutes=40 * n)) for n in range(30)]
    one_day = f"start={_iso(day)}&end={_iso(day + timedelta(days=1))}&limit=50"

    def cost(query: str):
        with counting_aws_calls() as calls:
            reply = client.get(f"/v1/messages?{query}", token=demo_token)
        assert reply.status == 200 and "Scan" not in calls
        return reply.json, calls
    body, one = cost(one_day)
    assert len(body["messages"]) == 30 and body["next_cursor"] is None
    assert one["Query"] == ACCOUNT_SHARDS
    _, two = cost(f"start={_iso(day)}&end={_iso(day + timedelta(days=2))}&limit=50")
    assert two["Query"] == 2 * ACCOUNT_SHARDS
    local = day.astimezone(SHANGHAI).replace(tzinfo=None).isoformat()
    _, naive = cost(f"start={local}&end={_iso(day + timedelta(days=1))}&limit=50")
    assert naive["Query"] == ACCOUNT_SHARDS and naive["GetItem"] == one["GetItem"] + 1
    _, by_number = cost(f"to={quote(UK)}&{one_day}")
    assert by_number["Query"] == 1
    _, by_id = cost(f"message_id={created[0].message_id}")
    assert "Query" not in by_id and by_id["GetItem"] == one["GetItem"] + 1
    # a small page: the shards that hold more than their share read a second, larger page
    body, small = cost(one_day.replace("limit=50", "limit=10"))
    assert len(body["messages"]) == 10 and ACCOUNT_SHARDS <= small["Query"] <= 2 * ACCOUNT_SHARDS


def test_iter_messages_streams_the_whole_query_for_exports(seeded, log):
    from chalicelib.services import message_log
    filters = message_log.parse_filters(seeded.demo_account_id, {"country": "SG"})
    streamed = [m.message_id for m in message_log.iter_messages(seeded.demo_account_id, filters, page_size=2)]
    assert streamed == _ids(log["items"], lambda n: n % 4 != 0)


def test_sent_message_shows_in_the_log(client, seeded, app):
    from tests.service.messaging import dispatch_all, send
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    reply = client.get(f"/v1/messages/{message_id}", basic=(seeded.app_key, seeded.app_secret))
    assert reply.status == 200 and reply.json["status"] == "submitted" and len(reply.json["carrier_ids"]) == 1
    assert _all(client, "", basic=(seeded.app_key, seeded.app_secret)) == [message_id]
