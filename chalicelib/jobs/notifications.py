"""Deliver queued notifications to users: email through SES, SMS through our carrier."""
from __future__ import annotations

import json

from chalice import Blueprint

from .. import aws
from ..carrier import platform_client
from ..carrier.vonage import CarrierError
from ..config import settings
from .sqs import process_batch

bp = Blueprint(__name__)

QUEUE = "notifications"


@bp.on_sqs_message(queue=settings().queue(QUEUE), batch_size=10)
def send_notifications(event):
    process_batch(event, QUEUE, deliver)


def deliver(body: str) -> None:
    message = json.loads(body)
    if message["channel"] == "email":
        send_email(message["to"], message["subject"], message["body"])
    elif message["channel"] == "sms":
        send_sms(message["to"], message["text"])
    else:
        raise ValueError(f"unknown channel {message['channel']!r}")


def send_email(to: str, subject: str, body: str) -> None:
    aws.client("ses").send_email(
        Source=settings().mail_from, Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}})


def send_sms(to: str, text: str) -> None:
    result = platform_client().send_sms(to=to, sender=settings().carrier_sender, text=text)
    if not result.accepted:
        raise CarrierError(f"carrier refused a notification SMS (status {result.parts[0].status})")
