import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.money import MoneyError, format_amount, parse_amount

#: The one format money takes on the way in (issue 13): ASCII digits, an optional fraction
#: of up to 6 places; no sign, exponent, spaces or other digits.
PLAIN = re.compile(r"[0-9]+(\.[0-9]{1,6})?")


@pytest.mark.parametrize("text,micros", [("100.00", 100_000_000), ("0.0450", 45_000), ("1", 1_000_000),
                                         ("10", 10_000_000), ("10.5", 10_500_000), ("0.000001", 1),
                                         ("999999999999.999999", 10**18 - 1)])
def test_parse(text, micros):
    assert parse_amount(text) == micros


@pytest.mark.parametrize("bad", [10.5, 10, None, "", "abc", "-1", "0", "0.00", "1.0000001", "NaN", "Infinity",
                                 "1e30", "1e3", "1E3", " 10.00 ", " 2.5", "10.00\n", "1 000", "+10.00",
                                 "１０.００", "١٠", "10.", ".5", "1,000.00", "1_000", "0x10", "1000000000000",
                                 "9" * 5000])
def test_parse_rejects(bad):
    with pytest.raises(MoneyError):
        parse_amount(bad)


@pytest.mark.parametrize("bad,reason", [
    ("1e3", 'must be a plain decimal such as "100.00" (digits and an optional fraction of up to 6 places)'),
    ("１０.００", 'must be a plain decimal such as "100.00" (digits and an optional fraction of up to 6 places)'),
    (" 10.00 ", "must not contain spaces"),
    ("+10.00", "must not have a sign"),
    ("-1", "must not have a sign"),
    ("1.0000001", "has more than 6 decimal places"),
    ("0", "must be greater than zero"),
    ("1000000000000", "must be less than 1000000000000"),
    (10.5, 'must be a string such as "100.00"'),
])
def test_each_refusal_says_why(bad, reason):
    with pytest.raises(MoneyError) as caught:
        parse_amount(bad)
    assert str(caught.value) == reason


def test_zero_allowed_when_asked():
    assert parse_amount("0.00", allow_zero=True) == 0


@pytest.mark.parametrize("micros,places,text", [(100_000_000, 2, "100.00"), (45_000, 4, "0.0450"),
                                                (1, 2, "0.000001"), (-2_500_000, 2, "-2.50"), (0, 2, "0.00")])
def test_format(micros, places, text):
    assert format_amount(micros, places) == text


@given(st.integers(min_value=1, max_value=10**18 - 1))
def test_round_trip(micros):
    assert parse_amount(format_amount(micros)) == micros


@given(st.one_of(st.text(), st.from_regex(r"\A[+\- ]?[0-9０-９]{0,14}([.,][0-9]{0,8})?([eE][+-]?[0-9]{1,3})? ?\Z")))
def test_only_the_plain_format_is_booked(text):
    """Whatever is accepted is in the one plain format, and reads back as what was typed."""
    try:
        micros = parse_amount(text)
    except MoneyError:
        return
    assert PLAIN.fullmatch(text)
    whole, _, fraction = text.partition(".")
    assert micros == int(whole) * 1_000_000 + int(fraction.ljust(6, "0") or 0)
