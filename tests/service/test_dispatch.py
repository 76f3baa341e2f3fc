"""Dispatch reliability: redelivered tickets, a worker killed between the carrier's answer
and the bookkeeping, carrier 5xx and throttling, partial rejection — never a second SMS,
never a lost one, never a double charge."""
from __future__ import annotations

import json

import pytest

from chalicelib.services import dispatch
from chalicelib.services.billing import balance_micros
from chalicelib.store.messages import get_message
from tests.service.helpers import drain_queue
from tests.service.messaging import (
    UK,
    carrier_config,
    carrier_messages,
    dispatch_all,
    ledger_sum,
    post_receipt,
    receipt,
    reset_carrier,
    send,
)


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)
    yield
    reset_carrier(carrier_sim.url)


def _sent_once(carrier_url: str, message_id: str) -> dict:
    sent = [m for m in carrier_messages(carrier_url) if m.get("client-ref") == message_id]
    assert len(sent) == 1, sent
    return sent[0]


def test_redelivered_ticket_sends_nothing_twice(client, seeded, app, carrier_sim):
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    before = balance_micros(seeded.demo_account_id)
    assert dispatch.dispatch(message_id) == "done-before"  # the same ticket, delivered again
    from chalicelib.services.dispatch import enqueue
    enqueue(message_id)
    assert dispatch_all(app) == 1
    _sent_once(carrier_sim.url, message_id)
    assert balance_micros(seeded.demo_account_id) == before


def test_worker_killed_after_submit_never_resends_and_receipt_settles(client, seeded, app, carrier_sim, monkeypatch):
    message_id = send(client, seeded).json["message_id"]

    def killed(*args, **kwargs):
        raise SystemError("worker killed between the carrier's answer and the bookkeeping")
    monkeypatch.setattr(dispatch, "record_result", killed)
    assert drain_queue(app, "dispatch", raise_errors=False) == 0  # the batch failed: ticket stays
    monkeypatch.undo()
    message = get_message(message_id)
    assert message.status == "queued" and message.submit_started_at is not None

    dispatch.dispatch(message_id)  # the redelivered ticket
    message = get_message(message_id)
    assert message.status == "submitted" and message.err_text == dispatch.IN_DOUBT
    sent = _sent_once(carrier_sim.url, message_id)

    # The receipt names our id in client-ref: it finds and settles the message.
    reply = post_receipt(client, receipt(message, sent["message-id"], "delivered"))
    assert reply.status == 204
    message = get_message(message_id)
    assert message.status == "delivered" and message.billing == "settled"
    assert ledger_sum(seeded.demo_account_id) == balance_micros(seeded.demo_account_id)


def test_carrier_5xx_retries_later_and_sends_once(client, seeded, app, carrier_sim):
    before = balance_micros(seeded.demo_account_id)
    message_id = send(client, seeded).json["message_id"]
    carrier_config(carrier_sim.url, fail_next_5xx=3)  # more than the client's own 3 attempts
    with pytest.raises(dispatch.RetryLater):
        dispatch.dispatch(message_id)
    message = get_message(message_id)
    assert message.status == "queued" and message.submit_started_at is None  # claim released
    assert dispatch.dispatch(message_id) == "submitted"
    _sent_once(carrier_sim.url, message_id)
    assert balance_micros(seeded.demo_account_id) == before - int(message.price_micros)


def test_carrier_down_for_good_fails_and_refunds(client, seeded, app, carrier_sim):
    before = balance_micros(seeded.demo_account_id)
    message_id = send(client, seeded).json["message_id"]
    carrier_config(carrier_sim.url, fail_next_5xx=3 * dispatch.MAX_SUBMIT_ATTEMPTS)
    for _ in range(dispatch.MAX_SUBMIT_ATTEMPTS - 1):
        with pytest.raises(dispatch.RetryLater):
            dispatch.dispatch(message_id)
    assert dispatch.dispatch(message_id) == "failed"
    message = get_message(message_id)
    assert message.err_code == "carrier_unavailable" and message.billing == "refunded"
    assert balance_micros(seeded.demo_account_id) == before == ledger_sum(seeded.demo_account_id)
    assert [m for m in carrier_messages(carrier_sim.url) if m.get("client-ref") == message_id] == []


def test_throttled_submit_is_retried_without_duplicates(client, seeded, app, carrier_sim):
    ids = [send(client, seeded, text=f"burst {i}").json["message_id"] for i in range(4)]
    carrier_config(carrier_sim.url, throttle_tps=2)
    outcomes = []
    for message_id in ids:
        try:
            outcomes.append(dispatch.dispatch(message_id))
        except dispatch.RetryLater:
            outcomes.append("retry")
    carrier_config(carrier_sim.url, throttle_tps=None)
    for message_id, outcome in zip(ids, outcomes, strict=True):
        if outcome == "retry":
            assert dispatch.dispatch(message_id) == "submitted"
    for message_id in ids:
        _sent_once(carrier_sim.url, message_id)


def test_partly_rejected_message_refunds_the_rejected_segments(client, seeded, app, carrier_sim):
    carrier_config(carrier_sim.url, reject={UK.lstrip("+"): {"status": "7", "from_part": 2}})
    text = "x" * 300  # two GSM-7 parts
    before = balance_micros(seeded.demo_account_id)
    message_id = send(client, seeded, text=text).json["message_id"]
    dispatch_all(app)
    message = get_message(message_id)
    assert message.status == "submitted" and len(message.carrier_ids) == 1
    assert int(message.refunded_micros) == int(message.price_micros) // 2
    assert balance_micros(seeded.demo_account_id) == before - int(message.price_micros) // 2
    assert ledger_sum(seeded.demo_account_id) == balance_micros(seeded.demo_account_id)


def test_fully_rejected_message_is_refunded_in_full(client, seeded, app, carrier_sim):
    carrier_config(carrier_sim.url, reject={UK.lstrip("+"): {"status": "7", "from_part": 1}})
    before = balance_micros(seeded.demo_account_id)
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    message = get_message(message_id)
    assert message.status == "rejected" and message.err_code == "7" and message.billing == "refunded"
    assert balance_micros(seeded.demo_account_id) == before == ledger_sum(seeded.demo_account_id)
    dispatch.dispatch(message_id)  # redelivered: no second refund
    assert balance_micros(seeded.demo_account_id) == before


def test_sweeper_reenqueues_messages_whose_ticket_was_lost(client, seeded, app, carrier_sim, monkeypatch):
    monkeypatch.setattr(dispatch, "enqueue", lambda message_id: False)  # SQS refused the ticket
    message_id = send(client, seeded).json["message_id"]
    monkeypatch.undo()
    assert dispatch_all(app) == 0
    assert dispatch.requeue_stale() == 0  # not stale yet
    from datetime import timedelta

    from chalicelib.store.base import utcnow
    assert dispatch.requeue_stale(now=utcnow() + timedelta(minutes=11)) == 1
    assert dispatch_all(app) == 1
    _sent_once(carrier_sim.url, message_id)
    assert dispatch.requeue_stale(now=utcnow() + timedelta(minutes=11)) == 0  # left the pending index


def test_dispatch_ticket_body_is_small(client, seeded, app):
    import boto3
    send(client, seeded)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-dispatch")["QueueUrl"]
    body = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    assert set(json.loads(body)) == {"message_id"}


def test_delivery_receipts_roll_up_and_never_go_back(client, seeded, app, carrier_sim):
    message_id = send(client, seeded, text="y" * 300).json["message_id"]  # two parts
    dispatch_all(app)
    message = get_message(message_id)
    first, second = message.carrier_ids
    post_receipt(client, receipt(message, first, "accepted"))
    post_receipt(client, receipt(message, first, "delivered"))
    assert get_message(message_id).status == "submitted"  # one part of two
    post_receipt(client, receipt(message, first, "buffered"))  # late, out of order
    post_receipt(client, receipt(message, second, "delivered"))
    message = get_message(message_id)
    assert message.status == "delivered" and message.delivered_at is not None
    assert dict(message.part_status.as_dict()) == {first: "delivered", second: "delivered"}
    post_receipt(client, receipt(message, second, "failed", "1"))  # after final: ignored
    assert get_message(message_id).status == "delivered"


def test_failed_segment_fails_the_message(client, seeded, app, carrier_sim):
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    message = get_message(message_id)
    post_receipt(client, receipt(message, message.carrier_ids[0], "failed", "6"))
    message = get_message(message_id)
    assert message.status == "failed" and message.err_code == "6"
    assert message.billing == "settled"  # the carrier took it: it stays charged


def test_receipt_before_the_bookkeeping_is_applied(client, seeded, app, carrier_sim, monkeypatch):
    """The carrier's receipt can beat the worker's write of the carrier ids."""
    message_id = send(client, seeded).json["message_id"]
    original = dispatch.record_result

    def receipt_first(message, result):
        post_receipt(client, receipt(message, result.parts[0].message_id, "delivered"))
        original(message, result)
    monkeypatch.setattr(dispatch, "record_result", receipt_first)
    dispatch_all(app)
    message = get_message(message_id)
    assert message.status == "delivered" and message.billing == "settled"
    assert message.carrier_ids and ledger_sum(seeded.demo_account_id) == balance_micros(seeded.demo_account_id)


def test_unmatched_and_malformed_receipts(client, seeded, app):
    reply = post_receipt(client, {"messageId": "X1", "msisdn": "447400000000", "status": "delivered",
                                  "client-ref": "msg_doesnotexist"})
    assert reply.status == 204  # kept for support, tells a prober nothing
    assert post_receipt(client, {"msisdn": "1", "status": "delivered"}).json["error"]["field"] == "messageId"
    assert post_receipt(client, {"messageId": "X", "status": "weird"}).json["error"]["field"] == "status"


def test_receipt_for_another_number_does_not_touch_the_message(client, seeded, app):
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    message = get_message(message_id)
    forged = receipt(message, message.carrier_ids[0], "failed", msisdn="447400999999")
    assert post_receipt(client, forged).status == 204
    assert get_message(message_id).status == "submitted"


def test_receipts_via_get_and_form(client, seeded, app):
    from urllib.parse import urlencode
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    message = get_message(message_id)
    query = urlencode(receipt(message, message.carrier_ids[0], "accepted"))
    assert client.get(f"/webhooks/vonage/dlr?{query}").status == 204
    form = urlencode(receipt(message, message.carrier_ids[0], "delivered")).encode()
    reply = client.call("POST", "/webhooks/vonage/dlr", raw_body=form,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 204
    assert get_message(message_id).status == "delivered"


def test_signed_receipts_when_a_signature_secret_is_set(client, seeded, app, monkeypatch):
    """Signed with the official Vonage SDK's own signer: our check is compatible with it."""
    import time

    from vonage_http_client.auth import Auth

    from chalicelib import carrier
    monkeypatch.setenv("JMC_DLR_SIGNATURE_SECRET", "dlr-signing-secret")
    from chalicelib.config import settings
    settings.cache_clear()
    carrier.reset()
    message_id = send(client, seeded).json["message_id"]
    dispatch_all(app)
    message = get_message(message_id)
    params = receipt(message, message.carrier_ids[0], "delivered")
    assert post_receipt(client, params).status == 401  # unsigned
    signer = Auth(api_key="platform-key", signature_secret="dlr-signing-secret", signature_method="sha256")
    stale = {**params, "timestamp": str(int(time.time()) - 3600)}
    stale["sig"] = signer.sign_params(dict(stale))
    assert post_receipt(client, stale).status == 401  # replayed an hour later
    fresh = {**params, "timestamp": str(int(time.time()))}
    fresh["sig"] = signer.sign_params(dict(fresh))
    assert post_receipt(client, {**fresh, "status": "failed"}).status == 401  # tampered
    assert post_receipt(client, fresh).status == 204
    assert get_message(message_id).status == "delivered"
    settings.cache_clear()
    carrier.reset()


def test_dead_letter_path_ends_in_the_sweeper_not_in_a_lost_message(client, seeded, app):
    """Every message accepted stays findable through the pending index until it leaves
    ``queued``: a ticket in the DLQ cannot lose it."""
    message_id = send(client, seeded).json["message_id"]
    assert get_message(message_id).pending is not None
    dispatch_all(app)
    assert get_message(message_id).pending is None
