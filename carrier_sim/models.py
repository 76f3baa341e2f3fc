"""Everything the simulator remembers: the account every API shares, and one backend per
carrier API (``sms``, ``numbers``, ``voice``).

Backends hold state and behaviour only; the ``*_responses`` modules speak HTTP.
"""
from __future__ import annotations

from .account import Account
from .numbers_models import NumbersBackend
from .sms_models import SmsBackend
from .voice_models import VoiceBackend


class CarrierState:
    """The account and the per-API backends, shared by every handler thread (each part
    guards itself). ``start``/``stop`` run and end the background senders (receipts, call
    events) and the background caller."""

    def __init__(self, api_key: str | None, api_secret: str | None):
        self.account = Account(api_key, api_secret)
        self.sms = SmsBackend(self.account)
        self.numbers = NumbersBackend(self.account)
        self.voice = VoiceBackend(self.account, self.numbers.owned)

    def configure(self, patch: dict) -> dict:
        """Merge ``patch`` into the run-time config, all or nothing; returns the whole config.
        Raises ``ValueError`` on an unknown key or a bad value (nothing applied)."""
        config = self.account.merge_config(patch)
        if "seed" in patch:
            self.sms.receipts.reseed(patch["seed"])
            self.voice.reseed(patch["seed"])
        return config

    def start(self) -> None:
        self.sms.receipts.start()
        self.voice.start()

    def stop(self) -> None:
        """Drop receipts and call events still pending and join the sender threads."""
        self.sms.receipts.stop()
        self.voice.stop()
