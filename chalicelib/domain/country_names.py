"""Country and region names in English and Simplified Chinese, for every region the platform
can route to (every code in ``phonenumbers.SUPPORTED_REGIONS``).

The names are generated from the Unicode CLDR by ``scripts/country_names.py`` into
``data/country_names.json`` (Babel is a dev-only tool; the Lambda bundle reads the JSON).
Greater China follows the product's 港澳台 convention instead of CLDR: 中国香港 / Hong Kong,
中国澳门 / Macau, 中国台湾 / Taiwan (CLDR: 中国香港特别行政区 / Hong Kong SAR China,
中国澳门特别行政区 / Macao SAR China, 台湾 / Taiwan)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "zh")
_DATA = Path(__file__).resolve().parent / "data" / "country_names.json"


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = json.loads(_DATA.read_text(encoding="utf-8"))
    return names


def country_name(code: str, lang: str = "en") -> str:
    """The name of ISO region ``code`` (any case) in ``lang`` ("en" or "zh").

    Raises KeyError for a code phonenumbers does not route to (including phonenumbers'
    non-geographic "001"), ValueError for another language.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    if not isinstance(code, str):
        raise KeyError(code)
    return _names()[code.upper()][lang]


def known_regions() -> frozenset[str]:
    """Every region code that has names (equals phonenumbers.SUPPORTED_REGIONS)."""
    return frozenset(_names())
