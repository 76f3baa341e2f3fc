"""The API's one error shape: ``{"error": {"code", "message", "field"?}}``, rendered from any
``chalicelib.errors.JmcError`` by its own status, code and headers.

Views raise those errors (or let the services' propagate); ``api.blueprint`` renders what a
view raises, and the HTTP middleware gives Chalice's own errors (no such route, wrong method,
unsupported media type, an unhandled exception's 500) the same shape.
"""
from __future__ import annotations

import logging

from chalice import Response

from ..errors import InternalError, JmcError

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}

#: Chalice's own error statuses, as our codes.
_CHALICE_CODES = {400: "invalid_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                  409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
                  422: "invalid_value", 429: "rate_limited"}


def render(error: JmcError) -> Response:
    """The response for ``error``: its status, our JSON shape and its headers."""
    return error_response(error.status, error.code, error.message, error.field, error.headers())


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
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


def _reshape_chalice_error(response: Response) -> Response:
    """Chalice renders its own errors as ``{"Code", "Message"}``; give them our shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status = response.status_code
    if status >= 500:
        return render(InternalError())
    return error_response(status, _CHALICE_CODES.get(status, "error"), str(body.get("Message", "")))

