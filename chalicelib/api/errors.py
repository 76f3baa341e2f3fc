"""The API's one error shape: ``{"error": {"code", "message", "field"?}}``.

Views raise ``ApiError``; the HTTP middleware turns it (and Chalice's own errors and any
unhandled exception) into that JSON body with the right status.
"""
from __future__ import annotations

import json
import logging

from chalice import ChaliceUnhandledError, Response

from ..services.billing import AccountInactive, InsufficientBalance
from ..services.directory import Conflict, FieldError
from ..services.identity import AuthFailed, RateLimited
from ..services.sending import Blacklisted, IdempotencyConflict
from ..store.base import CursorError

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


class ApiError(ChaliceUnhandledError):
    """An error the caller can act on. Subclassing ChaliceUnhandledError lets it reach
    middleware instead of being rendered by Chalice's own (differently shaped) handler."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def to_response(self) -> Response:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return Response(body={"error": error}, status_code=self.status,
                        headers={**JSON_HEADERS, **self.headers})


def bad_request(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_request", message, field)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_value", f"{field} {message}", field)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def conflict(code: str, message: str, field: str | None = None) -> ApiError:
    return ApiError(409, code, message, field)


def unauthorized(message: str = "Authentication failed") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer, Basic realm="jmc"'})


def forbidden(message: str = "You are not allowed to do this") -> ApiError:
    return ApiError(403, "forbidden", message)


def too_many(message: str, retry_after: int) -> ApiError:
    return ApiError(429, "rate_limited", message, headers={"Retry-After": str(max(1, int(retry_after)))})


SERVICE_ERRORS = (FieldError, Conflict, RateLimited, CursorError, AuthFailed, Blacklisted,
                  InsufficientBalance, AccountInactive, IdempotencyConflict)

_CHALICE_CODES = {400: "invalid_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                  409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
                  422: "invalid_value", 429: "rate_limited"}


def error_middleware(event, get_response):
    """Render every error as our JSON shape; never leak a traceback."""
    try:
        response = get_response(event)
    except ApiError as exc:
        return exc.to_response()
    except SERVICE_ERRORS as exc:
        return from_service_error(exc).to_response()
    except Exception:  # pragma: no cover - last resort, logged with its stack
        log.exception("unhandled error on %s", getattr(event, "path", "?"))
        return ApiError(500, "internal_error", "An internal error occurred").to_response()
    return _reshape_chalice_error(response)


def from_service_error(exc: Exception) -> ApiError:
    """Map the services' exceptions to HTTP: one table, not a try/except per view."""
    if isinstance(exc, FieldError):
        code = {400: "invalid_request", 413: "payload_too_large"}.get(exc.status, "invalid_value")
        return ApiError(exc.status, code,
                        f"{exc.field} {exc.message}", exc.field)
    if isinstance(exc, Conflict):
        return ApiError(409, "conflict", exc.message, exc.field)
    if isinstance(exc, RateLimited):
        return too_many("Too many attempts; try again later", exc.retry_after)
    if isinstance(exc, CursorError):
        return ApiError(400, "invalid_request", f"cursor {exc}", "cursor")
    if isinstance(exc, Blacklisted):
        return ApiError(422, "recipient_blacklisted",
                        f"to is on this application's blacklist ({exc.reason}); message {exc.message.message_id} "
                        "was logged as blocked and not charged", "to")
    if isinstance(exc, InsufficientBalance):
        return ApiError(402, "insufficient_balance", "The balance does not cover this message; top up first")
    if isinstance(exc, AccountInactive):
        return ApiError(403, "account_inactive", "This account is suspended and cannot send")
    if isinstance(exc, IdempotencyConflict):
        return ApiError(409, "idempotency_conflict", str(exc), "Idempotency-Key")
    return ApiError(401, "unauthorized", "Authentication failed")  # AuthFailed


def _reshape_chalice_error(response: Response) -> Response:
    """Chalice renders its own errors as ``{"Code", "Message"}``; give them our shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status = response.status_code
    code = "internal_error" if status >= 500 else _CHALICE_CODES.get(status, "error")
    message = "An internal error occurred" if status >= 500 else str(body.get("Message", ""))
    return ApiError(status, code, message).to_response()


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
