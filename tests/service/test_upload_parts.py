"""Large csv lists parsed in parallel parts (services.upload_parts), with tiny parts so a
list of a hundred rows spans many: the same counts, chunks and 异常数据.xlsx as one worker,
through redelivered tickets, workers that die halfway and a file that is not UTF-8; and
parses whose workers all died, resumed (or at last failed) by the stalled-upload sweeper."""
from __future__ import annotations

import io
import json

import boto3
import pytest
import requests
from openpyxl import load_workbook

from chalicelib.files import numbers
from chalicelib.services import upload_parts
from chalicelib.store.uploads import get_upload
from tests.service.helpers import drain_queue
from tests.service.messaging import carrier_messages, reset_carrier
from tests.service.tasks_helpers import handler, new_task, object_created, run_tasks, uk_numbers

BUCKET = "jmc-local-files"
PART_BYTES = 64
CHUNK_SIZE = 4


@pytest.fixture
def small_parts(monkeypatch, aws):
    """64-byte parts (about four rows each), 4 buckets and chunks of 4 numbers."""
    from chalicelib.config import settings
    monkeypatch.setenv("JMC_PARSE_PART_BYTES", str(PART_BYTES))
    monkeypatch.setenv("JMC_PARSE_BUCKETS", "4")
    monkeypatch.setenv("JMC_TASK_CHUNK_SIZE", str(CHUNK_SIZE))
    settings.cache_clear()
    yield
    settings.cache_clear()


def _list_csv() -> bytes:
    """UK and mainland numbers with duplicates, blanks and bad rows spread through the file
    (one with a comma, one quoted across nothing), CRLF line breaks and a BOM."""
    uk, cn = uk_numbers(30), [f"+86138001380{i:02d}" for i in range(20)]
    rows = []
    for i in range(30):
        rows.append(uk[i])
        if i < 20:
            rows.append(cn[i])
        if i % 7 == 3:
            rows.append(uk[i // 2])  # a duplicate
        if i % 9 == 4:
            rows += ["not a number", '"12,3"', ""]
    rows.append("+44 7400 100001")  # uk[1] written another way
    return ("\ufeffphone\r\n" + "\r\n".join(rows) + "\r\n").encode()


def _one_worker(data: bytes) -> tuple[numbers.ParsedList, list[str]]:
    chunks: list[bytes] = []
    parsed = numbers.parse_to_chunks(io.BytesIO(data), "x.csv", "international", CHUNK_SIZE,
                                     lambda index, body: chunks.append(body))
    return parsed, sorted(e164 for body in chunks for e164, _ in numbers.read_chunk(body))


def _presigned(client, token: str, data: bytes, filename: str = "big.csv") -> tuple[str, str]:
    reply = client.post("/v1/uploads/presign", {"kind": "international", "filename": filename}, token=token)
    post = reply.json["upload"]
    sent = requests.post(post["url"], data=post["fields"], files={"file": (filename, data)}, timeout=5)
    assert sent.status_code in (200, 204), sent.text
    return reply.json["upload_id"], post["fields"]["key"]


def _keys(prefix: str) -> list[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def _chunk_numbers(upload_id: str) -> list[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    found = []
    for index, key in enumerate(_keys(f"chunks/{upload_id}/")):
        assert key == f"chunks/{upload_id}/{index:06d}.csv.gz"  # no gap in the chunk indices
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        found += [e164 for e164, _ in numbers.read_chunk(body)]
    return sorted(found)


def _report_rows(key: str) -> list[tuple]:
    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def _queued_tickets() -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-uploads")["QueueUrl"]
    tickets = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return tickets
        for message in messages:
            tickets.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _requeue(tickets: list[dict]) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-uploads")["QueueUrl"]
    for ticket in tickets:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(ticket))


def test_a_large_csv_is_parsed_in_parts_with_the_counts_and_files_of_one_worker(client, app, demo_token,
                                                                                small_parts):
    data = _list_csv()
    upload_id, key = _presigned(client, demo_token, data)
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    parsing = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    parts = -(-len(data) // PART_BYTES)
    assert parsing["status"] == "parsing"
    assert parsing["progress"] == {"parts": parts, "parts_parsed": 0, "buckets": 4, "buckets_merged": 0}

    drain_queue(app, "uploads")

    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    whole, whole_numbers = _one_worker(data)
    assert body["status"] == "ready", body
    assert (body["total_rows"], body["valid"], body["invalid"], body["duplicates"]) == (
        whole.result.total_rows, whole.result.valid, whole.result.invalid, whole.result.duplicates)
    assert (body["valid"], body["invalid"], body["duplicates"]) == (50, 6, 5)
    assert body["countries"] == whole.result.countries == {"GB": 30, "CN": 20}
    assert body["message"] == "检测到异常数据6条"
    assert body["progress"] == {"parts": parts, "parts_parsed": parts, "buckets": 4, "buckets_merged": 4}
    assert _chunk_numbers(upload_id) == whole_numbers
    report = get_upload(upload_id).report_key
    assert _report_rows(report) == [tuple(r) for r in load_workbook(io.BytesIO(whole.bad_rows_xlsx), read_only=True)
                                    .worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert [row[:2] for row in _report_rows(report)][:2] == [(13, "not a number"), (14, "12,3")]
    assert _keys(f"work/{upload_id}/") == []  # the parts' files are gone once it is ready


def test_a_report_past_its_limit_counts_the_rows_it_does_not_list(client, app, demo_token, small_parts,
                                                                  monkeypatch):
    monkeypatch.setattr(numbers, "REPORT_MAX_ROWS", 2)
    upload_id, key = _presigned(client, demo_token, _list_csv())
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    drain_queue(app, "uploads")
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    rows = _report_rows(get_upload(upload_id).report_key)
    assert body["invalid"] == 6 and body["message"] == "检测到异常数据6条"
    assert [row[:2] for row in rows] == [(13, "not a number"), (14, "12,3"), (None, None)]
    assert rows[-1][2].startswith("另有4条异常数据未列出")


def test_every_ticket_delivered_twice_changes_nothing(client, app, demo_token, small_parts):
    data = _list_csv()
    upload_id, key = _presigned(client, demo_token, data)
    parse = handler(app, "parse_uploaded_numbers")
    parse(object_created(key), None)
    parse(object_created(key), None)  # the S3 event twice: one set of part tickets
    tickets = _queued_tickets()
    assert sorted(t["part"] for t in tickets) == list(range(-(-len(data) // PART_BYTES)))
    seen = []
    for _ in range(3):  # each ticket now, again after the step it started, and again at the end
        _requeue(tickets + tickets)
        while True:
            batch = _queued_tickets()
            if not batch:
                break
            seen += batch
            for ticket in batch:
                upload_parts.handle(ticket)
        tickets = seen
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    whole, whole_numbers = _one_worker(data)
    assert (body["status"], body["valid"], body["invalid"], body["duplicates"]) == (
        "ready", whole.result.valid, whole.result.invalid, whole.result.duplicates)
    assert _chunk_numbers(upload_id) == whole_numbers


def test_workers_that_die_halfway_are_redone_without_gaps_or_repeats(client, app, demo_token, small_parts,
                                                                     monkeypatch):
    from chalicelib.services import uploads
    data = _list_csv()
    upload_id, key = _presigned(client, demo_token, data)
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    real_put, real_bucket_put = uploads.chunk_putter, upload_parts._put_work_object
    dying = {"chunk": 2, "work": 3}

    def crash_after(kind: str, put):
        def put_then_maybe_die(*args):
            put(*args)
            dying[kind] -= 1
            if dying[kind] == 0:
                raise ConnectionError(f"worker died writing {kind} files")
        return put_then_maybe_die
    monkeypatch.setattr(uploads, "chunk_putter", lambda *a: crash_after("chunk", real_put(*a)))
    monkeypatch.setattr(upload_parts, "_put_work_object", crash_after("work", real_bucket_put))
    died = 0
    for _ in range(100):
        tickets = _queued_tickets()
        if not tickets:
            break
        for ticket in tickets:
            try:
                upload_parts.handle(ticket)
            except ConnectionError:
                died += 1
                _requeue([ticket])  # SQS hands it out again after the visibility timeout
    assert died == 2
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    whole, whole_numbers = _one_worker(data)
    assert (body["status"], body["valid"], body["duplicates"]) == ("ready", whole.result.valid,
                                                                    whole.result.duplicates)
    assert _chunk_numbers(upload_id) == whole_numbers
    assert get_upload(upload_id).chunk_count == len(_keys(f"chunks/{upload_id}/"))


def test_a_part_that_is_not_utf8_fails_the_upload_with_nothing_usable(client, app, demo_token, small_parts):
    data = _list_csv().replace(b"+447400100020", b"+44740010\xff\xfe20")
    upload_id, key = _presigned(client, demo_token, data)
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    drain_queue(app, "uploads")
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    assert body["status"] == "failed" and "not UTF-8" in body["error"] and "bytes" in body["error"]
    assert body["valid"] == 0 and _keys(f"chunks/{upload_id}/") == []
    reply = new_task(client, demo_token, upload_id)
    assert reply.status == 422 and reply.json["error"]["field"] == "upload_id", reply


def test_a_csv_up_to_one_part_is_parsed_at_once(client, app, demo_token, small_parts):
    upload_id, key = _presigned(client, demo_token, b"phone\n+447400100001\n")
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    assert (body["status"], body["valid"], body["progress"]) == ("ready", 1, None)
    assert _queued_tickets() == []


def test_a_task_sends_every_number_of_a_list_parsed_in_parts_once(client, app, demo_token, small_parts, carrier_sim):
    reset_carrier(carrier_sim.url)
    data = _list_csv()
    upload_id, key = _presigned(client, demo_token, data)
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    drain_queue(app, "uploads")
    reply = new_task(client, demo_token, upload_id, content="【锦木科技】Sale today")
    assert reply.status == 201, reply
    run_tasks(app)
    sent = sorted("+" + m["to"] for m in carrier_messages(carrier_sim.url))
    assert sent == _one_worker(data)[1]
    assert client.get(f"/v1/tasks/{reply.json['task_id']}", token=demo_token).json["status"] == "completed"



# --- stalled parses: resume_stalled ------------------------------------------------------------

def _stall(upload_id: str) -> None:
    """Let PARSE_STALE_AFTER pass with no step finished: the watch falls due."""
    from datetime import timedelta

    from chalicelib.services import uploads
    from chalicelib.store.base import utcnow
    from chalicelib.store.uploads import watch_actions
    upload = get_upload(upload_id)
    then = utcnow() - uploads.PARSE_STALE_AFTER - timedelta(seconds=1)
    upload.update(actions=watch_actions(upload_id, uploads.watch_until(then)))


def _sweep(app) -> None:
    from devstack.runner import scheduled_event
    handler(app, "resume_stalled_uploads")(scheduled_event("resume_stalled_uploads", "us-east-1"), None)


def test_a_parse_whose_worker_was_killed_is_resumed_once_it_stalls(client, app, demo_token, small_parts):
    from chalicelib.services import uploads
    upload_id, key = _presigned(client, demo_token, b"phone\n+447400100001\n+447400100001\nbad\n")
    assert uploads.claim_stored(key) is not None  # the S3 event's worker claimed it, then was killed
    _sweep(app)
    assert _queued_tickets() == []  # not stalled yet: a live worker may still be parsing
    handler(app, "parse_uploaded_numbers")(object_created(key), None)  # the event's retry finds it taken
    assert get_upload(upload_id).status == "parsing"

    _stall(upload_id)
    _sweep(app)
    _sweep(app)  # the next sweep finds it claimed again, not stalled
    tickets = _queued_tickets()
    assert tickets == [{"upload_id": upload_id, "step": "resume"}]
    _requeue(tickets)
    drain_queue(app, "uploads")
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    assert (body["status"], body["valid"], body["invalid"], body["duplicates"]) == ("ready", 1, 1, 1)
    upload = get_upload(upload_id)
    assert (upload.due, upload.due_key, upload.parse_revivals) == (None, None, 1)  # no longer watched


def test_a_parallel_parse_whose_tickets_were_lost_resumes_where_it_stopped(client, app, demo_token, small_parts):
    data = _list_csv()
    upload_id, key = _presigned(client, demo_token, data)
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    tickets = _queued_tickets()
    for ticket in tickets[: len(tickets) // 2]:
        upload_parts.handle(ticket)  # the other half went to the dead-letter queue
    parsed = len(get_upload(upload_id).parts_done)
    assert 0 < parsed < len(tickets)

    _stall(upload_id)
    _sweep(app)
    drain_queue(app, "uploads")
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    whole, whole_numbers = _one_worker(data)
    assert (body["status"], body["valid"], body["invalid"], body["duplicates"]) == (
        "ready", whole.result.valid, whole.result.invalid, whole.result.duplicates)
    assert _chunk_numbers(upload_id) == whole_numbers


def test_a_parse_that_keeps_stalling_fails_with_the_reason(client, app, demo_token, small_parts):
    from chalicelib.services import uploads
    upload_id, key = _presigned(client, demo_token, b"phone\n+447400100001\n")
    uploads.claim_stored(key)
    for revival in range(1, upload_parts.MAX_REVIVALS + 1):
        _stall(upload_id)
        _sweep(app)
        assert _queued_tickets() == [{"upload_id": upload_id, "step": "resume"}]  # and its worker is killed
        assert get_upload(upload_id).parse_revivals == revival
    _stall(upload_id)
    _sweep(app)
    assert _queued_tickets() == []
    body = client.get(f"/v1/uploads/{upload_id}", token=demo_token).json
    assert body["status"] == "failed" and body["error"].startswith("parsing stopped 4 times"), body
    assert get_upload(upload_id).due is None
    reply = new_task(client, demo_token, upload_id)
    assert reply.status == 422 and reply.json["error"]["field"] == "upload_id", reply
    upload_parts.handle({"upload_id": upload_id, "step": "resume"})  # a late ticket changes nothing
    assert get_upload(upload_id).status == "failed"


def test_a_watch_left_on_a_finished_upload_is_cleared_without_a_parse(client, app, demo_token, small_parts):
    upload_id, key = _presigned(client, demo_token, b"phone\n+447400100001\n")
    handler(app, "parse_uploaded_numbers")(object_created(key), None)
    assert get_upload(upload_id).due is None
    _stall(upload_id)  # as a late part worker's heartbeat would
    _sweep(app)
    assert _queued_tickets() == []
    upload = get_upload(upload_id)
    assert (upload.status, upload.due, upload.parse_revivals) == ("ready", None, 0)


def test_a_released_upload_whose_event_retries_ran_out_is_parsed_by_the_sweeper(client, app, demo_token,
                                                                                  small_parts, monkeypatch):
    from chalicelib.services import uploads
    upload_id, key = _presigned(client, demo_token, b"phone\n+447400100001\n")
    def sqs_down(upload):
        raise ConnectionError("SQS is unreachable")
    with monkeypatch.context() as patch, pytest.raises(ConnectionError):
        patch.setattr(upload_parts, "_parse_claimed", sqs_down)
        handler(app, "parse_uploaded_numbers")(object_created(key), None)
    assert get_upload(upload_id).status == uploads.UPLOADING  # handed back; Lambda's retries are lost
    _stall(upload_id)
    _sweep(app)
    drain_queue(app, "uploads")
    assert client.get(f"/v1/uploads/{upload_id}", token=demo_token).json["status"] == "ready"
