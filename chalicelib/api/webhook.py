"""The webhook URL for delivery reports (seed: Webhook URL): operators create it, customers
view and edit it, rotate its signing secret and see every delivery attempt."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..services import webhooks
from ..services.directory import get_account
from ..store.base import iso
from . import customer, json_body, operator, paging
from .errors import not_found

bp = Blueprint(__name__)


def _config_view(config) -> dict:
    return {"url": config.url, "secret_hint": f"…{config.secret_hint}", "created_at": iso(config.created_at),
            "updated_at": iso(config.updated_at)}


@bp.route("/v1/ops/accounts/{account_id}/webhook", methods=["PUT"])
def ops_set_webhook(account_id):
    """Operators create (or change) a customer's webhook URL."""
    who = operator(bp.current_request)
    if get_account(account_id) is None:
        raise not_found("Account")
    config = webhooks.set_url(who, account_id, json_body(bp.current_request).get("url"))
    return _config_view(config)


@bp.route("/v1/webhook", methods=["GET"])
def get_webhook():
    who = customer(bp.current_request)
    config = webhooks.get_config(who.account_id)
    if config is None or config.url is None:
        raise not_found("Webhook (an operator creates it for your account)")
    return _config_view(config)


@bp.route("/v1/webhook", methods=["PUT"])
def update_webhook():
    """The account owner changes the URL an operator created."""
    who = customer(bp.current_request, owner_only=True)
    config = webhooks.get_config(who.account_id)
    if config is None or config.url is None:
        raise not_found("Webhook (an operator creates it for your account)")
    return _config_view(webhooks.set_url(who, who.account_id, json_body(bp.current_request).get("url")))


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
    params = bp.current_request.query_params or {}
    limit, cursor = paging(bp.current_request)
    items, next_cursor = webhooks.deliveries(who.account_id, limit, cursor, params.get("message_id"),
                                             params.get("status"))
    return {"deliveries": [{"event_id": d.event_id, "message_id": d.message_id, "url": d.url, "status": d.status,
                            "attempts": int(d.attempts), "last_status_code": d.last_status_code and int(d.last_status_code),
                            "last_error": d.last_error, "next_attempt_at": iso(d.next_attempt_at),
                            "created_at": iso(d.created_at), "updated_at": iso(d.updated_at)} for d in items],
            "next_cursor": next_cursor}
