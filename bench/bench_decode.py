"""DynamoDB Query page decode on one core: botocore + TypeDeserializer, PynamoDB, and our
raw-JSON path (chalicelib.store.raw_pages).

    .venv/bin/python bench/bench_decode.py [--items 2500] [--shape export|full] [--repeat 15]

The page is real: ``--items`` messages (Chinese and Latin texts, 1-3 carrier ids, receipts,
all the times) are written into moto in-process as ``chalicelib.store.messages.Message``
items in one account-day partition and read back by one Query on ``account-time-index``,
through raw_pages' client, which hands over moto's response body as it came off the wire.
moto writes ``\\uXXXX`` escapes and spaces; DynamoDB sends compact UTF-8, so the body is
re-encoded that way (same values, same order) before timing. ``--shape export`` (default)
projects the columns a messages export writes (ProjectionExpression; ~870 KB for 2,500
items), ``full`` reads whole items (~2.6 MB: more than one real 1 MB page holds, but the
per-item rates are what matter).

Decoders, each timed over the same bytes (CPU time, time.process_time, best of --repeat
runs; items/s = items / that time):

  (a) stock boto3 low-level client: botocore's JSON parser against Query's output shape
      (what ``client.query`` does), then ``boto3.dynamodb.types.TypeDeserializer`` on every
      attribute of every item (what boto3's resource layer does)
  (b) PynamoDB: the same botocore parse, then ``Message.from_raw_data`` per item (what
      ``Message.by_account_day.query`` yields)
  (c) raw_pages: ``json.loads`` + the flatten into RawItem (``raw_pages.parse_page``)

The parse alone is printed too, so (a) and (b) split into their two stages.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.moto_env import use_moto_in_process  # noqa: E402

use_moto_in_process()

#: Which attributes the page's items carry (a ProjectionExpression; None: whole items).
SHAPES: dict[str, tuple[str, ...] | None] = {
    # a log listing's few columns: ~350 B per item, the engineering notes' 870 KB page
    "narrow": ("pk", "to", "status", "text", "segments", "price_micros", "created_at", "ckey"),
    # the columns a messages export writes (chalicelib.domain.exports), by DynamoDB name
    "export": ("pk", "type", "task_id", "task_name", "sender", "to", "country", "text", "segments", "status",
               "err_code", "price_micros", "refunded_micros", "created_at", "submitted_at", "delivered_at", "ckey"),
    # whole items, as Message.by_account_day.query reads them
    "full": None,
}
TEXTS = [
    "【锦木科技】您的验证码是{n:06d}，5分钟内有效，请勿泄露给他人。",
    "【锦木商城】尊敬的会员，您的订单{n}已发货，预计明天送达，请保持电话畅通。退订回T",
    "【锦木银行】您尾号{n:04d}的账户于今日消费人民币128.00元，如非本人操作请致电客服。",
    "Your JMC verification code is {n:06d}. It expires in 5 minutes.",
    "【锦木出行】您预约的车辆将于10分钟后到达，车牌号粤B·{n:05d}，请提前到上车点等候。",
    "Hi, your parcel {n} arrives today between 9:00 and 12:00. Reply STOP to opt out.",
]
STATUSES = ["delivered"] * 17 + ["failed", "expired", "submitted"]


def _messages(count: int, account_id: str, acct_day: str, day: datetime) -> list:
    from chalicelib.domain.timeline import ckey
    from chalicelib.store.messages import Message
    rng = random.Random(7)
    items = []
    for n in range(count):
        message_id = f"msg_{rng.getrandbits(80):020x}"
        created = day + timedelta(milliseconds=n * 30_000 + rng.randrange(1000))
        text = rng.choice(TEXTS).format(n=n)
        chinese = text.startswith("【")
        status = rng.choice(STATUSES)
        parts = 1 if len(text) <= (70 if chinese else 160) else 2
        carrier_ids = [f"{rng.getrandbits(64):016X}" for _ in range(parts)]
        to = f"+86138{rng.randrange(10 ** 8):08d}" if chinese else f"+44740{rng.randrange(10 ** 7):07d}"
        submitted = created + timedelta(milliseconds=rng.randrange(200, 2000))
        final = submitted + timedelta(seconds=rng.randrange(2, 30))
        items.append(Message(
            message_id, account_id=account_id, user_id="usr_4f1c2a9e0b7d3c5e8a61", app_id="app_9d0e1f2a3b4c5d6e7f80",
            task_id="tsk_0c1d2e3f4a5b6c7d8e9f" if n % 3 == 0 else None, task_name="双十一促销" if n % 3 == 0 else None,
            source="task" if n % 3 == 0 else "api", type="marketing" if n % 3 == 0 else "transactional", to=to,
            country="CN" if chinese else "GB", sender="JMC", text=text, segments=parts, carrier_parts=parts,
            encoding="UCS-2" if chinese else "GSM-7", unit_price_micros=40_000, price_micros=40_000 * parts,
            refunded_micros=40_000 * parts if status == "failed" else 0,
            billing="refunded" if status == "failed" else "settled", status=status,
            err_code="4" if status == "failed" else None, carrier_ids=carrier_ids,
            part_status={cid: status for cid in carrier_ids}, request_hash=f"{rng.getrandbits(128):032x}",
            submit_attempt=1, submit_started_at=created, created_at=created, submitted_at=submitted,
            delivered_at=final if status != "submitted" else None, updated_at=final,
            ckey=ckey(created, message_id), acct_day=acct_day, acct_to=f"{account_id}#{to}",
            task_shard=f"tsk_0c1d2e3f4a5b6c7d8e9f#{n % 8}" if n % 3 == 0 else None))
    return items


def capture_pages(count: int, shapes: list[str]) -> dict[str, tuple[bytes, bytes, int]]:
    """For each shape, one Query page of ``count`` messages from moto: (moto's body, the
    same re-encoded as DynamoDB sends it, how many items moto's first page held). Past 1 MB
    of items read, moto (as DynamoDB) ends a page: the items of its pages are then put
    into one body."""
    from moto import mock_aws
    pages = {}
    with mock_aws():
        from devstack.provision import provision_stack
        provision_stack(ROOT / "infra" / "template.json", {"Stage": "local"})
        from chalicelib.store import raw_pages
        from chalicelib.store.messages import Message
        account_id, day = "acc_5e6f7a8b9c0d1e2f3a4b", datetime(2026, 11, 11, tzinfo=UTC)
        acct_day = f"{account_id}#2026-11-11#3"
        with Message.batch_write() as batch:
            for message in _messages(count, account_id, acct_day, day):
                batch.save(message)
        raw_pages.reset()
        for shape in shapes:
            request = raw_pages.query_request(Message.by_account_day, acct_day, limit=count,
                                              attributes=SHAPES[shape])
            bodies: list[bytes] = []
            while True:
                bodies.append(raw_pages.raw_client().query(**request)[raw_pages.RAW_BODY])
                last = json.loads(bodies[-1]).get("LastEvaluatedKey")
                if last is None:
                    break
                request["ExclusiveStartKey"] = last
            pages[shape] = _one_page(bodies, count)
        raw_pages.reset()
    return pages


def _one_page(bodies: list[bytes], count: int) -> tuple[bytes, bytes, int]:
    parsed = [json.loads(body) for body in bodies]
    items = [item for page in parsed for item in page["Items"]]
    assert len(items) == count, f"moto returned {len(items)} of {count} items"
    data = {"Count": count, "Items": items, "ScannedCount": count}
    moto_body = bodies[0] if len(bodies) == 1 else json.dumps(data).encode()  # as moto writes JSON
    return moto_body, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), len(parsed[0]["Items"])


def decoders(body: bytes) -> dict[str, Callable[[], object]]:
    import botocore.session
    from boto3.dynamodb.types import TypeDeserializer
    from botocore.parsers import create_parser

    from chalicelib.store.messages import Message
    from chalicelib.store.raw_pages import parse_page

    model = botocore.session.get_session().get_service_model("dynamodb")
    shape = model.operation_model("Query").output_shape
    parser = create_parser(model.resolved_protocol)
    headers = {"x-amzn-requestid": "bench", "content-type": "application/x-amz-json-1.0"}
    deserialize = TypeDeserializer().deserialize

    def botocore_parse() -> dict:
        return parser.parse({"status_code": 200, "headers": headers, "body": body}, shape)

    def stock_boto3() -> list[dict]:
        return [{name: deserialize(value) for name, value in item.items()} for item in botocore_parse()["Items"]]

    def pynamodb() -> list[Message]:
        return [Message.from_raw_data(item) for item in botocore_parse()["Items"]]

    return {"botocore parse alone (Query output shape)": botocore_parse,
            "(a) boto3: botocore parse + TypeDeserializer": stock_boto3,
            "(b) PynamoDB: botocore parse + from_raw_data": pynamodb,
            "(c) raw_pages: json.loads + flatten": lambda: parse_page(body)}


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) CPU seconds of one call over ``repeat`` calls (after one warm-up)."""
    fn()
    runs = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        runs.append(time.process_time() - start)
    return min(runs), statistics.median(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2500, help="items in the page")
    parser.add_argument("--shape", choices=(*SHAPES, "all"), default="all",
                        help="which attributes each item has (default: each shape in turn)")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per decoder (best is shown)")
    args = parser.parse_args(argv)

    import botocore
    import pynamodb

    shapes = list(SHAPES) if args.shape == "all" else [args.shape]
    pages = capture_pages(args.items, shapes)
    print(f"DynamoDB Query page decode, one core, Python {sys.version.split()[0]}, botocore {botocore.__version__}, "
          f"pynamodb {pynamodb.__version__}")
    for shape in shapes:
        moto_body, body, first_page = pages[shape]
        sample = json.loads(body)["Items"][0]
        print(f"{shape}: {args.items:,} messages of {len(sample)} attributes, {len(body) / 1e3:,.0f} KB as DynamoDB "
              f"sends it ({len(moto_body) / 1e3:,.0f} KB as moto wrote it)"
              + (f"; a real 1 MB page holds {first_page:,} of these" if first_page < args.items else ""))
        results = {}
        for label, fn in decoders(body).items():
            best, median = timed(fn, args.repeat)
            results[label] = best
            print(f"  {label:46} {best * 1e3:7.1f} ms/page (median {median * 1e3:6.1f})  "
                  f"{args.items / best:10,.0f} items/s")
        stock, pyn, ours = (results[k] for k in list(results)[1:])
        print(f"  raw_pages speed-up: {stock / ours:.1f}x over (a) boto3, {pyn / ours:.1f}x over (b) PynamoDB "
              f"(goal: >= 2x over (a))")


if __name__ == "__main__":
    main()
