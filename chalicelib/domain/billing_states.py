"""What a message's ``billing`` says about its money, and the kinds of ledger entry (pure).

``none``: nothing was ever charged (a blacklisted message). ``reserved``: its price is held
off the balance while the carrier is asked. ``settled``: the carrier took it; the price
stays charged, less what was refunded for parts the carrier refused. ``refunded``: the
carrier took nothing; the whole price went back. Only a ``reserved`` message may be booked,
so nothing is booked twice.
"""
from __future__ import annotations

from typing import Final

NONE: Final = "none"
RESERVED: Final = "reserved"
SETTLED: Final = "settled"
REFUNDED: Final = "refunded"

ALL = (NONE, RESERVED, SETTLED, REFUNDED)

#: Kinds of ledger entry: a credit from the operators, a debit for what is being sent, a
#: credit back for what was not, a month of a number's rent.
TOPUP: Final = "topup"
RESERVE: Final = "reserve"
REFUND: Final = "refund"
NUMBER_RENTAL: Final = "number_rental"


def refund_for_rejected_parts(price_micros: int, parts: int, rejected: int) -> int:
    """What goes back when the carrier refused ``rejected`` of a message's ``parts``: the
    price shared evenly over the parts, rounded down (never more than was charged)."""
    return price_micros * rejected // parts if parts else price_micros


def charged_micros(price_micros: int, refunded_micros: int) -> int:
    """What a message costs its account in the end."""
    return int(price_micros or 0) - int(refunded_micros or 0)
