"""Customer webhooks: operators create the URL, owners edit it and rotate the secret; every
status change is POSTed signed, retried with backoff when the endpoint fails, dead-lettered
after 24 hours; attempts are listed."""
from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from chalicelib.config import settings
from chalicelib.domain import webhook_signing
from chalicelib.services import webhooks
from chalicelib.store.base import utcnow
from tests.listener import Listener
from tests.service.helpers import drain_queue
from tests.service.messaging import dispatch_all, make_tenant, reset_carrier, send


@pytest.fixture(autouse=True)
def clean_carrier(carrier_sim):
    reset_carrier(carrier_sim.url)


@pytest.fixture
def endpoint():
    listener = Listener()
    yield listener
    listener.close()


def _configure(client, ops_token, demo_token, seeded, url: str) -> str:
    reply = client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": url}, token=ops_token)
    assert reply.status == 200, reply
    secret = client.post("/v1/webhook/secret", {}, token=demo_token)
    assert secret.status == 201 and secret.json["secret"].startswith("whsec_")
    return secret.json["secret"]


def test_status_changes_are_posted_signed(client, app, seeded, ops_token, demo_token, endpoint):
    secret = _configure(client, ops_token, demo_token, seeded, endpoint.url)
    message_id = send(client, seeded, client_ref="order-9").json["message_id"]
    dispatch_all(app)
    assert drain_queue(app, "webhooks") == 1
    [hit] = endpoint.wait(1)
    event = hit["params"]
    assert event["message_id"] == message_id and event["status"] == "submitted"
    assert event["event_id"] == f"{message_id}:submitted" and event["client_ref"] == "order-9"
    assert event["country"] == "GB" and event["segments"] == 1 and event["price"] == "0.04"
    headers = {k.lower(): v for k, v in hit["headers"].items()}
    assert webhook_signing.verify(secret, headers["x-jmc-timestamp"], hit["body"], headers["x-jmc-signature"])
    assert not webhook_signing.verify("whsec_wrong", headers["x-jmc-timestamp"], hit["body"], headers["x-jmc-signature"])
    import hashlib
    import hmac
    expected = hmac.new(secret.encode(), f"{headers['x-jmc-timestamp']}.".encode() + hit["body"], hashlib.sha256)
    assert headers["x-jmc-signature"] == "v1=" + expected.hexdigest()
    log = client.get(f"/v1/webhook/deliveries?message_id={message_id}", token=demo_token).json["deliveries"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 1, 200)]


def test_failing_endpoint_is_retried_with_backoff_then_delivered(client, app, seeded, ops_token, demo_token,
                                                                monkeypatch):
    failing = Listener(fail_first=2)
    try:
        _configure(client, ops_token, demo_token, seeded, failing.url)
        monkeypatch.setenv("JMC_WEBHOOK_RETRY_BASE", "0")
        settings.cache_clear()
        message_id = send(client, seeded).json["message_id"]
        dispatch_all(app)
        drain_queue(app, "webhooks")
        assert len(failing.wait(3)) == 3
        [delivery] = client.get("/v1/webhook/deliveries", token=demo_token).json["deliveries"]
        assert delivery["message_id"] == message_id
        assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 3, 200)
    finally:
        failing.close()
        settings.cache_clear()


def test_backoff_doubles_and_caps():
    assert [webhook_signing.backoff_seconds(n, 30) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_retry_waits_past_the_sqs_delay_limit(client, app, seeded, ops_token, demo_token, monkeypatch):
    failing = Listener(fail_first=100)
    try:
        _configure(client, ops_token, demo_token, seeded, failing.url)
        send(client, seeded)
        dispatch_all(app)
        ticket = _next_ticket()
        enqueued = []
        monkeypatch.setattr(webhooks, "_enqueue", lambda t, delay=0: enqueued.append((t, delay)))
        monkeypatch.setenv("JMC_WEBHOOK_RETRY_BASE", "3000")
        settings.cache_clear()
        assert webhooks.deliver(ticket) == "retrying"
        retry, delay = enqueued.pop()
        assert retry["attempt"] == 1 and 800 <= delay <= 3300 and retry["not_before"]
        # Delivered again at SQS's 15-minute limit, before its time: it waits again, unsent.
        assert webhooks.deliver(retry, now=utcnow() + timedelta(seconds=900)) == "waiting"
        assert len(failing.received) == 1 and enqueued[-1][1] > 0
    finally:
        failing.close()
        settings.cache_clear()


def test_after_24_hours_the_event_is_dead_lettered(client, app, seeded, ops_token, demo_token):
    failing = Listener(fail_first=100)
    try:
        _configure(client, ops_token, demo_token, seeded, failing.url)
        send(client, seeded)
        dispatch_all(app)
        ticket = _next_ticket()
        ticket.update(attempt=12, first_attempt_at=(utcnow() - timedelta(hours=23, minutes=50)).isoformat())
        assert webhooks.deliver(ticket) == "dead_lettered"
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.get_queue_url(QueueName="jmc-local-webhooks-dlq")["QueueUrl"]
        dead = json.loads(sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"])
        assert dead["event"]["event_id"] == ticket["event"]["event_id"]
        [delivery] = client.get("/v1/webhook/deliveries?status=dead_lettered", token=demo_token).json["deliveries"]
        assert delivery["attempts"] == 13 and delivery["last_status_code"] == 500
    finally:
        failing.close()


def test_timeouts_count_as_failures(client, app, seeded, ops_token, demo_token, monkeypatch):
    slow = Listener(delay=1.5)
    try:
        _configure(client, ops_token, demo_token, seeded, slow.url)
        monkeypatch.setenv("JMC_WEBHOOK_TIMEOUT", "0.3")
        settings.cache_clear()
        send(client, seeded)
        dispatch_all(app)
        assert webhooks.deliver(_next_ticket()) == "retrying"
        [delivery] = client.get("/v1/webhook/deliveries", token=demo_token).json["deliveries"]
        assert delivery["last_error"] == "ReadTimeout" and delivery["status"] == "retrying"
    finally:
        slow.close()
        settings.cache_clear()


def test_per_message_callback_url_wins_and_is_signed(client, app, seeded, endpoint):
    send(client, seeded, callback_url=endpoint.url)  # no account webhook at all
    dispatch_all(app)
    drain_queue(app, "webhooks")
    [hit] = endpoint.wait(1)
    headers = {k.lower(): v for k, v in hit["headers"].items()}
    secret = webhooks.signing_secret(seeded.demo_account_id)
    assert webhook_signing.verify(secret, headers["x-jmc-timestamp"], hit["body"], headers["x-jmc-signature"])


def test_nothing_is_sent_without_a_webhook(client, app, seeded):
    send(client, seeded)
    dispatch_all(app)
    assert drain_queue(app, "webhooks") == 0


def test_who_may_do_what(client, seeded, ops_token, demo_token, endpoint):
    assert client.get("/v1/webhook", token=demo_token).status == 404
    assert client.put("/v1/webhook", {"url": endpoint.url}, token=demo_token).status == 404  # ops create it
    assert client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url},
                      token=demo_token).status == 403
    assert client.put("/v1/ops/accounts/acc_nope/webhook", {"url": endpoint.url}, token=ops_token).status == 404
    client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url}, token=ops_token)
    view = client.get("/v1/webhook", token=demo_token).json
    assert view["url"] == endpoint.url and view["secret_hint"].startswith("…") and "secret" not in view
    changed = client.put("/v1/webhook", {"url": endpoint.url + "/v2"}, token=demo_token)
    assert changed.status == 200 and changed.json["url"].endswith("/v2")
    assert client.get("/v1/webhook", token=ops_token).status == 403
    _, key, secret, _ = make_tenant("Hook Rival")
    assert client.get("/v1/webhook/deliveries", basic=(key, secret)).status == 401  # portal users only


@pytest.mark.parametrize("url", ["", "ftp://example.com/hook", "not a url", "https://" + "a" * 2050 + ".com"])
def test_bad_urls_are_refused(client, seeded, ops_token, url):
    reply = client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": url}, token=ops_token)
    assert reply.status in (400, 422) and reply.json["error"]["field"] == "url"


def test_cloud_stages_refuse_plain_http_and_private_hosts(monkeypatch):
    from chalicelib.services.directory import FieldError
    monkeypatch.setenv("JMC_STAGE", "prod")
    settings.cache_clear()
    try:
        for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://10.1.2.3/x", "https://169.254.169.254/"):
            with pytest.raises(FieldError):
                webhooks.check_url(url)
        assert webhooks.check_url("https://8.8.8.8/hook") == "https://8.8.8.8/hook"
    finally:
        settings.cache_clear()


def _next_ticket() -> dict:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-webhooks")["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return json.loads(message["Body"])
