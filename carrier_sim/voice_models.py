"""The Voice API's state and behaviour: calls on the account's numbers, how each one unfolds
(its events and its record), what it costs, and the background caller.

A call is placed on demand (``place``, behind ``POST /_sim/calls``) or by the background
caller at ``voice_calls_per_minute``. Its timeline is simulated: by default it ends now
(started ``ring + duration`` seconds ago), or it starts at a given ``start_time``. Its events
are due ``voice_event_delay_ms`` apart from placing, and its record (``GET /v1/calls``)
moves through the statuses as they fall due, whether or not the webhooks get through, as
Vonage's record does. Price is the per-minute rate (``voice_rates``) times the minutes
talked, billed per second, charged to the account when the call is placed.

No HTTP here: ``carrier_sim.voice_responses`` parses, authenticates and renders.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers

from .account import Account, QuotaExceeded
from .config import CALL_OUTCOMES
from .receipts import NETWORK_CODE, country_of
from .voice_events import EventSender, Webhook

RING_SECONDS = 3  # simulated time between started and answered (or the failure status)
DEFAULT_DURATION = 60
BACKGROUND_DURATIONS = (5, 300)  # seconds talked by a background call, drawn uniformly
API_KEY_FALLBACK = "simulator"  # signs events when the account accepts any credentials

# The statuses Vonage sends for each way a call can end, in order.
SEQUENCES: dict[str, tuple[str, ...]] = {
    "completed": ("started", "ringing", "answered", "completed"),
    "busy": ("started", "ringing", "busy"),
    "cancelled": ("started", "ringing", "cancelled"),
    "timeout": ("started", "ringing", "timeout"),
    "unanswered": ("started", "ringing", "unanswered"),
    "failed": ("started", "failed"),
    "rejected": ("started", "rejected"),
}
# Vonage's ``detail`` on some failure events (why the call did not connect).
DETAILS = {"failed": "cannot_route", "rejected": "declined", "unanswered": "unavailable"}
DIRECTIONS = ("inbound", "outbound")


class CallRefused(ValueError):
    """A ``place`` request the simulator cannot act on (HTTP 400, message says why)."""


def iso(moment: datetime) -> str:
    """Vonage's timestamps: ``2024-04-18T16:01:51.000Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; naive means UTC). Raises ``ValueError``."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def price_of(rate: Decimal, seconds: int) -> Decimal:
    """Per-minute ``rate`` for ``seconds`` talked, billed per second, to 8 places as Vonage prints."""
    return (rate * seconds / 60).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CallRequest:
    """What to simulate. ``other``: the far party (None: a made-up number in our country);
    ``send_order``: the statuses to send, in order, repeats allowed (None: Vonage's order);
    ``drop``: statuses whose webhooks are lost."""

    number: str
    direction: str = "inbound"
    other: str | None = None
    outcome: str = "completed"
    duration: int = DEFAULT_DURATION
    start_time: datetime | None = None
    send_order: tuple[str, ...] | None = None
    drop: frozenset[str] = frozenset()
    detail: str | None = None


@dataclass
class Call:
    """One call: its fixed facts, its simulated times and the webhooks planned for it."""

    uuid: str
    conversation_uuid: str
    direction: str
    ours: str  # our number's msisdn
    other: str
    outcome: str
    duration: int
    rate: Decimal
    price: Decimal
    application_id: str | None
    times: dict[str, datetime]  # status -> when it happened (simulated)
    due: dict[str, float]  # status -> monotonic time it falls due
    detail: str | None
    webhooks: list[Webhook] = field(default_factory=list)

    @property
    def sequence(self) -> tuple[str, ...]:
        return SEQUENCES[self.outcome]

    def status_at(self, now: float) -> str:
        """The last status in Vonage's order that has fallen due (``started`` at least)."""
        reached = [s for s in self.sequence if self.due[s] <= now]
        return reached[-1] if reached else self.sequence[0]

    @property
    def start_time(self) -> datetime:
        """Vonage's record starts a completed call when it was answered, others when placed."""
        return self.times["answered"] if self.outcome == "completed" else self.times["started"]

    @property
    def from_number(self) -> str:
        return self.other if self.direction == "inbound" else self.ours

    @property
    def to_number(self) -> str:
        return self.ours if self.direction == "inbound" else self.other

    def event(self, status: str) -> dict:
        """The event webhook body Vonage sends for ``status``."""
        body: dict = {"from": self.from_number, "to": self.to_number, "uuid": self.uuid,
                      "conversation_uuid": self.conversation_uuid, "status": status,
                      "direction": self.direction, "timestamp": iso(self.times[status])}
        if status == "answered":
            body.update({"start_time": None, "rate": None, "network": None})
        elif status == "completed":
            body.update({"start_time": iso(self.start_time), "end_time": iso(self.times["completed"]),
                         "duration": str(self.duration), "rate": f"{self.rate:.8f}", "price": f"{self.price:.8f}",
                         "network": NETWORK_CODE, "disconnected_by": "user"})
        elif status == self.outcome and self.detail:
            body["detail"] = self.detail
        return body


class VoiceBackend:
    """The Voice API's memory: placed calls, the event sender and the background caller.
    Handler threads share it: every access holds its lock.

    ``owned_numbers`` returns the account's numbers (``NumbersBackend.owned``).
    """

    def __init__(self, account: Account, owned_numbers: Callable[[], Iterable]):
        self._account = account
        self._owned_numbers = owned_numbers
        self._lock = threading.Lock()
        self._calls: dict[str, Call] = {}
        self._random = random.Random()
        self.events = EventSender(account.config, lambda: account.api_key or API_KEY_FALLBACK)
        self._stopping = threading.Event()
        self._caller: threading.Thread | None = None

    # --- life cycle ---

    def start(self) -> None:
        self.events.start()
        self._stopping.clear()
        self._caller = threading.Thread(target=self._call_in_background, name="carrier-sim-caller", daemon=True)
        self._caller.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._caller is not None:
            self._caller.join(timeout=5)
            self._caller = None
        self.events.stop()

    def reseed(self, seed: int | None) -> None:
        """Restart the background caller's draws from ``seed`` (None: from OS randomness)."""
        with self._lock:
            self._random.seed(seed)

    def clear(self) -> None:
        """Forget every call and every event, kept or pending."""
        with self._lock:
            self._calls.clear()
        self.events.clear()

    # --- placing calls ---

    def place(self, wanted: CallRequest) -> Call:
        """Simulate one call on an owned number and plan its webhooks.

        A completed call is charged; a prepaid balance too low for it turns it into a
        failed call (nothing charged). Raises ``CallRefused`` for a number the account does
        not own, or statuses in ``send_order``/``drop`` that this outcome never has.
        """
        number = self._owned(wanted.number)
        _check_statuses(wanted)
        config = self._account.config()
        other = (wanted.other or self._made_up_number(number.country)).lstrip("+")
        rate = _rate(config["voice_rates"], other if wanted.direction == "outbound" else None, number.country)
        outcome, price = self._charged(wanted.outcome, rate, wanted.duration)
        call = self._new_call(wanted, number, other, outcome, rate, price, config)
        with self._lock:
            self._calls[call.uuid] = call
        self.events.schedule(call.webhooks, [call.due[w.event["status"]] for w in call.webhooks],
                             call.application_id)
        return call

    def _owned(self, msisdn: str):
        digits = msisdn.lstrip("+")
        for number in self._owned_numbers():
            if number.msisdn == digits:
                return number
        raise CallRefused(f"number {digits} is not one of the account's numbers")

    def _charged(self, outcome: str, rate: Decimal, duration: int) -> tuple[str, Decimal]:
        if outcome != "completed":
            return outcome, Decimal(0)
        price = price_of(rate, duration)
        try:
            self._account.charge(price)
        except QuotaExceeded:
            return "failed", Decimal(0)
        return outcome, price

    def _new_call(self, wanted: CallRequest, number, other: str, outcome: str, rate: Decimal, price: Decimal,
                  config: dict) -> Call:
        duration = wanted.duration if outcome == "completed" else 0
        times = _timeline(outcome, duration, wanted.start_time)
        delay = config["voice_event_delay_ms"] / 1000
        placed = time.monotonic()
        due = {status: placed + delay * (n + 1) for n, status in enumerate(SEQUENCES[outcome])}
        call = Call(uuid=str(uuid.uuid4()), conversation_uuid=f"CON-{uuid.uuid4()}", direction=wanted.direction,
                    ours=number.msisdn, other=other, outcome=outcome, duration=duration, rate=rate,
                    price=price, application_id=number.app_id or _sole_application(config),
                    times=times, due=due, detail=wanted.detail or DETAILS.get(outcome))
        target = number.voice_status_callback or config["voice_event_url"]
        order = wanted.send_order if wanted.send_order is not None else SEQUENCES[outcome]
        call.webhooks = [Webhook(call.event(s), target, drop=s in wanted.drop)
                         for s in order if s in SEQUENCES[outcome]]
        return call

    def _made_up_number(self, country: str) -> str:
        """A valid-looking mobile number of ``country`` with random last digits."""
        example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
        digits = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164).lstrip("+") \
            if example else "447700900000"
        with self._lock:
            tail = f"{self._random.randrange(10_000):04d}"
        return digits[:-4] + tail

    # --- background calls ---

    def _call_in_background(self) -> None:
        """Place a random call every ``60 / voice_calls_per_minute`` seconds (0: none)."""
        while True:
            per_minute = self._account.config()["voice_calls_per_minute"]
            if self._stopping.wait(60 / per_minute if per_minute else 0.5):
                return
            if per_minute:
                self._place_random_call()

    def _place_random_call(self) -> None:
        numbers = [n for n in self._owned_numbers() if "VOICE" in n.features]
        if not numbers:
            return
        outcomes = self._account.config()["voice_outcomes"]
        with self._lock:
            number = self._random.choice(numbers)
            names, weights = zip(*sorted(outcomes.items()), strict=True)  # sorted: a seed gives the same draws
            outcome = self._random.choices(names, weights=weights)[0]
            direction = self._random.choice(DIRECTIONS)
            duration = self._random.randint(*BACKGROUND_DURATIONS)
        self.place(CallRequest(number=number.msisdn, direction=direction, outcome=outcome, duration=duration))

    # --- reading ---

    def get(self, call_uuid: str) -> Call | None:
        with self._lock:
            return self._calls.get(call_uuid)

    def calls(self) -> list[Call]:
        """Every call, oldest start first."""
        with self._lock:
            return sorted(self._calls.values(), key=lambda c: (c.start_time, c.uuid))


def _check_statuses(wanted: CallRequest) -> None:
    if wanted.outcome not in CALL_OUTCOMES:
        raise CallRefused(f"outcome must be one of {', '.join(sorted(CALL_OUTCOMES))}")
    if wanted.direction not in DIRECTIONS:
        raise CallRefused("direction must be inbound or outbound")
    possible = set(SEQUENCES[wanted.outcome])
    stray = (set(wanted.send_order or ()) | wanted.drop) - possible
    if stray:
        raise CallRefused(f"a {wanted.outcome} call has no {', '.join(sorted(stray))} event "
                          f"(it has {', '.join(SEQUENCES[wanted.outcome])})")


def _timeline(outcome: str, duration: int, start: datetime | None) -> dict[str, datetime]:
    """When each status happened: from ``start``, or ending now."""
    ring = RING_SECONDS if "ringing" in SEQUENCES[outcome] else 0
    began = start or datetime.now(UTC) - timedelta(seconds=ring + duration)
    times = {"started": began, "ringing": began}
    if outcome == "completed":
        times["answered"] = began + timedelta(seconds=ring)
        times["completed"] = times["answered"] + timedelta(seconds=duration)
    else:
        times[outcome] = began + timedelta(seconds=ring)
    return times


def _rate(rates: dict[str, str], destination: str | None, our_country: str) -> Decimal:
    """Per-minute rate: by the destination's country for an outbound call, by our number's
    country for an inbound one; else the default."""
    country = country_of(destination) if destination else our_country
    return Decimal(rates.get(country or "", rates["default"]))


def _sole_application(config: dict) -> str | None:
    """The application that signs events for a number linked to none: the only one configured."""
    applications = config["voice_applications"]
    return next(iter(applications)) if len(applications) == 1 else None
