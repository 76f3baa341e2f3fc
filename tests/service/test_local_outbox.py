"""The local outbox (``GET /local/outbox``): what the platform sent to one user, emails from
moto's SES and SMS from the carrier simulator, newest first, each with the time it was sent."""
from __future__ import annotations

from tests.service.messaging import dispatch_all, reset_carrier, send

#: moto's ``/moto-api/data.json`` as the local stack's moto process serves it: its SES messages
#: in the order they were sent, each stamped with ``sent_at`` (devstack/moto_fixes.py).
SES_DATA = {"ses": {"Message": [
    {"id": "e1", "source": "no-reply@jmc.local", "subject": "Welcome", "body": "Initial password: x",
     "destinations": {"ToAddresses": ["Me@Acme.example"]}, "sent_at": "2026-12-01T10:00:00.100Z"},
    {"id": "e2", "source": "no-reply@jmc.local", "subject": "Code", "body": "not mine",
     "destinations": {"ToAddresses": ["other@acme.example"]}, "sent_at": "2026-12-01T10:00:01.000Z"},
    {"id": "e3", "source": "no-reply@jmc.local", "subject": "Code", "body": "verification code is 123456",
     "destinations": {"ToAddresses": ["me@acme.example"]}, "sent_at": "2026-12-01T10:00:05.000Z"}]}}


def test_emails_are_listed_newest_first_each_with_the_time_it_was_sent(client, monkeypatch):
    from chalicelib.api import local
    monkeypatch.setattr(local, "_get_json", lambda url, params=None: SES_DATA)
    reply = client.get("/local/outbox?to=me@acme.example")
    assert reply.status == 200, reply
    assert [(m["id"], m["sent_at"]) for m in reply.json["messages"]] == [
        ("e3", "2026-12-01T10:00:05.000Z"), ("e1", "2026-12-01T10:00:00.100Z")]


def test_sms_are_listed_newest_first_each_with_the_time_it_was_sent(client, app, seeded, carrier_sim):
    reset_carrier(carrier_sim.url)
    for text in ("first", "second"):
        assert send(client, seeded, {"to": "+447400123456", "text": text}).status == 202
        dispatch_all(app)
    messages = client.get("/local/outbox?to=%2B447400123456").json["messages"]
    assert [m["body"] for m in messages] == ["second", "first"]
    assert messages[0]["sent_at"] >= messages[1]["sent_at"] > "2026"
