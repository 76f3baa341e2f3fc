"""Customer webhooks: operators create the URL, owners edit it and rotate the secret; every
status change is POSTed signed, retried with backoff when the endpoint fails, dead-lettered
after 24 hours; attempts are listed."""
from __future__ import annotations

import json
import logging
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
    assert not webhook_signing.verify("whsec_wrong", headers["x-jmc-timestamp"], hit["body"],
                                      headers["x-jmc-signature"])
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
        ticket = _first_ticket_to(client, app, seeded, ops_token, demo_token, failing.url)
        enqueued = []
        monkeypatch.setattr(webhooks, "_enqueue", lambda t, delay=0: enqueued.append((t, delay)))
        monkeypatch.setenv("JMC_WEBHOOK_RETRY_BASE", "3000")
        settings.cache_clear()
        assert webhooks.deliver(ticket).outcome == "retrying"
        retry, delay = enqueued.pop()
        assert retry["attempt"] == 1 and 800 <= delay <= 3300 and retry["not_before"]
        # Delivered again at SQS's 15-minute limit, before its time: it waits again, unsent.
        assert webhooks.deliver(retry, now=utcnow() + timedelta(seconds=900)).outcome == "waiting"
        assert len(failing.received) == 1 and enqueued[-1][1] > 0
    finally:
        failing.close()
        settings.cache_clear()


def test_after_24_hours_the_event_is_dead_lettered(client, app, seeded, ops_token, demo_token):
    failing = Listener(fail_first=100)
    try:
        ticket = _first_ticket_to(client, app, seeded, ops_token, demo_token, failing.url)
        ticket.update(attempt=12, first_attempt_at=(utcnow() - timedelta(hours=23, minutes=50)).isoformat())
        assert webhooks.deliver(ticket).outcome == "dead_lettered"
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
        assert webhooks.deliver(_next_ticket()).outcome == "retrying"
        [delivery] = client.get("/v1/webhook/deliveries", token=demo_token).json["deliveries"]
        assert delivery["last_error"] == "ReadTimeout" and delivery["status"] == "retrying"
    finally:
        slow.close()
        settings.cache_clear()



def _webhook_lines(caplog) -> list[tuple[int, str]]:
    """What the platform logged at INFO and above (moto's request mocking logs at INFO too)."""
    return [(r.levelno, r.getMessage()) for r in caplog.records
            if r.levelno >= logging.INFO and r.name.startswith("chalicelib")]


def test_each_attempt_logs_one_line_failures_as_warnings_without_payload_or_secrets(
        client, app, seeded, ops_token, demo_token, monkeypatch, caplog):
    failing = Listener(fail_first=2)
    try:
        secret = _configure(client, ops_token, demo_token, seeded, failing.url + "?token=hook-password")
        monkeypatch.setenv("JMC_WEBHOOK_RETRY_BASE", "0")
        settings.cache_clear()
        message_id = send(client, seeded, client_ref="order-77").json["message_id"]
        dispatch_all(app)
        with caplog.at_level(logging.DEBUG):
            drain_queue(app, "webhooks")
        lines = _webhook_lines(caplog)
        assert [level for level, _ in lines] == [logging.WARNING, logging.WARNING, logging.INFO], lines
        event_id = f"{message_id}:submitted"
        for number, (_, line) in enumerate(lines, start=1):
            assert event_id in line and f"attempt {number}" in line and "127.0.0.1" in line
        assert all("HTTP 500" in line and "next attempt at 20" in line for _, line in lines[:2])
        assert "delivered" in lines[2][1] and "HTTP 200" in lines[2][1]
        everything = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("chalicelib"))
        for private in (secret, "hook-password", "order-77", "+447400", '"price"'):
            assert private not in everything
    finally:
        failing.close()
        settings.cache_clear()


def test_a_dead_lettered_event_logs_a_warning_and_a_wait_logs_nothing_at_info(
        client, app, seeded, ops_token, demo_token, monkeypatch, caplog):
    from chalicelib.jobs.webhooks import deliver_ticket
    failing = Listener(fail_first=100)
    try:
        ticket = _first_ticket_to(client, app, seeded, ops_token, demo_token, failing.url)
        monkeypatch.setattr(webhooks, "_enqueue", lambda t, delay=0: None)
        later = (utcnow() + timedelta(minutes=20)).isoformat()
        with caplog.at_level(logging.DEBUG):
            assert deliver_ticket(json.dumps({**ticket, "attempt": 3, "not_before": later})) == "waiting"
            assert _webhook_lines(caplog) == []
            ticket.update(attempt=12, first_attempt_at=(utcnow() - timedelta(hours=23, minutes=50)).isoformat())
            assert deliver_ticket(json.dumps(ticket)) == "dead_lettered"
        [(level, line)] = _webhook_lines(caplog)
        assert level == logging.WARNING and ticket["event"]["event_id"] in line
        assert "attempt 13" in line and "HTTP 500" in line and "dead-lettered" in line
    finally:
        failing.close()

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
    from chalicelib.errors import FieldError
    monkeypatch.setenv("JMC_STAGE", "prod")
    settings.cache_clear()
    try:
        for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://10.1.2.3/x", "https://169.254.169.254/"):
            with pytest.raises(FieldError):
                webhooks.check_url(url)
        assert webhooks.check_url("https://8.8.8.8/hook") == "https://8.8.8.8/hook"
    finally:
        settings.cache_clear()


def _first_ticket_to(client, app, seeded, ops_token, demo_token, url: str) -> dict:
    """The delivery ticket of the first status event of one SMS, with the webhook at ``url``."""
    _configure(client, ops_token, demo_token, seeded, url)
    send(client, seeded)
    dispatch_all(app)
    return _next_ticket()


def _next_ticket() -> dict:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-webhooks")["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return json.loads(message["Body"])


# --- events built from Message objects, the delivery log, who sees what ------------------------

def _message(account_id: str, status: str = "delivered", callback_url: str | None = None, **fields):
    """A message as the status code hands it over (never saved: notify_status must not read it)."""
    from chalicelib.domain.ids import new_id
    from chalicelib.store.messages import Message
    now = utcnow()
    values = dict(account_id=account_id, source="api", type="transactional", to="+447400123456", country="GB",
                  text="Your code is 1", segments=2, encoding="GSM-7", price_micros=80_000, refunded_micros=0,
                  status=status, client_ref="order-1", callback_url=callback_url, created_at=now,
                  submitted_at=now, delivered_at=now if status in ("delivered", "failed") else None,
                  ckey="-", acct_day="-", acct_to="-")
    return Message(new_id("msg"), **{**values, **fields})


def _queued_tickets() -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-webhooks")["QueueUrl"]
    tickets = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            tickets.append(json.loads(message["Body"]))
    return tickets


def _add_member(client, app, ops_token, account_id: str, email: str) -> str:
    from tests.service.helpers import initial_password, login
    assert client.post(f"/v1/ops/accounts/{account_id}/users", {"email": email, "name": "Mem"},
                       token=ops_token).status == 201
    return login(client, app, email, initial_password(app, email))["access_token"]


def _rival_owner(client, app, ops_token) -> tuple[str, str]:
    from tests.service.helpers import initial_password, login
    created = client.post("/v1/ops/accounts", {"name": "Hook Rival Inc",
                                               "owner": {"email": "boss@hookrival.example", "name": "Boss"}},
                          token=ops_token).json
    password = initial_password(app, "boss@hookrival.example")
    return created["id"], login(client, app, "boss@hookrival.example", password)["access_token"]


def test_notify_status_queues_one_small_ticket_with_the_event(aws, seeded):
    message = _message(seeded.demo_account_id, "delivered", "https://hooks.example.com/x", refunded_micros=30_000,
                       err_code="0", task_id="task_1")  # never saved: a re-read would find nothing
    assert webhooks.notify_status(message) is True
    [ticket] = _queued_tickets()
    assert set(ticket) == {"event", "url", "account_id", "delivery", "attempt", "first_attempt_at"}
    assert (ticket["url"], ticket["account_id"], ticket["attempt"], ticket["first_attempt_at"]) == (
        "https://hooks.example.com/x", seeded.demo_account_id, 0, None)
    event = ticket["event"]
    assert event == {
        "event_id": f"{message.message_id}:delivered", "type": "message.status", "message_id": message.message_id,
        "status": "delivered", "to": "+447400123456", "country": "GB", "segments": 2, "price": "0.05",
        "err_code": "0", "client_ref": "order-1", "task_id": "task_1",
        "created_at": event["created_at"], "submitted_at": event["submitted_at"], "delivered_at": event["delivered_at"]}
    assert event["created_at"].endswith("Z") and event["delivered_at"].endswith("Z")
    assert len(json.dumps(ticket)) < 2048


def test_no_url_anywhere_means_nothing_is_queued(aws, seeded):
    assert webhooks.notify_status(_message(seeded.demo_account_id)) is False
    assert _queued_tickets() == []


def test_a_message_callback_url_wins_over_the_account_url(client, app, seeded, ops_token, endpoint):
    account_hook = Listener()
    try:
        client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": account_hook.url}, token=ops_token)
        webhooks.notify_status(_message(seeded.demo_account_id, callback_url=endpoint.url))
        webhooks.notify_status(_message(seeded.demo_account_id))
        assert drain_queue(app, "webhooks") == 2
        assert len(endpoint.wait(1)) == 1 and len(account_hook.wait(1)) == 1
        assert endpoint.received[0]["params"]["message_id"] != account_hook.received[0]["params"]["message_id"]
    finally:
        account_hook.close()


def test_members_see_the_webhook_but_only_the_owner_changes_it(client, app, seeded, ops_token, demo_token, endpoint):
    client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url}, token=ops_token)
    member = _add_member(client, app, ops_token, seeded.demo_account_id, "hookmember@demo.example")
    assert client.get("/v1/webhook", token=member).json["url"] == endpoint.url
    assert client.get("/v1/webhook/deliveries", token=member).status == 200
    assert client.put("/v1/webhook", {"url": endpoint.url + "/x"}, token=member).status == 403
    assert client.post("/v1/webhook/secret", {}, token=member).status == 403
    assert client.get("/v1/webhook", token=demo_token).json["url"] == endpoint.url  # unchanged
    assert client.put("/v1/webhook", {"url": "ftp://x"}, token=demo_token).json["error"]["field"] == "url"


def test_the_secret_is_kms_ciphertext_at_rest_and_its_rotation_is_audited(client, seeded, ops_token, demo_token,
                                                                        endpoint):
    client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url}, token=ops_token)
    reply = client.post("/v1/webhook/secret", {}, token=demo_token)
    secret = reply.json["secret"]
    assert reply.headers.get("Cache-Control") == "no-store"
    table = boto3.client("dynamodb", region_name="us-east-1")
    raw = table.get_item(TableName="jmc-local-webhooks",
                         Key={"pk": {"S": f"CFG#{seeded.demo_account_id}"}, "sk": {"S": "CONFIG"}})["Item"]
    assert secret not in json.dumps(raw) and secret[6:] not in json.dumps(raw)
    assert client.get("/v1/webhook", token=demo_token).json["secret_hint"] == "…" + secret[-4:]
    events = client.get("/v1/audit-events", token=demo_token).json["events"]
    assert "webhook.secret_rotated" in [e["action"] for e in events]
    assert secret not in json.dumps(events)
    assert client.post("/v1/webhook/secret", {}, token=demo_token).json["secret"] != secret


def test_a_rotated_secret_reaches_warm_workers_within_the_cache_window(client, app, seeded, ops_token, demo_token,
                                                                      endpoint):
    import time as clock
    account = seeded.demo_account_id
    old = _configure(client, ops_token, demo_token, seeded, endpoint.url)
    assert webhooks.signing_secret(account) == old
    stale_entry = webhooks._secret_cache[account]
    new = client.post("/v1/webhook/secret", {}, token=demo_token).json["secret"]
    assert webhooks.signing_secret(account) == new  # the rotating process forgets at once
    # Another warm worker still holds the old one: used only until the item is re-read.
    webhooks._secret_cache[account] = stale_entry
    assert webhooks.signing_secret(account) == old
    webhooks._secret_cache[account] = (stale_entry[0], stale_entry[1], clock.monotonic() - webhooks._SECRET_TTL - 1)
    assert webhooks.signing_secret(account) == new
    webhooks.notify_status(_message(account))
    drain_queue(app, "webhooks")
    [hit] = endpoint.wait(1)
    headers = {k.lower(): v for k, v in hit["headers"].items()}
    assert webhook_signing.verify(new, headers["x-jmc-timestamp"], hit["body"], headers["x-jmc-signature"])


def test_other_tenants_see_none_of_the_deliveries(client, app, seeded, ops_token, demo_token, endpoint):
    client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url}, token=ops_token)
    message = _message(seeded.demo_account_id)
    webhooks.notify_status(message)
    drain_queue(app, "webhooks")
    assert len(client.get("/v1/webhook/deliveries", token=demo_token).json["deliveries"]) == 1
    _, rival = _rival_owner(client, app, ops_token)
    assert client.get("/v1/webhook/deliveries", token=rival).json["deliveries"] == []
    assert client.get(f"/v1/webhook/deliveries?message_id={message.message_id}", token=rival).json["deliveries"] == []
    assert client.get("/v1/webhook", token=rival).status == 404
    assert client.get("/v1/webhook/deliveries", token=ops_token).status == 403


def test_the_delivery_log_pages_newest_first_and_filters(client, app, seeded, ops_token, demo_token, endpoint):
    client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url}, token=ops_token)
    first = _message(seeded.demo_account_id, "submitted")
    webhooks.notify_status(first)
    others = [_message(seeded.demo_account_id, "submitted") for _ in range(4)]
    for message in others:
        webhooks.notify_status(message)
    first.status = "delivered"
    webhooks.notify_status(first)  # the same message's next status: a second event
    drain_queue(app, "webhooks")

    seen, cursor = [], None
    while True:
        page = client.get("/v1/webhook/deliveries?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          token=demo_token).json
        assert len(page["deliveries"]) <= 2
        seen += page["deliveries"]
        if not (cursor := page["next_cursor"]):
            break
    assert [d["event_id"] for d in seen] == (
        [f"{first.message_id}:delivered"] + [f"{m.message_id}:submitted" for m in reversed(others)]
        + [f"{first.message_id}:submitted"])
    assert {d["status"] for d in seen} == {"delivered"} and all(d["attempts"] == 1 for d in seen)

    one = client.get(f"/v1/webhook/deliveries?message_id={first.message_id}&limit=1", token=demo_token).json
    assert [d["event_id"] for d in one["deliveries"]] == [f"{first.message_id}:delivered"]
    rest = client.get(f"/v1/webhook/deliveries?message_id={first.message_id}&cursor={one['next_cursor']}",
                      token=demo_token).json
    assert [d["event_id"] for d in rest["deliveries"]] == [f"{first.message_id}:submitted"]
    assert rest["next_cursor"] is None
    assert client.get("/v1/webhook/deliveries?status=retrying", token=demo_token).json["deliveries"] == []
    assert len(client.get("/v1/webhook/deliveries?status=delivered", token=demo_token).json["deliveries"]) == 6

    bad = client.get("/v1/webhook/deliveries?status=lost", token=demo_token)
    assert bad.status == 422 and bad.json["error"]["field"] == "status"
    foreign = client.get(f"/v1/webhook/deliveries?status=delivered&cursor={one['next_cursor']}", token=demo_token)
    assert foreign.status == 400 and foreign.json["error"]["field"] == "cursor"


def test_a_status_filter_reads_a_bounded_amount_per_page(client, app, seeded, ops_token, demo_token, monkeypatch):
    failing = Listener(fail_first=1)
    try:
        client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": failing.url}, token=ops_token)
        monkeypatch.setenv("JMC_WEBHOOK_RETRY_BASE", "600")  # the retry stays queued, out of sight
        settings.cache_clear()
        oldest = _message(seeded.demo_account_id)
        webhooks.notify_status(oldest)
        drain_queue(app, "webhooks")  # its only attempt gets the 500: retrying
        for _ in range(5):
            webhooks.notify_status(_message(seeded.demo_account_id))  # pending, never attempted
        monkeypatch.setattr(webhooks, "LOG_PAGE_EXAMINED", 3)
        pages, found, cursor = 0, [], None
        while True:
            page = client.get("/v1/webhook/deliveries?status=retrying" + (f"&cursor={cursor}" if cursor else ""),
                              token=demo_token).json
            pages, found = pages + 1, found + page["deliveries"]
            if not (cursor := page["next_cursor"]):
                break
        # 6 deliveries, 3 examined per page: [] + cursor, [retrying] + cursor, [] (end reached).
        assert [d["message_id"] for d in found] == [oldest.message_id] and pages == 3
        assert found[0]["last_status_code"] == 500 and found[0]["next_attempt_at"]
    finally:
        failing.close()
        settings.cache_clear()


def test_failing_and_slow_endpoints_neither_fail_nor_serialise_the_batch(client, app, seeded, ops_token, monkeypatch):
    import time as clock
    slow, failing = Listener(delay=1.0), Listener(fail_first=100)
    try:
        monkeypatch.setenv("JMC_WEBHOOK_RETRY_BASE", "600")
        monkeypatch.setenv("JMC_WEBHOOK_TIMEOUT", "3")
        settings.cache_clear()
        for _ in range(4):
            webhooks.notify_status(_message(seeded.demo_account_id, callback_url=slow.url))
        for _ in range(3):
            webhooks.notify_status(_message(seeded.demo_account_id, callback_url=failing.url))
        webhooks.signing_secret(seeded.demo_account_id)  # a warm worker: secret created and cached
        started = clock.monotonic()
        assert drain_queue(app, "webhooks") == 7  # the handler did not raise: 500s are outcomes
        elapsed = clock.monotonic() - started
        assert len(slow.received) == 4 and len(failing.received) == 3
        assert elapsed < 3.0, f"four 1 s endpoints took {elapsed:.1f} s: the batch was not parallel"
        log = webhooks.deliveries(seeded.demo_account_id, 20, None)[0]
        assert sorted(d.status for d in log) == ["delivered"] * 4 + ["retrying"] * 3
    finally:
        slow.close()
        failing.close()
        settings.cache_clear()


def test_a_platform_error_fails_only_its_record(client, app, seeded, ops_token, endpoint, monkeypatch):
    from chalicelib.jobs.sqs import BatchFailed
    client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": endpoint.url}, token=ops_token)
    good, bad = _message(seeded.demo_account_id), _message(seeded.demo_account_id)
    webhooks.notify_status(good)
    webhooks.notify_status(bad)
    real = webhooks.deliver

    def deliver(ticket, now=None):
        if ticket["event"]["message_id"] == bad.message_id:
            raise RuntimeError("DynamoDB unavailable")  # ours, not the customer's: redeliver it
        return real(ticket, now)
    monkeypatch.setattr(webhooks, "deliver", deliver)
    with pytest.raises(BatchFailed):
        drain_queue(app, "webhooks")
    assert [hit["params"]["message_id"] for hit in endpoint.wait(1)] == [good.message_id]
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="jmc-local-webhooks")["QueueUrl"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")


def test_cloud_stages_refuse_at_delivery_a_host_that_now_resolves_privately(aws, seeded, endpoint, monkeypatch):
    import dataclasses
    webhooks.notify_status(_message(seeded.demo_account_id, callback_url=endpoint.url))  # accepted on local
    [ticket] = _queued_tickets()
    cloud = dataclasses.replace(settings(), stage="prod")
    monkeypatch.setattr(webhooks, "settings", lambda: cloud)
    monkeypatch.setattr(webhooks, "_enqueue", lambda ticket, delay=0: None)
    assert webhooks.deliver(ticket).outcome == "retrying"
    assert endpoint.received == []
    [delivery] = webhooks.deliveries(seeded.demo_account_id, 5, None)[0]
    assert "private" in delivery.last_error and delivery.last_status_code is None


@pytest.mark.parametrize("url", ["https://localhost/hook", "https://[::1]/hook", "https://100.64.0.1/hook",
                                 "https://[::ffff:10.0.0.1]/hook", "https://0.0.0.0/hook", "https://2130706433/hook",
                                 "https://192.168.1.1/hook", "https://224.0.0.1/hook"])
def test_cloud_stages_refuse_every_non_public_address(monkeypatch, url):
    from chalicelib.errors import FieldError
    monkeypatch.setenv("JMC_STAGE", "prod")
    settings.cache_clear()
    try:
        with pytest.raises(FieldError) as refused:
            webhooks.check_url(url)
        assert refused.value.field == "url" and "private" in str(refused.value)
    finally:
        settings.cache_clear()


def test_the_local_stage_allows_plain_http_to_loopback(aws):
    assert webhooks.check_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"


@pytest.mark.parametrize("url", ["https://exa mple.com/hook", "https://example.com /hook", "https://exa<mple>.com/",
                                 "https://exa%20mple.com/", "https://-example.com/", "https://example..com/",
                                 "https://exa\u200bmple.com/",
                                 "https://[::1/hook", "https://example.com:99999/", "https://example.com:port/",
                                 "https://example.com/a b", "https://example.com/\x00"])
def test_hosts_with_spaces_or_invalid_characters_are_refused(client, seeded, ops_token, url):
    reply = client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": url}, token=ops_token)
    assert (reply.status, reply.json["error"]["field"]) == (422, "url"), reply
    assert webhooks.get_config(seeded.demo_account_id) is None


def test_credentials_in_a_url_are_refused_and_never_shown_back(client, seeded, ops_token):
    for url in ("https://user:s3cret@hooks.example.com/x", "https://user@hooks.example.com/x",
                "https://:s3cret@hooks.example.com/x"):
        reply = client.put(f"/v1/ops/accounts/{seeded.demo_account_id}/webhook", {"url": url}, token=ops_token)
        assert (reply.status, reply.json["error"]["field"]) == (422, "url"), url
        assert "s3cret" not in reply.body.decode() and "hooks.example.com" not in reply.body.decode()
    assert webhooks.get_config(seeded.demo_account_id) is None


def test_urls_with_ordinary_hosts_ports_and_queries_are_taken(aws):
    for url in ("https://hooks.example.com/x?a=1&b=%20", "http://127.0.0.1:8080/hook", "https://[2001:db8::1]:8443/x",
                "https://xn--bcher-kva.example/hook", "https://Hooks.Example.COM./x"):
        assert webhooks.check_url(url) == url
    # An internationalised name is written in its xn-- form: the name shown is the name used.
    from chalicelib.errors import FieldError
    with pytest.raises(FieldError) as refused:
        webhooks.check_url("https://bücher.example/hook")
    assert "xn--" in refused.value.message
