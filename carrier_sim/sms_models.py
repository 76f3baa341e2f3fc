"""The SMS API's state and behaviour: what Vonage refuses, how a text is cut into segments,
and the submits the simulator accepted (one row per segment), throttled and charged.

No HTTP here: ``carrier_sim.sms_responses`` parses a request, calls ``SmsBackend.submit``
and renders what it returns or the ``SmsRefused`` it raises.
"""
from __future__ import annotations

import re
import secrets
import threading
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal

import phonenumbers

from .account import Account, QuotaExceeded
from .config import is_http_url
from .receipts import ReceiptSender

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


class SmsRefused(Exception):
    """Vonage refuses the whole submit: it answers one entry with ``status`` and
    ``error_text`` (still with HTTP 200), and nothing is recorded or charged."""

    def __init__(self, status: str, error_text: str | None = None):
        self.status = status
        self.error_text = error_text or ERROR_TEXTS[status]
        super().__init__(f"{status} {self.error_text}")


def _calling_code_known(msisdn: str) -> bool:
    try:
        phonenumbers.parse("+" + msisdn)
    except phonenumbers.NumberParseException:
        return False
    return True


def check_message(params: dict) -> None:
    """Raise ``SmsRefused`` for a submit whose parameters Vonage would refuse."""
    for field in ("from", "to", "text"):
        if not params.get(field):
            raise SmsRefused(STATUS_MISSING_PARAMS, f"Missing {field} param")
    if not _TO_PATTERN.fullmatch(params["to"]):
        raise SmsRefused(STATUS_INVALID_PARAMS, "Invalid to address")
    if params.get("type", "text") not in _MESSAGE_TYPES:
        raise SmsRefused(STATUS_INVALID_PARAMS, "Invalid message type")
    if not _SENDER_PATTERN.fullmatch(params["from"]):
        raise SmsRefused(STATUS_INVALID_SENDER, "Invalid Sender Address: at most 11 characters, or 15 digits")
    if params.get("callback") and not is_http_url(params["callback"]):
        raise SmsRefused(STATUS_INVALID_CALLBACK, "Invalid Callback Url")
    if not _calling_code_known(params["to"]):
        raise SmsRefused(STATUS_INVALID_MESSAGE, "Invalid Message: unrecognised number prefix")


def _utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SmsBackend:
    """The SMS API's memory: accepted segments, the throttle window and the delivery
    receipts to send. Handler threads share it: every access holds its lock."""

    def __init__(self, account: Account):
        self._account = account
        self._lock = threading.Lock()
        self._messages: list[dict] = []
        self._admitted: deque[float] = deque()  # monotonic times of submits admitted in the last second
        self.receipts = ReceiptSender(account)

    def submit(self, params: dict, api_key: str, now: float) -> tuple[list[dict], Decimal]:
        """One authenticated submit with Vonage's semantics: returns one row per segment
        (parts the ``reject`` config refuses carry a non-zero ``status`` and are neither
        stored nor charged) and the balance left. Accepted segments are stored and charged
        exactly once, and get a receipt unless ``status-report-req`` says no.

        Raises ``SmsRefused`` (nothing stored or charged) for bad parameters, a throttled
        submit (``now`` is ``time.monotonic()``), too many segments or too little credit.
        """
        check_message(params)
        if not self._admit(now):
            raise SmsRefused(STATUS_THROTTLED)
        segments = segment_count(params["text"], ucs2=params.get("type") == "unicode")
        if segments > self._account.config()["max_segments"]:
            raise SmsRefused(STATUS_TOO_LONG, f"Message Too Long: {segments} segments")
        try:
            return self._record(params, api_key, segments)
        except QuotaExceeded:
            raise SmsRefused(STATUS_QUOTA) from None

    def _admit(self, now: float) -> bool:
        """Sliding one-second window over requests: False when ``throttle_tps`` submits were
        already admitted in the last second.

        Throttled submits are not counted, so a client backing off gets in once the window moves.
        """
        limit = self._account.config()["throttle_tps"]
        with self._lock:
            while self._admitted and now - self._admitted[0] >= 1.0:
                self._admitted.popleft()
            if limit is not None and len(self._admitted) >= limit:
                return False
            self._admitted.append(now)
            return True

    def _record(self, params: dict, api_key: str, segments: int) -> tuple[list[dict], Decimal]:
        """Charge and store the accepted segments, plan their receipts; raises
        ``QuotaExceeded`` (nothing stored) when a prepaid balance cannot pay for them."""
        rows = self._rows(params, api_key, segments)
        accepted = [row for row in rows if row["status"] == STATUS_OK]
        balance = self._account.charge(MESSAGE_PRICE * len(accepted))
        with self._lock:
            self._messages.extend({k: v for k, v in row.items() if k != "status"} for row in accepted)
        if params.get("status-report-req", "1").lower() not in _NO:
            for row in accepted:
                self.receipts.schedule(row)
        return rows, balance

    def _rows(self, params: dict, api_key: str, segments: int) -> list[dict]:
        """One row per segment, refused by the ``reject`` config from its ``from_part`` on."""
        received_at = _utc_now_iso()
        refusal = self._account.config()["reject"].get(params["to"])
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
        return rows

    def messages(self, to: str | None = None, client_ref: str | None = None) -> list[dict]:
        """Recorded rows (one per segment), oldest first, optionally only those for recipient
        ``to`` (``+`` ignored) and/or with ``client_ref``."""
        wanted = to.lstrip("+") if to else None
        with self._lock:
            return [dict(row) for row in self._messages
                    if (wanted is None or row["to"] == wanted)
                    and (client_ref is None or row["client-ref"] == client_ref)]

    def clear(self) -> None:
        """Forget accepted messages and every receipt, kept or pending."""
        with self._lock:
            self._messages.clear()
        self.receipts.clear()
