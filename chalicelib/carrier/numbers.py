"""A thin client for Vonage's Numbers API (``rest.nexmo.com``): search numbers for sale, list
the account's own, buy, cancel and update one.

The base URL is configuration (``JMC_CARRIER_URL``, as for SMS): ``https://rest.nexmo.com``
in the cloud, the carrier simulator locally. Credentials travel as HTTP Basic, as the
official SDK sends them; the secret is never logged, put in an exception message or a repr.
POST bodies are form-encoded, msisdns are digits without "+".

Outcomes:

- searches and listings (GET, safe to repeat) are retried with exponential backoff on HTTP
  5xx and connection errors, then raise ``NumbersError``;
- buy, cancel and update (POST) are tried once: a refusal (HTTP 401, 400, 420 "method
  failed"...) raises ``NumbersError`` with Vonage's ``error-code`` and label; when the
  request may have been carried out but the answer was lost (read timeout, dropped
  connection, 5xx, unreadable body) it carries ``maybe_done=True`` — look at ``owned()``
  before trying again.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import requests
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import NewConnectionError

log = logging.getLogger(__name__)

SUCCESS_CODE = "200"


@dataclass(frozen=True)
class CarrierNumber:
    msisdn: str  # digits without "+", as Vonage
    country: str  # ISO alpha-2
    type: str  # landline | mobile-lvn | landline-toll-free
    features: tuple[str, ...]  # sorted subset of ("MMS", "SMS", "VOICE")
    cost: str | None  # monthly cost, Vonage's decimal string ("1.25"); None where Vonage omits it (owned numbers)


@dataclass(frozen=True)
class NumbersPage:
    count: int  # total matches (Vonage's count), for paging
    numbers: list[CarrierNumber]


class NumbersError(Exception):
    """The Numbers API refused the request or could not be reached.

    ``http_status``: the HTTP status, if an answer came (None for connection errors);
    ``error_code``/``label``: Vonage's ``error-code`` and ``error-code-label``, if it sent
    them (420 "method failed", or the reason, e.g. a country that needs a local address);
    ``maybe_done``: a POST reached the carrier and its answer was lost, so it may have been
    carried out; ``attempts``: requests made.
    """

    def __init__(self, message: str, *, http_status: int | None = None, error_code: str | None = None,
                 label: str | None = None, maybe_done: bool = False, attempts: int = 1):
        super().__init__(message)
        self.http_status = http_status
        self.error_code = error_code
        self.label = label
        self.maybe_done = maybe_done
        self.attempts = attempts


class _Retryable(Exception):
    """Internal: this GET failed in a way that is safe to retry."""

    def __init__(self, reason: str, *, http_status: int | None = None):
        super().__init__(reason)
        self.http_status = http_status


class NumbersClient:
    """Vonage's Numbers API over one keep-alive ``requests.Session``.

    ``base_url`` includes the scheme (``https://rest.nexmo.com``); ``timeout`` is (connect,
    read) seconds; ``attempts`` counts a GET's first try; backoff waits ``base_delay * 2**n``
    seconds before retry n+1.
    """

    def __init__(self, base_url: str, api_key: str, api_secret: str,
                 timeout: tuple[float, float] = (3.05, 10), *,
                 attempts: int = 3, base_delay: float = 0.2,
                 session: requests.Session | None = None):
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._auth = HTTPBasicAuth(api_key, api_secret)
        self._timeout = timeout
        self._attempts = attempts
        self._base_delay = base_delay
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # explicit, so the secret can never leak through a repr
        return f"NumbersClient({self._base_url!r}, api_key={self._api_key!r})"

    def close(self) -> None:
        self._session.close()

    def search(self, country: str, *, type: str | None = None, features: Iterable[str] | str | None = None,
               pattern: str | None = None, search_pattern: int | None = None,
               size: int = 10, index: int = 1) -> NumbersPage:
        """Numbers for sale in ``country`` (``GET /number/search``); ``index`` is the 1-based
        page of ``size`` (at most 100) numbers; ``features`` must all be present."""
        params = _without_none({"country": country, "type": type, "features": _features_param(features),
                                "pattern": pattern, "search_pattern": search_pattern, "size": size, "index": index})
        return _page(self._get("/number/search", params))

    def owned(self, *, country: str | None = None, pattern: str | None = None,
              search_pattern: int | None = None, size: int = 10, index: int = 1) -> NumbersPage:
        """The account's numbers (``GET /account/numbers``), paged like ``search``; their
        ``cost`` is None (Vonage does not list it)."""
        params = _without_none({"country": country, "pattern": pattern, "search_pattern": search_pattern,
                                "size": size, "index": index})
        return _page(self._get("/account/numbers", params))

    def buy(self, country: str, msisdn: str) -> None:
        """Buy a number for sale; Vonage charges its first month. ``NumbersError``
        (``http_status=420``) when refused: not for sale, a country that needs documents, too
        little credit."""
        self._post("/number/buy", {"country": country, "msisdn": msisdn.lstrip("+")})

    def cancel(self, country: str, msisdn: str) -> None:
        """Give up an owned number (``NumbersError`` 420 when the account does not own it)."""
        self._post("/number/cancel", {"country": country, "msisdn": msisdn.lstrip("+")})

    def update(self, country: str, msisdn: str, *, voice_status_callback: str | None = None,
               mo_http_url: str | None = None, app_id: str | None = None) -> None:
        """Set what an owned number does: where call events and inbound SMS go, its
        application. None leaves a setting as it is; "" removes it."""
        form = _without_none({"country": country, "msisdn": msisdn.lstrip("+"),
                              "voiceStatusCallback": voice_status_callback, "moHttpUrl": mo_http_url,
                              "app_id": app_id})
        self._post("/number/update", form)

    def _get(self, path: str, params: dict) -> dict:
        """GET with retries on 5xx and connection errors; the JSON answer of a 2xx."""
        last: _Retryable | None = None
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                time.sleep(self._base_delay * 2 ** (attempt - 2))
            try:
                return self._get_once(path, params)
            except _Retryable as exc:
                last = exc
                log.warning("numbers %s attempt %d/%d failed: %s", path, attempt, self._attempts, exc)
            except NumbersError as exc:
                exc.attempts = attempt
                raise
        raise NumbersError(f"numbers {path} failed after {self._attempts} attempts: {last}",
                           http_status=last.http_status if last else None, attempts=self._attempts)

    def _get_once(self, path: str, params: dict) -> dict:
        try:
            response = self._session.get(self._base_url + path, params=params, auth=self._auth,
                                         timeout=self._timeout)
        except requests.RequestException as exc:  # connection errors and timeouts: a GET changes nothing
            raise _Retryable(f"{type(exc).__name__}") from None
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}", http_status=response.status_code)
        if response.status_code != 200:
            raise _refusal(response)
        return _json(response, maybe_done=False)

    def _post(self, path: str, form: dict) -> None:
        """One form POST; raises ``NumbersError`` unless Vonage answered error-code 200."""
        try:
            response = self._session.post(self._base_url + path, data=form, auth=self._auth,
                                          timeout=self._timeout)
        except requests.RequestException as exc:
            # Only a connection never made is sure to have done nothing; after a read timeout
            # or a connection dropped mid-way Vonage may have carried the request out.
            raise NumbersError(f"numbers {path}: {type(exc).__name__}", maybe_done=not _never_sent(exc)) from None
        if response.status_code >= 500:
            raise NumbersError(f"numbers {path}: HTTP {response.status_code}",
                               http_status=response.status_code, maybe_done=True)
        if response.status_code != 200:
            raise _refusal(response)
        body = _json(response, maybe_done=True)
        if str(body.get("error-code")) != SUCCESS_CODE:
            raise _refusal(response, body)


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request failed before a connection was made (refused, unreachable, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)  # urllib3's MaxRetryError
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _without_none(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _features_param(features: Iterable[str] | str | None) -> str | None:
    if features is None or isinstance(features, str):
        return features or None
    return ",".join(features) or None


def _json(response: requests.Response, *, maybe_done: bool) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise NumbersError("carrier answer is not Numbers API JSON", http_status=response.status_code,
                           maybe_done=maybe_done)
    return body


def _refusal(response: requests.Response, body: dict | None = None) -> NumbersError:
    """The ``NumbersError`` for a refusal, with Vonage's error-code and label when it sent them."""
    if body is None:
        try:
            body = response.json()
        except ValueError:
            body = None
    body = body if isinstance(body, dict) else {}
    code, label = body.get("error-code"), body.get("error-code-label")
    return NumbersError(f"numbers API refused: HTTP {response.status_code} {label or ''}".rstrip(),
                        http_status=response.status_code, error_code=None if code is None else str(code),
                        label=label)


def _page(body: dict) -> NumbersPage:
    """A listing as a ``NumbersPage``; an empty page may come without ``numbers``."""
    try:
        numbers = [CarrierNumber(msisdn=str(n["msisdn"]), country=n["country"], type=n["type"],
                                 features=tuple(sorted(n.get("features") or ())), cost=n.get("cost"))
                   for n in body.get("numbers") or ()]
        return NumbersPage(count=int(body.get("count", len(numbers))), numbers=numbers)
    except (KeyError, TypeError, ValueError):
        raise NumbersError("carrier answer is not a Numbers API listing", http_status=200) from None
