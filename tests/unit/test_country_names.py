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
    for unknown in ("XX", "001", "", None):
        with pytest.raises(KeyError):
            country_name(unknown)
    with pytest.raises(ValueError):
        country_name("GB", "fr")


def test_committed_data_is_what_the_generator_writes():
    pytest.importorskip("babel")  # dev-only dependency
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "country_names.py"
    spec = importlib.util.spec_from_file_location("country_names_script", script)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.OUT.read_text(encoding="utf-8") == generator.render(generator.build_names()), \
        "run scripts/country_names.py"
