"""What happens when a message's status changes: the customer's webhook hears about it.

Kept apart so dispatch and delivery receipts share one path, and a webhook problem can
never undo or block the status change that caused it.
"""
from __future__ import annotations

import logging

from ..store.messages import Message

log = logging.getLogger(__name__)


def changed(message: Message) -> None:
    """Queue the status event for the account's (or the message's) webhook, if any."""
    try:
        from . import webhooks  # late: webhooks imports the message model, not the other way
        webhooks.notify_status(message)
    except Exception:
        log.exception("could not queue the webhook event for %s (%s)", message.message_id, message.status)
