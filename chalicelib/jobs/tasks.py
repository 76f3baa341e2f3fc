"""Bulk task handlers: the scheduler (EventBridge, every minute) that starts due tasks and
tops up their tickets, and the chunk worker (SQS, one ticket a batch: a ticket is up to a
few minutes of sending)."""
from __future__ import annotations

import json
import logging
import time

from chalice import Blueprint, Rate

from ..config import settings
from ..services import fanout, scheduler
from .sqs import process_batch

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def start_due_tasks(event):
    outcome = scheduler.tick()
    if outcome["started"] or outcome["checked"]:
        log.info("scheduler: %(started)d task(s) started, %(checked)d sending task(s) checked", outcome)


@bp.on_sqs_message(queue=settings().queue(scheduler.QUEUE), batch_size=1)
def send_chunks(event):
    process_batch(event, scheduler.QUEUE, send_ticket)


def send_ticket(body: str) -> None:
    ticket = json.loads(body)
    deadline = time.time() + settings().task_work_seconds
    outcome = fanout.send_chunk(ticket["task_id"], int(ticket["chunk"]), deadline)
    log.info("task %s chunk %s: %s", ticket["task_id"], ticket["chunk"], outcome)
