import pytest

from chalicelib.domain.countries import CountryError, check_sender_id, normalise_country
from chalicelib.domain.phone import PhoneNumberError, parse_login_phone, parse_phone


def test_parse_phone_normalises_to_e164_with_country():
    number = parse_phone("8613800138000")
    assert (number.e164, number.country, number.digits) == ("+8613800138000", "CN", "8613800138000")
    assert parse_phone("+1 (415) 555-2671").country == "US"


@pytest.mark.parametrize("bad,reason", [("", "empty"), ("+86 1", "too short"), ("+86 1380013800011111", "too long"), ("hello", "not a phone"),
                                        ("+1 000 000 0000", "not a valid")])
def test_parse_phone_rejects_with_a_reason(bad, reason):
    with pytest.raises(PhoneNumberError, match=reason):
        parse_phone(bad)


def test_login_phone_regions():
    assert parse_login_phone("+6581234567").country == "SG"
    with pytest.raises(PhoneNumberError, match="mainland China"):
        parse_login_phone("+14155552671")


def test_countries_and_sender_ids():
    assert normalise_country("gb") == "GB"
    with pytest.raises(CountryError):
        normalise_country("ZZ")
    assert check_sender_id("JMC Demo") == "JMC Demo"
    for bad in ("12345", "TOO-LONG-SENDER", ""):
        with pytest.raises(CountryError):
            check_sender_id(bad)
