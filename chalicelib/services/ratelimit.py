"""A rate limit shared by every concurrent worker: at most ``rate`` units per second per
key (Vonage allows 30 requests/s per API key by default; we count segments, which is never
less). One DynamoDB item per key and second holds the units taken; a worker takes units in
batches with one conditional update, so a Lambda fleet shares the budget without a
coordinator and without a hot read path.

Units a worker took but did not use expire with their second: the limiter can only err on
the slow side, never exceed the carrier's budget by more than one batch at a window edge.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from ..store.ratelimits import take_units


class RateLimitTimeout(Exception):
    """The budget stayed exhausted for longer than the caller may wait."""


class SharedRateLimiter:
    def __init__(self, key: str, rate: int, *, batch: int = 10, max_wait: float = 20.0,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep):
        if rate < 1:
            raise ValueError("rate must be at least 1 per second")
        self.key = key
        self.rate = rate
        self.batch = max(1, min(batch, rate))
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._held = 0
        self._held_window = -1
        self._lock = threading.Lock()  # one worker may send from several threads

    def acquire(self, units: int = 1) -> None:
        """Block until ``units`` may be spent now; RateLimitTimeout after ``max_wait`` s."""
        with self._lock:
            self._acquire(units)

    def _acquire(self, units: int) -> None:
        if units > self.rate:  # a message longer than a second's budget still goes, alone
            units = self.rate
        deadline = self._clock() + self.max_wait
        while True:
            window = int(self._clock())
            if self._held_window != window:
                self._held, self._held_window = 0, window
            if self._held >= units:
                self._held -= units
                return
            if self._take(window, max(units - self._held, self.batch)):
                continue
            wait = (window + 1) - self._clock()
            if self._clock() + max(wait, 0) > deadline:
                raise RateLimitTimeout(f"{self.key}: no budget within {self.max_wait:.0f}s")
            self._sleep(max(wait, 0.001))

    def _take(self, window: int, wanted: int) -> bool:
        """Add up to ``wanted`` units to this second's item; False when the second is spent."""
        for amount in _halvings(min(wanted, self.rate)):  # not that much left? a smaller share
            if take_units(self.key, window, amount, self.rate):
                self._held += amount
                return True
        return False


def _halvings(n: int):
    while n >= 1:
        yield n
        n = math.floor(n / 2)
