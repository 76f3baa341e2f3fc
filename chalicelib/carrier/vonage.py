"""A thin client for Vonage's SMS API (``POST {base_url}/sms/json``).

The base URL is configuration (``JMC_CARRIER_URL``): ``https://rest.nexmo.com`` in the
cloud, the carrier simulator locally. Credentials travel in the form body, as Vonage
documents; the secret is never logged nor put in an exception message.

Outcomes of ``send_sms``:

- a ``SubmitResult`` for every answer Vonage gave, including non-retryable refusals
  (e.g. status "3"): the caller decides what a refusal means for its message;
- retries, with exponential backoff, on HTTP 5xx, connection errors and status "1"
  (throttled) — all cases where Vonage did not take the message;
- ``CarrierError`` once those retries are exhausted, or for answers that are not the
  SMS API's (other HTTP errors, a body that is not its JSON), or a read timeout.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests

from ..domain.segments import is_gsm7

log = logging.getLogger(__name__)

STATUS_OK = "0"
STATUS_THROTTLED = "1"

class CarrierError(Exception):
    """The carrier could not be made to take the message.

    ``status``: the last Vonage status code seen (e.g. "1"), if any; ``http_status``: the
    last HTTP status code, if any (None for connection errors); ``attempts``: requests made;
    ``maybe_sent``: the request reached the carrier and its answer was lost or unreadable, so
    the message may have been taken — resending could send it twice.
    """

    def __init__(self, message: str, *, status: str | None = None,
                 http_status: int | None = None, attempts: int = 1, maybe_sent: bool = False):
        super().__init__(message)
        self.status = status
        self.http_status = http_status
        self.attempts = attempts
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class SubmittedPart:
    """One entry of Vonage's answer: one segment, or the refusal of the whole submit."""

    message_id: str | None
    status: str
    error_text: str | None = None
    price: str | None = None  # decimal string as Vonage sent it, e.g. "0.00570000"


@dataclass(frozen=True)
class SubmitResult:
    parts: list[SubmittedPart]

    @property
    def accepted(self) -> bool:
        """True when Vonage took every part (and there is at least one)."""
        return bool(self.parts) and all(p.status == STATUS_OK for p in self.parts)


class _Retryable(Exception):
    """Internal: this attempt failed in a way that is safe to retry."""

    def __init__(self, reason: str, *, status: str | None = None, http_status: int | None = None):
        super().__init__(reason)
        self.status = status
        self.http_status = http_status


class VonageClient:
    """Sends SMS through Vonage's SMS API over one keep-alive ``requests.Session``.

    ``base_url`` includes the scheme (``https://rest.nexmo.com``); ``timeout`` is
    (connect, read) seconds; ``attempts`` counts the first try; backoff waits
    ``base_delay * 2**n`` seconds before retry n+1.
    """

    def __init__(self, base_url: str, api_key: str, api_secret: str,
                 timeout: tuple[float, float] = (3.05, 10), *,
                 attempts: int = 3, base_delay: float = 0.2,
                 session: requests.Session | None = None):
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._endpoint = base_url.rstrip("/") + "/sms/json"
        self._api_key = api_key
        self._api_secret = api_secret
        self._timeout = timeout
        self._attempts = attempts
        self._base_delay = base_delay
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # explicit, so the secret can never leak through a repr
        return f"VonageClient({self._endpoint!r}, api_key={self._api_key!r})"

    def close(self) -> None:
        self._session.close()

    def send_sms(self, *, to: str, sender: str, text: str, client_ref: str | None = None,
                 unicode: bool | None = None, callback: str | None = None) -> SubmitResult:
        """Submit one SMS (Vonage splits it into segments). See the module docstring for outcomes.

        ``to``: E.164, with or without "+". ``unicode``: None picks type=unicode only when
        ``text`` is not GSM-7. ``callback``: delivery-receipt URL for this message.
        """
        form = self._form(to=to, sender=sender, text=text, client_ref=client_ref,
                          unicode=unicode, callback=callback)
        last: _Retryable | None = None
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                time.sleep(self._base_delay * 2 ** (attempt - 2))
            try:
                return self._submit_once(form)
            except _Retryable as exc:
                last = exc
                log.warning("carrier submit attempt %d/%d failed: %s", attempt, self._attempts, exc)
            except CarrierError as exc:
                exc.attempts = attempt
                raise
        raise CarrierError(f"carrier did not take the message after {self._attempts} attempts: {last}",
                           status=last.status if last else None, http_status=last.http_status if last else None,
                           attempts=self._attempts)

    def _form(self, *, to, sender, text, client_ref, unicode, callback) -> dict[str, str]:
        form = {
            "api_key": self._api_key,
            "api_secret": self._api_secret,
            "from": sender,
            "to": to.lstrip("+"),  # Vonage wants E.164 digits without the "+"
            "text": text,
            "type": "unicode" if (not is_gsm7(text) if unicode is None else unicode) else "text",
        }
        if client_ref is not None:
            form["client-ref"] = client_ref
        if callback is not None:
            form["callback"] = callback
            form["status-report-req"] = "1"
        return form

    def _submit_once(self, form: dict[str, str]) -> SubmitResult:
        """One HTTP request. Raises ``_Retryable`` or ``CarrierError``; never logs ``form``."""
        try:
            response = self._session.post(self._endpoint, data=form, timeout=self._timeout)
        except requests.ReadTimeout as exc:
            # The request went out: Vonage may have taken it, and a retry could send it twice.
            raise CarrierError(f"carrier read timeout: {type(exc).__name__}", maybe_sent=True) from None
        except requests.ConnectionError as exc:  # includes ConnectTimeout: nothing was sent
            raise _Retryable(f"connection error: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}", http_status=response.status_code)
        if response.status_code != 200:
            raise CarrierError(f"carrier answered HTTP {response.status_code}",
                               http_status=response.status_code)
        result = _parse(response)
        # Retry only when nothing was taken: re-sending a partly accepted message would duplicate parts.
        if any(p.status == STATUS_THROTTLED for p in result.parts) and \
                not any(p.status == STATUS_OK for p in result.parts):
            raise _Retryable("throttled (status 1)", status=STATUS_THROTTLED, http_status=200)
        return result


def _parse(response: requests.Response) -> SubmitResult:
    """Vonage's JSON answer as a ``SubmitResult``; ``CarrierError`` if it is not that shape."""
    try:
        messages = response.json()["messages"]
        parts = [
            SubmittedPart(message_id=m.get("message-id"), status=str(m["status"]),
                          error_text=m.get("error-text"), price=m.get("message-price"))
            for m in messages
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CarrierError("carrier answer is not SMS API JSON", http_status=response.status_code,
                           maybe_sent=True) from None
    return SubmitResult(parts=parts)
