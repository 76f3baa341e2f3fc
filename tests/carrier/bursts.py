"""Bursts of connections, as a browser or a pool of client threads opens them: ``n`` threads,
each on a connection of its own, released at the same instant."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable


def burst(n: int, request_once: Callable[[int], object], *, timeout: float = 20) -> tuple[list, list[BaseException]]:
    """Call ``request_once(i)`` for every ``i < n``, each from its own thread, all released
    together by a barrier; returns the answers (in order of ``i``; None where it raised) and
    the exceptions raised. ``request_once`` must open (and close) a connection of its own."""
    barrier = threading.Barrier(n, timeout=timeout)
    answers: list = [None] * n
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            barrier.wait()  # every thread is running: the connections now arrive as one burst
            answers[i] = request_once(i)
        except Exception as exc:  # noqa: BLE001 - every failure is what the test counts
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,), name=f"burst-{i}", daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), f"the burst did not finish within {timeout} s"
    return answers, errors


def summary(errors: list[BaseException]) -> str:
    """e.g. ``151 errors: {'ConnectionResetError': 151}`` for an assertion message."""
    return f"{len(errors)} errors: {dict(Counter(type(e).__name__ for e in errors))}; first: {errors[:1]!r}"
