"""Folding a call's carrier observations into one record (domain.call_events)."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from chalicelib.domain import call_events as calls
from chalicelib.errors import FieldError

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
UUID = "63f61863-4a51-4f6b-86e1-46edebcf9356"


def event(status: str, seconds: int = 0, **extra) -> calls.CallRecord:
    payload = {"uuid": UUID, "conversation_uuid": "CON-1", "status": status, "direction": "inbound",
               "from": "447700900000", "to": "447700900001",
               "timestamp": (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", ".000Z"), **extra}
    return calls.from_event(payload, received_at=T0 + timedelta(hours=1))


COMPLETED = dict(start_time="2026-12-01T08:00:05.000Z", end_time="2026-12-01T08:01:05.000Z", duration="60",
                 rate="0.00450000", price="0.00450000", network="23410")
LIFE = [event("started"), event("ringing", 1), event("answered", 5), event("completed", 65, **COMPLETED)]


def fold_all(observations) -> calls.CallRecord:
    record = None
    for seen in observations:
        record = calls.fold(record, seen)
    assert record is not None
    return record


def test_an_event_reads_as_an_observation_in_e164():
    seen = LIFE[-1]
    assert (seen.uuid, seen.status, seen.direction) == (UUID, "completed", "inbound")
    assert (seen.from_number, seen.to_number, seen.our_number) == ("+447700900000", "+447700900001", "+447700900001")
    assert seen.start_time == datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)
    assert (seen.duration, seen.rate, seen.price, seen.network) == (60, "0.0045", "0.0045", "23410")
    assert seen.first_seen == T0 + timedelta(seconds=65)


def test_the_life_of_a_call_folds_into_one_complete_record():
    record = fold_all(LIFE)
    assert record.status == "completed"
    assert record.first_seen == T0  # the started event's time
    assert (record.duration, record.price, record.end_time) == (60, "0.0045", datetime(2026, 12, 1, 8, 1, 5,
                                                                                       tzinfo=UTC))
    assert record.placed_at == record.start_time


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_any_order_of_the_events_folds_into_the_same_record(order):
    assert fold_all([LIFE[i] for i in order]) == fold_all(LIFE)


def test_the_same_event_twice_changes_nothing():
    once = fold_all(LIFE)
    for seen in LIFE:
        assert calls.fold(once, seen) == once
    ringing = calls.fold(None, LIFE[1])
    assert calls.fold(ringing, LIFE[1]) == ringing


@pytest.mark.parametrize("terminal", calls.TERMINAL_STATUSES)
@pytest.mark.parametrize("early", calls.EARLY_STATUSES)
def test_a_terminal_status_is_never_overwritten_by_an_earlier_phase(terminal, early):
    ended = calls.fold(None, event(terminal, 30))
    assert calls.fold(ended, event(early, 40)).status == terminal
    assert calls.fold(calls.fold(None, event(early, 40)), event(terminal, 30)).status == terminal


def test_a_terminal_status_is_final_even_against_another_terminal():
    busy = calls.fold(None, event("busy", 10))
    assert calls.fold(busy, event("completed", 20, **COMPLETED)).status == "busy"


def test_fields_only_fill_in():
    first = calls.fold(None, event("completed", 65, **COMPLETED))
    later = event("completed", 70, **{**COMPLETED, "price": "9.99", "duration": "999"})
    assert (calls.fold(first, later).price, calls.fold(first, later).duration) == ("0.0045", 60)
    answered = calls.fold(None, event("answered", 5, network=None))
    assert calls.fold(answered, event("ringing", 1, network="23410")).network == "23410"


def test_a_carrier_call_record_reads_like_its_completed_event():
    record = SimpleNamespace(uuid=UUID, conversation_uuid="CON-1", status="completed", direction="outbound",
                             from_number="447700900001", to_number="14155550100",
                             start_time=T0, end_time=T0 + timedelta(seconds=60), duration=60, rate="0.01000000",
                             price="0.01000000", network=None)
    seen = calls.from_carrier(record, read_at=T0 + timedelta(hours=2))
    assert (seen.our_number, seen.first_seen, seen.duration, seen.price) == ("+447700900001", T0, 60, "0.01")


def test_events_of_other_calls_cannot_fold_together():
    other = calls.from_event({"uuid": "other", "status": "started", "direction": "inbound"}, received_at=T0)
    with pytest.raises(ValueError):
        calls.fold(LIFE[0], other)


@pytest.mark.parametrize("payload", [
    {"status": "started", "direction": "inbound"},  # no uuid
    {"uuid": UUID, "status": "transfer", "direction": "inbound"},  # not a call status
    {"uuid": UUID, "status": "started"},  # no direction
    {"uuid": UUID, "status": "completed", "direction": "inbound", "duration": "-1"},
    {"uuid": UUID, "status": "completed", "direction": "inbound", "price": "1e5"},
    {"uuid": UUID, "status": "completed", "direction": "inbound", "start_time": "yesterday"},
    {"uuid": "x" * 200, "status": "started", "direction": "inbound"},
    {"uuid": 12, "status": "started", "direction": "inbound"},
])
def test_what_is_not_a_call_event_is_refused(payload):
    with pytest.raises(calls.CallEventError):
        calls.from_event(payload, received_at=T0)


def test_a_withheld_caller_stays_as_the_carrier_wrote_it():
    seen = calls.from_event({"uuid": UUID, "status": "ringing", "direction": "inbound", "from": "Unknown",
                             "to": "447700900001"}, received_at=T0)
    assert (seen.from_number, seen.first_seen) == ("Unknown", T0)


@pytest.mark.parametrize(("typed", "e164"), [("+447700900001", "+447700900001"), ("00447700900001", "+447700900001"),
                                             ("44 7700 900001", "+447700900001")])
def test_a_number_filter_reads_any_international_form(typed, e164):
    assert calls.msisdn_field(typed, "number") == e164


@pytest.mark.parametrize("typed", ["call me", "+12", "+1234567890123456", "+44-"])
def test_a_bad_number_filter_names_the_field(typed):
    with pytest.raises(FieldError) as caught:
        calls.msisdn_field(typed, "number")
    assert caught.value.field == "number"
