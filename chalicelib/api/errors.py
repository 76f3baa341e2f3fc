"""The API's one error shape: ``{"error": {"code", "message", "field"?}}``, rendered from any
``chalicelib.errors.JmcError`` by its own status, code and headers.

Views raise those errors (or let the services' propagate); ``api.blueprint`` renders what a
view raises, and the HTTP middleware gives Chalice's own errors (no such route, wrong method,
unsupported media type, an unhandled exception's 500) the same shape. Answers no JmcError
stands behind (the local gateway's, its HTTP server's) take it from ``status_response``; on
AWS, ``infra/gateway-responses.json`` gives API Gateway's own answers the same codes.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus

from chalice import Response

from ..errors import InternalError, JmcError

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}
Headers = Mapping[str, str | list[str]]

#: Bare HTTP error statuses (Chalice's, a gateway's, an HTTP server's), as our codes.
STATUS_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 414: "uri_too_long",
                415: "unsupported_media_type", 422: "invalid_value", 429: "rate_limited",
                431: "headers_too_large", 500: "internal_error", 501: "not_implemented",
                505: "http_version_not_supported"}


def render(error: JmcError) -> Response:
    """The response for ``error``: its status, our JSON shape and its headers."""
    return error_response(error.status, error.code, error.message, error.field, error.headers())


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: Headers | None = None) -> Response:
    body: dict[str, str] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return Response(body={"error": body}, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def error_middleware(event, get_response):
    """Render every error as our JSON shape; never leak a traceback."""
    try:
        response = get_response(event)
    except JmcError as exc:
        return render(exc)
    except Exception:  # last resort, logged with its stack
        log.exception("unhandled error on %s", getattr(event, "path", "?"))
        return render(InternalError())
    return _reshape_chalice_error(response)


def status_response(status: int, message: str | None = None, headers: Headers | None = None) -> Response:
    """Our error shape for a bare HTTP ``status``; the message defaults to its reason phrase,
    so nothing of the request is repeated."""
    return error_response(status, STATUS_CODES.get(status, "error"), message or HTTPStatus(status).phrase,
                          headers=headers)


def _reshape_chalice_error(response: Response) -> Response:
    """Chalice renders its own errors as ``{"Code", "Message"}``; give them our shape, keeping
    the headers it set (a 405's ``Allow``)."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    if response.status_code >= 500:
        return render(InternalError())
    headers = {name: value for name, value in (response.headers or {}).items() if name.lower() != "content-type"}
    return status_response(response.status_code, str(body.get("Message", "")), headers)

