"""The simulated Vonage account, shared by every API the simulator serves: who may call it,
its run-time config (with the injected faults) and its balance.

On Vonage one account's credit pays for SMS, numbers and calls alike, so the balance lives
here and not with one API; each API turns a refusal into its own wire answer.
"""
from __future__ import annotations

import threading
from decimal import Decimal

from .config import DEFAULT_CONFIG, checked_patch

STARTING_BALANCE = Decimal("100.00000000")  # what a post-paid account reports before spending


class QuotaExceeded(Exception):
    """The prepaid balance does not cover the charge."""


class Account:
    """Credentials, config and balance. Handler threads share it: every access holds its lock.

    ``api_key``/``api_secret``: when both are None, any non-empty credentials are accepted.
    """

    def __init__(self, api_key: str | None, api_secret: str | None):
        self._lock = threading.Lock()
        self._credentials = None if api_key is None and api_secret is None else (api_key, api_secret)
        self._config = {k: v for k, v in DEFAULT_CONFIG.items() if k != "balance"}
        self._prepaid: Decimal | None = None  # None: post-paid, never short of credit
        self._spent = Decimal(0)

    @property
    def api_key(self) -> str | None:
        """The account's api_key, or None when any credentials are accepted."""
        return None if self._credentials is None else self._credentials[0]

    def accepts(self, api_key: str, api_secret: str) -> bool:
        """Whether these (non-empty) credentials may use the account."""
        return self._credentials is None or (api_key, api_secret) == self._credentials

    def config(self) -> dict:
        """A copy of the run-time config (``balance``: the prepaid credit left, or None)."""
        with self._lock:
            return self._config_locked()

    def _config_locked(self) -> dict:
        balance = None if self._prepaid is None else f"{self._prepaid:.8f}"
        return {**self._config, "balance": balance}

    def merge_config(self, patch: dict) -> dict:
        """Apply ``patch`` over the config, all or nothing; returns the whole config.
        Raises ``ValueError`` on an unknown key or a bad value (nothing applied)."""
        patch = checked_patch(patch)
        with self._lock:
            if "balance" in patch:
                balance = patch.pop("balance")
                self._prepaid = None if balance is None else Decimal(str(balance))
            self._config.update(patch)
            return self._config_locked()

    def take_injected_failure(self) -> bool:
        """True (and one fewer pending) if the next request must fail with HTTP 500."""
        with self._lock:
            if self._config["fail_next_5xx"] > 0:
                self._config["fail_next_5xx"] -= 1
                return True
            return False

    def charge(self, cost: Decimal) -> Decimal:
        """Debit ``cost`` exactly once and return the balance left (post-paid: the starting
        balance minus all spending, as Vonage shows it).

        Raises ``QuotaExceeded`` (nothing debited) when a prepaid balance cannot pay it.
        """
        with self._lock:
            if self._prepaid is not None:
                if cost > self._prepaid:
                    raise QuotaExceeded
                self._prepaid -= cost
            self._spent += cost
            return self._prepaid if self._prepaid is not None else STARTING_BALANCE - self._spent
