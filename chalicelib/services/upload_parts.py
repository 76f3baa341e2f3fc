"""Number lists uploaded to S3 (presigned), and large csv lists parsed in parallel.

An S3 event starts ``parse_stored``. An xlsx (at most 1,048,576 rows a sheet) or a csv up to
``parse_part_bytes`` is parsed by that one worker (``uploads.parse_whole``). A larger csv,
up to 100M numbers, is parsed by many workers through the ``uploads`` queue, in two steps:

1. **parts**: one ticket per byte range of the file (``files.parts``). A part worker reads
   only its range, sends valid numbers to ``buckets`` hash buckets
   (``work/<id>/b<bucket>/p<part>.csv.gz``) and bad rows to ``work/<id>/bad/p<part>.csv.gz``,
   and records an ``UploadPart``. The worker that finds every part done sends step 2.
2. **merges**: one ticket per bucket, plus one for the report. A bucket worker reads its
   bucket from every part, drops duplicates, reserves a run of chunk indices on the upload
   (compare-and-set, once per bucket) and writes its chunk files there, then records an
   ``UploadBucket``. The report worker joins the parts' bad rows, numbered as rows of the
   whole file, into 异常数据.xlsx. The worker that finds every merge done sums the parts
   and buckets onto the upload: it is ready, with the same counts and files as a
   one-worker parse.

Every ticket may come more than once, or after its worker died halfway. A step whose record
exists is not done again; a step redone writes the same objects, to the same keys; the chunk
indices a bucket reserved are kept; the counts are summed once, by a conditional write.

Every step finished re-arms the upload's watch (``uploads.watch_actions``). When no step has
finished for ``PARSE_STALE_AFTER`` (the S3 event's worker was killed, or tickets went to the
dead-letter queue), ``resume_stalled`` sends a ``resume`` ticket that parses it again from
where it stopped; after ``MAX_REVIVALS`` of those the upload fails with the reason.
"""
from __future__ import annotations

import gzip
import logging
import math
import tempfile
from collections.abc import Iterator
from typing import Literal

from .. import aws
from ..config import settings
from ..domain import upload_states as states
from ..files import numbers, parts
from ..store import uploads as store
from ..store.base import as_dict, iso, utcnow
from ..store.uploads import Upload, UploadBucket, UploadPart, bucket_sk, get_upload, part_sk, upload_pk
from . import uploads

log = logging.getLogger(__name__)

QUEUE = "uploads"
WORK_PREFIX = "work/"
READ_CHUNK_BYTES = 1024 * 1024
PARSE, MERGE, REPORT, RESUME = "parse", "merge", "report", "resume"
#: Stalled parses resumed before the upload is failed: each had ``PARSE_STALE_AFTER`` to
#: make progress, so a file that kills its workers every time ends in about 80 minutes.
MAX_REVIVALS = 3
STALLED = ("parsing stopped {n} times without finishing (the workers died or ran out of time); "
           "upload the file again, or write to support with the upload id")

#: What a step did with its ticket (or the S3 event).
Outcome = Literal["skipped", "not parsing", "parsing in parts", "parsed", "parsed; merging", "merged",
                  "finished before", "ready", "failed"]


def bucket_object_key(upload_id: str, bucket: int, part: int) -> str:
    return f"{WORK_PREFIX}{upload_id}/b{bucket:05d}/p{part:05d}.csv.gz"


def bad_rows_key(upload_id: str, part: int) -> str:
    return f"{WORK_PREFIX}{upload_id}/bad/p{part:05d}.csv.gz"


# --- the S3 event ----------------------------------------------------------------------------

def parse_stored(key: str) -> Outcome:
    """Parse an uploaded source object (the S3 event's key): at once, or, for a large csv,
    by sending its part tickets. Returns what happened. If this fails on anything but the
    file, the upload is handed back and the error raised, so Lambda's retry of the event
    parses it again (a worker killed outright leaves it to ``PARSE_STALE_AFTER``)."""
    upload = uploads.claim_stored(key)
    if upload is None:
        return "skipped"
    try:
        return _parse_claimed(upload)
    except Exception:
        uploads.release(upload)  # S3, DynamoDB or SQS failed: the event's retry starts over
        raise


def _parse_claimed(upload: Upload) -> Outcome:
    size = aws.client("s3").head_object(Bucket=settings().files_bucket, Key=upload.source_key)["ContentLength"]
    if upload.part_count is None and not _is_large(upload, size):
        return uploads.parse_whole(upload)
    return start(upload, size)


def _is_large(upload: Upload, size: int) -> bool:
    return uploads.source_format(upload) == "csv" and size > settings().parse_part_bytes


def start(upload: Upload, size: int) -> Outcome:
    """Split a claimed upload into parts and send the tickets of whatever is not done yet
    (a parse claimed again after its workers died resumes where it stopped)."""
    if upload.part_count is None:
        part_bytes = settings().parse_part_bytes
        store.split_into_parts(upload, size, part_bytes, math.ceil(size / part_bytes), settings().parse_buckets)
    parts_left = sorted(set(range(int(upload.part_count))) - _done(upload.parts_done))
    if parts_left:
        aws.send_messages(QUEUE, ({"upload_id": upload.upload_id, "step": PARSE, "part": p} for p in parts_left))
    else:
        _send_merges(upload)
    log.info("upload %s: %d bytes in %d parts, %d to parse", upload.upload_id, size, upload.part_count,
             len(parts_left))
    return "parsing in parts"


# --- tickets ---------------------------------------------------------------------------------

def handle(ticket: dict) -> Outcome:
    """One ticket of the uploads queue; returns what happened."""
    upload = get_upload(ticket["upload_id"])
    if upload is None or upload.status != states.PARSING:
        return "not parsing"  # failed or finished: nothing to do
    step = ticket["step"]
    if step == RESUME:
        return _parse_claimed(upload)  # claimed by resume_stalled; a retry of it resumes again
    if upload.part_count is None:
        return "not parsing"  # never split: a part or merge ticket has nothing to do
    if step == PARSE:
        return parse_part(upload, int(ticket["part"]))
    if step == MERGE:
        return merge_bucket(upload, int(ticket["bucket"]))
    if step == REPORT:
        return write_report(upload)
    raise ValueError(f"unknown upload step {step!r}")


def parse_part(upload: Upload, part: int) -> Outcome:
    """Parse one byte range into the buckets; the last part to finish sends the merges."""
    if not 0 <= part < int(upload.part_count):
        raise ValueError(f"upload {upload.upload_id} has no part {part}")
    if not store.part_recorded(upload.upload_id, part):
        try:
            record = _parse_range(upload, part)
        except numbers.UnreadableFile as exc:
            uploads.fail(upload, str(exc))
            return "failed"
        record.save()
    store.record_part_parsed(upload, part, uploads.watch_until())
    if len(_done(upload.parts_done)) < int(upload.part_count):
        return "parsed"
    if upload.merging_at is None:
        _send_merges(upload)
    return "parsed; merging"


def _parse_range(upload: Upload, part: int) -> UploadPart:
    begin = part * int(upload.part_bytes)
    end = min(begin + int(upload.part_bytes), int(upload.source_bytes))
    body = aws.client("s3").get_object(Bucket=settings().files_bucket, Key=upload.source_key,
                                       Range=f"bytes={parts.read_from(begin)}-")["Body"]
    bad_rows = parts.BadRowsSpool()
    with tempfile.TemporaryDirectory() as directory:
        spilled = numbers.SpilledNumbers(directory, int(upload.buckets))
        try:
            lines = parts.owned_lines(parts.lines_of(body.iter_chunks(READ_CHUNK_BYTES)), begin, end)
            try:
                read = parts.parse_part(lines, part == 0, upload.kind, spilled.add, bad_rows.add)
            except numbers.UnreadableFile as exc:
                raise numbers.UnreadableFile(f"{exc}, in bytes {begin}-{end - 1}") from None
            for bucket, spill in enumerate(spilled.buckets()):
                text = spill.read()
                if text:
                    _put_work_object(bucket_object_key(upload.upload_id, bucket, part),
                                     gzip.compress(text.encode("ascii"), compresslevel=1))
        finally:
            spilled.close()
            body.close()
    if bad_rows.count:
        _put_work_object(bad_rows_key(upload.upload_id, part), bad_rows.to_bytes())
    result = read.result
    return UploadPart(upload_pk(upload.upload_id), part_sk(part), lines=read.lines, total_rows=result.total_rows,
                      valid=result.valid, invalid=result.invalid)


def _put_work_object(key: str, body: bytes) -> None:
    aws.client("s3").put_object(Bucket=settings().files_bucket, Key=key, Body=body)


def _send_merges(upload: Upload) -> None:
    """Tickets for every merge not done (each bucket, and the report as step ``buckets``)."""
    buckets = int(upload.buckets)
    left = sorted(set(range(buckets + 1)) - _done(upload.merged))
    aws.send_messages(QUEUE, ({"upload_id": upload.upload_id, "step": REPORT} if step == buckets else
                              {"upload_id": upload.upload_id, "step": MERGE, "bucket": step} for step in left))
    store.record_merges_sent(upload, uploads.watch_until())


def merge_bucket(upload: Upload, bucket: int) -> Outcome:
    """Deduplicate one bucket across the parts into chunk files."""
    if not 0 <= bucket < int(upload.buckets):
        raise ValueError(f"upload {upload.upload_id} has no bucket {bucket}")
    if not store.bucket_recorded(upload.upload_id, bucket):
        countries: dict[str, int] = {}
        bodies: list[bytes] = []
        chunks = numbers.ChunkWriter(settings().task_chunk_size, lambda index, body: bodies.append(body))
        valid = 0
        for line in numbers.unique_lines(_bucket_lines(upload, bucket), countries):
            valid += 1
            chunks.add(line)
        chunks.flush()
        put = uploads.chunk_putter(upload.upload_id, store.reserve_chunk_run(upload, bucket, len(bodies)))
        for index, body in enumerate(bodies):
            put(index, body)
        UploadBucket(upload_pk(upload.upload_id), bucket_sk(bucket), valid=valid, chunks=len(bodies),
                     countries=countries).save()
    return _merged(upload, bucket)


def _bucket_lines(upload: Upload, bucket: int) -> Iterator[str]:
    """The bucket's lines from every part, in part order (a redone merge sees the same)."""
    s3, files = aws.client("s3"), settings().files_bucket
    prefix = f"{WORK_PREFIX}{upload.upload_id}/b{bucket:05d}/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=files, Prefix=prefix):
        for item in page.get("Contents", []):
            data = s3.get_object(Bucket=files, Key=item["Key"])["Body"].read()
            yield from gzip.decompress(data).decode("ascii").splitlines(keepends=True)


def write_report(upload: Upload) -> Outcome:
    """Join the parts' bad rows into 异常数据.xlsx, numbered as rows of the whole file."""
    report_step = int(upload.buckets)
    if report_step not in _done(upload.merged):
        records = store.parts_of(upload.upload_id)
        report = numbers.BadRowsReport()
        s3, files = aws.client("s3"), settings().files_bucket
        for (part, record), offset in zip(records, parts.row_offsets([int(r.lines) for _, r in records]), strict=True):
            if report.full:
                report.add_unlisted(int(record.invalid))
            elif int(record.invalid):
                data = s3.get_object(Bucket=files, Key=bad_rows_key(upload.upload_id, part))["Body"].read()
                for row in parts.read_bad_rows(data, offset):
                    report.add(*row)
        xlsx = report.to_bytes()
        if xlsx:
            uploads.put_report(upload.upload_id, xlsx)
    return _merged(upload, report_step)


def _merged(upload: Upload, step: int) -> Outcome:
    store.record_merged(upload, step, uploads.watch_until())
    if len(_done(upload.merged)) < int(upload.buckets) + 1:
        return "merged"
    return _finish(upload)


def _finish(upload: Upload) -> Outcome:
    """Sum the parts and buckets onto the upload: it is ready (once, whoever gets here)."""
    records = [record for _, record in store.parts_of(upload.upload_id)]
    buckets = store.buckets_of(upload.upload_id)
    countries: dict[str, int] = {}
    for bucket in buckets:
        for country, count in as_dict(bucket.countries).items():
            countries[country] = countries.get(country, 0) + int(count)
    valid, invalid = sum(int(b.valid) for b in buckets), sum(int(r.invalid) for r in records)
    values = {"total_rows": sum(int(r.total_rows) for r in records), "valid": valid, "invalid": invalid,
              "duplicates": sum(int(r.valid) for r in records) - valid, "countries": countries,
              "chunk_count": int(upload.next_chunk),
              "report_key": uploads.report_key(upload.upload_id) if invalid else None}
    if not store.mark_ready(upload, values):
        return "finished before"
    _delete_work(upload.upload_id)
    return "ready"


def _delete_work(upload_id: str) -> None:
    """The parts' bucket and bad-row files are spent once the upload is ready (the bucket's
    lifecycle rule removes any a crash leaves behind)."""
    s3, files = aws.client("s3"), settings().files_bucket
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=files, Prefix=f"{WORK_PREFIX}{upload_id}/"):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=files, Delete={"Objects": keys, "Quiet": True})


# --- stalled parses ---------------------------------------------------------------------------

def resume_stalled(now=None) -> dict[str, int]:
    """The sweeper: every watched upload with no step finished for ``PARSE_STALE_AFTER`` is
    claimed again (compare-and-set on its watch, so two sweeps never both take it) and gets a
    ``resume`` ticket; past ``MAX_REVIVALS`` it fails. Reads the due-index's ``PARSE`` part only."""
    now = now or utcnow()
    outcome = {"resumed": 0, "failed": 0}
    for item in store.watched_until(now):
        upload = get_upload(item.upload_id)  # the index lags; decide on the table's item
        if upload is None or upload.due_key is None or not _watch_ran_out(upload, now):
            continue
        if upload.status not in (states.UPLOADING, states.PARSING):
            store.unwatch(upload)  # a late step re-armed it
        elif int(upload.parse_revivals) >= MAX_REVIVALS:
            if store.fail_stalled(upload, STALLED.format(n=int(upload.parse_revivals) + 1)):
                log.error("upload %s: parsing stalled %d times; failed", upload.upload_id, MAX_REVIVALS + 1)
                outcome["failed"] += 1
        elif store.claim_stalled(upload, now, uploads.watch_until(now)):
            aws.send_messages(QUEUE, [{"upload_id": upload.upload_id, "step": RESUME}])
            log.warning("upload %s: parsing stalled; resumed (%d)", upload.upload_id, upload.parse_revivals)
            outcome["resumed"] += 1
    return outcome


def _watch_ran_out(upload: Upload, now) -> bool:
    return upload.due_key <= iso(now) + "~"  # after every key of this instant (``<stalled-at>#<id>``)


# --- records ---------------------------------------------------------------------------------

def _done(steps) -> set[int]:
    return {int(step) for step in steps or ()}
