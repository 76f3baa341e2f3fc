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
