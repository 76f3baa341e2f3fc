"""The carrier simulator's HTTP server: Vonage's ``POST /sms/json`` plus ``/_sim/*`` controls.

SMS endpoint (as Vonage's SMS API): form-encoded or JSON body; credentials in the body
(``api_key``/``api_secret``) or an HTTP Basic header (what the official SDK sends). The
answer is always HTTP 200 with ``{"message-count": "N", "messages": [...]}`` where every
value is a string: one entry (and one ``message-id``) per segment when accepted, a single
entry when the whole request is refused; only an injected fault answers 5xx. Status codes:
0 ok, 1 throttled (``throttle_tps``), 2 missing param, 3 invalid param (``to`` not 7-15
digits, bad ``type``), 4 bad credentials, 6 invalid message (unknown calling code), 9 partner
quota (prepaid ``balance`` too low), 12 message too long (over ``max_segments``), 15 invalid
sender (``from`` over 11 characters, or over 15 digits when numeric), 23 invalid callback
URL; any code per part through the ``reject`` config (e.g. 5 internal error, 7 barred).
Segments are counted here, independently of the platform, so the simulator checks it.
``status-report-req=0`` (or ``false``) asks for no delivery receipt.

Test-only endpoints:

- ``GET /_sim/messages[?to=<digits, optional +>][&client-ref=...]``: what was accepted, ONE
  ROW PER SEGMENT, oldest first: ``to``, ``from``, ``text`` (the whole text, on every row),
  ``type``, ``message-id`` (the segment's), ``client-ref`` (null if none), ``received_at``
  (ISO-8601 UTC), ``segments`` (parts of the message), ``part`` (1-based), ``callback``,
  ``price``, ``api-key``. Count rows with ``part == 1`` to count messages.
- ``GET /_sim/receipts``: delivery receipts that had no callback URL to go to (``{"receipts": [...]}``).
- ``DELETE /_sim/messages``: forget messages and receipts (kept and pending).
- ``GET /_sim/config``, ``PUT /_sim/config`` (shallow JSON merge, all or nothing, unknown keys
  rejected with 400): see ``DEFAULT_CONFIG`` and ``_CONFIG_RULES``.

  ``fail_next_5xx`` (next N submits answer HTTP 500), ``throttle_tps`` (submits beyond this
  many within a sliding second get status 1; refused ones are not counted), ``latency_ms``
  (sleep before answering), ``outcomes`` (``default`` and ISO country → receipt status →
  weight, e.g. ``{"GB": {"delivered": 0.8, "failed": 0.15, "expired": 0.05}}``),
  ``number_outcomes`` (msisdn → forced receipt status), ``err_codes`` (receipt status →
  ``err-code``, over ``receipts.ERR_CODES``), ``reject`` (msisdn → ``{"status", "from_part"}``:
  parts ≥ ``from_part``, default 1, get that status at submit), ``max_segments``,
  ``balance`` (null = post-paid, never short; a number = prepaid credit in EUR, debited per
  segment; GET shows what is left), ``dlr_delay_ms``, ``dlr_url`` (default receipt callback),
  ``dlr_method`` (``POST`` JSON as Vonage's default, or ``GET`` query string),
  ``signature_secret`` (sign receipts as Vonage signs webhooks), ``seed`` (outcome draws).
- ``GET /health``.

Delivery receipts (Vonage format, one per accepted segment) go to the submit's ``callback``
or the configured ``dlr_url`` after ``dlr_delay_ms`` (see ``carrier_sim.receipts``).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
import time
from collections import deque
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import phonenumbers

from .receipts import ERR_CODES, RECEIPT_STATUSES, ReceiptSender

# Vonage SMS API status codes and the error texts the simulator answers with.
STATUS_OK = "0"
STATUS_THROTTLED = "1"
STATUS_MISSING_PARAMS = "2"
STATUS_INVALID_PARAMS = "3"
STATUS_BAD_CREDENTIALS = "4"
STATUS_INVALID_MESSAGE = "6"
STATUS_QUOTA = "9"
STATUS_TOO_LONG = "12"
STATUS_INVALID_SENDER = "15"
STATUS_INVALID_CALLBACK = "23"
ERROR_TEXTS = {
    "1": "Throttled", "2": "Missing Parameters", "3": "Invalid Parameters", "4": "Invalid Credentials",
    "5": "Internal Error", "6": "Invalid Message", "7": "Number Barred", "8": "Partner Account Barred",
    "9": "Partner Quota Violation", "10": "Too Many Existing Binds", "11": "Account Not Enabled For HTTP",
    "12": "Message Too Long", "14": "Invalid Signature", "15": "Invalid Sender Address",
    "22": "Invalid Network Code", "23": "Invalid Callback Url", "29": "Non-Whitelisted Destination",
    "32": "Signature And API Secret Disallowed", "33": "Number De-activated",
}

MESSAGE_PRICE = Decimal("0.00570000")  # EUR per segment; Vonage prints 8 decimal places
STARTING_BALANCE = Decimal("100.00000000")  # what a post-paid account reports before spending
NETWORK = "99999"  # a made-up MCCMNC: the simulator has no number-to-network data
DEFAULT_MAX_SEGMENTS = 30  # Vonage documents no exact cap; well above the platform's own limit

DEFAULT_CONFIG: dict = {"fail_next_5xx": 0, "throttle_tps": None, "latency_ms": 0,
                        "outcomes": {"default": {"delivered": 1.0}}, "number_outcomes": {}, "err_codes": {},
                        "reject": {}, "max_segments": DEFAULT_MAX_SEGMENTS, "balance": None,
                        "dlr_delay_ms": 200, "dlr_url": None, "dlr_method": "POST", "signature_secret": None,
                        "seed": None}

# GSM 03.38 default alphabet (the escape char 0x1B is not text) and its extension table,
# whose characters are sent as escape + char and so take two septets.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
_TO_PATTERN = re.compile(r"\d{7,15}")
# A sender is a number (up to 15 digits) or an alphanumeric sender id (up to 11 characters).
_SENDER_PATTERN = re.compile(r"\+?\d{1,15}|[ -~]{1,11}")
_MESSAGE_TYPES = ("text", "unicode")
_NO = ("0", "false")


def segment_count(text: str, *, ucs2: bool = False) -> int:
    """How many SMS segments ``text`` is sent as (at least 1, even for empty text).

    GSM-7 when every character is in the GSM alphabet and ``ucs2`` is not forced:
    160 septets fit one segment, 153 per part once concatenated, extension characters
    take 2. Otherwise UCS-2: 70 code units single, 67 per part, characters outside the
    BMP take 2 (a surrogate pair). A two-unit character never straddles two parts.
    """
    if not ucs2 and all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        units, single, per_part = [2 if c in _GSM7_EXTENSION else 1 for c in text], 160, 153
    else:
        units, single, per_part = [2 if ord(c) > 0xFFFF else 1 for c in text], 70, 67
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:  # greedy packing, as handsets split
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


# --- config ------------------------------------------------------------------------------

def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_rates(rates) -> bool:
    return isinstance(rates, dict) and all(k in RECEIPT_STATUSES and _is_number(p) and p >= 0
                                           for k, p in rates.items()) and sum(rates.values()) > 0


def _is_outcomes(value) -> bool:
    return isinstance(value, dict) and all(
        (k == "default" or re.fullmatch(r"[A-Z]{2}|\d{3}", k)) and _is_rates(r) for k, r in value.items())


def _is_rejection(rule) -> bool:
    return isinstance(rule, dict) and set(rule) <= {"status", "from_part"} and \
        re.fullmatch(r"[1-9]\d?", str(rule.get("status", ""))) is not None and \
        (_is_count(rule.get("from_part", 1)) and rule.get("from_part", 1) >= 1)


def _is_amount(value) -> bool:
    if value is None:
        return True
    try:
        return not isinstance(value, bool) and Decimal(str(value)) >= 0
    except InvalidOperation:
        return False


# key -> (validator, description for the 400 answer)
_CONFIG_RULES = {
    "fail_next_5xx": (_is_count, "a non-negative integer"),
    "throttle_tps": (lambda v: v is None or (_is_number(v) and v > 0), "null or a positive number"),
    "latency_ms": (lambda v: _is_number(v) and v >= 0, "a non-negative number"),
    "outcomes": (_is_outcomes, "an object of country (ISO code or \"default\") -> "
                               "{receipt status: weight}, weights summing above 0"),
    "number_outcomes": (lambda v: isinstance(v, dict) and all(s in RECEIPT_STATUSES for s in v.values()),
                        "an object of msisdn -> receipt status"),
    "err_codes": (lambda v: isinstance(v, dict) and all(k in ERR_CODES and isinstance(c, str) and c.isdigit()
                                                        for k, c in v.items()),
                  "an object of receipt status -> err-code (digits)"),
    "reject": (lambda v: isinstance(v, dict) and all(_is_rejection(r) for r in v.values()),
               "an object of msisdn -> {status: a Vonage status code, from_part: 1 or more}"),
    "max_segments": (lambda v: _is_count(v) and v >= 1, "a positive integer"),
    "balance": (_is_amount, "null (post-paid) or a non-negative amount"),
    "dlr_delay_ms": (lambda v: _is_number(v) and v >= 0, "a non-negative number"),
    "dlr_url": (lambda v: v is None or _is_http_url(v), "null or an http(s) URL"),
    "dlr_method": (lambda v: v in ("POST", "GET"), "POST or GET"),
    "signature_secret": (lambda v: v is None or (isinstance(v, str) and v), "null or a string"),
    "seed": (lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)), "null or an integer"),
}
_NUMBER_KEYED = ("number_outcomes", "reject")  # keys are msisdns: "+" is dropped


def _is_http_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and bool(urlsplit(value).netloc)


def _checked(patch: dict) -> dict:
    """``patch`` validated and normalised; raises ``ValueError`` naming the first bad key."""
    if not isinstance(patch, dict):
        raise ValueError("config must be a JSON object")
    for key, value in patch.items():
        rule = _CONFIG_RULES.get(key)
        if rule is None:
            raise ValueError(f"unknown config key {key!r}")
        if not rule[0](value):
            raise ValueError(f"{key} must be {rule[1]}")
    clean = dict(patch)
    for key in _NUMBER_KEYED:
        if key in clean:
            clean[key] = {str(number).lstrip("+"): value for number, value in clean[key].items()}
    return clean


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _calling_code_known(msisdn: str) -> bool:
    try:
        phonenumbers.parse("+" + msisdn)
    except phonenumbers.NumberParseException:
        return False
    return True


# --- state -------------------------------------------------------------------------------

class QuotaExceeded(Exception):
    """The prepaid balance does not cover the message."""


class _SimState:
    """Everything the simulator remembers. Handler threads share it: every access holds ``lock``."""

    def __init__(self, api_key: str | None, api_secret: str | None):
        self.lock = threading.Lock()
        # None means "any non-empty credentials are accepted".
        self.credentials = None if api_key is None and api_secret is None else (api_key, api_secret)
        self._config = {k: v for k, v in DEFAULT_CONFIG.items() if k != "balance"}
        self._messages: list[dict] = []
        self._prepaid: Decimal | None = None  # None: post-paid, never short of credit
        self._spent = Decimal(0)
        self._admitted: deque[float] = deque()  # monotonic times of submits admitted in the last second
        self.receipts = ReceiptSender(self)

    def config(self) -> dict:
        """A copy of the run-time config (``balance``: the prepaid credit left, or None)."""
        with self.lock:
            return self._config_locked()

    def _config_locked(self) -> dict:
        balance = None if self._prepaid is None else f"{self._prepaid:.8f}"
        return {**self._config, "balance": balance}

    def merge_config(self, patch: dict) -> dict:
        """Apply ``patch`` over the config, all or nothing; raises ``ValueError`` on a bad key/value."""
        patch = _checked(patch)
        with self.lock:
            if "balance" in patch:
                balance = patch.pop("balance")
                self._prepaid = None if balance is None else Decimal(str(balance))
            self._config.update(patch)
            if "seed" in patch:
                self.receipts.reseed(patch["seed"])
            return self._config_locked()

    def take_injected_failure(self) -> bool:
        """True (and one fewer pending) if the next submit must fail with HTTP 500."""
        with self.lock:
            if self._config["fail_next_5xx"] > 0:
                self._config["fail_next_5xx"] -= 1
                return True
            return False

    def admit(self, now: float) -> bool:
        """Sliding one-second window over requests: False when ``throttle_tps`` submits were
        already admitted in the last second.

        Throttled submits are not counted, so a client backing off gets in once the window moves.
        """
        with self.lock:
            limit = self._config["throttle_tps"]
            while self._admitted and now - self._admitted[0] >= 1.0:
                self._admitted.popleft()
            if limit is not None and len(self._admitted) >= limit:
                return False
            self._admitted.append(now)
            return True

    def record(self, params: dict, api_key: str, segments: int) -> tuple[list[dict], Decimal]:
        """Store one row per accepted segment of a submit and plan its receipts; returns one
        row per segment (parts the ``reject`` config refuses carry a non-zero ``status`` and
        are neither stored nor charged) and the balance left.

        Raises ``QuotaExceeded`` (nothing stored) when a prepaid balance cannot pay for it.
        """
        received_at = _utc_now_iso()
        config = self.config()
        refusal = config["reject"].get(params["to"])
        rows = []
        for part in range(1, segments + 1):
            refused = refusal is not None and part >= int(refusal.get("from_part", 1))
            rows.append({
                "to": params["to"],
                "from": params["from"],
                "text": params["text"],  # the whole text on every row: tests look messages up by it
                "type": params.get("type") or "text",
                "message-id": None if refused else secrets.token_hex(16).upper(),
                "client-ref": params.get("client-ref"),
                "callback": params.get("callback"),
                "segments": segments,
                "part": part,
                "received_at": received_at,
                "price": f"{MESSAGE_PRICE:.8f}",
                "api-key": api_key,
                "status": str(refusal["status"]) if refused else STATUS_OK,
            })
        accepted = [row for row in rows if row["status"] == STATUS_OK]
        cost = MESSAGE_PRICE * len(accepted)
        with self.lock:
            if self._prepaid is not None:
                if cost > self._prepaid:
                    raise QuotaExceeded
                self._prepaid -= cost
            self._spent += cost
            balance = self._prepaid if self._prepaid is not None else STARTING_BALANCE - self._spent
            self._messages.extend({k: v for k, v in row.items() if k != "status"} for row in accepted)
        if params.get("status-report-req", "1").lower() not in _NO:
            for row in accepted:
                self.receipts.schedule(row)
        return rows, balance

    def messages(self, to: str | None = None, client_ref: str | None = None) -> list[dict]:
        """Recorded rows (one per segment), oldest first, optionally only those for recipient
        ``to`` (``+`` ignored) and/or with ``client_ref``."""
        wanted = to.lstrip("+") if to else None
        with self.lock:
            return [dict(row) for row in self._messages
                    if (wanted is None or row["to"] == wanted)
                    and (client_ref is None or row["client-ref"] == client_ref)]

    def clear(self) -> None:
        with self.lock:
            self._messages.clear()
        self.receipts.clear()


# --- the SMS API -------------------------------------------------------------------------

def _rejection(status: str, error_text: str | None = None) -> dict:
    return {"message-count": "1", "messages": [{"status": status, "error-text": error_text or ERROR_TEXTS[status]}]}


def _credentials(params: dict, authorization: str | None) -> tuple[str | None, str | None]:
    """(api_key, api_secret) from the body, else from an HTTP Basic header."""
    if params.get("api_key") or params.get("api_secret"):
        return params.get("api_key"), params.get("api_secret")
    if authorization and authorization.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return key, secret
    return None, None


def _credential_error(expected, key: str | None, secret: str | None) -> tuple[str, str] | None:
    if not key:
        return STATUS_MISSING_PARAMS, "Missing api_key"
    if not secret:
        return STATUS_MISSING_PARAMS, "Missing api_secret"
    if expected is not None and (key, secret) != expected:
        return STATUS_BAD_CREDENTIALS, "Bad Credentials"
    return None


def _message_error(params: dict) -> tuple[str, str] | None:
    """The status and error text for a submit whose parameters Vonage would refuse, else None."""
    for field in ("from", "to", "text"):
        if not params.get(field):
            return STATUS_MISSING_PARAMS, f"Missing {field} param"
    if not _TO_PATTERN.fullmatch(params["to"]):
        return STATUS_INVALID_PARAMS, "Invalid to address"
    if params.get("type", "text") not in _MESSAGE_TYPES:
        return STATUS_INVALID_PARAMS, "Invalid message type"
    if not _SENDER_PATTERN.fullmatch(params["from"]):
        return STATUS_INVALID_SENDER, "Invalid Sender Address: at most 11 characters, or 15 digits"
    if params.get("callback") and not _is_http_url(params["callback"]):
        return STATUS_INVALID_CALLBACK, "Invalid Callback Url"
    if not _calling_code_known(params["to"]):
        return STATUS_INVALID_MESSAGE, "Invalid Message: unrecognised number prefix"
    return None


def handle_submit(state: _SimState, params: dict, authorization: str | None) -> dict:
    """Vonage's ``/sms/json`` semantics for one request; returns the JSON body (sent with HTTP 200)."""
    api_key, api_secret = _credentials(params, authorization)
    error = _credential_error(state.credentials, api_key, api_secret) or _message_error(params)
    if error:
        return _rejection(*error)
    if not state.admit(time.monotonic()):
        return _rejection(STATUS_THROTTLED)
    segments = segment_count(params["text"], ucs2=params.get("type") == "unicode")
    if segments > state.config()["max_segments"]:
        return _rejection(STATUS_TOO_LONG, f"Message Too Long: {segments} segments")
    try:
        rows, balance = state.record(params, api_key, segments)
    except QuotaExceeded:
        return _rejection(STATUS_QUOTA)
    entries = [_entry(row, balance) for row in rows]
    return {"message-count": str(len(entries)), "messages": entries}


def _entry(row: dict, balance: Decimal) -> dict:
    """The response entry for one segment."""
    if row["status"] != STATUS_OK:
        return {"to": row["to"], "status": row["status"],
                "error-text": ERROR_TEXTS.get(row["status"], "Rejected by the simulator's reject config")}
    entry = {"to": row["to"], "message-id": row["message-id"], "status": STATUS_OK,
             "remaining-balance": f"{balance:.8f}", "message-price": row["price"], "network": NETWORK}
    if row["client-ref"] is not None:
        entry["client-ref"] = row["client-ref"]
    return entry


def _parse_params(query: str, body: bytes, content_type: str) -> dict[str, str]:
    """Query-string and body parameters as strings (Vonage accepts both); body wins.

    A JSON body that is not an object is ignored, so it answers "Missing ... param" like Vonage.
    """
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            # Form fields are strings, so JSON scalars are too: true -> "true", 3 -> "3".
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if v is not None})
    else:
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    return params


# --- HTTP plumbing -----------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API: the client reuses connections
    timeout = 30  # drop idle keep-alive connections instead of holding a thread forever
    server: _Server

    _ROUTES = {
        ("GET", "/health"): "_health",
        ("POST", "/sms/json"): "_submit",
        ("GET", "/_sim/messages"): "_list_messages",
        ("GET", "/_sim/receipts"): "_list_receipts",
        ("DELETE", "/_sim/messages"): "_clear_messages",
        ("GET", "/_sim/config"): "_get_config",
        ("PUT", "/_sim/config"): "_put_config",
    }

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass  # quiet: tests and the local stack would drown in access logs

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._read_body()  # always drain it, or the next request on this connection breaks
        name = self._ROUTES.get((method, url.path))
        if name is None:
            self._send_json(404, {"error": f"no route {method} {url.path}"})
        else:
            getattr(self, name)(url.query, body)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, code: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _health(self, query: str, body: bytes) -> None:
        self._send_json(200, {"status": "ok"})

    def _submit(self, query: str, body: bytes) -> None:
        state = self.server.state
        params = _parse_params(query, body, self.headers.get("Content-Type", ""))
        latency_ms = state.config()["latency_ms"]
        if latency_ms:
            time.sleep(latency_ms / 1000)  # outside the lock: other requests keep flowing
        if state.take_injected_failure():
            self._send_json(500, {"error": "injected failure (fail_next_5xx)"})
            return
        self._send_json(200, handle_submit(state, params, self.headers.get("Authorization")))

    def _list_messages(self, query: str, body: bytes) -> None:
        args = parse_qs(query)
        to, client_ref = args.get("to", [None])[0], args.get("client-ref", [None])[0]
        self._send_json(200, {"messages": self.server.state.messages(to, client_ref)})

    def _list_receipts(self, query: str, body: bytes) -> None:
        self._send_json(200, {"receipts": self.server.state.receipts.kept()})

    def _clear_messages(self, query: str, body: bytes) -> None:
        self.server.state.clear()
        self._send_json(200, {"messages": []})

    def _get_config(self, query: str, body: bytes) -> None:
        self._send_json(200, self.server.state.config())

    def _put_config(self, query: str, body: bytes) -> None:
        try:
            patch = json.loads(body or b"{}")
            if not isinstance(patch, dict):
                raise ValueError("config must be a JSON object")
            self._send_json(200, self.server.state.merge_config(patch))
        except ValueError as exc:  # JSONDecodeError is a ValueError too
            self._send_json(400, {"error": str(exc)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not block stop()

    def __init__(self, address: tuple[str, int], state: _SimState):
        super().__init__(address, _Handler)
        self.state = state


class CarrierSimulator:
    """A Vonage SMS API look-alike served from a daemon thread.

    ``api_key``/``api_secret``: when given, other credentials get status "4"; when not,
    any non-empty credentials are accepted. ``port=0`` picks a free port (see ``url``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, api_secret: str | None = None):
        self._address = (host, port)
        self._state = _SimState(api_key, api_secret)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> CarrierSimulator:
        """Bind and serve in the background; returns self. Raises ``RuntimeError`` if running."""
        if self._server is not None:
            raise RuntimeError("carrier simulator already started")
        self._server = _Server(self._address, self._state)
        self._state.receipts.start()
        # A short poll interval makes stop() quick; the cost is a few idle wake-ups per second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="carrier-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread. Safe to call twice."""
        if self._server is None:
            return
        self._state.receipts.stop()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def configure(self, **patch) -> dict:
        """Merge ``patch`` into the run-time config, as ``PUT /_sim/config`` does; returns the
        whole config. Raises ``ValueError`` on an unknown key or a bad value (nothing applied)."""
        return self._state.merge_config(patch)

    @property
    def url(self) -> str:
        """Base URL with scheme, e.g. ``http://127.0.0.1:54321``. Only while started."""
        if self._server is None:
            raise RuntimeError("carrier simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> CarrierSimulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
