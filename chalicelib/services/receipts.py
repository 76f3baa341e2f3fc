"""Delivery receipts from the carrier (Vonage DLR format), rolled up into message status.

A receipt names one segment (``messageId``, the carrier's part id) and, through
``client-ref``, our message id — every submit carries it — so a receipt finds its message
even when it arrives before the worker recorded the carrier's ids. Each segment's latest
status is kept in ``part_status``; the message status follows ``message_status.rollup``.
A final state is never overwritten, and a segment's final status never goes back to
``accepted``/``buffered`` (late or out-of-order receipts change nothing).
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..domain import billing_states
from ..domain import message_status as states
from ..errors import InvalidRequest
from ..store.base import as_dict, utcnow
from ..store.messages import Message, UnmatchedReceipt, carrier_pk, get_message, not_final_part, record_part_status
from . import billing
from .dispatch import IN_DOUBT
from .messages import move_status

log = logging.getLogger(__name__)

UNMATCHED_TTL = 30 * 24 * 3600
_PROVISIONAL = states.RECEIPT_PROVISIONAL
#: What applying a receipt did: moved the message on, changed nothing (late, duplicate or
#: out of order), or found no message of ours.
Outcome = Literal["applied", "ignored", "unmatched"]


@dataclass(frozen=True)
class Receipt:
    carrier_id: str
    status: str
    msisdn: str
    err_code: str | None
    client_ref: str | None
    raw: dict

    @property
    def is_error(self) -> bool:
        return self.err_code not in (None, "", "0")


def parse(params: Mapping[str, object]) -> Receipt:
    """A receipt from the callback's parameters (query string, form or JSON body)."""
    values = {str(k): str(v) for k, v in params.items() if v is not None}
    carrier_id = values.get("messageId") or values.get("message-id")
    if not carrier_id:
        raise InvalidRequest("messageId", "is required")
    status = values.get("status", "").lower()
    if status not in states.RECEIPT_STATUSES:
        raise InvalidRequest("status", f"must be one of {', '.join(sorted(states.RECEIPT_STATUSES))}")
    return Receipt(carrier_id=carrier_id, status=status, msisdn=values.get("msisdn", "").lstrip("+"),
                   err_code=values.get("err-code"), client_ref=values.get("client-ref") or None,
                   raw={k: v for k, v in values.items() if k != "sig"})


def apply(receipt: Receipt) -> Outcome:
    """Apply one receipt: it moves the message on ("applied"), changes nothing ("ignored":
    late, duplicate or out of order) or names no message of ours ("unmatched", kept for
    support)."""
    message = get_message(receipt.client_ref) if receipt.client_ref else None
    if message is None or message.to.lstrip("+") != receipt.msisdn:
        _keep_unmatched(receipt)
        return "unmatched"
    if message.is_final:
        return "ignored"
    if _record_part_moving_status(message, receipt):
        return "applied"
    if message.is_final or not record_part_status(message, receipt.carrier_id, receipt.status,
                                                  receipt.err_code if receipt.is_error else None):
        return "ignored"
    _settle_if_unconfirmed(message)
    _roll_up(message)
    return "applied"


def _record_part_moving_status(message: Message, receipt: Receipt) -> bool:
    """The common case in one write: the segment's status and the message status it rolls
    up to (a one-part message's final receipt). False when that does not apply or a race
    was lost (``message`` is then re-read) — the step-by-step path takes over."""
    parts = as_dict(message.part_status)
    previous = parts.get(receipt.carrier_id)
    if previous is not None and previous not in _PROVISIONAL:
        return False
    if message.billing == billing_states.RESERVED and message.err_text == IN_DOUBT:
        return False  # in doubt: settling it comes first
    parts[receipt.carrier_id] = receipt.status
    new = states.rollup(parts, int(message.carrier_parts or 1))
    if new is None or not states.may_move(message.status, new):
        return False
    part = Message.part_status[receipt.carrier_id]
    values = {"err_code": receipt.err_code} if receipt.is_error else None
    if not move_status(message, new, values=values, actions=(part.set(receipt.status),),
                       condition=not_final_part(receipt.carrier_id) if receipt.status in _PROVISIONAL else None):
        return False
    message.part_status = parts
    return True


def _settle_if_unconfirmed(message: Message) -> None:
    """A receipt proves the carrier took a message whose submit answer was lost (marked in
    doubt by the dispatcher). A message still ``queued`` is left to its live worker."""
    if message.billing == billing_states.RESERVED and message.status == states.SUBMITTED \
            and message.err_text == IN_DOUBT:
        billing.settle(message, in_doubt_note=IN_DOUBT)


def _roll_up(message: Message, attempts: int = 3) -> None:
    for _ in range(attempts):
        parts = as_dict(message.part_status)
        new = states.rollup(parts, int(message.carrier_parts or 1))
        if new is None:
            return
        # (a receipt may beat the worker's bookkeeping: queued → delivered is a forward move)
        if not states.may_move(message.status, new):
            return
        if move_status(message, new):
            return
        # someone moved it in between; ``message`` was re-read: decide again


def _keep_unmatched(receipt: Receipt) -> None:
    log.info("receipt %s matches no message (client-ref %r)", receipt.carrier_id, receipt.client_ref)
    UnmatchedReceipt(carrier_pk(receipt.carrier_id), f"R#{utcnow().isoformat()}#{secrets.token_hex(3)}",
                     payload=receipt.raw, expires_at=int(time.time()) + UNMATCHED_TTL).save()
