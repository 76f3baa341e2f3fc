"""Paging cursors, on every list that pages by a DynamoDB key: a cursor is accepted only if it
is a key this list hands out, in the caller's own partition. Anything else (garbage, ``e30=``
which is base64 of ``{}``, another list's cursor, another account's) is a 400 naming
``cursor``: never a 500 (DynamoDB refuses a start key of the wrong shape) and never a page of
someone else's items."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from chalicelib.store.base import encode_cursor, iso, utcnow
from tests.service.helpers import initial_password, login
from tests.service.tasks_helpers import new_task, upload, xlsx_file

RIVAL_EMAIL = "boss@cursor-rival.example"


class Lists:
    """Every paged list, as the demo owner (or an operator) reads it, with data enough for a
    second page, and a rival account with lists of its own."""

    def __init__(self, client, app, demo_token, ops_token, seeded):
        self.client = client
        self.demo_account_id = seeded.demo_account_id
        self.app_id = client.get("/v1/apps", token=demo_token).json["apps"][0]["id"]
        demo, ops = demo_token, ops_token
        acc = self.demo_account_id
        client.post(f"/v1/ops/accounts/{acc}/topups", {"amount": "1.00", "reference": "cursor-1"}, token=ops)
        for name in ("Second", "Third"):
            client.post("/v1/apps", {"name": name}, token=demo)
        for name in ("One", "Two"):
            client.post("/v1/templates", {"name": name, "content": "Hello"}, token=demo)
        client.post("/v1/blacklist/numbers", {"app_id": self.app_id, "numbers": ["+447400123456", "+447400654321"]},
                    token=demo)
        for country in ("SG", "HK"):
            client.post("/v1/blacklist/countries", {"app_id": self.app_id, "country": country}, token=demo)
        upload_id = upload(client, demo, xlsx_file(["+447400100001"])).json["upload_id"]
        for _ in range(2):
            new_task(client, demo, upload_id, send_at=iso(utcnow() + timedelta(hours=1)))

        created = client.post("/v1/ops/accounts", {"name": "Cursor Rival", "owner": {"email": RIVAL_EMAIL,
                                                                                    "name": "Boss"}}, token=ops).json
        self.rival_account_id = created["id"]
        self.rival_token = login(client, app, RIVAL_EMAIL, initial_password(app, RIVAL_EMAIL))["access_token"]
        for reference in ("rival-1", "rival-2"):
            client.post(f"/v1/ops/accounts/{self.rival_account_id}/topups", {"amount": "1.00", "reference": reference},
                        token=ops)
        self.rival_app_ids = [client.post("/v1/apps", {"name": name}, token=self.rival_token).json["id"]
                              for name in ("Rival one", "Rival two")]

        self.paths = {  # list → (path, token)
            "ledger": ("/v1/ledger", demo),
            "audit events": ("/v1/audit-events", demo),
            "apps": ("/v1/apps", demo),
            "templates": ("/v1/templates", demo),
            "blacklisted numbers": (f"/v1/blacklist/numbers?app_id={self.app_id}", demo),
            "blacklisted countries": (f"/v1/blacklist/countries?app_id={self.app_id}", demo),
            "tasks": ("/v1/tasks", demo),
            "ops accounts": ("/v1/ops/accounts", ops),
            "ops ledger": (f"/v1/ops/accounts/{acc}/ledger", ops),
        }

    def get(self, name: str, cursor: str | None = None, limit: int = 1, token: str | None = None):
        path, own_token = self.paths[name]
        joiner = "&" if "?" in path else "?"
        query = f"{joiner}limit={limit}" + (f"&cursor={cursor}" if cursor is not None else "")
        return self.client.get(path + query, token=token or own_token)

    def cursor(self, name: str, token: str | None = None) -> str:
        reply = self.get(name, token=token)
        assert reply.status == 200 and reply.json["next_cursor"], (name, reply)
        return reply.json["next_cursor"]


@pytest.fixture
def lists(client, app, demo_token, ops_token, seeded):
    return Lists(client, app, demo_token, ops_token, seeded)


def _decoded(cursor: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(cursor))


def _refused(reply) -> bool:
    return reply.status == 400 and reply.json["error"]["field"] == "cursor"


NOT_CURSORS = ["e30=", "e30", "garbage", "W10=", "bnVsbA==", encode_cursor({"x": 1}), "%F0%9F%98%80",
               base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode(), "A" * 5000]


def test_every_list_pages_with_its_own_cursors_and_refuses_what_it_did_not_hand_out(lists):
    for name in lists.paths:
        cursor = lists.cursor(name)
        assert lists.get(name, cursor).status == 200, name
        for bad in NOT_CURSORS:
            assert _refused(lists.get(name, bad)), (name, bad[:20])
        key = _decoded(cursor)
        for attribute in key:  # each key attribute missing, or not a string
            assert _refused(lists.get(name, encode_cursor({k: v for k, v in key.items() if k != attribute}))), name
            assert _refused(lists.get(name, encode_cursor({**key, attribute: {"N": "1"}}))), (name, attribute)
            assert _refused(lists.get(name, encode_cursor({**key, attribute: "plain"}))), (name, attribute)
        assert _refused(lists.get(name, encode_cursor({**key, "extra": {"S": "x"}}))), name


def test_a_cursor_from_another_list_is_refused(lists):
    cursors = {name: lists.cursor(name) for name in lists.paths}
    same_list = {frozenset({"ledger", "ops ledger"})}  # the account's ledger, read by its owner or an operator
    for name in lists.paths:
        for other, cursor in cursors.items():
            if other != name and frozenset({name, other}) not in same_list:
                assert _refused(lists.get(name, cursor)), (other, "on", name)


def test_another_accounts_cursor_is_refused(lists):
    rival = lists.rival_token
    assert _refused(lists.get("apps", lists.cursor("apps", token=rival)))
    assert _refused(lists.get("ledger", lists.cursor("ledger", token=rival)))
    rival_ledger = f"/v1/ops/accounts/{lists.rival_account_id}/ledger?limit=1&cursor={lists.cursor('ops ledger')}"
    assert _refused(lists.client.get(rival_ledger, token=lists.paths["ops ledger"][1]))
    # every key naming the caller's account or app, moved to the rival's
    mine = {lists.demo_account_id: lists.rival_account_id, lists.app_id: lists.rival_app_ids[0]}
    for name in lists.paths:
        if name == "ops accounts":
            continue  # one list of all accounts, for operators only
        text = json.dumps(_decoded(lists.cursor(name)))
        moved = text
        for own, theirs in mine.items():
            moved = moved.replace(own, theirs)
        assert moved != text, name
        assert _refused(lists.get(name, encode_cursor(json.loads(moved)))), name


def test_apps_and_templates_page_in_key_order(client, demo_token):
    for index in range(4):
        assert client.post("/v1/apps", {"name": f"App {index}"}, token=demo_token).status == 201
        kind = "domestic" if index % 2 else "international"
        assert client.post("/v1/templates", {"name": f"T{index}", "content": "Hi", "kind": kind},
                           token=demo_token).status == 201
    for path, key, count in (("/v1/apps?", "apps", 5), ("/v1/templates?", "templates", 4),
                             ("/v1/templates?kind=domestic&", "templates", 2)):
        ids, cursor = [], None
        while True:
            page = client.get(f"{path}limit=2" + (f"&cursor={cursor}" if cursor else ""), token=demo_token).json
            assert len(page[key]) <= 2
            ids += [item["id"] for item in page[key]]
            if not (cursor := page["next_cursor"]):
                break
        everything = client.get(f"{path}limit=200", token=demo_token).json
        assert everything["next_cursor"] is None
        assert ids == sorted(ids) == [item["id"] for item in everything[key]] and len(ids) == count, path
    assert client.get("/v1/apps?limit=0", token=demo_token).status == 400
    assert client.get("/v1/templates?limit=201", token=demo_token).status == 400


def test_lists_with_cursors_of_their_own_refuse_what_they_did_not_hand_out_too(client, demo_token):
    for path in ("/v1/messages", "/v1/webhook/deliveries"):
        for bad in NOT_CURSORS:
            assert _refused(client.get(f"{path}?cursor={bad}", token=demo_token)), (path, bad[:20])
