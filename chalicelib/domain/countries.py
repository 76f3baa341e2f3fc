"""Countries: ISO-3166 codes we route to, and the sender rules that follow from them."""
from __future__ import annotations

import re

import phonenumbers

#: Countries whose carriers take numeric originators only (a fact, not a setting).
NUMERIC_SENDER_ONLY = frozenset({"CN", "US"})
SENDER_ID_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
#: Mainland China's SMS service codes (短信服务号码, e.g. 10690000...): 106 and up to 17 more
#: digits, so up to 20 in all, longer than any E.164 number. A From for CN only.
SERVICE_CODE_COUNTRY = "CN"
_SERVICE_CODE_RE = re.compile(r"106[0-9]{1,17}")


class CountryError(ValueError):
    pass


def normalise_country(code: object) -> str:
    """An ISO-3166 alpha-2 code phonenumbers knows (upper-cased), or CountryError."""
    if not isinstance(code, str) or code.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise CountryError("must be an ISO-3166 alpha-2 country code such as CN or US")
    return code.upper()


def check_sender_id(value: str) -> str:
    """An alphanumeric Sender ID: 1–11 letters, digits or spaces, at least one letter."""
    if not SENDER_ID_RE.match(value):
        raise CountryError("must be 1-11 letters, digits or spaces with at least one letter")
    return value


def is_service_code(value: str) -> bool:
    """Whether ``value`` is a mainland China SMS service code (a From for CN only)."""
    return _SERVICE_CODE_RE.fullmatch(value) is not None
