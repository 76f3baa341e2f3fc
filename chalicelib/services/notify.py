"""Notifications to users (codes, initial passwords): queued on SQS, delivered by
``jobs.notifications`` by email (SES) or SMS (our carrier path). Queuing keeps the API's
answer time independent of SES and the carrier."""
from __future__ import annotations

import json

from .. import aws
from ..domain.identity import Login


def queue_email(to: str, subject: str, body: str) -> None:
    _enqueue({"channel": "email", "to": to, "subject": subject, "body": body})


def queue_sms(to: str, text: str) -> None:
    _enqueue({"channel": "sms", "to": to, "text": text})


def queue_to_login(login: Login, subject: str, body: str) -> None:
    """Email for an email login, SMS for a phone login."""
    if login.kind == "email":
        queue_email(login.value, subject, body)
    else:
        queue_sms(login.value, f"[JMC] {body}")


def _enqueue(message: dict) -> None:
    aws.client("sqs").send_message(QueueUrl=aws.queue_url("notifications"),
                                   MessageBody=json.dumps(message, ensure_ascii=False))
