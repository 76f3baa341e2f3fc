import pytest

from chalicelib.domain.countries import CountryError, check_sender_id, normalise_country
from chalicelib.domain.phone import PhoneNumberError, parse_login_phone, parse_phone, parse_typed_phone


def test_parse_phone_normalises_to_e164_with_country():
    number = parse_phone("8613800138000")
    assert (number.e164, number.country, number.digits) == ("+8613800138000", "CN", "8613800138000")
    assert parse_phone("+1 (415) 555-2671").country == "US"


@pytest.mark.parametrize("bad,reason", [("", "empty"), ("+86 1", "too short"), ("+86 1380013800011111", "too long"),
                                        ("hello", "not a phone"),
                                        ("+1 000 000 0000", "not a valid")])
def test_parse_phone_rejects_with_a_reason(bad, reason):
    with pytest.raises(PhoneNumberError, match=reason):
        parse_phone(bad)


@pytest.mark.parametrize("bad,reason", [
    ("+999 1234567", "has an unknown country code"),  # no such calling code
    ("hello", "is not a phone number"),
    ("+86 1", "is too short to be a phone number"),
    ("+44 123", "is too short for its country"),
    ("+49 30 1234 5678 90123 4", "is too long for its country"),
    ("+44 7400 1234", "has the wrong length for its country"),  # between UK lengths, none of them
    ("+49 1234", "is not a valid number for its country"),
    ("+800 1234 5678", "is an international service number, not a number in a country"),
])
def test_parse_phone_reasons_are_exact_phrases(bad, reason):
    with pytest.raises(PhoneNumberError) as caught:
        parse_phone(bad)
    assert str(caught.value).endswith(reason)
    assert "(" not in str(caught.value)  # no library wording leaks into API errors


def test_parse_phone_with_a_default_region_and_country_names():
    number = parse_phone("138 0013 8000", default_region="CN")
    assert (number.e164, number.country) == ("+8613800138000", "CN")
    hong_kong = parse_phone("+852 5123 4567")
    assert hong_kong.country == "HK"
    assert (hong_kong.country_name(), hong_kong.country_name("zh")) == ("Hong Kong", "中国香港")


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


@pytest.mark.parametrize("text, e164", [("00447400123486", "+447400123486"), ("0044 7400 123486", "+447400123486"),
                                        ("008613800138000", "+8613800138000"), (" 0085291234567", "+85291234567")])
def test_a_leading_00_is_the_international_prefix(text, e164):
    assert parse_phone(text).e164 == e164
    assert parse_phone(text, default_region="CN").e164 == e164  # 00 is also mainland China's own prefix


def test_a_leading_00_still_needs_a_country_code_after_it():
    with pytest.raises(PhoneNumberError, match="unknown country code"):
        parse_phone("00999 1234567")
    with pytest.raises(PhoneNumberError):
        parse_phone("00")


@pytest.mark.parametrize("typed", ["+1 (415) 555-2671", "0044 7400 123456", "447400.123.456", " +8613800138000 "])
def test_a_typed_number_may_be_written_with_separators(typed):
    assert parse_typed_phone(typed).e164 == parse_phone(typed).e164


@pytest.mark.parametrize("typed", ["+8613800138000x", "+8613800138000*", "+8613800138000;ext=1", "+86１3800138000",
                                   "tel:+8613800138000", "+86 138 0013 8000\u3000", "++8613800138000",
                                   "+86--13800138000.", 8613800138000])
def test_a_typed_number_with_anything_else_in_it_is_refused(typed):
    """phonenumbers reads each of these as +8613800138000 (a spreadsheet cell may be read
    that way); a field holding more than a number is refused, not guessed at."""
    with pytest.raises(PhoneNumberError):
        parse_typed_phone(typed)
    with pytest.raises(PhoneNumberError):
        parse_login_phone(typed)
