"""boto3 clients, one per service per process (reused across Lambda invocations).

``AWS_ENDPOINT_URL`` (the local stack, moto's server) is honoured by boto3 itself.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

import boto3
from botocore.config import Config

from .config import settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str):
    return boto3.client(service, region_name=settings().region, config=_CONFIG)


@cache
def dynamodb_connection():
    """The PynamoDB connection transactions run on: one per process, because each new one
    builds a botocore client (~0.2 s here); botocore clients are thread-safe."""
    from pynamodb.connection import Connection
    return Connection(region=settings().region)


@cache
def queue_url(name: str) -> str:
    """The URL of one of our queues, by logical name (``notifications``)."""
    return client("sqs").get_queue_url(QueueName=settings().queue(name))["QueueUrl"]


def send_messages(queue: str, bodies: Iterable[dict]) -> int:
    """Send JSON ``bodies`` to one of our queues, ten per SendMessageBatch; how many were
    sent. Raises if SQS refused any, so a caller never believes a lost ticket went out."""
    bodies = list(bodies)
    url = queue_url(queue)
    for start in range(0, len(bodies), 10):
        reply = client("sqs").send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(bodies[start:start + 10])])
        if reply.get("Failed"):
            raise RuntimeError(f"SQS refused {len(reply['Failed'])} message(s) for {queue}: {reply['Failed'][0]}")
    return len(bodies)


def reset() -> None:
    """Forget cached clients and URLs (tests that switch emulators, settings changes)."""
    from .store import raw_pages  # late: the store builds on this module
    client.cache_clear()
    queue_url.cache_clear()
    dynamodb_connection.cache_clear()
    raw_pages.reset()
