"""Country and region names in English and Simplified Chinese, for every region the platform
can route to (generated from the Unicode CLDR by ``scripts/country_names.py``; Greater China
follows the product's 港澳台 convention)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "zh")
_DATA = Path(__file__).resolve().parent / "data" / "country_names.json"


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def country_name(code: str, lang: str = "en") -> str:
    """The name of ISO region ``code`` in ``lang`` ("en" or "zh"); KeyError if unknown."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    return _names()[code.upper()][lang]


def known_regions() -> frozenset[str]:
    return frozenset(_names())
