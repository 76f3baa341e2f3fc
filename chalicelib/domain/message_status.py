"""Message status: the states a message moves through and how per-segment delivery
receipts roll up into one status.

``queued → submitted → delivered | failed | expired | rejected``; ``queued`` may also end
in ``rejected`` (the carrier refused the submit) or ``failed`` (the carrier could not be
reached); ``blocked`` (blacklisted) never leaves the platform. A final state is never left.
"""
from __future__ import annotations

from collections.abc import Mapping

QUEUED = "queued"
SUBMITTED = "submitted"
DELIVERED = "delivered"
FAILED = "failed"
EXPIRED = "expired"
REJECTED = "rejected"
BLOCKED = "blocked"

FINAL = frozenset({DELIVERED, FAILED, EXPIRED, REJECTED, BLOCKED})
ALL = frozenset({QUEUED, SUBMITTED}) | FINAL
#: Every status, in the order a message may pass through them (for lists and enums).
STATUSES = (QUEUED, SUBMITTED, DELIVERED, FAILED, EXPIRED, REJECTED, BLOCKED)

#: What a message is: transactional (API only) or marketing (API or a bulk task).
TRANSACTIONAL = "transactional"
MARKETING = "marketing"
MESSAGE_TYPES = (TRANSACTIONAL, MARKETING)

#: Vonage DLR statuses that end a segment's life; "accepted", "buffered" and "unknown" don't.
RECEIPT_FINAL = frozenset({"delivered", "failed", "expired", "rejected"})
RECEIPT_PROVISIONAL = ("accepted", "buffered", "unknown")
RECEIPT_STATUSES = RECEIPT_FINAL | set(RECEIPT_PROVISIONAL)

#: When segments end differently, the message takes the most telling failure.
_FAILURE_ORDER = (REJECTED, FAILED, EXPIRED)


def is_final(status: str) -> bool:
    return status in FINAL


def rollup(part_statuses: Mapping[str, str], expected_parts: int) -> str | None:
    """The message status implied by its segments' latest receipts, or None for "no change
    beyond submitted".

    A failed, rejected or expired segment decides at once (the message cannot be delivered
    whole any more); ``delivered`` needs every expected segment delivered.
    """
    statuses = [s for s in part_statuses.values() if s in RECEIPT_FINAL]
    for failure in _FAILURE_ORDER:
        if failure in statuses:
            return failure
    delivered = sum(1 for s in statuses if s == DELIVERED)
    if delivered and delivered >= max(1, expected_parts):
        return DELIVERED
    return None


def may_move(current: str, new: str) -> bool:
    """True if ``current → new`` is a forward move (final states are never left)."""
    if current in FINAL or current == new:
        return False
    if current == SUBMITTED:
        return new in FINAL
    return current == QUEUED and new in ({SUBMITTED} | FINAL)
