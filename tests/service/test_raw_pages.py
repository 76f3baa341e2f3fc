"""chalicelib.store.raw_pages: Query pages read as raw JSON.

Against moto in-process, with messages written by the real model: the same items, values,
order, pages, last keys and counts as PynamoDB's own ``Message.by_account_day.query`` (and
as boto3's client + TypeDeserializer), the same request PynamoDB sends, errors and retries
left to botocore, and each of many concurrent queries on the one client getting its own
body. Without AWS: the flatten on every DynamoDB type, against botocore's own wire form."""
from __future__ import annotations

import base64
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.store import raw_pages
from chalicelib.store.messages import ACCOUNT_SHARDS, Message, index_keys, shard_of
from chalicelib.store.raw_pages import RawItem, RawPage, flatten_item, flatten_value, parse_page, to_number
from devstack.aws_calls import counting_aws_calls

DAY = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
ACCOUNT = "acc_rawpages00000000001"
SHARD = 2
TEXTS = ["【锦木科技】您的验证码是{n:06d}，5分钟内有效。", "Your code is {n:06d}",
         "尊敬的客户，您的订单{n}已发货，预计明天送达，请保持电话畅通。退订回T"]


# --- the flatten, without AWS ---------------------------------------------------------------------

def test_flatten_every_type():
    raw: dict[str, Any] = {
        "s": {"S": "短信 text"}, "empty": {"S": ""}, "n": {"N": "42"}, "neg": {"N": "-7"},
        "big": {"N": "123456789012345678901234567890"}, "dec": {"N": "0.1"}, "point_zero": {"N": "2.0"},
        "exp": {"N": "1E+3"}, "tiny": {"N": "-1.5E-10"}, "t": {"BOOL": True}, "f": {"BOOL": False},
        "null": {"NULL": True}, "b": {"B": base64.b64encode(b"\x00\xffbytes").decode()},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [base64.b64encode(b"x").decode(), base64.b64encode(b"y").decode()]},
        "m": {"M": {"k": {"S": "v"}, "n": {"N": "3"}, "deep": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}]}}},
                    "S": {"S": "a map key that is a type tag"}}},
        "l": {"L": [{"S": "x"}, {"N": "1.25"}, {"L": []}, {"M": {}}, {"SS": ["z"]}]},
        "ckey": {"S": "2026-03-14T08:00:00.000Z#msg_1"},
    }
    item = flatten_item(raw)
    assert type(item) is RawItem and isinstance(item, dict)
    assert item == {
        "s": "短信 text", "empty": "", "n": 42, "neg": -7, "big": 123456789012345678901234567890,
        "dec": Decimal("0.1"), "point_zero": 2, "exp": 1000, "tiny": Decimal("-1.5E-10"), "t": True, "f": False,
        "null": None, "b": b"\x00\xffbytes", "ss": {"a", "b"}, "ns": {1, Decimal("2.5")}, "bs": {b"x", b"y"},
        "m": {"k": "v", "n": 3, "deep": {"l": [None, False]}, "S": "a map key that is a type tag"},
        "l": ["x", Decimal("1.25"), [], {}, {"z"}],
        "ckey": "2026-03-14T08:00:00.000Z#msg_1",
    }
    # types, not just equality (True == 1, 2 == Decimal("2.0"))
    for name, kind in {"n": int, "big": int, "point_zero": int, "exp": int, "dec": Decimal, "t": bool,
                       "b": bytes, "ss": set, "ns": set, "bs": set, "m": dict, "l": list}.items():
        assert type(item[name]) is kind, name
    assert type(item["m"]) is dict and type(item["l"][1]) is Decimal
    assert item.ckey == "2026-03-14T08:00:00.000Z#msg_1"
    item.ckey = "other"
    assert item["ckey"] == "other"
    for name, typed in raw.items():
        assert flatten_value(typed) == item[name] or name == "ckey"


def test_to_number():
    assert [to_number(text) for text in ("0", "-0", "10", "1.50", "1E+2", "-2.000")] == [0, 0, 10, Decimal("1.5"),
                                                                                          100, -2]
    assert all(type(to_number(text)) is int for text in ("0", "1E+2", "-2.000"))
    assert to_number("0.30000000000000000000000000000000000001") == Decimal("0.30000000000000000000000000000000000001")


def test_parse_page():
    body = json.dumps({"Items": [{"pk": {"S": "a"}, "n": {"N": "1"}}, {"pk": {"S": "b"}}], "Count": 2,
                       "ScannedCount": 5, "LastEvaluatedKey": {"pk": {"S": "b"}, "bin": {"B": "AAE="}}}).encode()
    page = parse_page(body)
    assert page == RawPage([RawItem(pk="a", n=1), RawItem(pk="b")], {"pk": {"S": "b"}, "bin": {"B": b"\x00\x01"}},
                           count=2, scanned=5)
    assert parse_page(b'{"Items":[],"Count":0,"ScannedCount":3}') == RawPage([], None, 0, 3)


_keys = st.text(max_size=8)
_numbers = st.integers(min_value=-10 ** 30, max_value=10 ** 30) | st.decimals(
    min_value=-10 ** 9, max_value=10 ** 9, places=4, allow_nan=False, allow_infinity=False)
_scalars = (st.text(max_size=20) | _numbers | st.booleans() | st.none() | st.binary(max_size=12)
            | st.frozensets(st.text(max_size=5), min_size=1, max_size=4)
            | st.frozensets(st.integers(-1000, 1000), min_size=1, max_size=4)
            | st.frozensets(st.binary(min_size=1, max_size=5), min_size=1, max_size=4))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
                       max_leaves=12)


def _wire(item: dict) -> dict:
    """``item`` as it travels in DynamoDB's JSON: typed by boto3's TypeSerializer, then
    serialised by botocore itself (binary as base64)."""
    import botocore.session
    from botocore.serialize import create_serializer
    model = botocore.session.get_session().get_service_model("dynamodb")
    serializer = TypeSerializer()
    request = create_serializer("json").serialize_to_request(
        {"TableName": "t", "Item": {k: serializer.serialize(v) for k, v in item.items()}},
        model.operation_model("PutItem"))
    return json.loads(request["body"])["Item"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys.filter(bool), _values, max_size=6))
def test_flatten_matches_botocore_wire_form(item):
    """Whatever boto3 can write comes back as the same Python values."""
    assert flatten_item(_wire(item)) == item


# --- against moto, with the real model ----------------------------------------------------------

def _ids_in_shard(count: int, shard: int, start: int = 0) -> list[str]:
    ids: list[str] = []
    n = start
    while len(ids) < count:
        message_id = f"msg_{n:020x}"
        if shard_of(message_id, ACCOUNT_SHARDS) == shard:
            ids.append(message_id)
        n += 1
    return ids


def _message(message_id: str, n: int, created: datetime, account_id: str = ACCOUNT) -> Message:
    status = ("delivered", "failed", "submitted", "delivered")[n % 4]
    carrier_ids = [f"0B{n:014X}", f"0C{n:014X}"][: 1 + n % 2]
    to = f"+86138001380{n:02d}"
    return Message(message_id, account_id=account_id, user_id="usr_1", app_id="app_1" if n % 2 else None,
                   task_id="tsk_1" if n % 3 == 0 else None, task_name="双十一促销" if n % 3 == 0 else None,
                   source="api", type="marketing" if n % 3 == 0 else "transactional", to=to, country="CN",
                   sender="JMC", text=TEXTS[n % 3].format(n=n), segments=1 + n % 2, carrier_parts=1 + n % 2,
                   encoding="UCS-2", unit_price_micros=40_000, price_micros=40_000 * (1 + n % 2),
                   refunded_micros=40_000 if status == "failed" else 0, status=status,
                   err_code="4" if status == "failed" else None, carrier_ids=carrier_ids,
                   part_status={cid: status for cid in carrier_ids}, request_hash=f"h{n}", submit_attempt=1,
                   created_at=created, submitted_at=created + timedelta(seconds=1),
                   delivered_at=created + timedelta(seconds=5) if status != "submitted" else None,
                   **index_keys(account_id, message_id, to, created, "tsk_1" if n % 3 == 0 else None, queued=False))


@pytest.fixture
def raw(aws):
    raw_pages.reset()
    yield raw_pages
    raw_pages.reset()


@pytest.fixture
def log(raw):
    """10 messages in one partition of account-time-index (ACCOUNT's day, shard SHARD), one
    every 7 minutes; beside them messages of other shards, of the next day and of another
    account, which no query of that partition may return."""
    messages = [_message(mid, n, DAY + timedelta(minutes=7 * n)) for n, mid in enumerate(_ids_in_shard(10, SHARD))]
    for message in messages:
        message.save()
    for n, mid in enumerate(_ids_in_shard(3, SHARD + 1, 1000)):
        _message(mid, n, DAY + timedelta(minutes=3 * n)).save()
    for n, mid in enumerate(_ids_in_shard(2, SHARD, 2000)):
        _message(mid, n, DAY + timedelta(days=1, minutes=n)).save()
        _message(mid.replace("msg_", "msx_"), n, DAY + timedelta(minutes=n), account_id="acc_other").save()
    assert len({m.acct_day for m in messages}) == 1
    return messages


def _plain(value):
    """TypeDeserializer's values with integral Decimals as int (raw_pages' numbers)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


def _expected(message: Message) -> dict:
    """What raw_pages must give for a message PynamoDB read: its attributes as PynamoDB
    serialises them, converted by boto3's TypeDeserializer."""
    deserialize = TypeDeserializer().deserialize
    return {name: _plain(deserialize(typed)) for name, typed in message.serialize().items()}


def _pynamodb_pages(hash_key, range_key_condition=None, filter_condition=None, *, forward=False, page_size=1000):
    """PynamoDB's own pages: (messages, last evaluated key, Count, ScannedCount) each."""
    pages = Message.by_account_day.query(hash_key, range_key_condition, filter_condition=filter_condition,
                                         scan_index_forward=forward, page_size=page_size).page_iter
    return [([Message.from_raw_data(item) for item in page.get("Items", [])], pages.last_evaluated_key,
             page["Count"], page["ScannedCount"]) for page in pages]


def _bounds(log):
    return log[2].ckey, log[8].ckey


CONDITIONS = {
    "key only": lambda log: (None, None),
    "between": lambda log: (Message.ckey.between(*_bounds(log)), None),
    "below": lambda log: (Message.ckey < log[6].ckey, None),
    "begins_with": lambda log: (Message.ckey.startswith("2026-03-14T08:"), None),
    "filter": lambda log: (None, (Message.status == "delivered") & (Message.type == "marketing")),
    "between + filter": lambda log: (Message.ckey.between(*_bounds(log)),
                                     Message.status.is_in("delivered", "failed") & Message.task_id.does_not_exist()),
    "filter drops all": lambda log: (None, Message.status == "expired"),
}


@pytest.mark.parametrize("page_size", [3, 1000])
@pytest.mark.parametrize("forward", [False, True])
@pytest.mark.parametrize("case", list(CONDITIONS))
def test_same_pages_as_pynamodb(log, case, forward, page_size):
    range_key_condition, filter_condition = CONDITIONS[case](log)
    hash_key = log[0].acct_day
    expected = _pynamodb_pages(hash_key, range_key_condition, filter_condition, forward=forward, page_size=page_size)
    pages = list(raw_pages.query_pages(Message.by_account_day, hash_key, range_key_condition, filter_condition,
                                       scan_forward=forward, page_size=page_size))
    assert len(pages) == len(expected)
    for page, (messages, last_key, count, scanned) in zip(pages, expected, strict=True):
        assert [item.ckey for item in page.items] == [m.ckey for m in messages]
        assert page.items == [_expected(m) for m in messages]
        assert page.last_key == last_key
        assert (page.count, page.scanned) == (count, scanned) and page.count == len(page.items)
    assert pages[-1].last_key is None
    if case == "key only":
        assert sum(p.scanned for p in pages) == 10
        assert [item.ckey for page in pages for item in page.items] == sorted((m.ckey for m in log),
                                                                               reverse=not forward)


def test_paging_by_three_over_ten(log):
    hash_key = log[0].acct_day
    with counting_aws_calls() as calls:
        pages = list(raw_pages.query_pages(Message.by_account_day, hash_key, page_size=3))
    assert [len(p.items) for p in pages] == [3, 3, 3, 1]
    assert dict(calls) == {"Query": 4}  # one call per page; no DescribeTable
    newest_first = sorted(log, key=lambda m: m.ckey, reverse=True)
    assert [item["pk"] for page in pages for item in page.items] == [m.pk for m in newest_first]
    pynamodb = list(Message.by_account_day.query(hash_key, scan_index_forward=False, page_size=3))
    assert [item["pk"] for page in pages for item in page.items] == [m.pk for m in pynamodb]

    # a page's last_key resumes the query (ExclusiveStartKey), as PynamoDB's last_evaluated_key does
    rest = list(raw_pages.query_pages(Message.by_account_day, hash_key, page_size=3, start_key=pages[1].last_key))
    assert [item.ckey for page in rest for item in page.items] == [m.ckey for m in newest_first[6:]]
    single = raw_pages.query_page(Message.by_account_day, hash_key, limit=3, start_key=pages[0].last_key)
    assert single == pages[1]


def test_values_and_types(log):
    page = raw_pages.query_page(Message.by_account_day, log[0].acct_day, scan_forward=True)
    by_id = {m.pk: m for m in log}
    for item in page.items:
        message = Message.get(item["pk"], "MSG")
        assert item == _expected(message) == _expected(by_id[item["pk"]])
        assert item["text"] == message.text and "【" in TEXTS[0]
        assert type(item["segments"]) is int and item["segments"] == message.segments
        assert item["carrier_ids"] == message.carrier_ids
        assert item["part_status"] == message.part_status.as_dict()
        assert item["created_at"] == Message.created_at.serialize(message.created_at)
        assert ("err_code" in item) == (message.err_code is not None)  # absent attributes stay absent
        assert "task_shard" not in item or item["task_shard"] == message.task_shard


def test_same_items_as_boto3_client_and_type_deserializer(log):
    """The stock low-level client (botocore's parser) on the very same request."""
    from chalicelib import aws as aws_clients
    request = raw_pages.query_request(Message.by_account_day, log[0].acct_day, Message.ckey.between(*_bounds(log)),
                                      Message.status == "delivered", limit=4)
    stock = aws_clients.client("dynamodb").query(**request)
    assert raw_pages.RAW_BODY not in stock and stock["Items"]  # the hook is on raw_pages' client only
    deserialize = TypeDeserializer().deserialize
    page = raw_pages.query_page(Message.by_account_day, log[0].acct_day, Message.ckey.between(*_bounds(log)),
                                Message.status == "delivered", limit=4)
    assert page.items == [{k: _plain(deserialize(v)) for k, v in item.items()} for item in stock["Items"]]
    assert page.last_key == stock.get("LastEvaluatedKey")
    assert (page.count, page.scanned) == (stock["Count"], stock["ScannedCount"])


def test_request_is_the_one_pynamodb_sends(log, monkeypatch):
    from pynamodb.connection.base import Connection
    sent = []
    dispatch = Connection.dispatch

    def recording(self, operation_name, operation_kwargs):
        sent.append(dict(operation_kwargs))
        return dispatch(self, operation_name, operation_kwargs)
    monkeypatch.setattr(Connection, "dispatch", recording)
    range_key_condition, filter_condition = CONDITIONS["between + filter"](log)
    list(Message.by_account_day.query(log[0].acct_day, range_key_condition, filter_condition=filter_condition,
                                      scan_index_forward=False, page_size=3))
    ours = raw_pages.query_request(Message.by_account_day, log[0].acct_day, range_key_condition, filter_condition,
                                   limit=3)
    pynamodb = {k: v for k, v in sent[0].items() if k != "ReturnConsumedCapacity"}
    assert ours == pynamodb
    assert set(ours) >= {"KeyConditionExpression", "FilterExpression", "ExpressionAttributeNames",
                         "ExpressionAttributeValues", "IndexName", "Limit", "ScanIndexForward"}


def test_table_query_and_projection(log):
    message = log[4]
    pages = list(raw_pages.query_pages(Message, message.pk, scan_forward=True))
    assert [p.items for p in pages] == [[_expected(message)]]
    assert [_expected(m) for m in Message.query(message.pk)] == pages[0].items
    projected = raw_pages.query_page(Message.by_account_day, message.acct_day, attributes=["pk", "ckey", "to"])
    assert projected.items[0].keys() == {"pk", "ckey", "to"}
    assert [item["pk"] for item in projected.items] == [m.pk for m in sorted(log, key=lambda m: m.ckey, reverse=True)]


# --- errors: botocore's parsing and retries ------------------------------------------------------

def test_bad_requests_are_the_usual_client_errors(log):
    with pytest.raises(ClientError) as caught:
        raw_pages.query_page(Message.by_account_day, log[0].acct_day, Message.status == "delivered")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "key schema" in caught.value.response["Error"]["Message"]

    class Missing(Model):
        class Meta:
            table_name = "jmc-local-no-such-table"
            region = "us-east-1"
        pk = UnicodeAttribute(hash_key=True)
    with pytest.raises(ClientError) as caught:
        list(raw_pages.query_pages(Missing, "x"))
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


class _Body:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_kwargs):
        yield self.body


def _failing(status: int, code: str, times: int, sent: list):
    """A ``before-send`` handler: the first ``times`` Query calls get an error response
    (as DynamoDB writes one); later ones go on to moto."""
    def handler(request, **_kwargs):
        sent.append(request.url)
        if len(sent) > times:
            return None
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}).encode()
        return AWSResponse(request.url, status, {"x-amzn-requestid": f"injected-{len(sent)}",
                                                 "content-type": "application/x-amz-json-1.0"}, _Body(body))
    return handler


@pytest.fixture
def no_backoff(monkeypatch):
    from botocore.retries import standard
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.mark.parametrize(("status", "code"), [(400, "ProvisionedThroughputExceededException"),
                                              (400, "ThrottlingException"), (500, "InternalServerError")])
def test_errors_are_retried_by_botocore(log, no_backoff, status, code):
    sent: list = []
    raw_pages.raw_client().meta.events.register_first("before-send.dynamodb.Query", _failing(status, code, 2, sent))
    page = raw_pages.query_page(Message.by_account_day, log[0].acct_day, limit=4)
    assert len(sent) == 3  # two errors retried (standard mode), then moto's answer
    assert [item.ckey for item in page.items] == sorted((m.ckey for m in log), reverse=True)[:4]


def test_throttling_past_the_retries_is_the_usual_client_error(log, no_backoff):
    sent: list = []
    raw_pages.raw_client().meta.events.register_first(
        "before-send.dynamodb.Query", _failing(400, "ProvisionedThroughputExceededException", 99, sent))
    with pytest.raises(ClientError) as caught:
        next(raw_pages.query_pages(Message.by_account_day, log[0].acct_day))
    assert caught.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    # botocore reads ``max_attempts: 3`` as retries: 4 attempts in all
    assert raw_pages.raw_client().meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 3 and len(sent) == 4
    assert isinstance(caught.value, raw_pages.raw_client().exceptions.ProvisionedThroughputExceededException)


# --- concurrency: one client, many threads --------------------------------------------------------

def test_concurrent_queries_each_get_their_own_body(raw):
    """Threads query different partitions at once through the one client; a slow handler
    after the hook widens the window between taking a body and returning it. Each thread
    must see exactly its partition, page after page."""
    accounts = [f"acc_thread{t:02d}" for t in range(6)]
    expected = {}
    for t, account in enumerate(accounts):
        messages = [_message(mid, n, DAY + timedelta(minutes=n), account_id=account)
                    for n, mid in enumerate(_ids_in_shard(3 + t, 0, 10_000 * (t + 1)))]
        for message in messages:
            message.save()
        expected[account] = (messages[0].acct_day, [m.pk for m in sorted(messages, key=lambda m: m.ckey,
                                                                              reverse=True)])
    client = raw_pages.raw_client()
    jitter = random.Random(3)

    def slow_parse(**_kwargs):
        time.sleep(jitter.random() / 500)
    client.meta.events.register("before-parse.dynamodb.Query", slow_parse)
    barrier = threading.Barrier(len(accounts))
    failures: list = []

    def worker(account: str) -> None:
        hash_key, ids = expected[account]
        try:
            barrier.wait(timeout=10)
            for _ in range(8):
                pages = list(raw_pages.query_pages(Message.by_account_day, hash_key, page_size=2))
                got = [item["pk"] for page in pages for item in page.items]
                if got != ids or any(item["account_id"] != account for page in pages for item in page.items):
                    failures.append((account, got, ids))
        except Exception as exc:  # noqa: BLE001 - reported below, with the account
            failures.append((account, repr(exc)))

    threads = [threading.Thread(target=worker, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert raw_pages.raw_client() is client  # one client per process
