"""Customer webhook delivery: signed POSTs, retried with backoff for 24 h, then dead-lettered."""
from __future__ import annotations

import json
import logging

from chalice import Blueprint

from ..config import settings
from ..services import webhooks
from .sqs import process_batch

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=settings().queue(webhooks.QUEUE), batch_size=10)
def deliver_webhooks(event):
    process_batch(event, webhooks.QUEUE, deliver_ticket)


def deliver_ticket(body: str) -> None:
    ticket = json.loads(body)
    outcome = webhooks.deliver(ticket)
    log.info("webhook %s to %s: %s", ticket["event"]["event_id"], ticket["url"], outcome)
