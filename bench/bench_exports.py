"""Exports (the download center) on one core, side by side with their baselines.

    .venv/bin/python bench/bench_exports.py [--csv-rows 300000] [--xlsx-rows 30000]
                                            [--rss 1000000,5000000] [--e2e 20000]

1. **csv rows/s per core from DynamoDB pages**: a real Query page of the log (1,000 messages,
   the columns an export reads, captured from moto and re-encoded as DynamoDB sends it; see
   bench_decode.py) decoded and written as 日志查询 csv rows, over and over, by
   (a) the stock path: botocore's parser + boto3's TypeDeserializer, then our row builder and
       csv writer, and
   (b) our path: ``raw_pages.parse_page`` (json.loads + flatten), the same builder and writer.
   CPU time (time.process_time); the goal is (b) ≥ 2 × (a).
2. **xlsx rows/s per core**: our path from the same pages into ``files.exports.XlsxWriter``
   (openpyxl write-only, lxml), workbook saved, against a bare openpyxl write-only loop that
   appends the very same rows, already built, and saves. Goal ≥ 0.9 ×. (Ours writes an empty
   text as no cell, as Excel expects a blank; the bare loop writes what it is given.)
3. **Peak RSS** of a child process that streams ``--rss`` rows through our csv path into a
   file: flat means the same at 1M and 5M rows.
4. **A real export end to end** on moto in-process (``--e2e`` messages over 3 days written to
   the log table, then ``POST /v1/exports``' service and the ``exports`` queue's own handler):
   wall time, rows, and AWS calls per exported row (botocore ``before-call`` hooks on every
   client), for csv (segments joined by the finaliser) and xlsx (one worker).
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_decode  # noqa: E402  (sets the environment for moto in-process)
from devstack.aws_calls import counting_aws_calls  # noqa: E402  (installs the hooks first)

PAGE_ITEMS = 1000


def _tools():
    from chalicelib.domain import exports as domain
    from chalicelib.files.exports import CsvWriter
    times = domain.LocalTimes(ZoneInfo("Asia/Shanghai"))
    names = domain.CountryNames("zh")
    return domain, CsvWriter, times, names


class Null:
    """A sink that keeps nothing (the S3 part upload is not what is measured here)."""
    size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def stock_pages(body: bytes) -> Callable[[], list[dict]]:
    import botocore.session
    from boto3.dynamodb.types import TypeDeserializer
    from botocore.parsers import create_parser
    model = botocore.session.get_session().get_service_model("dynamodb")
    shape = model.operation_model("Query").output_shape
    parser = create_parser(model.resolved_protocol)
    headers = {"x-amzn-requestid": "bench", "content-type": "application/x-amz-json-1.0"}
    deserialize = TypeDeserializer().deserialize

    def decode() -> list[dict]:
        items = parser.parse({"status_code": 200, "headers": headers, "body": body}, shape)["Items"]
        return [{name: deserialize(value) for name, value in item.items()} for item in items]
    return decode


def our_pages(body: bytes) -> Callable[[], list]:
    from chalicelib.store.raw_pages import parse_page
    return lambda: parse_page(body).items


def csv_rows_per_second(decode: Callable[[], list], rows: int) -> tuple[float, int]:
    """(rows/s of CPU, rows) writing ``rows`` log rows from pages ``decode()`` gives."""
    domain, CsvWriter, times, names = _tools()
    writer = CsvWriter(Null(), domain.headers("messages", "zh"), typed=domain.typed_columns("messages"))
    gc.collect()
    start = time.process_time()
    while writer.rows < rows:
        for item in decode():
            writer.write(domain.message_row(item, times, names, "zh"))
    writer.close()
    return writer.rows / (time.process_time() - start), writer.rows


def xlsx_rates(body: bytes, rows: int) -> tuple[float, float]:
    """(ours, bare openpyxl) rows/s of CPU for ``rows`` rows, workbook saved."""
    from openpyxl import Workbook

    from chalicelib.files.exports import XlsxWriter
    domain, _, times, names = _tools()
    decode = our_pages(body)
    gc.collect()
    start = time.process_time()
    writer = XlsxWriter(domain.headers("messages", "zh"), lambda i: domain.sheet_title("messages", "zh", i),
                        typed=domain.typed_columns("messages"))
    while writer.rows < rows:
        for item in decode():
            writer.write(domain.message_row(item, times, names, "zh"))
    writer.save(io.BytesIO())
    ours = writer.rows / (time.process_time() - start)
    built = [domain.message_row(item, times, names, "zh") for item in decode()]
    header = domain.headers("messages", "zh")
    gc.collect()
    start = time.process_time()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("日志查询")
    sheet.append(header)
    written = 0
    while written < writer.rows:
        for row in built:
            sheet.append(row)
        written += len(built)
    book.save(io.BytesIO())
    return ours, written / (time.process_time() - start)


def child_rss(body_path: str, rows: int) -> None:
    """(in a child process) stream ``rows`` rows through our csv path into a file; print the peak RSS."""
    domain, CsvWriter, times, names = _tools()
    body = Path(body_path).read_bytes()
    decode = our_pages(body)
    with tempfile.TemporaryFile() as out:
        writer = CsvWriter(out, domain.headers("messages", "zh"), typed=domain.typed_columns("messages"))
        while writer.rows < rows:
            for item in decode():
                writer.write(domain.message_row(item, times, names, "zh"))
        writer.close()
        size = out.tell()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{writer.rows} {size} {peak:.1f}")


def rss_at(body: bytes, rows: int) -> tuple[int, int, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as page:
        page.write(body)
    try:
        out = subprocess.run([sys.executable, __file__, "--child", page.name, str(rows)], check=True,
                             capture_output=True, text=True).stdout.split()
    finally:
        os.unlink(page.name)
    return int(out[0]), int(out[1]), float(out[2])


# --- end to end on moto ----------------------------------------------------------------------------

def _log_messages(count: int, account_id: str, start: datetime) -> Iterator:
    """``count`` API messages of the account spread over three days, keyed as the log keys them."""
    from chalicelib.store.messages import index_keys
    items = bench_decode._messages(count, account_id, "", start)
    spread = timedelta(days=3) / count
    for n, message in enumerate(items):
        created = start + spread * n
        message.created_at = created
        for name, value in index_keys(account_id, message.pk, message.to, created, message.task_id,
                                      queued=False).items():
            setattr(message, name, value)
        yield message


def end_to_end(count: int) -> list[tuple[str, int, float, dict]]:
    from moto import mock_aws
    results = []
    with mock_aws():
        from devstack.provision import provision_stack
        provision_stack(ROOT / "infra" / "template.json", {"Stage": "local"})
        from app import app  # registers the handlers
        from chalicelib import aws
        from chalicelib.services import directory, downloads
        from chalicelib.services.identity import Caller
        from chalicelib.store.messages import Message
        from tests.service.helpers import drain_queue
        aws.reset()
        account = directory.create_bare_account("Bench Exports")
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3, hours=1)
        with Message.batch_write() as batch:
            for message in _log_messages(count, account.account_id, start):
                batch.save(message)
        caller = Caller("user", account.account_id, user_id="usr_bench", role="owner")
        for fmt in ("csv", "xlsx"):
            with counting_aws_calls() as calls:
                began = time.perf_counter()
                export = downloads.create(caller, {"type": "messages", "format": fmt,
                                                 "filters": {"start": (start - timedelta(hours=1)).isoformat()}})
                drain_queue(app, "exports")
                took = time.perf_counter() - began
            done = downloads.get(caller, export.export_id)
            assert done.status == "succeeded", (done.status, done.error)
            results.append((fmt, int(done.rows), took, dict(calls)))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv-rows", type=int, default=300_000)
    parser.add_argument("--xlsx-rows", type=int, default=30_000)
    parser.add_argument("--rss", default="1000000,5000000")
    parser.add_argument("--e2e", type=int, default=20_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_rss(args.child[0], int(args.child[1]))
        return
    print("command: .venv/bin/python bench/bench_exports.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    _, body, _ = bench_decode.capture_pages(PAGE_ITEMS, ["export"])["export"]
    print(f"page: {PAGE_ITEMS} messages, {len(body):,} bytes (the columns an export reads)")

    stock, rows = csv_rows_per_second(stock_pages(body), args.csv_rows)
    ours, _ = csv_rows_per_second(our_pages(body), args.csv_rows)
    print(f"csv per core, {rows:,} rows:  (a) boto3 + TypeDeserializer {stock:,.0f} rows/s   "
          f"(b) raw_pages {ours:,.0f} rows/s   ratio {ours / stock:.2f}x (goal >= 2x)")

    xlsx, bare = xlsx_rates(body, args.xlsx_rows)
    print(f"xlsx per core, {args.xlsx_rows:,} rows:  ours {xlsx:,.0f} rows/s   bare openpyxl write-only "
          f"{bare:,.0f} rows/s   ratio {xlsx / bare:.2f}x (goal >= 0.9x)")

    for rows in (int(n) for n in args.rss.split(",") if n):
        written, size, peak = rss_at(body, rows)
        print(f"peak RSS, csv of {written:,} rows ({size / 1e6:,.0f} MB): {peak:.0f} MB")

    if args.e2e:
        for fmt, rows, took, calls in end_to_end(args.e2e):
            total = sum(calls.values())
            detail = ", ".join(f"{name} {n}" for name, n in sorted(calls.items(), key=lambda kv: -kv[1]))
            print(f"end to end on moto, messages {fmt}: {rows:,} rows in {took:.1f} s; {total:,} AWS calls = "
                  f"{total / rows:.4f} per row ({detail})")


if __name__ == "__main__":
    main()
