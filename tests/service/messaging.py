"""Helpers for messaging tests: send through the API, play the dispatch queue, read what the
carrier simulator received, and post Vonage-format delivery receipts back."""
from __future__ import annotations

import requests

from chalicelib.store.ledger import LedgerEntry
from chalicelib.store.messages import get_message
from tests.service.helpers import drain_queue

UK = "+447400123456"
UK2 = "+447400654321"


def send(client, seeded, body: dict | None = None, *, key: str | None = None, **fields):
    payload = {"to": UK, "text": "Your code is 123456", "type": "transactional", **(body or {}), **fields}
    headers = {"Idempotency-Key": key} if key else None
    return client.post("/v1/sms", payload, basic=(seeded.app_key, seeded.app_secret), headers=headers)


def dispatch_all(app) -> int:
    return drain_queue(app, "dispatch")


def carrier_messages(carrier_url: str, **params) -> list[dict]:
    reply = requests.get(f"{carrier_url}/_sim/messages", params=params, timeout=5)
    reply.raise_for_status()
    return reply.json()["messages"]


def carrier_config(carrier_url: str, **config) -> dict:
    reply = requests.put(f"{carrier_url}/_sim/config", json=config, timeout=5)
    reply.raise_for_status()
    return reply.json()


def receipt(message, carrier_id: str, status: str = "delivered", err_code: str = "0", **extra) -> dict:
    """A Vonage delivery receipt for one segment of ``message`` (a Message item)."""
    return {"msisdn": message.to.lstrip("+"), "to": message.sender, "network-code": "23410",
            "messageId": carrier_id, "price": "0.03330000", "status": status, "scts": "2611231200",
            "err-code": err_code, "api-key": "platform-key", "client-ref": message.message_id,
            "message-timestamp": "2026-11-23 12:00:00", **extra}


def post_receipt(client, params: dict):
    return client.post("/webhooks/vonage/dlr", params)


def deliver_all(client, message_id: str, status: str = "delivered") -> None:
    """Post a receipt for every part the carrier gave an id to."""
    message = get_message(message_id)
    for carrier_id in message.carrier_ids:
        assert post_receipt(client, receipt(message, carrier_id, status)).status == 204


def ledger_sum(account_id: str) -> int:
    return sum(int(e.amount_micros) for e in LedgerEntry.query(account_id, LedgerEntry.entry_id.startswith("E#")))


def reset_carrier(carrier_url: str) -> None:
    requests.delete(f"{carrier_url}/_sim/messages", timeout=5).raise_for_status()
    from carrier_sim.config import DEFAULT_CONFIG
    requests.put(f"{carrier_url}/_sim/config", json=DEFAULT_CONFIG, timeout=5).raise_for_status()


def make_tenant(name: str, balance_micros: int = 0):
    """A second customer account with an app: (account, app_key, app_secret, app Caller)."""
    from chalicelib.services import apps, billing, directory
    from chalicelib.services.identity import Caller
    account = directory.create_bare_account(name)
    if balance_micros:
        billing.top_up(account, balance_micros, f"{name}-opening", "test")
    app_item, secret = apps.create_app(Caller("user", account.account_id, user_id="u-test", role="owner"), name)
    return account, app_item.app_key, secret, Caller("app", account.account_id, app_id=app_item.app_id)
