"""Number-list upload parsing: rows/s per core and peak memory, beside a bare phonenumbers
parse-and-validate loop over the same numbers (the ratio is the figure).

    .venv/bin/python bench/bench_upload.py [--rows 200000]     (--rows 1000000 for the 1M figure)

The xlsx is written first (openpyxl write-only, not timed); parsing then runs in a fresh
process so its peak RSS is its own: the whole upload pipeline (`parse_to_chunks`): openpyxl
read-only, normalisation, the write-only bad-rows report, the spill to bucket files, the
per-bucket duplicate sets and the gzip chunk files (kept in memory here, put to S3 live).
"""
from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_xlsx(path: Path, rows: int) -> list[str]:
    from openpyxl import Workbook

    from bench.bench_domain import numbers
    values = numbers(rows, tail=6)  # mostly distinct numbers, as a real list
    book = Workbook(write_only=True)
    sheet = book.create_sheet("号码")
    sheet.append(["手机号码"])
    for value in values:
        sheet.append([value])
    book.save(path)
    return values


def parse_file(path: str, queue) -> None:
    from chalicelib.config import settings
    from chalicelib.files import numbers
    chunk_bytes = [0]

    def put_chunk(index: int, data: bytes) -> None:
        chunk_bytes[0] += len(data)  # S3 is not what is measured: count, then drop

    start_cpu = time.process_time()
    with open(path, "rb") as data:
        parsed = numbers.parse_to_chunks(data, path, "international", settings().task_chunk_size, put_chunk)
    cpu = time.process_time() - start_cpu
    result = parsed.result
    queue.put((result.total_rows, result.valid, result.invalid, result.duplicates, cpu,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, parsed.chunk_count, chunk_bytes[0]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    from bench.bench_domain import baseline
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "numbers.xlsx"
        values = write_xlsx(path, args.rows)
        start = time.process_time()
        baseline(values)
        base_cpu = time.process_time() - start
        queue = multiprocessing.get_context("spawn").Queue()
        child = multiprocessing.get_context("spawn").Process(target=parse_file, args=(str(path), queue))
        child.start()
        total, valid, invalid, duplicates, cpu, peak_mb, chunks, chunk_bytes = queue.get()
        child.join()
    print(f"upload of {args.rows:,} rows (xlsx, {valid:,} valid, {invalid:,} bad, {duplicates:,} duplicates)")
    print(f"  bare phonenumbers parse + validate   {args.rows / base_cpu:10,.0f} rows/s per core (baseline)")
    print(f"  upload pipeline (parse_to_chunks)    {args.rows / cpu:10,.0f} rows/s per core "
          f"(ratio to baseline {base_cpu / cpu:.2f})")
    print(f"  chunk files                          {chunks:10,} ({chunk_bytes / max(valid, 1):.1f} bytes per number)")
    print(f"  peak RSS of the parsing process      {peak_mb:10,.0f} MB")


if __name__ == "__main__":
    main()
