"""The simulator's Voice API event webhooks: each call's events, POSTed as JSON one after
another to the number's ``voice_status_callback`` (or the configured ``voice_event_url``),
``voice_event_delay_ms`` apart, signed as Vonage signs them.

Vonage signs a Voice webhook with ``Authorization: Bearer <JWT>``: HS256 keyed with the
account's signature secret, claims ``iat``, ``jti``, ``iss`` "Vonage", ``payload_hash``
(sha256 hex of the exact body bytes), ``api_key`` and ``application_id``. Without a
``signature_secret`` in the config the events go unsigned.

One call's events never overtake each other: the next is planned only once the previous
was delivered, dropped, kept or given up on (after ``RETRY_DELAYS``), so the order they
arrive in is the order planned, including a deliberately shuffled or repeated one.
A few worker threads serve different calls side by side. Events with nowhere to go are
kept for ``GET /_sim/voice-events``.
"""
from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib import error, request

import jwt

from .receipts import HTTP_TIMEOUT, RETRY_DELAYS

log = logging.getLogger(__name__)

WORKERS = 4

#: A webhook's life: planned, then delivered (2xx), failed (retries exhausted), dropped
#: (the call was placed with those events lost) or kept (no URL to send it to).
PENDING, DELIVERED, FAILED, DROPPED, KEPT = "pending", "delivered", "failed", "dropped", "kept"


def sign(body: bytes, secret: str, *, api_key: str, application_id: str | None, now: float | None = None) -> str:
    """The JWT Vonage puts in a Voice webhook's ``Authorization: Bearer`` header."""
    claims = {"iat": int(time.time() if now is None else now), "jti": str(uuid.uuid4()), "iss": "Vonage",
              "payload_hash": hashlib.sha256(body).hexdigest(), "api_key": api_key,
              "application_id": application_id}
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass
class Webhook:
    """One event to send. ``state`` is written by the sender only (read by ``/_sim/calls``)."""

    event: dict
    target: str | None
    drop: bool = False
    state: str = PENDING
    attempts: int = 0


@dataclass
class _Chain:
    """One call's webhooks, sent in list order; ``due`` is each one's earliest send time."""

    webhooks: list[Webhook]
    due: list[float]
    application_id: str | None
    generation: int
    index: int = 0


class EventSender:
    """Sends calls' event webhooks from ``WORKERS`` background threads.

    ``config`` returns the run-time config (``signature_secret``); ``api_key`` names the
    account in the signature. ``stop()`` drops what is pending and joins the threads.
    """

    def __init__(self, config: Callable[[], dict], api_key: Callable[[], str]):
        self._config = config
        self._api_key = api_key
        self._pending: list[tuple[float, int, _Chain]] = []  # heap by due time
        self._kept: list[dict] = []
        self._wake = threading.Condition()  # guards everything below
        self._order = itertools.count()
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # --- life cycle ---

    def start(self) -> None:
        with self._wake:
            self._stopping = False
        self._threads = [threading.Thread(target=self._work, name=f"carrier-sim-voice-{n}", daemon=True)
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

    def clear(self) -> None:
        """Forget kept events and drop pending ones (retries in flight end too)."""
        with self._wake:
            self._generation += 1
            self._pending.clear()
            self._kept.clear()

    def kept(self) -> list[dict]:
        """Events that had no URL to go to, in the order they were due."""
        with self._wake:
            return [dict(e) for e in self._kept]

    # --- planning ---

    def schedule(self, webhooks: list[Webhook], due: list[float], application_id: str | None) -> None:
        """Plan one call's ``webhooks``, the n-th not before monotonic time ``due[n]``."""
        if not webhooks:
            return
        with self._wake:
            self._push(due[0], _Chain(webhooks, due, application_id, self._generation))

    def _push(self, at: float, chain: _Chain) -> None:
        """Queue ``chain``; the caller holds ``_wake``."""
        heapq.heappush(self._pending, (at, next(self._order), chain))
        self._wake.notify()

    # --- sending ---

    def _work(self) -> None:
        while True:
            chain = self._next_due()
            if chain is None:
                return
            webhook = chain.webhooks[chain.index]
            retry_in = self._handle(webhook, chain)
            with self._wake:
                if self._stopping or chain.generation != self._generation:
                    continue
                if retry_in is not None:
                    self._push(time.monotonic() + retry_in, chain)
                    continue
                chain.index += 1
                if chain.index < len(chain.webhooks):
                    self._push(max(time.monotonic(), chain.due[chain.index]), chain)

    def _handle(self, webhook: Webhook, chain: _Chain) -> float | None:
        """Deliver, drop or keep ``webhook``; seconds until a retry, or None when done with it."""
        if webhook.drop:
            webhook.state = DROPPED
            return None
        if webhook.target is None:
            with self._wake:
                self._kept.append(dict(webhook.event))
            webhook.state = KEPT
            return None
        webhook.attempts += 1
        if self._send(webhook.event, webhook.target, chain.application_id):
            webhook.state = DELIVERED
            return None
        if webhook.attempts > len(RETRY_DELAYS):
            webhook.state = FAILED
            return None
        return RETRY_DELAYS[webhook.attempts - 1]

    def _next_due(self) -> _Chain | None:
        """Block until a chain's next webhook is due (returns it) or the sender stops (None)."""
        with self._wake:
            while True:
                if self._stopping:
                    return None
                now = time.monotonic()
                if self._pending and self._pending[0][0] <= now:
                    return heapq.heappop(self._pending)[2]
                self._wake.wait(self._pending[0][0] - now if self._pending else None)

    def _send(self, event: dict, target: str, application_id: str | None) -> bool:
        """One attempt: True when the webhook answered 2xx."""
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        secret = self._config()["signature_secret"]
        if secret:
            token = sign(body, secret, api_key=self._api_key(), application_id=application_id)
            headers["Authorization"] = f"Bearer {token}"
        try:
            with request.urlopen(request.Request(target, data=body, method="POST", headers=headers),
                                 timeout=HTTP_TIMEOUT) as reply:
                return 200 <= reply.status < 300
        except (error.URLError, OSError, ValueError) as exc:  # HTTPError (non-2xx) is a URLError
            log.info("voice event to %s failed: %s", target, exc)
            return False
