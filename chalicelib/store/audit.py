"""The audit log: security-relevant actions (secret reveals, app changes), per account."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from ..domain.ids import sortable_id
from .base import Prefix, page, start_key, table_meta, utcnow


class AuditEvent(Model):
    Meta = table_meta("audit")
    account_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    target = UnicodeAttribute(null=True)
    details: MapAttribute[str, Any] = MapAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)


def record(account_id: str, action: str, actor: str, target: str | None = None, **details: object) -> AuditEvent:
    event = AuditEvent(account_id, sortable_id(), action=action, actor=actor, target=target,
                       details=details or None)
    event.save()
    return event


def list_events(account_id: str, limit: int, cursor: str | None) -> tuple[list[AuditEvent], str | None]:
    """One page of the account's events, newest first (CursorError for a cursor this list did
    not hand out)."""
    start = start_key(cursor, account_id=account_id, event_id=Prefix())
    results = AuditEvent.query(account_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    return page(results, limit)
