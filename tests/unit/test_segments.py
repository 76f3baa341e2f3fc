"""Segmentation: published edge cases pinned, properties checked with hypothesis."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.segments import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    UCS2,
    gsm7_units,
    price_micros,
    segment,
    segment_domestic,
    ucs2_units,
)


@pytest.mark.parametrize("text,encoding,segments", [
    ("", GSM7, 0),
    ("a" * 160, GSM7, 1),
    ("a" * 161, GSM7, 2),
    ("a" * 306, GSM7, 2),
    ("a" * 307, GSM7, 3),
    ("€" * 80, GSM7, 1),         # 160 septets
    ("€" * 81, GSM7, 2),
    ("a" * 152 + "€" + "a" * 152, GSM7, 3),  # the escape pair does not straddle parts
    ("中" * 70, UCS2, 1),
    ("中" * 71, UCS2, 2),
    ("中" * 134, UCS2, 2),
    ("中" * 135, UCS2, 3),
    ("a" * 69 + "😀", UCS2, 2),   # 71 UTF-16 units
    ("a" * 66 + "😀" + "a" * 4, UCS2, 2),  # surrogate pair moves whole to part two
    ("Hello `world`", UCS2, 1),  # backtick is not GSM-7
])
def test_published_edge_cases(text, encoding, segments):
    result = segment(text)
    assert (result.encoding, result.segments) == (encoding, segments)


@pytest.mark.parametrize("body,segments", [("好" * 64, 1), ("好" * 65, 2), ("a" * 128, 2), ("a" * 129, 3)])
def test_domestic_counts_signature_and_every_character_once(body, segments):
    result = segment_domestic("【锦木科技】", body)  # signature: 6 characters
    assert result.segments == segments and result.units == 6 + len(body)


ALPHABET = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION) + ["中", "é", "😀", "𝄞", "`"])


@given(st.text(alphabet=ALPHABET, max_size=700))
def test_parts_rejoin_to_the_text_and_respect_the_limits(text):
    result = segment(text)
    assert "".join(result.parts) == text
    cost = gsm7_units if result.encoding == GSM7 else ucs2_units
    single, per_part = (160, 153) if result.encoding == GSM7 else (70, 67)
    assert result.units == sum(cost(ch) for ch in text)
    if result.units <= single:
        assert result.segments == (1 if text else 0)
    else:
        assert all(sum(cost(ch) for ch in part) <= per_part for part in result.parts)
        assert result.segments >= -(-result.units // per_part)


@given(st.integers(0, 20), st.integers(0, 10**7))
def test_price_is_segments_times_unit_price(segments, unit):
    assert price_micros(segments, unit) == segments * unit


def test_negative_price_inputs_are_refused():
    with pytest.raises(ValueError):
        price_micros(-1, 10)
