"""Webhook signatures (``v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``), what a
receiver checks, and the retry backoff."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from chalicelib.domain.webhook_signing import TOLERANCE_SECONDS, backoff_seconds, signature, verify

SECRET = "whsec_test"
BODY = b'{"event_id":"msg_1:delivered","status":"delivered"}'
NOW = 1_790_000_000


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == f"v1={expected}"


def test_a_pinned_vector():
    # Computed independently (openssl dgst -sha256 -hmac secret over "1700000000.{}"), pinned
    # so a change of scheme is deliberate: receivers in the wild check exactly this.
    assert signature("secret", 1700000000, b"{}") == (
        "v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163")


def test_the_receiver_accepts_a_fresh_genuine_signature():
    assert verify(SECRET, str(NOW), BODY, signature(SECRET, NOW, BODY), now=NOW + 10)


@pytest.mark.parametrize("secret, timestamp, body, header", [
    ("whsec_other", str(NOW), BODY, None),                                 # another secret
    (SECRET, str(NOW), BODY + b" ", None),                                 # body changed
    (SECRET, str(NOW + 1), BODY, None),                                    # timestamp changed
    (SECRET, str(NOW), BODY, ""),                                          # header missing
    (SECRET, str(NOW), BODY, "v0=" + "0" * 64),                            # another scheme
    (SECRET, "yesterday", BODY, None),                                     # not a timestamp
    (SECRET, None, BODY, None),                                            # no timestamp
])
def test_the_receiver_refuses_anything_else(secret, timestamp, body, header):
    genuine = signature(SECRET, NOW, BODY)
    assert not verify(secret, timestamp, body, genuine if header is None else header, now=NOW)


@pytest.mark.parametrize("age", [TOLERANCE_SECONDS + 1, -(TOLERANCE_SECONDS + 1), 86400])
def test_old_or_future_timestamps_are_refused_as_replays(age):
    sent_at = NOW - age
    assert not verify(SECRET, str(sent_at), BODY, signature(SECRET, sent_at, BODY), now=NOW)


def test_the_tolerance_edge_is_inclusive():
    sent_at = NOW - TOLERANCE_SECONDS
    assert verify(SECRET, str(sent_at), BODY, signature(SECRET, sent_at, BODY), now=NOW)


def test_unicode_secrets_and_bodies_sign_as_utf8():
    body = '{"text":"验证码 123456"}'.encode()
    expected = hmac.new("密钥".encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert signature("密钥", NOW, body) == f"v1={expected}"


def test_backoff_doubles_from_the_base_and_caps_at_an_hour():
    assert [backoff_seconds(n, 30) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert backoff_seconds(50, 30) == 3600
    assert backoff_seconds(0, 30) == 30  # attempt numbers start at 1; 0 is treated as the first


def test_backoff_jitter_scales_the_delay_and_a_zero_base_means_now():
    assert backoff_seconds(2, 30, jitter=0.1) == pytest.approx(66)
    assert backoff_seconds(2, 30, jitter=-0.1) == pytest.approx(54)
    assert backoff_seconds(20, 30, jitter=0.1) == pytest.approx(3960)  # jitter applies past the cap too
    assert backoff_seconds(5, 0) == 0


def test_24_hours_of_retries_is_about_30_attempts_at_the_default_base():
    elapsed, attempts = 0.0, 0
    while elapsed <= 24 * 3600:
        attempts += 1
        elapsed += backoff_seconds(attempts, 30)
    assert 28 <= attempts <= 32
