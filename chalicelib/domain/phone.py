"""Phone numbers: parsing and normalising to E.164 with ``phonenumbers``."""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

#: Regions whose numbers may be used as a login (mainland China, HK, Macau, Taiwan, Singapore).
LOGIN_PHONE_REGIONS = frozenset({"CN", "HK", "MO", "TW", "SG"})

#: A number typed in a field: ASCII digits, "+" or "00" before them, spaces, dots, hyphens or
#: parentheses between them, spaces around. phonenumbers alone would read "+8613800138000x"
#: or "+86...;ext=1" as +8613800138000: a field holding more than a number is refused, not
#: guessed at (a spreadsheet cell is read leniently: files/numbers.py).
TYPED_NUMBER_PATTERN = r"^ *(\+|00)?[0-9]+([ ().-]+[0-9]+)* *$"
_TYPED_NUMBER = re.compile(TYPED_NUMBER_PATTERN)


_IMPOSSIBLE = {
    phonenumbers.ValidationResult.TOO_SHORT: "is too short for its country",
    phonenumbers.ValidationResult.TOO_LONG: "is too long for its country",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "has an unknown country code",
    phonenumbers.ValidationResult.INVALID_LENGTH: "has the wrong length for its country",
}
# Reasons read after the field name ("to is too short ..."); the number-list report matches
# "too short", "too long", "unknown country", "wrong length", "not a valid" to translate them.
_UNPARSABLE = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "has an unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "is not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "is too long to be a phone number",
}


class PhoneNumberError(ValueError):
    """A number that cannot be parsed or is not a possible/valid number."""


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    country: str  # ISO-3166 alpha-2, one of phonenumbers.SUPPORTED_REGIONS

    @property
    def digits(self) -> str:
        return self.e164.lstrip("+")

    def country_name(self, lang: str = "en") -> str:
        """The number's country in ``lang`` ("en" or "zh"), e.g. 中国香港 for a +852 number."""
        from .country_names import country_name
        return country_name(self.country, lang)


def parse_phone(text: str, default_region: str | None = None) -> PhoneNumber:
    """Parse an international number: ``+86 138...``, ``0086 138...`` (00 is the international
    call prefix most countries dial, mainland China's included), or ``86138...``; with
    ``default_region``, also a number as dialled in that region (``138...`` for CN).

    Raises PhoneNumberError with a reason that reads after the field name: empty, not a
    number, unknown country code, too short/too long/wrong length for its country, not a
    valid number for its country, or an international service number (+800, +882, ... are
    in no country, so they have no country, price or name).
    """
    if not isinstance(text, str) or not text.strip():
        raise PhoneNumberError("is empty")
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if default_region is None and not raw.startswith("+"):
        raw = "+" + raw  # international form without the plus, as number lists carry it
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError(_UNPARSABLE.get(exc.error_type, "is not a phone number")) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise PhoneNumberError(_IMPOSSIBLE.get(reason, "has the wrong length for its country"))
    # is_valid_number() would look the region up itself; look it up once and validate for it.
    region = phonenumbers.region_code_for_number(number)
    if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        raise PhoneNumberError("is an international service number, not a number in a country")
    if region is None or not phonenumbers.is_valid_number_for_region(number, region):
        raise PhoneNumberError("is not a valid number for its country")
    return PhoneNumber(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), region)


def parse_typed_phone(text: object) -> PhoneNumber:
    """``parse_phone`` for a number a person or program typed in a field: only the
    characters of TYPED_NUMBER_PATTERN, in its order."""
    if not isinstance(text, str):
        raise PhoneNumberError("must be a string (a phone number)")
    if text.strip(" ") and not _TYPED_NUMBER.match(text):
        raise PhoneNumberError("is not a phone number: ASCII digits, with + or 00 before them and spaces, "
                               "dots, hyphens or parentheses between them")
    return parse_phone(text)


def parse_login_phone(text: object) -> PhoneNumber:
    """Parse a phone number allowed as a login identity."""
    number = parse_typed_phone(text)
    if number.country not in LOGIN_PHONE_REGIONS:
        raise PhoneNumberError(
            "must be a mainland China, Hong Kong, Macau, Taiwan or Singapore number")
    return number
