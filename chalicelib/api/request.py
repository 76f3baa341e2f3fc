"""Reading requests: JSON bodies, query strings, headers and paging parameters, with 4xx
answers for bad ones (the caps and string rules are ``api.payload``'s)."""
from __future__ import annotations

from typing import Any

from chalice.app import Request

from ..errors import InvalidRequest
from .payload import check_params, check_query, parse_json


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, checked by ``payload.parse_json``: malformed, hostile or
    non-object JSON is a 4xx naming the field, never a 500.

    A body without a Content-Type is read as JSON too (Chalice routes it here as JSON); any
    other content type never gets here (Chalice answers 415)."""
    raw = raw_body(request)
    if not raw:
        raise InvalidRequest("body", "is required: a JSON object")
    body = parse_json(raw)
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


def parameters(request: Request) -> dict[str, str]:
    """The query string as data the route takes in (Vonage's API and the carrier's receipts
    carry their fields there): held to the body's string rules (``payload.check_params``)."""
    params = dict(request.query_params or {})
    check_params(params)
    return params


def query(request: Request) -> dict[str, str]:
    """The query string's parameters (an empty dict when there are none), each name and value
    valid Unicode (``payload.check_query``)."""
    params = dict(request.query_params or {})
    check_query(params)
    return params


def paging(request: Request, default: int = 50, maximum: int = 200) -> tuple[int, str | None]:
    params = query(request)
    try:
        limit = int(params.get("limit", default))
    except ValueError:
        raise InvalidRequest("limit", "must be an integer") from None
    if not 1 <= limit <= maximum:
        raise InvalidRequest("limit", f"must be between 1 and {maximum}")
    return limit, params.get("cursor")
