"""The bulk task state machine (pure).

``scheduled → sending → completed``; ``scheduled ⇄ paused``; ``scheduled | paused →
cancelled``; ``sending → failed`` when it could not finish (the balance ran out). A task
can be changed only before it starts: once ``sending`` it can be neither stopped nor edited,
because its chunks are already in the workers' hands.
"""
from __future__ import annotations

from ..errors import Conflict
from .billing_states import REFUNDED
from .message_status import DELIVERED, QUEUED
from .message_status import FINAL as MESSAGE_FINAL

SCHEDULED = "scheduled"
SENDING = "sending"
COMPLETED = "completed"
PAUSED = "paused"
CANCELLED = "cancelled"
FAILED = "failed"

ALL = (SCHEDULED, SENDING, COMPLETED, PAUSED, CANCELLED, FAILED)
FINAL = frozenset({COMPLETED, CANCELLED, FAILED})
EDITABLE = frozenset({SCHEDULED, PAUSED})

#: action -> (states it may start from, the state it leads to)
_ACTIONS = {
    "edit": (EDITABLE, None),  # None: the state does not change
    "pause": (frozenset({SCHEDULED}), PAUSED),
    "resume": (frozenset({PAUSED}), SCHEDULED),
    "cancel": (EDITABLE, CANCELLED),
    "start": (frozenset({SCHEDULED}), SENDING),
    "complete": (frozenset({SENDING}), COMPLETED),
    "fail": (frozenset({SENDING}), FAILED),
}


class TaskStateError(Conflict):
    """The action is not possible in the task's current state."""

    code = "task_not_editable"

    def __init__(self, action: str, status: str):
        super().__init__(refusal(action, status))
        self.action = action
        self.task_status = status


def next_status(action: str, status: str) -> str:
    """The status after ``action`` from ``status``; TaskStateError when not allowed."""
    allowed_from, leads_to = _ACTIONS[action]
    if status not in allowed_from:
        raise TaskStateError(action, status)
    return leads_to or status


def allowed_from(action: str) -> frozenset[str]:
    return _ACTIONS[action][0]


def refusal(action: str, status: str) -> str:
    """Why ``action`` is refused in ``status``, in words a customer understands."""
    if status == SENDING:
        return f"the task is sending and can no longer be {_PAST[action]}"
    if status in FINAL:
        return f"the task is {status} and can no longer be {_PAST[action]}"
    if action == "resume":
        return "only a paused task can be resumed"
    if action == "pause":
        return "only a scheduled task can be paused"
    return f"a {status} task cannot be {_PAST[action]}"


_PAST = {"edit": "edited", "pause": "paused", "resume": "resumed", "cancel": "cancelled",
         "start": "started", "complete": "completed", "fail": "failed"}


# --- counters --------------------------------------------------------------------------------

def counter_changes(old: str, new: str, billing: str, segments: int, charged_micros: int) -> dict[str, int]:
    """What one message's status move adds to its task's counters.

    ``submitted`` (with its segments and cost) counts a message the carrier took, once: on
    its first move out of ``queued``, unless that move is a refusal booked as refunded (the
    carrier never took it). ``delivered`` and ``failed`` count final outcomes, so when every
    message has ended: total = blocked + unsent + delivered + failed.
    """
    changes: dict[str, int] = {}
    if old == QUEUED and billing != REFUNDED:
        changes.update(submitted=1, segments=segments, cost_micros=charged_micros)
    if new == DELIVERED:
        changes["delivered"] = 1
    elif new in MESSAGE_FINAL:
        changes["failed"] = 1
    return changes
