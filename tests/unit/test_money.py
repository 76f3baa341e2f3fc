import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.money import MoneyError, format_amount, parse_amount


@pytest.mark.parametrize("text,micros", [("100.00", 100_000_000), ("0.0450", 45_000), ("1", 1_000_000),
                                         (" 2.5 ", 2_500_000), ("0.000001", 1)])
def test_parse(text, micros):
    assert parse_amount(text) == micros


@pytest.mark.parametrize("bad", [10.5, 10, None, "", "abc", "-1", "0", "1.0000001", "NaN", "Infinity", "1e30"])
def test_parse_rejects(bad):
    with pytest.raises(MoneyError):
        parse_amount(bad)


def test_zero_allowed_when_asked():
    assert parse_amount("0.00", allow_zero=True) == 0


@pytest.mark.parametrize("micros,places,text", [(100_000_000, 2, "100.00"), (45_000, 4, "0.0450"),
                                                (1, 2, "0.000001"), (-2_500_000, 2, "-2.50"), (0, 2, "0.00")])
def test_format(micros, places, text):
    assert format_amount(micros, places) == text


@given(st.integers(min_value=1, max_value=10**17))
def test_round_trip(micros):
    assert parse_amount(format_amount(micros)) == micros
