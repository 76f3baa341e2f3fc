"""Reading requests: JSON bodies and paging parameters, with 4xx answers for bad ones."""
from __future__ import annotations

import json
from typing import Any

from chalice.app import Request

from ..errors import InvalidRequest


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; malformed JSON or a non-object is a 400, never a 500."""
    raw = raw_body(request)
    if not raw:
        raise InvalidRequest("body", "is required: a JSON object")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("body", "is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequest("body", "must be a JSON object")
    return body


def header(request: Request, name: str) -> str | None:
    """A request header (case-insensitive), None when absent."""
    value = request.headers.get(name.lower()) if request.headers else None
    return None if value is None else str(value)


def raw_body(request: Request) -> bytes:
    """The request body as bytes (empty when there is none)."""
    body = request.raw_body or b""
    return body.encode() if isinstance(body, str) else body


def query(request: Request) -> dict[str, str]:
    """The query string's parameters (an empty dict when there are none)."""
    return dict(request.query_params or {})


def paging(request: Request, default: int = 50, maximum: int = 200) -> tuple[int, str | None]:
    params = query(request)
    try:
        limit = int(params.get("limit", default))
    except ValueError:
        raise InvalidRequest("limit", "must be an integer") from None
    if not 1 <= limit <= maximum:
        raise InvalidRequest("limit", f"must be between 1 and {maximum}")
    return limit, params.get("cursor")
