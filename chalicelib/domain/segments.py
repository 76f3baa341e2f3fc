"""SMS segmentation: how a text splits into billed parts.

- GSM-7 (3GPP TS 23.038 default alphabet): 160 septets single, 153 per part of a long SMS
  (the UDH takes 7); extension-table characters (escape + char) count two septets and an
  escape pair never straddles two parts.
- Anything else is UCS-2: 70 UTF-16 units single, 67 per part; characters outside the BMP
  count two units and a surrogate pair is never split.
- Domestic (mainland China) follows the Chinese carriers' rule instead: 【signature】 plus
  body, every character counts one, 70 single, 67 per part.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}
DOMESTIC_LIMITS = (70, 67)


@dataclass(frozen=True)
class Segmentation:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 units (UCS-2); characters for domestic
    parts: tuple[str, ...]

    @property
    def segments(self) -> int:
        return len(self.parts)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def gsm7_units(ch: str) -> int:
    return 2 if ch in GSM7_EXTENSION else 1


def ucs2_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def segment(text: str) -> Segmentation:
    """Split an international SMS into its billed parts."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    cost = gsm7_units if encoding == GSM7 else ucs2_units
    single, per_part = LIMITS[encoding]
    return _split(text, cost, single, per_part, encoding)


def segment_domestic(signature: str, body: str) -> Segmentation:
    """Split a mainland-China SMS: 【signature】 + body, one unit per character."""
    text = signature + body
    return _split(text, lambda _: 1, *DOMESTIC_LIMITS, UCS2)


def _split(text: str, cost: Callable[[str], int], single: int, per_part: int, encoding: str) -> Segmentation:
    units = sum(cost(ch) for ch in text)
    if units <= single:
        return Segmentation(encoding, units, (text,) if text else ())
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:  # a character's units never straddle two parts
        width = cost(ch)
        if used + width > per_part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += width
    parts.append("".join(current))
    return Segmentation(encoding, units, tuple(parts))


def price_micros(segments: int, unit_price_micros: int) -> int:
    """Price of a message: segments × the per-segment price, in integer micro-units."""
    if segments < 0 or unit_price_micros < 0:
        raise ValueError("segments and price must not be negative")
    return segments * unit_price_micros
