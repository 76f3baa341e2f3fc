"""What every model shares: table naming from settings, UTC timestamps, cursors, and the
conditional writes and transactions every store module builds on."""
from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from .. import aws
from ..config import settings
from ..errors import CursorError

_M = TypeVar("_M", bound=Model)

#: Longer than any cursor this API returns (its keys are short ids and timestamps); a bound on
#: what is decoded at all.
MAX_CURSOR = 2048


def table_meta(name: str) -> Any:
    """A PynamoDB ``Meta`` for the logical table ``name``; the host comes from AWS_ENDPOINT_URL."""
    cfg = settings()

    class Meta:
        table_name = cfg.table(name)
        region = cfg.region
        max_retry_attempts = 3
    return Meta


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: None) -> None: ...
def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


@overload
def encode_cursor(last_key: dict[str, Any]) -> str: ...
@overload
def encode_cursor(last_key: None) -> None: ...
def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    """An opaque cursor for a position (DynamoDB's LastEvaluatedKey, or our own); None for none."""
    if last_key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The position an opaque cursor names (None for none); CursorError for anything this API
    could not have returned. A list that pages by a DynamoDB key checks the key with
    ``start_key``."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR:
        raise CursorError()
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, RecursionError):  # RecursionError: "[[[[..." nested past the parser's stack
        raise CursorError() from None
    if not isinstance(value, dict):
        raise CursorError()
    return value


@dataclass(frozen=True)
class Prefix:
    """In a ``start_key`` shape: the attribute is a string starting with ``text`` ("" for any)."""
    text: str = ""


def start_key(cursor: str | None, **shape: str | Prefix) -> dict[str, Any] | None:
    """The DynamoDB start key a list's paging cursor carries (None for the first page), if it is
    a key that list hands out: exactly the attributes of ``shape``, each a string equal to its
    value (the caller's own partition, a fixed sort key) or starting with its ``Prefix``.

    CursorError (a 400 on ``cursor``) for anything else. DynamoDB answers a start key of another
    shape with a ValidationException (a 500), and a key in another partition, or another
    list's, would page through items the caller did not ask for, another tenant's included."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    if set(key) != set(shape) or not all(_holds(key[name], want) for name, want in shape.items()):
        raise CursorError("is not a cursor this list returned")
    return key


def _holds(attribute: object, want: str | Prefix) -> bool:
    """Whether a start key's attribute (``{"S": "..."}``) holds ``want``."""
    if not isinstance(attribute, dict) or set(attribute) != {"S"} or not isinstance(attribute["S"], str):
        return False
    value: str = attribute["S"]
    return value.startswith(want.text) if isinstance(want, Prefix) else value == want


def page(query_results: ResultIterator[_M], limit: int) -> tuple[list[_M], str | None]:
    """Materialise one page of a PynamoDB result iterator and its continuation cursor."""
    items = list(query_results)
    last = query_results.last_evaluated_key if len(items) >= limit else None
    return items, encode_cursor(last)


def get_item(model: type[_M], hash_key: str, range_key: str | None = None, *, consistent: bool = True) -> _M | None:
    """The item at that key, or None (read strongly consistent unless told otherwise)."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except model.DoesNotExist:
        return None


def transaction() -> TransactWrite:
    """A DynamoDB transaction on the process's one shared connection (a new connection builds
    a botocore client, ~0.2 s)."""
    return TransactWrite(connection=aws.dynamodb_connection())


def cancelled_by_condition(exc: TransactWriteError) -> bool:
    """True if a transaction was cancelled because one of its conditions did not hold (as
    opposed to throttling or a clash with another transaction, which are worth retrying)."""
    return any(reason is not None and reason.code == "ConditionalCheckFailed"
               for reason in exc.cancellation_reasons or [])


def save_if_new(item: Model) -> bool:
    """Put ``item`` unless an item with its key exists; False (and no change) if one does."""
    try:
        item.save(condition=type(item)._hash_key_attribute().does_not_exist())
        return True
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def update_if(item: Model, actions: Sequence[Action], condition: Condition | None) -> bool:
    """Apply ``actions`` to ``item`` if ``condition`` holds; False (and no change) if not.
    Any other failure raises. On success ``item`` holds the new attribute values."""
    try:
        item.update(actions=list(actions), condition=condition)
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def set_actions(model: type[Model], values: dict[str, Any]) -> list[Action]:
    """Update actions writing ``values`` to ``model``'s attributes (None removes one)."""
    return [getattr(model, name).set(value) if value is not None else getattr(model, name).remove()
            for name, value in values.items()]


def as_dict(value: Any) -> dict[str, Any]:
    """A MapAttribute as read (or a plain dict, as written) as a plain dict; None is empty."""
    if value is None:
        return {}
    return value.as_dict() if hasattr(value, "as_dict") else dict(value)
