"""The simulator's run-time config: its defaults and the rules a patch must pass.

``PUT /_sim/config`` and ``CarrierSimulator.configure`` merge a patch over the config, all
or nothing; every key is described in docs/carrier-simulator.md.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from .receipts import ERR_CODES, RECEIPT_STATUSES

#: How a simulated call can end (Vonage's final call statuses).
CALL_OUTCOMES = frozenset({"completed", "busy", "failed", "rejected", "timeout", "unanswered", "cancelled"})

DEFAULT_MAX_SEGMENTS = 30  # Vonage documents no exact cap; well above the platform's own limit

DEFAULT_CONFIG: dict = {"fail_next_5xx": 0, "throttle_tps": None, "latency_ms": 0,
                        "outcomes": {"default": {"delivered": 1.0}}, "number_outcomes": {}, "err_codes": {},
                        "reject": {}, "max_segments": DEFAULT_MAX_SEGMENTS, "balance": None,
                        "dlr_delay_ms": 200, "dlr_url": None, "dlr_method": "POST", "signature_secret": None,
                        "seed": None, "voice_applications": {}, "voice_calls_per_minute": 0,
                        "voice_outcomes": {"completed": 1.0}, "voice_event_url": None,
                        "voice_event_delay_ms": 100, "voice_rates": {"default": "0.01200000"},
                        "numbers_documents_required": ["DE"], "number_costs": {}}


def is_http_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and bool(urlsplit(value).netloc)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_rates(rates) -> bool:
    return isinstance(rates, dict) and all(k in RECEIPT_STATUSES and _is_number(p) and p >= 0
                                           for k, p in rates.items()) and sum(rates.values()) > 0


def _is_outcomes(value) -> bool:
    return isinstance(value, dict) and all(
        (k == "default" or re.fullmatch(r"[A-Z]{2}|\d{3}", k)) and _is_rates(r) for k, r in value.items())


def _is_rejection(rule) -> bool:
    return isinstance(rule, dict) and set(rule) <= {"status", "from_part"} and \
        re.fullmatch(r"[1-9]\d?", str(rule.get("status", ""))) is not None and \
        (_is_count(rule.get("from_part", 1)) and rule.get("from_part", 1) >= 1)


def _is_amount(value) -> bool:
    if value is None:
        return True
    try:
        return not isinstance(value, bool) and Decimal(str(value)) >= 0
    except InvalidOperation:
        return False


NUMBER_TYPES = ("landline", "mobile-lvn", "landline-toll-free")  # Vonage's number types


def _is_countries(value) -> bool:
    return isinstance(value, list) and all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in value)


def _is_number_costs(value) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and re.fullmatch(r"[A-Z]{2}:(" + "|".join(NUMBER_TYPES) + ")", k)
        and v is not None and _is_amount(v) for k, v in value.items())


def _is_public_key_pem(value) -> bool:
    """A PEM public key that ``cryptography`` loads (what Vonage keeps for an application)."""
    if not isinstance(value, str):
        return False
    try:
        serialization.load_pem_public_key(value.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _is_voice_outcomes(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        k in CALL_OUTCOMES and _is_number(w) and w >= 0 for k, w in value.items()) and sum(value.values()) > 0


def _is_voice_rates(value) -> bool:
    return isinstance(value, dict) and "default" in value and all(
        (k == "default" or re.fullmatch(r"[A-Z]{2}", k)) and isinstance(r, str) and r and _is_amount(r)
        for k, r in value.items())


# key -> (validator, description for the 400 answer)
CONFIG_RULES = {
    "fail_next_5xx": (_is_count, "a non-negative integer"),
    "throttle_tps": (lambda v: v is None or (_is_number(v) and v > 0), "null or a positive number"),
    "latency_ms": (lambda v: _is_number(v) and v >= 0, "a non-negative number"),
    "outcomes": (_is_outcomes, "an object of country (ISO code or \"default\") -> "
                               "{receipt status: weight}, weights summing above 0"),
    "number_outcomes": (lambda v: isinstance(v, dict) and all(s in RECEIPT_STATUSES for s in v.values()),
                        "an object of msisdn -> receipt status"),
    "err_codes": (lambda v: isinstance(v, dict) and all(k in ERR_CODES and isinstance(c, str) and c.isdigit()
                                                        for k, c in v.items()),
                  "an object of receipt status -> err-code (digits)"),
    "reject": (lambda v: isinstance(v, dict) and all(_is_rejection(r) for r in v.values()),
               "an object of msisdn -> {status: a Vonage status code, from_part: 1 or more}"),
    "max_segments": (lambda v: _is_count(v) and v >= 1, "a positive integer"),
    "balance": (_is_amount, "null (post-paid) or a non-negative amount"),
    "dlr_delay_ms": (lambda v: _is_number(v) and v >= 0, "a non-negative number"),
    "dlr_url": (lambda v: v is None or is_http_url(v), "null or an http(s) URL"),
    "dlr_method": (lambda v: v in ("POST", "GET"), "POST or GET"),
    "signature_secret": (lambda v: v is None or (isinstance(v, str) and v), "null or a string"),
    "seed": (lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)), "null or an integer"),
    "voice_applications": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and k and _is_public_key_pem(p)
                                                                 for k, p in v.items()),
                           "an object of application id -> public key PEM"),
    "voice_calls_per_minute": (lambda v: _is_number(v) and v >= 0, "a non-negative number (0: no background calls)"),
    "voice_outcomes": (_is_voice_outcomes, f"an object of call outcome ({', '.join(sorted(CALL_OUTCOMES))}) "
                                           "-> weight, weights summing above 0"),
    "voice_event_url": (lambda v: v is None or is_http_url(v), "null or an http(s) URL"),
    "voice_event_delay_ms": (lambda v: _is_number(v) and v >= 0, "a non-negative number"),
    "voice_rates": (_is_voice_rates, "an object of country (ISO code or \"default\", required) -> "
                                     "per-minute rate as a decimal string"),
    "numbers_documents_required": (_is_countries, "a list of ISO country codes"),
    "number_costs": (_is_number_costs, "an object of \"COUNTRY:type\" (e.g. \"GB:mobile-lvn\") -> "
                                       "a non-negative monthly cost"),
}
_NUMBER_KEYED = ("number_outcomes", "reject")  # keys are msisdns: "+" is dropped


def checked_patch(patch: dict) -> dict:
    """``patch`` validated and normalised (a new dict; ``patch`` is left as it was).

    Raises ``ValueError`` naming the first bad key, so nothing of a bad patch is applied.
    """
    if not isinstance(patch, dict):
        raise ValueError("config must be a JSON object")
    for key, value in patch.items():
        rule = CONFIG_RULES.get(key)
        if rule is None:
            raise ValueError(f"unknown config key {key!r}")
        if not rule[0](value):
            raise ValueError(f"{key} must be {rule[1]}")
    clean = dict(patch)
    for key in _NUMBER_KEYED:
        if key in clean:
            clean[key] = {str(number).lstrip("+"): value for number, value in clean[key].items()}
    return clean
