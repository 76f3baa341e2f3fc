"""Waiting on the local stack, which does its work in the background (queues, schedules)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 60, pause: float = 0.5) -> Any:
    """``fetch()`` again every ``pause`` seconds until ``done`` says yes; its value. Fails with
    the last value seen after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out; last value: {value}")
        time.sleep(pause)
