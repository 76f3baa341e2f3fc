"""The local event runner: plays Lambda's event sources on the local stack.

It reads the Chalice app's registered event sources and invokes the very handler
functions Lambda would (resolved from their ``handler_string``, as Lambda does):
- SQS sources: long-polls each queue and invokes the handler with a Lambda-shaped batch;
  records the handler did not delete come back after the visibility timeout, as on AWS.
- Schedules (EventBridge rules): fires each at a faster local tick.
- EventBridge patterns (``on_cw_event``, e.g. S3 "Object Created"): a real rule on moto's
  default bus with the handler's pattern, targeting a local queue the runner polls; each
  event is handed to the handler alone (as Lambda does) and deleted only if it succeeded.
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from chalice.app import CloudWatchEventConfig, ScheduledEventConfig, SQSEventConfig

log = logging.getLogger("devstack.runner")


def resolve_handler(handler_string: str) -> Callable[[dict, Any], Any]:
    module_name, _, attribute = handler_string.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    """A Lambda SQS event for the received ``messages`` (each record keeps its own id)."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody"), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": region} for m in messages]}


def scheduled_event(rule_name: str, region: str) -> dict:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
            "resources": [f"arn:aws:events:{region}:123456789012:rule/{rule_name}"], "detail": {}}


class EventRunner:
    """Runs every SQS and schedule source of ``app`` in daemon threads until ``stop()``."""

    def __init__(self, app, *, region: str, schedule_tick: float = 5.0,
                 visibility_timeout: int = 30, poll_wait: int = 1):
        self._app = app
        self._region = region
        self._tick = schedule_tick
        self._visibility = visibility_timeout
        self._wait = poll_wait
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.invocations: dict[str, int] = {}

    def start(self) -> None:
        for source in self._app.event_sources:
            if isinstance(source, SQSEventConfig):
                self._spawn(self._drain_queue, source)
            elif isinstance(source, ScheduledEventConfig):
                self._spawn(self._fire_schedule, source)
            elif isinstance(source, CloudWatchEventConfig):
                self._spawn(self._route_events, source)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling and wait up to ``timeout`` in all for the handlers in flight. A chunk
        worker may run for minutes; it is left to die with the process, like a Lambda cut off
        mid-batch (the local AWS state goes with it)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _spawn(self, target, source) -> None:
        thread = threading.Thread(target=target, args=(source,), name=f"runner-{source.name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _invoke(self, source, event: dict) -> bool:
        self.invocations[source.name] = self.invocations.get(source.name, 0) + 1
        try:
            resolve_handler(source.handler_string)(event, None)
            return True
        except Exception as exc:  # noqa: BLE001 - Lambda would log it and let the source retry
            log.warning("%s failed: %s", source.name, exc)
            return False

    def _drain_queue(self, source: SQSEventConfig) -> None:
        sqs = boto3.client("sqs", region_name=self._region)
        url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=min(10, source.batch_size),
                    WaitTimeSeconds=self._wait, VisibilityTimeout=self._visibility,
                    AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            except Exception as exc:  # noqa: BLE001 - the emulator is going away, or a blip
                if not self._stop.is_set():
                    log.warning("polling %s failed: %s", source.queue, exc)
                    time.sleep(1)
                continue
            if messages:
                self._invoke(source, sqs_event(messages, arn, self._region))

    def _route_events(self, source: CloudWatchEventConfig) -> None:
        url = self._event_queue(source)
        sqs = boto3.client("sqs", region_name=self._region)
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=self._wait,
                                               VisibilityTimeout=self._visibility).get("Messages", [])
            except Exception as exc:  # noqa: BLE001 - the emulator is going away, or a blip
                if not self._stop.is_set():
                    log.warning("polling events for %s failed: %s", source.name, exc)
                    time.sleep(1)
                continue
            for message in messages:
                if self._invoke(source, json.loads(message["Body"])):
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _event_queue(self, source: CloudWatchEventConfig) -> str:
        """A rule on the default bus with the handler's pattern, delivering to a local queue."""
        prefix = os.environ.get("JMC_RESOURCE_PREFIX", "jmc-local")
        sqs = boto3.client("sqs", region_name=self._region)
        url = sqs.create_queue(QueueName=f"{prefix}-events-{source.name}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = boto3.client("events", region_name=self._region)
        rule = f"{prefix}-{source.name}"
        events.put_rule(Name=rule, EventPattern=json.dumps(source.event_pattern), State="ENABLED")
        events.put_targets(Rule=rule, Targets=[{"Id": "runner", "Arn": arn}])
        return url

    def _fire_schedule(self, source: ScheduledEventConfig) -> None:
        while not self._stop.wait(self._tick):
            self._invoke(source, scheduled_event(source.name, self._region))
