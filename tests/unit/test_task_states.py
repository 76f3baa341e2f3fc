"""The bulk task state machine and what a message's move adds to its task's counters."""
import itertools

import pytest

from chalicelib.domain import task_states as ts
from chalicelib.domain.task_states import TaskStateError, counter_changes, next_status

ALLOWED = {
    ("edit", ts.SCHEDULED): ts.SCHEDULED,
    ("edit", ts.PAUSED): ts.PAUSED,
    ("pause", ts.SCHEDULED): ts.PAUSED,
    ("resume", ts.PAUSED): ts.SCHEDULED,
    ("cancel", ts.SCHEDULED): ts.CANCELLED,
    ("cancel", ts.PAUSED): ts.CANCELLED,
    ("start", ts.SCHEDULED): ts.SENDING,
    ("complete", ts.SENDING): ts.COMPLETED,
    ("fail", ts.SENDING): ts.FAILED,
}
ACTIONS = ("edit", "pause", "resume", "cancel", "start", "complete", "fail")


@pytest.mark.parametrize("action,status", list(itertools.product(ACTIONS, ts.ALL)))
def test_every_action_from_every_state(action, status):
    if (action, status) in ALLOWED:
        assert next_status(action, status) == ALLOWED[(action, status)]
    else:
        with pytest.raises(TaskStateError) as refused:
            next_status(action, status)
        assert refused.value.action == action and refused.value.task_status == status
        assert str(refused.value)  # a sentence the API hands to the customer


def test_final_states_lead_nowhere():
    for status in ts.FINAL:
        assert not [a for a in ACTIONS if (a, status) in ALLOWED]


@pytest.mark.parametrize("action", ["edit", "pause", "cancel", "resume"])
def test_a_sending_task_is_refused_with_the_reason(action):
    with pytest.raises(TaskStateError, match=r"^the task is sending and can no longer be "):
        next_status(action, ts.SENDING)


def test_refusals_name_the_state_and_the_action():
    assert ts.refusal("edit", ts.COMPLETED) == "the task is completed and can no longer be edited"
    assert ts.refusal("resume", ts.SCHEDULED) == "only a paused task can be resumed"
    assert ts.refusal("pause", ts.PAUSED) == "only a scheduled task can be paused"


def test_first_move_out_of_queued_counts_the_submission_and_its_cost():
    assert counter_changes("queued", "submitted", "charged", 3, 150_000) == {
        "submitted": 1, "segments": 3, "cost_micros": 150_000}


def test_a_final_receipt_after_submission_counts_only_the_outcome():
    assert counter_changes("submitted", "delivered", "charged", 2, 100) == {"delivered": 1}
    assert counter_changes("submitted", "expired", "charged", 2, 100) == {"failed": 1}
    assert counter_changes("submitted", "rejected", "refunded", 2, 100) == {"failed": 1}


def test_a_delivery_receipt_that_overtakes_submission_counts_both():
    assert counter_changes("queued", "delivered", "charged", 1, 50) == {
        "submitted": 1, "segments": 1, "cost_micros": 50, "delivered": 1}


def test_a_carrier_refusal_is_a_failure_but_not_a_submission():
    assert counter_changes("queued", "failed", "refunded", 1, 0) == {"failed": 1}


def test_an_intermediate_move_adds_nothing():
    assert counter_changes("submitted", "submitted", "charged", 1, 50) == {}
