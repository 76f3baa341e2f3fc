"""Dispatch worker: submits queued messages to the carrier, exactly once; and the sweeper
that re-enqueues messages whose dispatch ticket was lost."""
from __future__ import annotations

import json
import logging

from chalice import Blueprint, Rate

from ..config import settings
from ..services import dispatch as service
from .sqs import process_batch

log = logging.getLogger(__name__)

bp = Blueprint(__name__)

QUEUE = "dispatch"


@bp.on_sqs_message(queue=settings().queue(QUEUE), batch_size=10)
def dispatch_messages(event):
    process_batch(event, QUEUE, submit_ticket)


def submit_ticket(body: str) -> None:
    ticket = json.loads(body)
    outcome = service.dispatch(ticket["message_id"])
    log.info("dispatch %s: %s", ticket["message_id"], outcome)


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_pending(event):
    requeued = service.requeue_stale()
    if requeued:
        log.warning("re-enqueued %d stale queued message(s)", requeued)
