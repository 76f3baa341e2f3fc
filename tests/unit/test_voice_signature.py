"""Vonage's signed Voice webhooks (``Authorization: Bearer <HS256 JWT>`` with a payload hash):
what ``verify_event`` accepts and what it refuses. The simulator's own signing is checked
against it in tests/carrier/test_voice.py."""
from __future__ import annotations

import hashlib
import time

import jwt
import pytest

from carrier_sim.voice_events import sign as simulator_sign
from chalicelib.domain.voice_signature import sign_event, verify_event

SECRET = "the-account-signature-secret-32-chars+"
BODY = b'{"status": "completed", "uuid": "u-1", "duration": "42"}'
NOW = 1_800_000_000


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_what_we_sign_verifies_and_carries_vonages_claims():
    token = sign_event(BODY, SECRET, api_key="key-1", application_id="app-1", now=NOW)

    assert verify_event(bearer(token), BODY, SECRET, now=NOW)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["payload_hash"] == hashlib.sha256(BODY).hexdigest()
    assert (claims["iss"], claims["api_key"], claims["application_id"], claims["iat"]) == \
        ("Vonage", "key-1", "app-1", NOW)
    assert claims["jti"]


def test_what_the_simulator_signs_verifies():
    token = simulator_sign(BODY, SECRET, api_key="key-1", application_id="app-1", now=NOW)
    assert verify_event(bearer(token), BODY, SECRET, now=NOW + 10)


@pytest.mark.parametrize("body, secret, now", [
    (BODY + b" ", SECRET, NOW),  # one byte more than was signed
    (BODY.replace(b"42", b"43"), SECRET, NOW),
    (BODY, SECRET + "x", NOW),  # another account's secret
    (BODY, SECRET, NOW + 301),  # replayed after the allowed skew
    (BODY, SECRET, NOW - 301),  # issued "in the future"
])
def test_tampered_bodies_wrong_secrets_and_stale_tokens_are_refused(body, secret, now):
    token = sign_event(BODY, SECRET, api_key="k", application_id="a", now=NOW)
    assert not verify_event(bearer(token), body, secret, now=now)


def test_skew_edge_is_accepted():
    token = sign_event(BODY, SECRET, api_key="k", application_id="a", now=NOW)
    assert verify_event(bearer(token), BODY, SECRET, now=NOW + 300)


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic abc", "Bearer not.a.jwt", 42,
    bearer(jwt.encode({"iat": NOW, "payload_hash": hashlib.sha256(BODY).hexdigest()}, "", algorithm="none")),
    bearer(jwt.encode({"iat": NOW, "payload_hash": hashlib.sha256(BODY).hexdigest()}, SECRET, algorithm="HS512")),
    bearer(jwt.encode({"iat": NOW}, SECRET, algorithm="HS256")),  # no payload_hash
    bearer(jwt.encode({"payload_hash": hashlib.sha256(BODY).hexdigest()}, SECRET, algorithm="HS256")),  # no iat
    bearer(jwt.encode({"iat": "soon", "payload_hash": hashlib.sha256(BODY).hexdigest()}, SECRET, algorithm="HS256")),
    bearer(jwt.encode({"iat": NOW, "payload_hash": 7}, SECRET, algorithm="HS256")),
])
def test_malformed_authorizations_are_refused(authorization):
    assert verify_event(authorization, BODY, SECRET, now=NOW) is False


def test_no_secret_verifies_nothing():
    token = sign_event(BODY, SECRET, api_key="k", application_id="a", now=NOW)
    assert not verify_event(bearer(token), BODY, "", now=NOW)


def test_default_clock_is_now():
    assert verify_event(bearer(sign_event(BODY, SECRET, api_key="k", application_id="a")), BODY, SECRET)
    assert not verify_event(bearer(sign_event(BODY, SECRET, api_key="k", application_id="a",
                                              now=time.time() - 3600)), BODY, SECRET)
