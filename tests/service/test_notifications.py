"""The notifications job: partial batches and redelivery."""
from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.jobs.sqs import BatchFailed
from devstack.runner import resolve_handler, sqs_event


def test_a_failed_record_stays_on_the_queue_and_finished_ones_are_deleted(app, carrier_sim):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-notifications")["QueueUrl"]
    good = {"channel": "sms", "to": "+6581234567", "text": "hello"}
    bad = {"channel": "pigeon", "to": "x", "text": "?"}
    for body in (good, bad):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert len(messages) == 2
    source = next(s for s in app.event_sources if s.name == "send_notifications")
    with pytest.raises(BatchFailed):
        resolve_handler(source.handler_string)(sqs_event(messages, "arn:q", "us-east-1"), None)
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["channel"] for m in left] == ["pigeon"]


def test_carrier_5xx_is_retried_by_the_client(app, carrier_sim):
    import requests
    requests.put(f"{carrier_sim.url}/_sim/config", json={"fail_next_5xx": 1}, timeout=5)
    from chalicelib.jobs.notifications import send_sms
    send_sms("+6581230000", "retry me")
    texts = requests.get(f"{carrier_sim.url}/_sim/messages", params={"to": "6581230000"}, timeout=5).json()["messages"]
    assert [m["text"] for m in texts] == ["retry me"]
