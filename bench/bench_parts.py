"""A large csv list parsed in parallel parts (services.upload_parts): what one part worker,
one bucket merge and the report join do per second, the wall time with 1 and with N worker
processes, and what that makes of a 100M-number list on Lambda.

    .venv/bin/python bench/bench_parts.py [--rows 1000000] [--part-mb 16] [--buckets 256]

The steps run the service's own pure code (files.parts, files.numbers) with local files
where the service uses S3 objects, so S3 latency is not in the figures (a part makes
``buckets`` PutObjects, a bucket merge one GetObject per part: tens of milliseconds each,
in parallel with nothing else in the worker).
"""
from __future__ import annotations

import argparse
import gzip
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAMBDA_SECONDS = 900
TARGET_ROWS = 100_000_000


def write_csv(path: Path, rows: int) -> list[str]:
    from bench.bench_domain import numbers
    values = numbers(rows, tail=6)  # mostly distinct numbers, ~8 % bad, as bench_upload
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("phone\r\n")
        out.writelines(f"{value}\r\n" for value in values)
    return values


def parse_one_part(job) -> tuple:
    """One part worker: read its byte range, parse, spill to bucket files, gzip them."""
    from chalicelib.files import numbers, parts
    path, work, part, begin, end, buckets = job
    started = time.process_time()
    bad = parts.BadRowsSpool()
    with open(path, "rb") as source, tempfile.TemporaryDirectory(dir=work) as spill_dir:
        source.seek(parts.read_from(begin))
        chunks = iter(lambda: source.read(1024 * 1024), b"")
        spilled = numbers.SpilledNumbers(spill_dir, buckets)
        read = parts.parse_part(parts.owned_lines(parts.lines_of(chunks), begin, end), part == 0,
                                "international", spilled.add, bad.add)
        for bucket, spill in enumerate(spilled.buckets()):
            text = spill.read()
            if text:
                Path(work, f"b{bucket:05d}").mkdir(exist_ok=True)
                Path(work, f"b{bucket:05d}", f"p{part:05d}.gz").write_bytes(gzip.compress(text.encode(), 1))
        spilled.close()
    Path(work, f"bad-p{part:05d}.gz").write_bytes(bad.to_bytes())
    return (read.lines, read.result.total_rows, read.result.valid, read.result.invalid,
            time.process_time() - started, _peak_mb())


def merge_one_bucket(job) -> tuple:
    """One bucket merge: every part's file of the bucket, duplicates dropped, chunk files."""
    from chalicelib.files import numbers
    work, bucket, chunk_size = job
    started = time.process_time()
    folder = Path(work, f"b{bucket:05d}")
    lines = (line for f in sorted(folder.glob("p*.gz")) for line in
             gzip.decompress(f.read_bytes()).decode().splitlines(keepends=True)) if folder.exists() else iter(())
    sizes: list[int] = []
    countries: dict[str, int] = {}
    writer = numbers.ChunkWriter(chunk_size, lambda index, body: sizes.append(len(body)))
    valid = 0
    for line in numbers.unique_lines(lines, countries):
        valid += 1
        writer.add(line)
    writer.flush()
    return valid, len(sizes), time.process_time() - started, _peak_mb()


def join_report(work: str, lines_per_part: list[int]) -> tuple[int, float, int]:
    """The report worker: every part's bad rows, renumbered, into 异常数据.xlsx."""
    from chalicelib.files import numbers, parts
    started = time.process_time()
    report = numbers.BadRowsReport()
    for part, offset in enumerate(parts.row_offsets(lines_per_part)):
        for row in parts.read_bad_rows(Path(work, f"bad-p{part:05d}.gz").read_bytes(), offset):
            report.add(*row)
    xlsx = report.to_bytes() or b""
    return report.count, time.process_time() - started, len(xlsx)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(path: Path, work: str, part_bytes: int, buckets: int, workers: int) -> dict:
    from chalicelib.files import parts
    size = path.stat().st_size
    ranges = parts.part_ranges(size, part_bytes)
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        pool.map(int, [0] * workers)  # start the processes before the clock
        started = time.perf_counter()
        jobs = [(str(path), work, i, b, e, buckets) for i, (b, e) in enumerate(ranges)]
        part_results = pool.map(parse_one_part, jobs, chunksize=1)
        parsed_at = time.perf_counter()
        merge_results = pool.map(merge_one_bucket, [(work, b, 1000) for b in range(buckets)], chunksize=4)
        merged_at = time.perf_counter()
    return {"parts": part_results, "merges": merge_results, "parse_wall": parsed_at - started,
            "merge_wall": merged_at - parsed_at, "part_count": len(ranges), "size": size}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--part-mb", type=float, default=16)
    parser.add_argument("--buckets", type=int, default=256)
    args = parser.parse_args()
    part_bytes = int(args.part_mb * 1024 * 1024)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "numbers.csv"
        values = write_csv(path, args.rows)
        from bench.bench_domain import baseline
        started = time.process_time()
        baseline(values)
        base_rate = len(values) / (time.process_time() - started)
        runs = {}
        for workers in sorted({1, cores}):
            work = tempfile.mkdtemp(dir=tmp)
            runs[workers] = run(path, work, part_bytes, args.buckets, workers)
        report_rows, report_cpu, report_bytes = join_report(work, [p[0] for p in runs[cores]["parts"]])
    one = runs[1]
    rows = sum(p[1] for p in one["parts"])
    part_cpu, merge_cpu = sum(p[4] for p in one["parts"]), sum(m[2] for m in one["merges"])
    valid_rows, unique = sum(p[2] for p in one["parts"]), sum(m[0] for m in one["merges"])
    part_rate, merge_rate = rows / part_cpu, valid_rows / merge_cpu
    bytes_per_row = one["size"] / rows
    rows_per_part = part_bytes / bytes_per_row  # a full part; the last one is shorter
    print(f"csv of {args.rows:,} rows, {one['size'] / 1e6:,.1f} MB, in {one['part_count']} parts of "
          f"{args.part_mb:g} MB ({rows_per_part:,.0f} rows in a full one), {args.buckets} buckets")
    print(f"  bare phonenumbers parse + validate  {base_rate:10,.0f} rows/s per core (baseline)")
    print(f"  part workers (read, parse, spill)   {part_rate:10,.0f} rows/s per core (ratio to baseline "
          f"{part_rate / base_rate:.2f}); peak RSS {max(p[5] for p in one['parts']):,.0f} MB")
    print(f"  bucket merges (dedupe, chunk)       {merge_rate:10,.0f} numbers/s per core; "
          f"peak RSS {max(m[3] for m in one['merges']):,.0f} MB; {unique:,} unique of {valid_rows:,} valid")
    print(f"  report join (异常数据.xlsx)          {report_rows / max(report_cpu, 1e-9):10,.0f} bad rows/s "
          f"({report_rows:,} rows, {report_bytes / 1e6:.1f} MB xlsx)")
    for workers, result in runs.items():
        total = result["parse_wall"] + result["merge_wall"]
        print(f"  wall time with {workers} worker process(es)  parse {result['parse_wall']:6.1f} s + merge "
              f"{result['merge_wall']:5.1f} s = {total:6.1f} s ({rows / total:,.0f} rows/s)")
    if cores > 1:
        speedup = (one["parse_wall"] + one["merge_wall"]) / (runs[cores]["parse_wall"] + runs[cores]["merge_wall"])
        print(f"  speed-up with {cores} processes            {speedup:.2f}x")
    from chalicelib.files.numbers import REPORT_MAX_ROWS
    parts_100m = math.ceil(TARGET_ROWS * bytes_per_row / part_bytes)
    part_seconds = rows_per_part / part_rate
    merge_seconds = TARGET_ROWS * (valid_rows / rows) / args.buckets / merge_rate
    bad_rows = TARGET_ROWS * report_rows / rows
    report_seconds = min(bad_rows, REPORT_MAX_ROWS) / (report_rows / max(report_cpu, 1e-9))
    print("100M rows on Lambda (one vCPU per worker, the rates above, S3 latency aside):")
    print(f"  {TARGET_ROWS * bytes_per_row / 1e9:.2f} GB of csv: {parts_100m} part workers at once, "
          f"{part_seconds:,.0f} s each (Lambda's limit: {LAMBDA_SECONDS} s)")
    print(f"  then {args.buckets} bucket merges at once, {merge_seconds:,.1f} s each, beside one report join of "
          f"{report_seconds:,.0f} s ({min(bad_rows, REPORT_MAX_ROWS):,.0f} of {bad_rows:,.0f} bad rows listed)")
    print(f"  ready after about {part_seconds + max(merge_seconds, report_seconds):,.0f} s "
          f"({part_seconds + merge_seconds:,.0f} s for a list with no bad rows)")


if __name__ == "__main__":
    main()
