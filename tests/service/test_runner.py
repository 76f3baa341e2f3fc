"""The local event runner invokes registered handlers the way Lambda would: SQS batches
from real queues (on moto) and schedules at the local tick."""
from __future__ import annotations

import threading
import time

import boto3
from chalice import Blueprint, Chalice, Rate

from devstack.runner import EventRunner, resolve_handler

bp = Blueprint(__name__)
seen: dict[str, list] = {"sqs": [], "schedule": []}
done = threading.Event()


@bp.on_sqs_message(queue="jmc-local-notifications", batch_size=10)
def probe_queue(event):
    seen["sqs"].extend((r.body, r.to_dict()["messageId"]) for r in event)
    done.set()


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def probe_schedule(event):
    seen["schedule"].append(event.to_dict()["detail-type"])


def test_runner_drains_queues_and_fires_schedules(aws):
    app = Chalice(app_name="probe")
    app.register_blueprint(bp)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-notifications")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    runner = EventRunner(app, region="us-east-1", schedule_tick=0.2)
    runner.start()
    try:
        deadline = time.time() + 10
        while time.time() < deadline and (len(seen["sqs"]) < 3 or not seen["schedule"]):
            time.sleep(0.1)
    finally:
        runner.stop()
    assert sorted(body for body, _ in seen["sqs"]) == ["m0", "m1", "m2"]
    assert len({message_id for _, message_id in seen["sqs"]}) == 3  # each record keeps its own id
    assert "Scheduled Event" in seen["schedule"]


def test_handlers_resolve_from_their_handler_string():
    from app import app
    source = next(s for s in app.event_sources if s.name == "send_notifications")
    assert source.handler_string == "chalicelib.jobs.notifications.send_notifications"
    assert callable(resolve_handler(source.handler_string))


uploads_seen: list[str] = []
flaky_calls: list[str] = []


@bp.on_cw_event({"source": ["aws.s3"], "detail-type": ["Object Created"],
                 "detail": {"bucket": {"name": ["jmc-local-files"]}, "object": {"key": [{"prefix": "probe/"}]}}})
def probe_upload(event):
    key = event.to_dict()["detail"]["object"]["key"]
    flaky_calls.append(key)
    if key.endswith("flaky") and flaky_calls.count(key) == 1:
        raise RuntimeError("first attempt fails")
    uploads_seen.append(key)


def test_s3_object_created_reaches_cw_event_handlers_through_eventbridge(aws):
    """The bucket announces new objects to EventBridge (infra/template.json); the runner's
    rule carries those matching the handler's pattern to it, once each, and a failed event
    comes back like a Lambda retry."""
    app = Chalice(app_name="probe")
    app.register_blueprint(bp)
    runner = EventRunner(app, region="us-east-1", schedule_tick=60, visibility_timeout=1)
    runner.start()
    try:
        time.sleep(1.5)  # the rule exists before the objects land
        s3 = boto3.client("s3", region_name="us-east-1")
        for key in ("probe/a.xlsx", "other/b.xlsx", "probe/flaky"):
            s3.put_object(Bucket="jmc-local-files", Key=key, Body=b"x")
        deadline = time.time() + 15
        while time.time() < deadline and len(uploads_seen) < 2:
            time.sleep(0.2)
    finally:
        runner.stop()
    assert sorted(uploads_seen) == ["probe/a.xlsx", "probe/flaky"]
    assert flaky_calls.count("probe/flaky") == 2 and "other/b.xlsx" not in flaky_calls
