"""The voice call log, the pure part: what a call's record is, how a carrier observation of
it (an event webhook, or the call as ``GET /v1/calls`` lists it) reads, and how observations
fold into one record per call. No AWS here: ``services.voice`` reads and writes the records.

**Folding** (``fold``): webhooks come twice, late and out of order, and reconciliation
reads the same call again, so a record only ever moves forward and the same observation twice
changes nothing:

- the status moves to a later phase only (started → ringing → answered → a terminal one);
  a terminal status (completed, busy, failed, rejected, timeout, unanswered, cancelled) is
  final, so a late ``answered`` never reopens a completed call;
- the details (start and end time, duration, rate, price, network, ...) only fill in: a value
  once known is kept;
- ``first_seen`` is the earliest time any observation carried: the call's place in time
  until the carrier tells its ``start_time``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import FieldError
from .phone import TYPED_NUMBER_PATTERN

INBOUND, OUTBOUND = "inbound", "outbound"
DIRECTIONS = (INBOUND, OUTBOUND)
EARLY_STATUSES = ("started", "ringing", "answered")
TERMINAL_STATUSES = ("completed", "busy", "failed", "rejected", "timeout", "unanswered", "cancelled")
STATUSES = EARLY_STATUSES + TERMINAL_STATUSES
#: The currency the carrier prices calls in (Vonage bills voice in EUR).
CURRENCY = "EUR"

#: Longer ids or texts are no carrier's; refusing them keeps DynamoDB's key limits out of reach.
MAX_TEXT = 128
_TYPED_NUMBER = re.compile(TYPED_NUMBER_PATTERN)
_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,12})?")
#: The details that only ever fill in.
_FILLED = ("conversation_uuid", "from_number", "to_number", "start_time", "end_time", "duration", "rate", "price",
           "network")


class CallEventError(ValueError):
    """An observation that is not a call's (no uuid, an unknown status, a malformed field):
    ``str(exc)`` says which field."""


@dataclass(frozen=True)
class CallRecord:
    """One call as the log knows it; numbers are E.164 with "+" when they are numbers
    (a withheld caller is whatever the carrier said, e.g. ``Unknown``)."""
    uuid: str
    direction: str
    status: str
    first_seen: datetime
    conversation_uuid: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    rate: str | None = None
    price: str | None = None
    network: str | None = None

    @property
    def our_number(self) -> str | None:
        """The platform's number on the call: the one called for inbound, the caller for outbound."""
        return self.to_number if self.direction == INBOUND else self.from_number

    @property
    def placed_at(self) -> datetime:
        """Where the call sits in time: its start once known, else the earliest time seen."""
        return self.start_time or self.first_seen

    @property
    def is_final(self) -> bool:
        return self.status in TERMINAL_STATUSES


def phase(status: str) -> int:
    """How far along a status is: the early ones in order, every terminal one last."""
    return EARLY_STATUSES.index(status) if status in EARLY_STATUSES else len(EARLY_STATUSES)


def fold(current: CallRecord | None, seen: CallRecord) -> CallRecord:
    """The record after ``seen`` (an observation of the same call) is folded into ``current``."""
    if current is None:
        return seen
    if seen.uuid != current.uuid:
        raise ValueError(f"cannot fold call {seen.uuid} into call {current.uuid}")
    status = seen.status if not current.is_final and phase(seen.status) > phase(current.status) else current.status
    filled = {name: getattr(seen, name) for name in _FILLED
              if getattr(current, name) is None and getattr(seen, name) is not None}
    return replace(current, status=status, first_seen=min(current.first_seen, seen.first_seen), **filled)


# --- reading what the carrier says ------------------------------------------------------------

def from_event(payload: Mapping[str, Any], *, received_at: datetime) -> CallRecord:
    """A Vonage Voice event webhook's body (``uuid``, ``status``, ``direction``, ``from``, ``to``,
    ``timestamp``, and on later events ``start_time``, ``end_time``, ``duration``, ``rate``,
    ``price``, ``network``) as an observation; ``received_at`` stands in for a missing
    ``timestamp``. CallEventError when it is not a call status event."""
    timestamp = _time(payload, "timestamp") or received_at
    return _observation(payload, first_seen=timestamp)


def from_carrier(call: Any, *, read_at: datetime) -> CallRecord:
    """A call as the carrier lists it (``carrier.voice.CarrierCall``) as an observation; it
    carries no event time, so its start (else its end, else ``read_at``) stands in."""
    first_seen = call.start_time or call.end_time or read_at
    return _observation({"uuid": call.uuid, "status": call.status, "direction": call.direction,
                         "from": call.from_number, "to": call.to_number, "conversation_uuid": call.conversation_uuid,
                         "start_time": call.start_time, "end_time": call.end_time, "duration": call.duration,
                         "rate": call.rate, "price": call.price, "network": call.network}, first_seen=first_seen)


def _observation(payload: Mapping[str, Any], *, first_seen: datetime) -> CallRecord:
    uuid = _text(payload, "uuid")
    if uuid is None:
        raise CallEventError("uuid is missing")
    status = payload.get("status")
    if status not in STATUSES:
        raise CallEventError(f"status {status!r} is not a call status")
    direction = payload.get("direction")
    if direction not in DIRECTIONS:
        raise CallEventError(f"direction {direction!r} is neither inbound nor outbound")
    return CallRecord(uuid=uuid, status=status, direction=direction, first_seen=first_seen.astimezone(UTC),
                      conversation_uuid=_text(payload, "conversation_uuid"),
                      from_number=party(_text(payload, "from")), to_number=party(_text(payload, "to")),
                      start_time=_time(payload, "start_time"), end_time=_time(payload, "end_time"),
                      duration=_seconds(payload.get("duration")), rate=decimal_text(payload.get("rate"), "rate"),
                      price=decimal_text(payload.get("price"), "price"), network=_text(payload, "network"))


def party(value: str | None) -> str | None:
    """A number as the carrier writes it (digits, no "+") in E.164; anything else as it is."""
    if value is None:
        return None
    return "+" + value if value.isascii() and value.isdigit() else value


def _text(payload: Mapping[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or not value.isprintable():
        raise CallEventError(f"{name} is not a short printable string")
    return value


def _time(payload: Mapping[str, Any], name: str) -> datetime | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise CallEventError(f"{name} is not an ISO 8601 time") from None
    else:
        raise CallEventError(f"{name} is not an ISO 8601 time")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _seconds(value: object) -> int | None:
    """A duration: Vonage writes it as a string of whole seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 7:
        return int(value)
    raise CallEventError("duration is not a whole number of seconds")


def decimal_text(value: object, name: str) -> str | None:
    """A carrier amount (``"0.00450000"``) as our API writes money: at least two decimals,
    no trailing zeros beyond them (``"0.0045"``); the carrier's precision is kept."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise CallEventError(f"{name} is not a decimal amount")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CallEventError(f"{name} is not a decimal amount") from None
    whole, _, fraction = f"{amount:f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


# --- reading what a customer asks ------------------------------------------------------------

def msisdn_field(value: str, field: str) -> str:
    """One of our numbers as typed in a filter (``+447700900001``, ``00447700900001``,
    ``447700900001``, with spaces or hyphens) as E.164. Only the form is checked: the
    carrier's numbers include ranges a numbering plan calls unassigned (test ranges)."""
    if not _TYPED_NUMBER.match(value):
        raise FieldError(field, "is not a phone number: ASCII digits in international format, with + or 00 "
                                "before them")
    digits = re.sub(r"[^0-9]", "", value)
    if value.strip().startswith("00"):
        digits = digits[2:]
    if not 7 <= len(digits) <= 15:
        raise FieldError(field, "must have 7 to 15 digits in international format")
    return "+" + digits


def choice_field(value: str, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise FieldError(field, "must be one of " + ", ".join(allowed))
    return value
