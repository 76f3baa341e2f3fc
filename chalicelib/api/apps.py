"""Application management: create apps, list them, reveal a secret (audited), disable."""
from __future__ import annotations

from chalice import Response

from ..errors import Conflict, NotFound
from ..services import apps
from ..store import audit
from ..store.base import iso
from . import serializers
from .blueprint import Blueprint
from .callers import customer
from .request import json_body, paging

bp = Blueprint(__name__)


class AppDisabled(Conflict):
    code = "app_disabled"

    def __init__(self) -> None:
        super().__init__("The app is disabled")


@bp.route("/v1/apps", methods=["POST"])
def create_app():
    who = customer(bp.current_request)
    app, _ = apps.create_app(who, json_body(bp.current_request).get("name"))
    return Response(body=serializers.app(app), status_code=201)


@bp.route("/v1/apps", methods=["GET"])
def list_apps():
    """The account's apps in id order (stable across pages), ``limit`` at a time."""
    who = customer(bp.current_request)
    limit, cursor = paging(bp.current_request)
    items, next_cursor = apps.apps_page(who.account_id, limit, cursor)
    return {"apps": [serializers.app(a) for a in items], "next_cursor": next_cursor}


@bp.route("/v1/apps/{app_id}", methods=["GET"])
def get_app(app_id):
    who = customer(bp.current_request)
    return serializers.app(_own_app(who, app_id))


@bp.route("/v1/apps/{app_id}/secret", methods=["GET"])
def reveal_secret(app_id):
    who = customer(bp.current_request)
    app = _own_app(who, app_id)
    if app.status != "active":
        raise AppDisabled()
    return Response(body={"app_secret": apps.reveal_secret(who, app)},
                    headers={"Cache-Control": "no-store"})


@bp.route("/v1/apps/{app_id}", methods=["DELETE"])
def disable_app(app_id):
    who = customer(bp.current_request)
    app = _own_app(who, app_id)
    if app.status == "active":
        apps.disable_app(who, app)
    return Response(body="", status_code=204)


@bp.route("/v1/audit-events", methods=["GET"])
def audit_events():
    """The account's audit log (secret reveals, app changes), newest first; owners only."""
    who = customer(bp.current_request, owner_only=True)
    limit, cursor = paging(bp.current_request)
    events, next_cursor = audit.list_events(who.account_id, limit, cursor)
    return {"events": [{"id": e.event_id, "action": e.action, "actor": e.actor, "target": e.target,
                        "created_at": iso(e.created_at)} for e in events],
            "next_cursor": next_cursor}


def _own_app(who, app_id: str):
    app = apps.get_app(who.account_id, app_id)
    if app is None:
        raise NotFound("App")
    return app
