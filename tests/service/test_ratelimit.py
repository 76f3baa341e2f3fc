"""The shared carrier rate limit: one budget per key and second, shared by every worker."""
from __future__ import annotations

import pytest

from chalicelib.services.ratelimit import RateLimitTimeout, SharedRateLimiter
from chalicelib.store.ratelimits import RateWindow


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_workers_share_one_budget_per_second(aws):
    clock = FakeClock()
    workers = [SharedRateLimiter("carrier#k", 30, batch=10, clock=clock, sleep=clock.sleep) for _ in range(3)]
    spent = 0
    for _ in range(4):  # 3 workers × 4 rounds × 3 segments = 36 > 30 in one second
        for worker in workers:
            if clock.now < 1_800_000_001:
                worker.acquire(3)
                spent += 3
    assert int(RateWindow.get(f"carrier#k#{1_800_000_000}").used) <= 30
    assert clock.now >= 1_800_000_001  # somebody had to wait for the next second
    assert spent >= 30


def test_units_are_segments_and_the_window_item_expires(aws):
    clock = FakeClock()
    limiter = SharedRateLimiter("carrier#seg", 5, batch=5, clock=clock, sleep=clock.sleep)
    limiter.acquire(2)
    limiter.acquire(3)  # 5 segments: the second's budget
    limiter.acquire(1)  # must wait for the next second
    assert clock.now >= 1_800_000_001
    window = RateWindow.get("carrier#seg#1800000000")
    assert int(window.used) == 5 and int(window.expires_at) > 1_800_000_000


def test_gives_up_after_max_wait(aws):
    clock = FakeClock()
    other = SharedRateLimiter("carrier#busy", 2, clock=clock, sleep=lambda s: None)
    other.acquire(2)  # the whole second is taken and the clock never moves
    limiter = SharedRateLimiter("carrier#busy", 2, max_wait=0.5, clock=clock, sleep=lambda s: None)
    with pytest.raises(RateLimitTimeout):
        limiter.acquire(1)
