"""Status roll-up of per-segment receipts, and Vonage signatures (pure domain)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import message_status as states
from chalicelib.domain import vonage_signature


def test_rollup_needs_every_segment_delivered():
    assert states.rollup({"a": "delivered"}, 2) is None
    assert states.rollup({"a": "delivered", "b": "delivered"}, 2) == "delivered"
    assert states.rollup({"a": "accepted", "b": "buffered"}, 2) is None
    assert states.rollup({}, 1) is None


def test_one_failed_segment_decides_and_the_most_telling_failure_wins():
    assert states.rollup({"a": "delivered", "b": "failed"}, 3) == "failed"
    assert states.rollup({"a": "expired", "b": "rejected"}, 2) == "rejected"
    assert states.rollup({"a": "expired"}, 2) == "expired"


@given(st.sampled_from(sorted(states.ALL)), st.sampled_from(sorted(states.ALL)))
def test_final_states_are_never_left(current, new):
    if current in states.FINAL:
        assert not states.may_move(current, new)
    if states.may_move(current, new):
        assert new != states.QUEUED and current != new


def test_forward_moves():
    assert states.may_move("queued", "submitted") and states.may_move("queued", "delivered")
    assert states.may_move("submitted", "failed") and not states.may_move("submitted", "queued")
    assert not states.may_move("delivered", "failed")


def test_signature_round_trip_and_tampering():
    params = {"messageId": "ABC", "status": "delivered", "msisdn": "447400123456", "timestamp": "1800000000",
              "text": "a&b=c"}
    params["sig"] = vonage_signature.sign(params, "s3cret")
    assert vonage_signature.verify(params, "s3cret", now=1_800_000_010)
    assert not vonage_signature.verify(params, "other", now=1_800_000_010)
    assert not vonage_signature.verify({**params, "status": "failed"}, "s3cret", now=1_800_000_010)
    assert not vonage_signature.verify(params, "s3cret", now=1_800_000_000 + 301)  # stale
    assert not vonage_signature.verify({k: v for k, v in params.items() if k != "sig"}, "s3cret",
                                       now=1_800_000_010)
    assert not vonage_signature.verify({**params, "timestamp": "soon"}, "s3cret", now=1_800_000_010)


def test_signature_matches_the_official_sdk():
    from vonage_http_client.auth import Auth
    params = {"messageId": "ABC", "status": "delivered", "timestamp": "1800000000", "x": "1=2&3"}
    sdk = Auth(api_key="k", signature_secret="s3cret", signature_method="sha256").sign_params(dict(params))
    assert vonage_signature.sign(params, "s3cret") == sdk
