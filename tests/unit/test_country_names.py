"""Country names (en, zh) cover every region phonenumbers routes to."""
from __future__ import annotations

import phonenumbers
import pytest

from chalicelib.domain.country_names import country_name, known_regions


def test_every_routable_region_has_both_names():
    assert known_regions() == frozenset(phonenumbers.SUPPORTED_REGIONS)
    for code in phonenumbers.SUPPORTED_REGIONS:
        assert country_name(code, "en") and country_name(code, "zh")


@pytest.mark.parametrize("code, en, zh", [
    ("CN", "China", "中国"), ("HK", "Hong Kong", "中国香港"), ("MO", "Macau", "中国澳门"),
    ("TW", "Taiwan", "中国台湾"), ("GB", "United Kingdom", "英国"), ("US", "United States", "美国"),
    ("SG", "Singapore", "新加坡"), ("jp", "Japan", "日本"),
])
def test_names(code, en, zh):
    assert (country_name(code, "en"), country_name(code, "zh")) == (en, zh)


def test_unknown_code_and_language():
    with pytest.raises(KeyError):
        country_name("XX")
    with pytest.raises(ValueError):
        country_name("GB", "fr")
