"""The Numbers API's state and behaviour: the inventory of numbers for sale, the numbers
the account owns, and what Vonage refuses (HTTP 420 "method failed" and its reasons).

The inventory is the same at every start: per country, blocks of numbers by type and
features, each valid for its country and type by the ``phonenumbers`` library. A bought
number leaves the inventory and a cancelled one returns. Monthly costs are per country and
type (config ``number_costs`` overrides them); buying charges the first month.

No HTTP here: ``carrier_sim.numbers_responses`` parses a request, calls ``NumbersBackend``
and renders what it returns or the ``NumbersRefused`` it raises.
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .account import Account, QuotaExceeded

FEATURES = ("VOICE", "SMS", "MMS")  # the order Vonage lists them in
SEARCH_STARTS_WITH, SEARCH_CONTAINS, SEARCH_ENDS_WITH = 0, 1, 2

LABEL_METHOD_FAILED = "method failed"
# What Vonage answers for a country whose numbers need a local address or documents.
LABEL_DOCUMENTS_REQUIRED = ("Numbers from this country can be requested from the Dashboard "
                            "(https://dashboard.nexmo.com/buy-numbers) as they require a valid local "
                            "address to be provided before being purchased.")


class NumbersRefused(Exception):
    """Vonage refuses the request: HTTP ``status`` with ``{"error-code", "error-code-label"}``.

    ``reason``: the simulator's own name for a 420 (``documents_required``, ``not_available``,
    ``not_owned``, ``insufficient_balance``), sent as an extra field Vonage does not send.
    """

    def __init__(self, status: int, label: str, *, reason: str | None = None):
        self.status = status
        self.label = label
        self.reason = reason
        super().__init__(f"{status} {label}")


def bad_parameter(field: str, problem: str) -> NumbersRefused:
    return NumbersRefused(400, f"{field}: {problem}")


def method_failed(reason: str, label: str = LABEL_METHOD_FAILED) -> NumbersRefused:
    return NumbersRefused(420, label, reason=reason)


@dataclass(frozen=True)
class InventoryBlock:
    type: str
    features: tuple[str, ...]
    first: int  # the first msisdn, as an integer
    count: int


def _country_blocks(mobile: int, landline: int, toll_free: int, *, mms: bool = False,
                    toll_free_sms: bool = False) -> tuple[InventoryBlock, ...]:
    """A country's inventory: 20 voice+SMS mobiles (+MMS where the country has it), 10 SMS-only
    mobiles, 20 voice landlines and 10 toll-free numbers."""
    mobile_features = ("VOICE", "SMS", "MMS") if mms else ("VOICE", "SMS")
    return (InventoryBlock("mobile-lvn", mobile_features, mobile, 20),
            InventoryBlock("mobile-lvn", ("SMS",), mobile + 20, 10),
            InventoryBlock("landline", ("VOICE",), landline, 20),
            InventoryBlock("landline-toll-free", ("VOICE", "SMS") if toll_free_sms else ("VOICE",), toll_free, 10))


# Fictional ranges where the regulator keeps them and phonenumbers accepts them (GB 020 7946 0xxx
# and 0808 157 0xxx, North American 555-01xx, AU 0491 570 xxx, 02 5550 xxxx and 1800 160 4xx);
# elsewhere short runs that phonenumbers validates for the country and type (GB's drama mobile
# range 07700 900xxx is not one: phonenumbers rejects it). tests/carrier/test_numbers.py checks
# every number.
INVENTORY_BLOCKS: dict[str, tuple[InventoryBlock, ...]] = {
    "GB": _country_blocks(447400100000, 442079460000, 448081570000),
    "US": _country_blocks(12015550100, 12025550100, 18005550100, mms=True, toll_free_sms=True),
    "CA": _country_blocks(16135550100, 14165550100, 18885550100, mms=True, toll_free_sms=True),
    "DE": _country_blocks(4915112345600, 493090182000, 498001234500),
    "FR": _country_blocks(33612345600, 33123456700, 33800123400),
    "NL": _country_blocks(31612345600, 31201234500, 31800123400),
    "SE": _country_blocks(46701234500, 46812345600, 46201234500),
    "AU": _country_blocks(61491570100, 61255501000, 611800160401),
    "SG": _country_blocks(6581234500, 6561234500, 6518001234500),
    "HK": _country_blocks(85251234500, 85221234500, 852800123400),
    "JP": _country_blocks(819012345600, 81312345600, 81120123400),
}

# Monthly rental in EUR by country and type, Vonage-like orders of magnitude.
MONTHLY_COSTS: dict[str, dict[str, str]] = {
    "GB": {"mobile-lvn": "1.25", "landline": "0.90", "landline-toll-free": "2.50"},
    "US": {"mobile-lvn": "0.90", "landline": "0.90", "landline-toll-free": "1.90"},
    "CA": {"mobile-lvn": "0.90", "landline": "0.90", "landline-toll-free": "1.90"},
    "DE": {"mobile-lvn": "2.00", "landline": "1.50", "landline-toll-free": "8.00"},
    "FR": {"mobile-lvn": "2.00", "landline": "1.00", "landline-toll-free": "10.00"},
    "NL": {"mobile-lvn": "3.00", "landline": "1.00", "landline-toll-free": "10.00"},
    "SE": {"mobile-lvn": "2.50", "landline": "1.50", "landline-toll-free": "12.00"},
    "AU": {"mobile-lvn": "4.00", "landline": "3.00", "landline-toll-free": "15.00"},
    "SG": {"mobile-lvn": "10.00", "landline": "8.00", "landline-toll-free": "25.00"},
    "HK": {"mobile-lvn": "8.00", "landline": "6.00", "landline-toll-free": "20.00"},
    "JP": {"mobile-lvn": "12.00", "landline": "10.00", "landline-toll-free": "30.00"},
}


@dataclass(frozen=True)
class AvailableNumber:
    msisdn: str  # digits, no "+"
    country: str
    type: str
    features: tuple[str, ...]  # in Vonage's order (VOICE, SMS, MMS)
    cost: str = ""  # filled in when listed: costs follow the run-time config


@dataclass(frozen=True)
class OwnedNumber:
    """A number the account owns, with what ``POST /number/update`` set on it (None: unset)."""
    msisdn: str  # digits, no "+"
    country: str
    type: str
    features: tuple[str, ...]
    cost: str  # the monthly cost it was bought at
    voice_status_callback: str | None = None
    app_id: str | None = None
    mo_http_url: str | None = None
    voice_callback_type: str | None = None
    voice_callback_value: str | None = None


# POST /number/update's form fields -> OwnedNumber attributes
UPDATABLE = {"app_id": "app_id", "moHttpUrl": "mo_http_url", "voiceCallbackType": "voice_callback_type",
             "voiceCallbackValue": "voice_callback_value", "voiceStatusCallback": "voice_status_callback"}


def build_inventory() -> dict[str, AvailableNumber]:
    """Every number for sale at start, by msisdn."""
    inventory = {}
    for country, blocks in INVENTORY_BLOCKS.items():
        for block in blocks:
            for offset in range(block.count):
                msisdn = str(block.first + offset)
                inventory[msisdn] = AvailableNumber(msisdn, country, block.type, block.features)
    return inventory


def matches_pattern(msisdn: str, pattern: str | None, search_pattern: int) -> bool:
    if not pattern:
        return True
    if search_pattern == SEARCH_STARTS_WITH:
        return msisdn.startswith(pattern)
    if search_pattern == SEARCH_ENDS_WITH:
        return msisdn.endswith(pattern)
    return pattern in msisdn


def _format_cost(cost: Decimal) -> str:
    """Vonage's decimal string: at least two decimals ("1.25", "0.90"), more if the cost has them."""
    exponent = cost.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{cost:.{places}f}"


class NumbersBackend:
    """The Numbers API's memory: the inventory and the owned numbers. Handler threads share
    it: every access holds its lock, and a buy checks, charges and moves under it, so two
    buys of one number never both succeed."""

    def __init__(self, account: Account):
        self._account = account
        self._lock = threading.Lock()
        self._inventory = build_inventory()
        self._original = dict(self._inventory)  # what a cancelled number returns as
        self._owned: dict[str, OwnedNumber] = {}

    def monthly_cost(self, country: str, number_type: str) -> Decimal:
        """The current monthly cost: config ``number_costs`` ("GB:mobile-lvn"), else the default."""
        override = self._account.config()["number_costs"].get(f"{country}:{number_type}")
        return Decimal(str(override)) if override is not None else Decimal(MONTHLY_COSTS[country][number_type])

    def search(self, country: str, *, number_type: str | None = None, features: Iterable[str] = (),
               pattern: str | None = None, search_pattern: int = SEARCH_STARTS_WITH) -> list[AvailableNumber]:
        """Numbers for sale in ``country`` with ``number_type`` and at least ``features``,
        by msisdn, each with its current cost."""
        wanted = set(features)
        with self._lock:
            found = [n for n in self._inventory.values()
                     if n.country == country and number_type in (None, n.type)
                     and wanted <= set(n.features) and matches_pattern(n.msisdn, pattern, search_pattern)]
        found.sort(key=lambda n: n.msisdn)
        return [dataclasses.replace(n, cost=_format_cost(self.monthly_cost(n.country, n.type))) for n in found]

    def owned(self, *, country: str | None = None, pattern: str | None = None,
              search_pattern: int = SEARCH_STARTS_WITH, application_id: str | None = None,
              has_application: bool | None = None) -> list[OwnedNumber]:
        """The account's numbers, by msisdn, optionally filtered as ``GET /account/numbers`` filters."""
        with self._lock:
            found = [n for n in self._owned.values()
                     if country in (None, n.country) and matches_pattern(n.msisdn, pattern, search_pattern)
                     and application_id in (None, n.app_id)
                     and (has_application is None or has_application == (n.app_id is not None))]
        return sorted(found, key=lambda n: n.msisdn)

    def buy(self, country: str, msisdn: str) -> OwnedNumber:
        """Buy a number for sale: the first month is charged, the number leaves the inventory.

        Raises ``NumbersRefused`` 420 for a country in ``numbers_documents_required``, a number
        not for sale in ``country`` (or already owned) and a prepaid balance too low (nothing charged).
        """
        if country in self._account.config()["numbers_documents_required"]:
            raise method_failed("documents_required", LABEL_DOCUMENTS_REQUIRED)
        with self._lock:
            available = self._inventory.get(msisdn)
            if available is None or available.country != country:
                raise method_failed("not_available")
            cost = self.monthly_cost(country, available.type)
            try:
                self._account.charge(cost)
            except QuotaExceeded:
                raise method_failed("insufficient_balance") from None
            del self._inventory[msisdn]
            bought = OwnedNumber(msisdn, country, available.type, available.features, _format_cost(cost))
            self._owned[msisdn] = bought
            return bought

    def cancel(self, country: str, msisdn: str) -> None:
        """Give an owned number up: it returns to the inventory with nothing set on it.
        Raises ``NumbersRefused`` 420 when the account does not own it in ``country``."""
        with self._lock:
            self._owned_in(country, msisdn)
            del self._owned[msisdn]
            self._inventory[msisdn] = self._original[msisdn]

    def update(self, country: str, msisdn: str, changes: dict[str, str]) -> OwnedNumber:
        """Set ``changes`` (``UPDATABLE`` form fields; "" unsets one) on an owned number.
        Raises ``NumbersRefused`` 420 when the account does not own it in ``country``."""
        with self._lock:
            current = self._owned_in(country, msisdn)
            settings: dict[str, Any] = {UPDATABLE[k]: v or None for k, v in changes.items()}
            updated = dataclasses.replace(current, **settings)
            self._owned[msisdn] = updated
            return updated

    def _owned_in(self, country: str, msisdn: str) -> OwnedNumber:
        """Holding the lock: the owned number, or ``NumbersRefused`` 420."""
        number = self._owned.get(msisdn)
        if number is None or number.country != country:
            raise method_failed("not_owned")
        return number

    def release_all(self) -> None:
        """Return every owned number to the inventory (``DELETE /_sim/numbers``)."""
        with self._lock:
            for msisdn in self._owned:
                self._inventory[msisdn] = self._original[msisdn]
            self._owned.clear()
