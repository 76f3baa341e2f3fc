"""A thin client for Vonage's Voice API call records: ``GET {base_url}/v1/calls`` (a page of
calls, filtered) and ``GET {base_url}/v1/calls/{uuid}`` (one call).

The base URL is configuration (``JMC_CARRIER_VOICE_URL``): ``https://api.nexmo.com`` in the
cloud, the carrier simulator locally. Each request carries a fresh application JWT (RS256,
signed with the application's private key; ``application_id``, ``iat``, ``jti``, ``exp``),
as Vonage's SDKs make them. The key is never logged, repr'd or put in an exception.

Both calls are reads, so HTTP 5xx, connection errors and read timeouts are retried with
exponential backoff; anything else that is not the answer expected is a ``VoiceError``.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import jwt
import requests

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 900  # seconds, Vonage's default for an application JWT
MAX_PAGE_SIZE = 100


class VoiceError(Exception):
    """Vonage's Voice API did not give the answer asked for.

    ``http_status``: the last HTTP status code, if any (None for connection errors and
    unreadable answers); ``attempts``: requests made.
    """

    def __init__(self, message: str, *, http_status: int | None = None, attempts: int = 1):
        super().__init__(message)
        self.http_status = http_status
        self.attempts = attempts


@dataclass(frozen=True)
class CarrierCall:
    """One call as Vonage records it; numbers are digits without "+"."""

    uuid: str
    conversation_uuid: str | None
    status: str
    direction: str  # inbound | outbound
    from_number: str
    to_number: str
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None  # seconds
    rate: str | None  # per minute, Vonage's decimal string (EUR)
    price: str | None
    network: str | None


@dataclass(frozen=True)
class CallsPage:
    count: int  # every call matching the filters, for paging
    record_index: int  # the offset of this page's first call
    page_size: int
    calls: list[CarrierCall]


class _Retryable(Exception):
    """Internal: this attempt failed in a way that is safe to retry (every request is a read)."""

    def __init__(self, reason: str, *, http_status: int | None = None):
        super().__init__(reason)
        self.http_status = http_status


class VoiceClient:
    """Reads Vonage's call records over one keep-alive ``requests.Session``.

    ``base_url`` includes the scheme (``https://api.nexmo.com``); ``private_key_pem`` is the
    application's RSA private key (PEM); ``timeout`` is (connect, read) seconds;
    ``attempts`` counts the first try; backoff waits ``base_delay * 2**n`` before retry n+1.
    """

    def __init__(self, base_url: str, application_id: str, private_key_pem: str,
                 timeout: tuple[float, float] = (3.05, 10), *, attempts: int = 3, base_delay: float = 0.2,
                 session: requests.Session | None = None):
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._base_url = base_url.rstrip("/")
        self._application_id = application_id
        self._private_key = private_key_pem
        self._timeout = timeout
        self._attempts = attempts
        self._base_delay = base_delay
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # explicit, so the private key can never leak through a repr
        return f"VoiceClient({self._base_url!r}, application_id={self._application_id!r})"

    def close(self) -> None:
        self._session.close()

    def calls(self, *, date_start: datetime | None = None, date_end: datetime | None = None,
              status: str | None = None, page_size: int = MAX_PAGE_SIZE, record_index: int = 0,
              order: str = "asc") -> CallsPage:
        """One page of call records, filtered by start time (``date_start``/``date_end``,
        aware datetimes) and status, ``order`` ``asc`` or ``desc`` by start time."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if order not in ("asc", "desc"):
            raise ValueError("order must be asc or desc")
        params: dict[str, str | int] = {"page_size": page_size, "record_index": record_index, "order": order}
        if date_start is not None:
            params["date_start"] = _vonage_time(date_start)
        if date_end is not None:
            params["date_end"] = _vonage_time(date_end)
        if status is not None:
            params["status"] = status
        body = self._get("/v1/calls", params)
        try:
            return CallsPage(count=int(body["count"]), record_index=int(body["record_index"]),
                             page_size=int(body["page_size"]),
                             calls=[_call(c) for c in body["_embedded"]["calls"]])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise VoiceError("carrier answer is not a Voice API call list", http_status=200) from None

    def call(self, uuid: str) -> CarrierCall:
        """One call record; ``VoiceError(http_status=404)`` when Vonage knows no such call."""
        body = self._get(f"/v1/calls/{quote(uuid, safe='')}", None)
        try:
            return _call(body)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise VoiceError("carrier answer is not a Voice API call", http_status=200) from None

    # --- HTTP ---

    def _get(self, path: str, params: dict | None) -> dict:
        last: _Retryable | None = None
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                time.sleep(self._base_delay * 2 ** (attempt - 2))
            try:
                return self._get_once(path, params)
            except _Retryable as exc:
                last = exc
                log.warning("voice API GET %s attempt %d/%d failed: %s", path, attempt, self._attempts, exc)
            except VoiceError as exc:
                exc.attempts = attempt
                raise
        raise VoiceError(f"voice API did not answer after {self._attempts} attempts: {last}",
                         http_status=last.http_status if last else None, attempts=self._attempts)

    def _get_once(self, path: str, params: dict | None) -> dict:
        """One request. Raises ``_Retryable`` or ``VoiceError``; never logs the token."""
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        try:
            response = self._session.get(self._base_url + path, params=params, headers=headers,
                                         timeout=self._timeout)
        except requests.RequestException as exc:  # connection errors and timeouts: a read is safe to repeat
            raise _Retryable(f"{type(exc).__name__}") from None
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}", http_status=response.status_code)
        if response.status_code != 200:
            raise VoiceError(f"voice API answered HTTP {response.status_code}", http_status=response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise VoiceError("voice API answer is not JSON", http_status=200) from None
        if not isinstance(body, dict):
            raise VoiceError("voice API answer is not a JSON object", http_status=200)
        return body

    def _token(self) -> str:
        issued = int(time.time())
        claims = {"application_id": self._application_id, "iat": issued, "jti": str(uuid.uuid4()),
                  "exp": issued + TOKEN_LIFETIME}
        try:
            return jwt.encode(claims, self._private_key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            # The message of a key-loading error may quote the key: say nothing of it.
            raise VoiceError("the voice application's private key cannot sign") from None


def _vonage_time(moment: datetime) -> str:
    """Vonage's filter format, ``2016-11-14T07:45:14Z`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _optional_int(value) -> int | None:
    return None if value in (None, "") else int(value)


def _call(record: dict) -> CarrierCall:
    """A Vonage call record as a ``CarrierCall``; KeyError/TypeError/ValueError if it is not one."""
    return CarrierCall(uuid=str(record["uuid"]), conversation_uuid=record.get("conversation_uuid"),
                       status=str(record["status"]), direction=str(record["direction"]),
                       from_number=str(record["from"]["number"]).lstrip("+"),
                       to_number=str(record["to"]["number"]).lstrip("+"),
                       start_time=_time(record.get("start_time")), end_time=_time(record.get("end_time")),
                       duration=_optional_int(record.get("duration")), rate=record.get("rate"),
                       price=record.get("price"), network=record.get("network"))
