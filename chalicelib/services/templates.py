"""SMS templates (seed: 模板管理). International templates are the customer's own; domestic
ones are submitted, reviewed by an operator (approve, or reject with a reason), and only
approved ones can be used by domestic tasks. Editing a domestic template sends it back to
review."""
from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from ..domain.ids import new_id
from ..errors import FieldError, InvalidRequest, missing_or_invalid
from ..store.accounts import (
    PENDING_TEMPLATES,
    Template,
    items_page,
    pending_templates,
    review_template,
    template_sk,
)
from ..store.base import get_item, iso, utcnow
from .identity import Caller

KINDS = ("international", "domestic")
MAX_NAME, MAX_CONTENT = 64, 1000


def _text(data: dict, field: str, max_len: int) -> str:
    value = data.get(field)
    if value is None:
        raise InvalidRequest(field, "is required")
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_len:
        raise FieldError(field, f"must be 1-{max_len} characters")
    return value.strip()


def create(caller: Caller, data: dict) -> Template:
    kind = data.get("kind", "international")
    if kind not in KINDS:
        raise FieldError("kind", "must be international or domestic")
    now = iso(utcnow())
    template_id = new_id("tpl")
    domestic = kind == "domestic"
    template = Template(caller.account_id, template_sk(template_id), template_id=template_id,
                        name=_text(data, "name", MAX_NAME), content=_content(data, kind), kind=kind,
                        status="pending" if domestic else "active",
                        entity=PENDING_TEMPLATES if domestic else None,
                        created_at=now, updated_at=now, created_by=caller.actor)
    template.save(condition=Template.sk.does_not_exist())
    return template


def _content(data: dict, kind: str) -> str:
    content = _text(data, "content", MAX_CONTENT)
    if kind == "domestic" and ("【" in content or "】" in content):
        raise FieldError("content", "must not contain 【】: the signature is chosen separately")
    return content


def get(account_id: str, template_id: str) -> Template | None:
    return get_item(Template, account_id, template_sk(template_id))


def templates_page(account_id: str, kind: str | None, limit: int,
                   cursor: str | None) -> tuple[list[Template], str | None]:
    """One page of the account's templates (of ``kind``, if given) in key order (by id:
    stable, not by age)."""
    return items_page(Template, account_id, "TEMPLATE#", limit, cursor,
                      condition=Template.kind == kind if kind is not None else None)


def update(template: Template, data: dict[str, Any]) -> Template:
    """Change name and/or content; a changed domestic content goes back to review."""
    actions: list[Action] = [Template.updated_at.set(iso(utcnow()))]
    if "name" in data:
        actions.append(Template.name.set(_text(data, "name", MAX_NAME)))
    if "content" in data:
        content = _content(data, template.kind)
        actions.append(Template.content.set(content))
        if template.kind == "domestic" and content != template.content:
            actions += [Template.status.set("pending"), Template.entity.set(PENDING_TEMPLATES),
                        Template.reason.remove()]
    template.update(actions=actions)
    return template


def delete(template: Template) -> None:
    template.delete()


def pending(limit: int = 200) -> list[Template]:
    """Domestic templates waiting for review, oldest first."""
    return pending_templates(limit)


def review(caller: Caller, template_id: str, approve: bool, reason: object = None) -> Template | None:
    """Approve, or reject with a reason, a pending template; None when no such pending one."""
    found = pending_templates(None, template_id=template_id)
    if not found:
        return None
    template = get(found[0].account_id, template_id)  # the table, not the eventually consistent index
    if approve:
        decision, why = "approved", None
    elif isinstance(reason, str) and reason.strip():
        decision, why = "rejected", reason.strip()
    else:
        raise missing_or_invalid("reason", reason, "is required to reject a template")
    if template is None or template.status != "pending":
        return None
    if not review_template(template, decision, why, caller.actor):
        return None  # decided a moment ago by another operator
    return template
