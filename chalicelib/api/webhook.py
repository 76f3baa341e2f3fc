"""The webhook URL for delivery reports (seed: Webhook URL): operators create it, customers
view and edit it, rotate its signing secret and see every delivery attempt."""
from __future__ import annotations

from chalice import Response

from ..errors import NotFound
from ..services import webhooks
from ..store.accounts import get_account
from ..store.base import iso
from .blueprint import Blueprint
from .callers import customer, operator
from .request import json_body, paging, query

bp = Blueprint(__name__)
NO_WEBHOOK = "Webhook (an operator creates it for your account)"


def _config_view(config) -> dict:
    return {"url": config.url, "secret_hint": f"…{config.secret_hint}", "created_at": iso(config.created_at),
            "updated_at": iso(config.updated_at)}


@bp.route("/v1/ops/accounts/{account_id}/webhook", methods=["PUT"])
def ops_set_webhook(account_id):
    """Operators create (or change) a customer's webhook URL."""
    who = operator(bp.current_request)
    if get_account(account_id) is None:
        raise NotFound("Account")
    config = webhooks.set_url(who, account_id, json_body(bp.current_request).get("url"))
    return _config_view(config)


@bp.route("/v1/webhook", methods=["GET"])
def get_webhook():
    who = customer(bp.current_request)
    return _config_view(_configured(who.account_id))


@bp.route("/v1/webhook", methods=["PUT"])
def update_webhook():
    """The account owner changes the URL an operator created."""
    who = customer(bp.current_request, owner_only=True)
    _configured(who.account_id)
    return _config_view(webhooks.set_url(who, who.account_id, json_body(bp.current_request).get("url")))


def _configured(account_id: str):
    config = webhooks.get_config(account_id)
    if config is None or config.url is None:
        raise NotFound(NO_WEBHOOK)
    return config


@bp.route("/v1/webhook/secret", methods=["POST"])
def rotate_webhook_secret():
    """A new signing secret, shown once (audited); deliveries use it within 30 s.

    Warm delivery workers re-read the secret at most 30 seconds apart; an event signed with
    the old one meanwhile fails the customer's check and is retried with the new one."""
    who = customer(bp.current_request, owner_only=True)
    return Response(body={"secret": webhooks.rotate_secret(who)}, status_code=201,
                    headers={"Cache-Control": "no-store"})


@bp.route("/v1/webhook/deliveries", methods=["GET"])
def list_webhook_deliveries():
    """Delivery attempts, newest first; filters message_id, status.

    With a status filter a page may hold fewer than ``limit`` items and still have a
    ``next_cursor`` (a page examines at most 1,000 deliveries)."""
    who = customer(bp.current_request)
    params = query(bp.current_request)
    limit, cursor = paging(bp.current_request)
    items, next_cursor = webhooks.deliveries(who.account_id, limit, cursor, params.get("message_id"),
                                             params.get("status"))
    return {"deliveries": [{"event_id": d.event_id, "message_id": d.message_id, "url": d.url, "status": d.status,
                            "attempts": int(d.attempts),
                            "last_status_code": d.last_status_code and int(d.last_status_code),
                            "last_error": d.last_error, "next_attempt_at": iso(d.next_attempt_at),
                            "created_at": iso(d.created_at), "updated_at": iso(d.updated_at)} for d in items],
            "next_cursor": next_cursor}
