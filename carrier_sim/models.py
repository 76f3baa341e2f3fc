"""Everything the simulator remembers: the account every API shares, and one backend per
carrier API (today SMS; Numbers and Voice join here as ``numbers`` and ``voice``).

Backends hold state and behaviour only; the ``*_responses`` modules speak HTTP.
"""
from __future__ import annotations

from .account import Account
from .sms_models import SmsBackend


class CarrierState:
    """The account and the per-API backends, shared by every handler thread (each part
    guards itself). ``start``/``stop`` run and end the background senders (receipts)."""

    def __init__(self, api_key: str | None, api_secret: str | None):
        self.account = Account(api_key, api_secret)
        self.sms = SmsBackend(self.account)

    def configure(self, patch: dict) -> dict:
        """Merge ``patch`` into the run-time config, all or nothing; returns the whole config.
        Raises ``ValueError`` on an unknown key or a bad value (nothing applied)."""
        config = self.account.merge_config(patch)
        if "seed" in patch:
            self.sms.receipts.reseed(patch["seed"])
        return config

    def start(self) -> None:
        self.sms.receipts.start()

    def stop(self) -> None:
        """Drop receipts still pending and join the sender threads."""
        self.sms.receipts.stop()
