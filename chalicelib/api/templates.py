"""Templates (seed: 模板管理): customers manage theirs; operators review domestic ones."""
from __future__ import annotations

from chalice import Response

from ..errors import InvalidRequest, NotFound
from ..services import templates
from .blueprint import Blueprint
from .callers import customer, operator
from .request import json_body, paging, query
from .serializers import template as view

bp = Blueprint(__name__)


@bp.route("/v1/templates", methods=["POST"])
def create_template():
    """International templates are usable at once; domestic ones go to an operator (pending)."""
    who = customer(bp.current_request)
    return Response(body=view(templates.create(who, json_body(bp.current_request))), status_code=201)


@bp.route("/v1/templates", methods=["GET"])
def list_templates():
    """The account's templates (of one ``kind``, if given) in id order (stable across
    pages), ``limit`` at a time."""
    who = customer(bp.current_request)
    kind = query(bp.current_request).get("kind")
    if kind is not None and kind not in templates.KINDS:
        raise InvalidRequest("kind", "must be international or domestic")
    limit, cursor = paging(bp.current_request)
    items, next_cursor = templates.templates_page(who.account_id, kind, limit, cursor)
    return {"templates": [view(t) for t in items], "next_cursor": next_cursor}


def _own(template_id: str):
    who = customer(bp.current_request)
    item = templates.get(who.account_id, template_id)
    if item is None:
        raise NotFound("Template")
    return item


@bp.route("/v1/templates/{template_id}", methods=["GET"])
def get_template(template_id):
    return view(_own(template_id))


@bp.route("/v1/templates/{template_id}", methods=["PUT"])
def update_template(template_id):
    """Edit name/content; changing a domestic template's content sends it back to review."""
    item = _own(template_id)
    return view(templates.update(item, json_body(bp.current_request)))


@bp.route("/v1/templates/{template_id}", methods=["DELETE"])
def delete_template(template_id):
    templates.delete(_own(template_id))
    return Response(body="", status_code=204)


@bp.route("/v1/ops/templates", methods=["GET"])
def ops_pending_templates():
    """Domestic templates waiting for review, oldest first."""
    operator(bp.current_request)
    return {"templates": [{**view(t), "account_id": t.account_id} for t in templates.pending()]}


@bp.route("/v1/ops/templates/{template_id}/approve", methods=["POST"])
def approve_template(template_id):
    return _review(template_id, True)


@bp.route("/v1/ops/templates/{template_id}/reject", methods=["POST"])
def reject_template(template_id):
    """Reject with a reason the customer sees."""
    return _review(template_id, False)


def _review(template_id: str, approve: bool):
    who = operator(bp.current_request)
    reason = None if approve else json_body(bp.current_request).get("reason")
    item = templates.review(who, template_id, approve, reason)
    if item is None:
        raise NotFound("Pending template")
    return view(item)
