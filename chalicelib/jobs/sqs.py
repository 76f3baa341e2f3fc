"""Partial-batch handling for SQS handlers.

Chalice never sets ``ReportBatchItemFailures`` on its event source mappings, so a returned
``batchItemFailures`` would be ignored and raising retries the whole batch. We delete each
record we finished ourselves, then raise if any failed: only the failed ones come back.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from .. import aws

log = logging.getLogger(__name__)


class BatchFailed(Exception):
    """Some records of a batch failed; they stay on the queue and are redelivered."""


def process_batch(event: Iterable[Any], queue: str, handle: Callable[[str], object]) -> int:
    """Run ``handle(record.body)`` per record; delete successes; raise if any failed."""
    failures = 0
    succeeded = []
    for record in event:
        try:
            handle(record.body)
            succeeded.append(record.receipt_handle)
        except Exception:
            failures += 1
            log.exception("record %s of %s failed", _message_id(record), queue)
    _delete(queue, succeeded)
    if failures:
        raise BatchFailed(f"{failures} record(s) of {queue} failed")
    return len(succeeded)


def step_handler(handle: Callable[[dict], str], kind: str, id_field: str,
                 detail_fields: tuple[str, ...] = ()) -> Callable[[str], None]:
    """A record handler for a job's step tickets (``{<id_field>, "step", ...}``): the body
    to ``handle``, and what it did logged with the ticket's id, step and details."""
    def handle_record(body: str) -> None:
        ticket = json.loads(body)
        outcome = handle(ticket)
        detail = next((str(ticket[name]) for name in detail_fields if name in ticket), "")
        log.info("%s %s %s %s: %s", kind, ticket.get(id_field), ticket.get("step"), detail, outcome)
    return handle_record


def _delete(queue: str, receipt_handles: list[str]) -> None:
    url = aws.queue_url(queue)
    for start in range(0, len(receipt_handles), 10):
        chunk = receipt_handles[start:start + 10]
        aws.client("sqs").delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)])


def _message_id(record) -> str:
    try:
        return record.to_dict().get("messageId", "?")
    except AttributeError:
        return "?"
