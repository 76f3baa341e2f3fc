"""Money: integer micro-units inside, decimal strings on the wire, never a float."""
from __future__ import annotations

import re
from decimal import Decimal

MICROS = 1_000_000
PLACES = 6
#: Whole units an amount stays below (10**18 micro-units: a signed 64-bit integer holds it).
LIMIT = 10**12

# The one format an amount is accepted in: ASCII digits (``\d`` would take full-width and other
# scripts' digits too), an optional fraction. Nothing Decimal() would also read: no sign, exponent,
# spaces, "NaN" or underscores.
_PLAIN = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")
_HOW = f'must be a plain decimal such as "100.00" (digits and an optional fraction of up to {PLACES} places)'


class MoneyError(ValueError):
    """A money string that is not a plain positive decimal with at most 6 places; ``str(exc)``
    is the reason, read after the field name."""


def parse_amount(text: object, *, allow_zero: bool = False) -> int:
    """Parse ``"100.00"`` (or ``"10"``, ``"0.045"``) into micro-units (``100_000_000``).

    Only strings are accepted: a JSON number would have passed through a float already.
    MoneyError says what is wrong with anything else.
    """
    if not isinstance(text, str):
        raise MoneyError('must be a string such as "100.00"')
    match = _PLAIN.fullmatch(text)
    if match is None:
        raise MoneyError(_why_not_plain(text))
    whole, fraction = match["whole"], match["fraction"] or ""
    if len(fraction) > PLACES:
        raise MoneyError(f"has more than {PLACES} decimal places")
    if len(whole.lstrip("0")) > len(str(LIMIT - 1)):  # before int(): thousands of digits are refused by it
        raise MoneyError(f"must be less than {LIMIT}")
    micros = int(whole) * MICROS + int(fraction.ljust(PLACES, "0"))
    if micros == 0 and not allow_zero:
        raise MoneyError("must be greater than zero")
    return micros


def _why_not_plain(text: str) -> str:
    if any(ch.isspace() for ch in text):
        return "must not contain spaces"
    if text[:1] in ("+", "-"):
        return "must not have a sign"
    return _HOW


def format_amount(micros: int, places: int = 2) -> str:
    """Format micro-units as a decimal string with at least ``places`` decimals."""
    value = Decimal(micros) / MICROS
    text = f"{value:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}"
