"""The simulator's delivery receipts: Vonage's DLR format, one per segment, sent to the
submit's ``callback`` (or the configured ``dlr_url``) after ``dlr_delay_ms``.

The outcome of each segment comes from the run-time config: a forced outcome for the
number (``number_outcomes``), else a draw from the country's rates (``outcomes``, keyed by
ISO country, with ``default``). A callback that fails is retried a few times with backoff,
as Vonage does; receipts with nowhere to go are kept for ``GET /_sim/receipts``.
"""
from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import logging
import random
import threading
import time
from datetime import datetime, timezone
from urllib import error, parse, request

import phonenumbers

log = logging.getLogger(__name__)

RECEIPT_STATUSES = frozenset({"delivered", "failed", "expired", "rejected", "accepted", "buffered", "unknown"})
#: Vonage DLR error codes for each failure kind (0 = none).
ERR_CODES = {"delivered": "0", "accepted": "0", "buffered": "0", "failed": "6", "expired": "5",
             "rejected": "2", "unknown": "99"}
RETRY_DELAYS = (0.2, 0.5, 1.0)
NETWORK_CODE = "99999"


def sign(params: dict, secret: str) -> str:
    """Vonage's webhook signature: HMAC-SHA256 over ``&key=value`` for the sorted params."""
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)
    for key in sorted(k for k in params if k != "sig"):
        value = str(params[key]).replace("&", "_").replace("=", "_")
        mac.update(f"&{key}={value}".encode())
    return mac.hexdigest()


def country_of(msisdn: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + msisdn))
    except phonenumbers.NumberParseException:
        return None


class ReceiptSender:
    """Schedules and posts receipts from one background thread; ``stop()`` joins it."""

    def __init__(self, state):
        self._state = state
        self._queue: list[tuple[float, int, dict, str | None, int]] = []
        self._kept: list[dict] = []
        self._wake = threading.Condition()
        self._counter = 0
        self._random = random.Random()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def reseed(self, seed: int | None) -> None:
        self._random.seed(seed)

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="carrier-sim-dlr", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def clear(self) -> None:
        with self._wake:
            self._queue.clear()
            self._kept.clear()

    def kept(self) -> list[dict]:
        with self._wake:
            return [dict(r) for r in self._kept]

    def schedule(self, row: dict) -> None:
        """Plan the receipt for one accepted segment ``row``."""
        config = self._state.config()
        receipt = self._receipt(row, self._outcome(row["to"], config), config)
        target = row.get("callback") or config["dlr_url"]
        with self._wake:
            if target is None:
                self._kept.append(receipt)
                return
            self._counter += 1
            due = time.monotonic() + config["dlr_delay_ms"] / 1000
            heapq.heappush(self._queue, (due, self._counter, receipt, target, 0))
            self._wake.notify()

    def _outcome(self, msisdn: str, config: dict) -> str:
        forced = config["number_outcomes"].get(msisdn)
        if forced:
            return forced
        rates = config["outcomes"].get(country_of(msisdn) or "", config["outcomes"].get("default"))
        rates = rates or {"delivered": 1.0}
        statuses, weights = zip(*sorted(rates.items()))
        with self._wake:
            return self._random.choices(statuses, weights=weights)[0]

    def _receipt(self, row: dict, status: str, config: dict) -> dict:
        now = datetime.now(timezone.utc)
        receipt = {
            "msisdn": row["to"], "to": row["from"], "network-code": NETWORK_CODE,
            "messageId": row["message-id"], "price": "0.00570000", "status": status,
            "scts": now.strftime("%y%m%d%H%M"), "err-code": ERR_CODES[status],
            "api-key": (self._state.credentials or ("sim",))[0],
            "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
        }
        if row.get("client-ref"):
            receipt["client-ref"] = row["client-ref"]
        return receipt

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._wake.wait(timeout)
                if self._stopping:
                    return
                _, _, receipt, target, attempt = heapq.heappop(self._queue)
            if not self._post(receipt, target) and attempt < len(RETRY_DELAYS):
                with self._wake:
                    self._counter += 1
                    due = time.monotonic() + RETRY_DELAYS[attempt]
                    heapq.heappush(self._queue, (due, self._counter, receipt, target, attempt + 1))

    def _post(self, receipt: dict, target: str) -> bool:
        config = self._state.config()
        params = dict(receipt)
        if config["signature_secret"]:
            params["timestamp"] = str(int(time.time()))
            params["sig"] = sign(params, config["signature_secret"])
        try:
            if config["dlr_method"] == "GET":
                req = request.Request(f"{target}{'&' if '?' in target else '?'}{parse.urlencode(params)}")
            else:
                req = request.Request(target, data=json.dumps(params).encode(), method="POST",
                                      headers={"Content-Type": "application/json"})
            with request.urlopen(req, timeout=5) as reply:
                return 200 <= reply.status < 300
        except (error.URLError, OSError, ValueError) as exc:
            log.info("receipt to %s failed: %s", target, exc)
            return False
