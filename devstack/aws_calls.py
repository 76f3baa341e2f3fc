"""Counting AWS calls with botocore event hooks.

Every botocore client — boto3's and PynamoDB's (which makes its own botocore session per
thread) — is made by ``botocore.session.Session.create_client`` and emits ``before-call``
once per API operation. ``install()`` wraps ``create_client`` so each new client gets a
``before-call`` handler that adds the operation to whatever counters are open. Install
before any client exists: the test suite's conftest and the benches do it at import.
"""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager

_open_counters: list[Counter] = []
_lock = threading.Lock()
_installed = False


def _count(model=None, **_kwargs) -> None:
    if model is None or not _open_counters:
        return
    with _lock:
        for calls in _open_counters:
            calls.update([model.name])


def install() -> None:
    """Hook every botocore client created from now on (idempotent)."""
    global _installed
    if _installed:
        return
    from botocore.session import Session
    create_client = Session.create_client

    def create_hooked_client(self, *args, **kwargs):
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call", _count, unique_id="jmc-count-aws-calls")
        return client
    Session.create_client = create_hooked_client
    _installed = True


@contextmanager
def counting_aws_calls():
    """Yield a Counter of operation names, filled while the block runs (from every thread)."""
    install()
    calls: Counter = Counter()
    with _lock:
        _open_counters.append(calls)
    try:
        yield calls
    finally:
        with _lock:
            _open_counters.remove(calls)


install()
