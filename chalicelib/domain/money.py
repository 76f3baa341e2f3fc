"""Money: integer micro-units inside, decimal strings on the wire, never a float."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

MICROS = 1_000_000


class MoneyError(ValueError):
    """A money string that is not a plain positive decimal with at most 6 places."""


def parse_amount(text: object, *, allow_zero: bool = False) -> int:
    """Parse ``"100.00"`` into micro-units (``100_000_000``).

    Only strings are accepted: a JSON number would have passed through a float already.
    """
    if not isinstance(text, str):
        raise MoneyError("must be a decimal string such as \"100.00\"")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise MoneyError("must be a decimal string such as \"100.00\"") from None
    if not value.is_finite():
        raise MoneyError("must be a finite decimal")
    micros = value * MICROS
    if micros != micros.to_integral_value():
        raise MoneyError("has more than 6 decimal places")
    if micros < 0 or (micros == 0 and not allow_zero):
        raise MoneyError("must be greater than zero")
    if micros >= 10**18:
        raise MoneyError("is too large")
    return int(micros)


def format_amount(micros: int, places: int = 2) -> str:
    """Format micro-units as a decimal string with at least ``places`` decimals."""
    value = Decimal(micros) / MICROS
    text = f"{value:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}"
