"""Helpers for service tests: play the notifications queue through its real handler
(as the local runner does) and read what reached moto's SES and the carrier simulator."""
from __future__ import annotations

import re

import boto3
import requests
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from devstack.runner import resolve_handler, sqs_event

CODE_RE = re.compile(r"verification code is (\d{6})")
PASSWORD_RE = re.compile(r"Initial password: (\S+)")


def drain_queue(app, queue: str, *, max_batches: int = 1000, raise_errors: bool = True) -> int:
    """Play the queue ``jmc-local-<queue>`` through its registered SQS handler, as the local
    runner (and Lambda) would, until it is empty; returns how many records were handled.
    With ``raise_errors=False`` a failing batch is left for redelivery and draining stops."""
    source = next(s for s in app.event_sources if getattr(s, "queue", None) == f"jmc-local-{queue}")
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
    handled = 0
    for _ in range(max_batches):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=source.batch_size or 10,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return handled
        event = sqs_event(messages, f"arn:aws:sqs:us-east-1:123456789012:{source.queue}", "us-east-1")
        try:
            resolve_handler(source.handler_string)(event, None)
        except Exception:
            if raise_errors:
                raise
            return handled
        handled += len(messages)
    raise AssertionError(f"{queue} did not drain in {max_batches} batches")


def drain_notifications(app) -> int:
    """Deliver every queued notification by invoking the registered SQS handler."""
    return drain_queue(app, "notifications")


def emails_to(address: str) -> list[str]:
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return [m.body for m in sent if address in m.destinations.get("ToAddresses", [])]


def sms_to(carrier_url: str, phone: str) -> list[str]:
    messages = requests.get(f"{carrier_url}/_sim/messages", params={"to": phone.lstrip("+")}, timeout=5).json()
    return [m["text"] for m in messages["messages"] if m.get("part", 1) == 1]  # rows are per segment


def last_code(app, address: str) -> str:
    drain_notifications(app)
    codes = CODE_RE.findall("\n".join(emails_to(address)))
    assert codes, f"no code was emailed to {address}"
    return codes[-1]


def initial_password(app, address: str) -> str:
    drain_notifications(app)
    passwords = PASSWORD_RE.findall("\n".join(emails_to(address)))
    assert passwords, f"no initial password was emailed to {address}"
    return passwords[-1]


def login(client, app, login_id: str, password: str) -> dict:
    """Request a code, read it from the outbox, log in; returns the token body."""
    assert client.post("/v1/auth/codes", {"login": login_id, "purpose": "login"}).status == 202
    code = last_code(app, login_id)
    reply = client.post("/v1/auth/login", {"login": login_id, "password": password, "code": code})
    assert reply.status == 200, reply
    return reply.json
