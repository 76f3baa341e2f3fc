"""Number management's rules (号码管理), free of AWS: the carrier's number types and features,
how a country's numbers are bought, the monthly rental period and its price."""
from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from .money import MICROS

TYPES: Final = ("landline", "mobile-lvn", "landline-toll-free")
FEATURES: Final = ("MMS", "SMS", "VOICE")

#: How a country's numbers are bought: at once; only through an application the service team
#: approves; at once, but the number cannot send until an operator marks it registered.
DIRECT: Final = "direct"
APPLICATION: Final = "application"
REGISTRATION: Final = "registration"
PURCHASE_MODES: Final = (DIRECT, APPLICATION, REGISTRATION)

ACTIVE: Final = "active"
PENDING_REGISTRATION: Final = "pending_registration"
SUSPENDED: Final = "suspended"
RELEASED: Final = "released"
STATUSES: Final = (ACTIVE, PENDING_REGISTRATION, SUSPENDED)

PENDING: Final = "pending"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
APPLICATION_STATUSES: Final = (PENDING, APPROVED, REJECTED)

#: Carrier number patterns: digits only, as Vonage's search takes them.
MAX_PATTERN = 15


class NumberRuleError(ValueError):
    """A value that is not one of the carrier's number types, features or patterns."""


def parse_features(value: object) -> tuple[str, ...]:
    """``SMS,VOICE`` (or a list) as the sorted features it names; empty for none."""
    if value is None or value == "":
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise NumberRuleError("must be a comma-separated list of SMS, VOICE, MMS")
    features = {str(item).strip().upper() for item in items}
    unknown = sorted(features - set(FEATURES))
    if unknown:
        raise NumberRuleError(f"has unknown features {', '.join(unknown)}: use SMS, VOICE, MMS")
    return tuple(sorted(features))


def check_type(value: object) -> str:
    if value not in TYPES:
        raise NumberRuleError(f"must be one of {', '.join(TYPES)}")
    return str(value)


def check_pattern(value: object) -> str:
    text = str(value).strip().lstrip("+")
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_PATTERN:
        raise NumberRuleError(f"must be up to {MAX_PATTERN} digits")
    return text


def next_period(paid_until: datetime) -> datetime:
    """One calendar month later, on the same day or the month's last (31 Jan → 28/29 Feb)."""
    year, month = (paid_until.year + 1, 1) if paid_until.month == 12 else (paid_until.year, paid_until.month + 1)
    day = min(paid_until.day, calendar.monthrange(year, month)[1])
    return paid_until.replace(year=year, month=month, day=day)


def monthly_price_micros(carrier_cost: str, markup: Decimal) -> int:
    """Our monthly price for a number the carrier rents at ``carrier_cost``: cost × markup,
    rounded to the cent."""
    try:
        cost = Decimal(carrier_cost)
    except InvalidOperation:
        raise NumberRuleError(f"carrier cost {carrier_cost!r} is not a decimal") from None
    price = (cost * markup).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(price * MICROS)


#: an account's number markup: 0.5 to 10 with at most 4 decimals, plainly written ("1.30")
MARKUP_PATTERN = r"^(0\.[5-9][0-9]{0,3}|[1-9](\.[0-9]{1,4})?|10(\.0{1,4})?)$"


def parse_markup(value: object) -> Decimal:
    """An account's number markup (our monthly price = the carrier's cost × markup), between
    0.5 and 10: below 1 is a deliberate discount, never a typo of 0.0x."""
    if not isinstance(value, str) or not re.match(MARKUP_PATTERN, value):
        raise NumberRuleError('must be a decimal string from 0.5 to 10 with at most 4 decimals, such as "1.30"')
    return Decimal(value)


def sms_capable(features: Collection[object]) -> bool:
    return "SMS" in features
