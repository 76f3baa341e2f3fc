"""Deliver queued notifications to users: email through SES, SMS through our carrier."""
from __future__ import annotations

import json

from chalice import Blueprint

from .. import aws
from ..carrier.vonage import CarrierError, VonageClient
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
    result = carrier().send_sms(to=to, sender=settings().carrier_sender, text=text)
    if not result.accepted:
        raise CarrierError(f"carrier refused a notification SMS (status {result.parts[0].status})")


_client: VonageClient | None = None


def carrier() -> VonageClient:
    """The platform's own carrier credentials: from the environment locally, from Secrets
    Manager (``<prefix>/carrier``) in the cloud."""
    global _client
    if _client is None:
        cfg = settings()
        key, secret = cfg.carrier_api_key, cfg.carrier_api_secret
        if not key:
            creds = json.loads(aws.client("secretsmanager").get_secret_value(
                SecretId=cfg.carrier_secret_id)["SecretString"])
            key, secret = creds["api_key"], creds["api_secret"]
        _client = VonageClient(cfg.carrier_url, key, secret)
    return _client
