"""boto3 clients, one per service per process (reused across Lambda invocations).

``AWS_ENDPOINT_URL`` (the local stack, moto's server) is honoured by boto3 itself.
"""
from __future__ import annotations

from functools import lru_cache

import boto3
from botocore.config import Config

from .config import settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@lru_cache(maxsize=None)
def client(service: str):
    return boto3.client(service, region_name=settings().region, config=_CONFIG)


@lru_cache(maxsize=None)
def dynamodb_connection():
    """The PynamoDB connection transactions run on: one per process, because each new one
    builds a botocore client (~0.2 s here); botocore clients are thread-safe."""
    from pynamodb.connection import Connection
    return Connection(region=settings().region)


@lru_cache(maxsize=None)
def queue_url(name: str) -> str:
    """The URL of one of our queues, by logical name (``notifications``)."""
    return client("sqs").get_queue_url(QueueName=settings().queue(name))["QueueUrl"]


def reset() -> None:
    """Forget cached clients and URLs (tests that switch emulators, settings changes)."""
    client.cache_clear()
    queue_url.cache_clear()
    dynamodb_connection.cache_clear()
