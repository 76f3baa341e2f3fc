"""The platform's errors: plain Python classes that carry their HTTP meaning.

Every layer raises them (domain rules, the store's cursors, the services' use cases, the API's
caller checks); only ``api.errors`` turns one into a response, the same way for all: its
``status``, ``{"error": {"code", "message", "field"?}}`` and its ``headers``. The
Vonage-compatible API maps the same classes to Vonage status codes (``api.sms``). A class
states its ``status`` and ``code``; the root's are a last resort that a test forbids any
subclass to inherit.
"""
from __future__ import annotations

from typing import ClassVar


class JmcError(Exception):
    """An error a caller can be told about. ``message`` is what the caller reads."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def headers(self) -> dict[str, str]:
        return {}


class InternalError(JmcError):
    """Something failed on our side; the caller learns nothing more."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str = "An internal error occurred"):
        super().__init__(message)


class UpstreamUnavailable(JmcError):
    status = 502
    code = "upstream_unavailable"


# --- the request ------------------------------------------------------------------------------

class FieldError(JmcError):
    """A value the caller sent is wrong; ``field`` names it (dotted for nested fields) and the
    message reads ``<field> <reason>``."""

    status = 422
    code = "invalid_value"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} {reason}", field=field)
        self.reason = reason


class InvalidRequest(FieldError):
    """The request is incomplete or malformed at ``field`` (a required value is missing, a
    parameter is of the wrong kind)."""

    status = 400
    code = "invalid_request"


class PayloadTooLarge(FieldError):
    status = 413
    code = "payload_too_large"


class LoneSurrogate(InvalidRequest):
    """A string or key holding half of a UTF-16 surrogate pair (JSON's ``"\\ud800"``): not
    Unicode text, so no encoder, hash or database can take it (400, the request is malformed)."""

    def __init__(self, field: str, position: int):
        super().__init__(field, f"is not valid Unicode: a lone UTF-16 surrogate at character {position}")


class ControlCharacter(FieldError):
    """A string holding a control character it may not carry (NUL, DEL, C0, C1; line breaks
    and tabs outside free text)."""

    def __init__(self, field: str, character: str, position: int):
        super().__init__(field, f"must not contain control characters (U+{ord(character):04X} at character "
                                f"{position})")


class TextTooLong(FieldError):
    """A text longer than one message may be (in segments)."""


class CursorError(InvalidRequest):
    """A paging cursor this API did not issue, or issued for another query."""

    def __init__(self, reason: str = "is not a cursor this API returned"):
        super().__init__("cursor", reason)


def missing_or_invalid(field: str, value: object, reason: str) -> FieldError:
    """400 (InvalidRequest) when ``value`` is absent, 422 (FieldError) when it is there but wrong."""
    return InvalidRequest(field, reason) if value is None else FieldError(field, reason)


# --- who is calling ---------------------------------------------------------------------------

class AuthFailed(JmcError):
    """The caller's credentials are missing, wrong or expired; it learns nothing more."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "Invalid or expired credentials"):
        super().__init__(message)

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer, Basic realm="jmc"'}


class InvalidCredentials(AuthFailed):
    """A login (password and code) that does not match: one generic answer for every cause."""

    code = "invalid_credentials"

    def __init__(self, message: str = "The login, password or verification code is incorrect"):
        super().__init__(message)

    def headers(self) -> dict[str, str]:
        return {}  # a login form, not an HTTP authentication scheme


class InvalidToken(AuthFailed):
    code = "invalid_token"

    def __init__(self, message: str = "The refresh token is invalid or expired"):
        super().__init__(message)

    def headers(self) -> dict[str, str]:
        return {}  # a refresh token is sent in the body, not as HTTP authentication


class Forbidden(JmcError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "You are not allowed to do this", field: str | None = None):
        super().__init__(message, field=field)


class WrongPassword(Forbidden):
    """A signed-in user's current password is wrong (they are who they are: 403, not 401)."""

    code = "invalid_password"

    def __init__(self) -> None:
        super().__init__("current_password is incorrect", field="current_password")


class AccountInactive(JmcError):
    """The account is suspended: it cannot send."""

    status = 403
    code = "account_inactive"

    def __init__(self, message: str = "This account is suspended and cannot send"):
        super().__init__(message)


class RateLimited(JmcError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str = "Too many attempts; try again later"):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


# --- what is asked for ------------------------------------------------------------------------

class NotFound(JmcError):
    """Nothing of this caller's by that id; another tenant's looks exactly the same."""

    status = 404
    code = "not_found"

    def __init__(self, what: str):
        super().__init__(f"{what} not found")


class Conflict(JmcError):
    """The request clashes with the current state (a reference used twice, a login taken)."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


class NumberNotAvailable(Conflict):
    """The number is not (or no longer) for sale at the carrier, or another account holds it."""

    code = "number_not_available"

    def __init__(self, msisdn: str, why: str = "is not available to buy"):
        super().__init__(f"{msisdn} {why}", "msisdn")


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used with a different request", "Idempotency-Key")


class Blacklisted(JmcError):
    """The recipient is on the app's blacklist (``reason``: "number" or "country"); the
    message was logged as ``blocked`` and not charged."""

    status = 422
    code = "recipient_blacklisted"

    def __init__(self, message_id: str, reason: str):
        super().__init__(f"to is on this application's blacklist ({reason}); message {message_id} "
                         "was logged as blocked and not charged", field="to")
        self.message_id = message_id
        self.reason = reason


# --- money ------------------------------------------------------------------------------------

class InsufficientBalance(JmcError):
    """The account's balance does not cover the price."""

    status = 402
    code = "insufficient_balance"

    def __init__(self, needed_micros: int, what: str = "this message"):
        super().__init__(f"The balance does not cover {what}; top up first")
        self.needed_micros = needed_micros
