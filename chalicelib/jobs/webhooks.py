"""Customer webhook delivery: signed POSTs, retried with backoff for 24 h, then dead-lettered.

A batch's POSTs run in parallel. In sequence, ten endpoints that time out (connect plus
read timeout each) would outlast the Lambda timeout; the whole batch would then come back,
re-POSTing the events already delivered, and after ``maxReceiveCount`` receives land in the
DLQ without their deliveries ever being marked. In parallel a batch takes about as long as
its slowest endpoint.
"""
from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from chalice import Blueprint

from .. import aws
from ..config import settings
from ..services import webhooks
from .sqs import process_batch

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=settings().queue(webhooks.QUEUE), batch_size=10)
def deliver_webhooks(event):
    records = list(event)
    _warm_clients()
    with ThreadPoolExecutor(max_workers=max(1, len(records))) as pool:
        attempts = iter([pool.submit(deliver_ticket, record.body) for record in records])
        # process_batch walks the records in the same order: each one takes its own attempt's
        # outcome (re-raising a platform error), then successes are deleted and failures raise.
        process_batch(records, webhooks.QUEUE, lambda body: _outcome(next(attempts)))


def deliver_ticket(body: str) -> str:
    """One queued event: deliver it (or re-delay it) and log it; raise only for platform errors."""
    report = webhooks.deliver(json.loads(body))
    _log(report)
    return report.outcome


def _log(report: webhooks.Report) -> None:
    """One line per attempt: INFO when the endpoint took the event, WARNING when it did not
    (what an operator looks for when a customer says events are missing), DEBUG for a pass
    that only re-delayed the ticket (a retry more than SQS's 15 minutes away). Never the
    payload, the URL's path or query, or the signature."""
    attempt = f"webhook {report.event_id} to {report.host}, attempt {report.attempt}"
    if report.outcome == "delivered":
        log.info("%s: delivered (HTTP %s)", attempt, report.code)
    elif report.outcome == "retrying":
        log.warning("%s failed (%s); next attempt at %s", attempt, report.error, _time(report.next_at))
    elif report.outcome == "dead_lettered":
        log.warning("%s failed (%s); retried for 24 h: dead-lettered", attempt, report.error)
    else:
        log.debug("webhook %s waits for attempt %d at %s", report.event_id, report.attempt + 1,
                  _time(report.next_at))


def _time(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when else "?"


def _outcome(attempt: Future) -> str:
    return attempt.result()


def _warm_clients() -> None:
    """Create the shared boto3 clients before the worker threads do: building clients from
    boto3's default session is not thread-safe (the cached ones are)."""
    aws.client("sqs"), aws.client("kms")
    aws.queue_url(webhooks.QUEUE), aws.queue_url(webhooks.QUEUE + "-dlq")
