"""The simulator's delivery receipts: Vonage's DLR format, one per accepted segment, sent to
the submit's ``callback`` (or the configured ``dlr_url``) after ``dlr_delay_ms``.

The outcome of each segment comes from the run-time config: a forced outcome for the
number (``number_outcomes``), else a draw from the country's rates (``outcomes``, keyed by
ISO country, with ``default``); its ``err-code`` from ``err_codes`` (Vonage's DLR error
codes). A callback that fails (connection error or non-2xx) is retried after each of
``RETRY_DELAYS``, as Vonage retries; receipts with nowhere to go are kept for
``GET /_sim/receipts``. A few worker threads send, so one slow callback does not hold up
the rest (receipts of one message may then arrive out of order, as they can from Vonage).
"""
from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib import error, parse, request

import phonenumbers

log = logging.getLogger(__name__)

RECEIPT_STATUSES = frozenset({"delivered", "failed", "expired", "rejected", "accepted", "buffered", "unknown"})
#: Default ``err-code`` per receipt status, from Vonage's DLR error codes (0 = no error,
#: 1 unknown, 2 absent subscriber - temporary, 6 anti-spam rejection, 99 general error).
ERR_CODES = {"delivered": "0", "accepted": "0", "buffered": "0", "failed": "99", "expired": "2",
             "rejected": "6", "unknown": "1"}
RETRY_DELAYS = (0.2, 0.5, 1.0)  # seconds before the 2nd, 3rd and 4th (last) attempt
HTTP_TIMEOUT = 2.0  # per callback attempt; also bounds how long stop() waits for a worker
WORKERS = 4
NETWORK_CODE = "99999"  # a made-up MCCMNC: the simulator has no number-to-network data


def sign(params: dict, secret: str) -> str:
    """Vonage's webhook signature (``sha256`` method): HMAC-SHA256 keyed with the signature
    secret over ``&key=value`` for every param but ``sig``, sorted by key, with ``&`` and
    ``=`` in values replaced by ``_``; lower-case hex."""
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)
    for key in sorted(k for k in params if k != "sig"):
        value = str(params[key]).replace("&", "_").replace("=", "_")
        mac.update(f"&{key}={value}".encode())
    return mac.hexdigest()


def country_of(msisdn: str) -> str | None:
    """ISO country of an international number without ``+`` (e.g. "GB"); for a number that
    is not valid in its country, the main country of its calling code; None if the calling
    code is unknown."""
    try:
        number = phonenumbers.parse("+" + msisdn)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or \
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    return None if region == phonenumbers.UNKNOWN_REGION else region


@dataclass
class _Delivery:
    receipt: dict
    target: str
    generation: int  # the sender's generation when planned: a clear() cancels retries in flight
    attempt: int = 0


class ReceiptSender:
    """Plans receipts (``schedule``) and sends them from ``WORKERS`` background threads.

    ``state`` is the simulator state: ``config()`` gives the run-time config. ``stop()``
    drops what is still pending and joins the threads (within ``HTTP_TIMEOUT`` + 1 s).
    """

    def __init__(self, state):
        self._state = state
        self._pending: list[tuple[float, int, _Delivery]] = []  # heap by due time
        self._kept: list[dict] = []
        self._wake = threading.Condition()  # guards everything below, and the random generator
        self._order = itertools.count()
        self._generation = 0
        self._random = random.Random()
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # --- life cycle ---

    def start(self) -> None:
        with self._wake:
            self._stopping = False
        self._threads = [threading.Thread(target=self._work, name=f"carrier-sim-dlr-{n}", daemon=True)
                         for n in range(WORKERS)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._pending.clear()
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=HTTP_TIMEOUT + 1)
        self._threads = []

    # --- state ---

    def reseed(self, seed: int | None) -> None:
        """Restart the outcome draws from ``seed`` (None: from OS randomness)."""
        with self._wake:
            self._random.seed(seed)

    def clear(self) -> None:
        """Forget kept receipts and drop pending ones."""
        with self._wake:
            self._generation += 1
            self._pending.clear()
            self._kept.clear()

    def kept(self) -> list[dict]:
        """Receipts that had no callback URL, oldest first."""
        with self._wake:
            return [dict(r) for r in self._kept]

    def pending(self) -> int:
        """How many receipts wait to be sent (or re-sent)."""
        with self._wake:
            return len(self._pending)

    # --- planning ---

    def schedule(self, row: dict) -> None:
        """Plan the receipt for one accepted segment ``row`` (a ``/_sim/messages`` row).

        It goes to ``row["callback"]``, else the configured ``dlr_url``, ``dlr_delay_ms``
        from now; with neither it is kept at once, already time-stamped.
        """
        config = self._state.config()
        status = self._outcome(row["to"], config)
        receipt = _receipt(row, status, config["err_codes"].get(status, ERR_CODES[status]))
        target = row.get("callback") or config["dlr_url"]
        with self._wake:
            if target is None:
                self._kept.append(_stamped(receipt))
                return
            self._push(time.monotonic() + config["dlr_delay_ms"] / 1000, _Delivery(receipt, target, self._generation))

    def _outcome(self, msisdn: str, config: dict) -> str:
        forced = config["number_outcomes"].get(msisdn)
        if forced:
            return forced
        outcomes = config["outcomes"]
        rates = outcomes.get(country_of(msisdn) or "") or outcomes.get("default") or {"delivered": 1.0}
        statuses, weights = zip(*sorted(rates.items()), strict=True)  # sorted: a seed gives the same draws
        if sum(weights) <= 0:
            return "delivered"
        with self._wake:
            return self._random.choices(statuses, weights=weights)[0]

    def _push(self, due: float, delivery: _Delivery) -> None:
        """Queue ``delivery``; the caller holds ``_wake``."""
        heapq.heappush(self._pending, (due, next(self._order), delivery))
        self._wake.notify()

    # --- sending ---

    def _work(self) -> None:
        while True:
            delivery = self._next_due()
            if delivery is None:
                return
            if delivery.attempt == 0:
                delivery.receipt = _stamped(delivery.receipt)
            if self._send(delivery.receipt, delivery.target) or delivery.attempt >= len(RETRY_DELAYS):
                continue
            with self._wake:
                if not self._stopping and delivery.generation == self._generation:
                    delay = RETRY_DELAYS[delivery.attempt]
                    delivery.attempt += 1
                    self._push(time.monotonic() + delay, delivery)

    def _next_due(self) -> _Delivery | None:
        """Block until a receipt is due (returns it) or the sender stops (returns None)."""
        with self._wake:
            while True:
                if self._stopping:
                    return None
                now = time.monotonic()
                if self._pending and self._pending[0][0] <= now:
                    return heapq.heappop(self._pending)[2]
                self._wake.wait(self._pending[0][0] - now if self._pending else None)

    def _send(self, receipt: dict, target: str) -> bool:
        """One attempt: True when the callback answered 2xx."""
        config = self._state.config()
        params = dict(receipt)
        if config["signature_secret"]:
            params["timestamp"] = str(int(time.time()))
            params["sig"] = sign(params, config["signature_secret"])
        if config["dlr_method"] == "GET":
            req = request.Request(f"{target}{'&' if '?' in target else '?'}{parse.urlencode(params)}")
        else:  # Vonage's default: POST with a JSON body
            req = request.Request(target, data=json.dumps(params).encode(), method="POST",
                                  headers={"Content-Type": "application/json"})
        try:
            with request.urlopen(req, timeout=HTTP_TIMEOUT) as reply:
                return 200 <= reply.status < 300
        except (error.URLError, OSError, ValueError) as exc:  # HTTPError (non-2xx) is a URLError
            log.info("receipt to %s failed: %s", target, exc)
            return False


def _receipt(row: dict, status: str, err_code: str) -> dict:
    """The receipt's fields but its time stamps (set when it is first pushed)."""
    receipt = {
        "msisdn": row["to"], "to": row["from"], "network-code": NETWORK_CODE,
        "messageId": row["message-id"], "price": row["price"], "status": status,
        "err-code": err_code, "api-key": row["api-key"],
    }
    if row.get("client-ref"):
        receipt["client-ref"] = row["client-ref"]
    return receipt


def _stamped(receipt: dict) -> dict:
    """``receipt`` with ``scts`` (when the handset got it, ``YYMMDDHHMM``) and
    ``message-timestamp`` (when the receipt is pushed) set to now, in UTC."""
    now = datetime.now(UTC)
    return {**receipt, "scts": now.strftime("%y%m%d%H%M"), "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S")}
