"""Accepting a message for sending (both the native ``/v1/sms`` and the Vonage-compatible
``/sms/json``): validate, check the blacklist, price it, reserve the balance and write the
log row in one transaction, then hand it to the dispatch queue. The API never waits on the
carrier.

Idempotency: with an ``Idempotency-Key`` the message id is a hash of (account, app, key),
so the conditional put of the log row is what makes a retried request a replay — the same
key with the same body returns the first answer, with another body a ``IdempotencyConflict``.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass

from ..domain import message_status as states
from ..domain.countries import NUMERIC_SENDER_ONLY, SENDER_ID_RE, SERVICE_CODE_COUNTRY, is_service_code
from ..domain.ids import new_id
from ..domain.phone import PhoneNumber, PhoneNumberError, parse_typed_phone
from ..domain.segments import Segmentation, segment, segment_domestic
from ..errors import Blacklisted, FieldError, IdempotencyConflict, InvalidRequest, TextTooLong
from ..store.messages import Message, get_message
from . import blacklist, catalog, dispatch, messages, numbers
from .identity import Caller

log = logging.getLogger(__name__)

MESSAGE_TYPES = states.MESSAGE_TYPES
MAX_SEGMENTS = 10
MAX_CLIENT_REF = 100  # Vonage's limit for client-ref
MAX_IDEMPOTENCY_KEY = 255
DOMESTIC = "CN"
NUMERIC_FROM_MAX = 15


@dataclass(frozen=True)
class SendRequest:
    to: str
    text: str
    sender: str | None = None
    type: str = "transactional"
    client_ref: str | None = None
    callback_url: str | None = None
    source: str = "api"  # api | vonage

    def fingerprint(self) -> str:
        """A digest of what was asked, to tell a replay from a different request."""
        body = {k: v for k, v in asdict(self).items() if k != "source"}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Accepted:
    message: Message
    replayed: bool = False


# --- validation ------------------------------------------------------------------------------

def recipient(to: str) -> PhoneNumber:
    try:
        return parse_typed_phone(to)
    except PhoneNumberError as exc:
        raise FieldError("to", str(exc)) from None


def segmentation_for(country: str, text: str, account_id: str,
                     field: str = "text") -> tuple[Segmentation, Segmentation]:
    """(billed, carrier) segmentation of ``text`` to ``country``. Mainland China bills by the
    domestic rule and needs a bound 【signature】 at the start; elsewhere both are the
    GSM-7/UCS-2 rule. FieldError on ``field`` when too long or unsigned."""
    carrier = segment(text)
    if country != DOMESTIC:
        billed = carrier
    else:
        signature = _leading_signature(text, account_id, field)
        billed = segment_domestic(signature, text[len(signature):])
    if billed.segments > MAX_SEGMENTS or carrier.segments > MAX_SEGMENTS:
        raise TextTooLong(field, f"is {max(billed.segments, carrier.segments)} segments long; "
                                f"the limit is {MAX_SEGMENTS}")
    return billed, carrier


def _leading_signature(text: str, account_id: str, field: str = "text") -> str:
    bound = [s.text for s in catalog.signatures(account_id)]
    for signature in bound:
        if text.startswith(signature):
            return signature
    example = f", e.g. {bound[0]}" if bound else " (none is bound to this account yet)"
    raise FieldError(field, "to mainland China must start with one of the account's signatures" + example)


def resolve_sender(account_id: str, country: str, wanted: str | None) -> str:
    """The From for ``country``: ``wanted`` if the account and country allow it, else the
    sender bound to the account for that country. FieldError("from", ...) otherwise."""
    rule = catalog.country_rule(country)
    bound = [s for s in catalog.senders(account_id) if country in s.countries]
    binding_required = rule.sender_preapproval_required or country == DOMESTIC
    numeric_only = not rule.sender_id_allowed or country in NUMERIC_SENDER_ONLY
    if wanted is None:
        preferred = "number" if numeric_only else "sender_id"  # a brand name where allowed
        usable = sorted((s for s in bound if s.kind == "number" or not numeric_only),
                        key=lambda s: s.kind != preferred)
        if usable:
            return _normalise_sender(usable[0].value, country)
        if binding_required or numeric_only:
            raise FieldError("from", f"is required: no From is bound to this account for {country}")
        return catalog.default_sender()
    value = _normalise_sender(wanted, country)
    refusal = numbers.from_refusal(account_id, value) if value.isdigit() else None
    if refusal is not None:
        raise FieldError("from", refusal)
    if not value.isdigit() and numeric_only:
        raise FieldError("from", f"must be a number for {country}: its carriers take numeric senders only")
    if binding_required and value not in {s.value.lstrip("+") if s.kind == "number" else s.value for s in bound}:
        raise FieldError("from", f"is not registered for {country}: use a From bound to this account")
    return value


def _normalise_sender(value: str, country: str) -> str:
    """A From as the carrier takes it: a number's digits (without +), or a Sender ID. A
    mainland China service code may be longer than any phone number, to CN only."""
    value = value.strip()
    digits = value.lstrip("+")
    if digits.isascii() and digits.isdigit():  # not full-width or other scripts' digits
        if country == SERVICE_CODE_COUNTRY and is_service_code(digits):
            return digits
        if not 3 <= len(digits) <= NUMERIC_FROM_MAX:
            raise FieldError("from", f"must be 3-{NUMERIC_FROM_MAX} digits when numeric")
        return digits
    if not SENDER_ID_RE.match(value):
        raise FieldError("from", "must be a number or 1-11 letters, digits or spaces with at least one letter")
    return value


def unit_price(account_id: str, country: str) -> int:
    prices = catalog.effective_prices(account_id)
    if country not in prices:
        raise FieldError("to", f"cannot be reached: {country} is not on this account's price list")
    return prices[country][0]


def message_id_for(caller: Caller, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return new_id("msg")
    if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest("Idempotency-Key", f"must be 1-{MAX_IDEMPOTENCY_KEY} characters")
    digest = hashlib.sha256(f"{caller.account_id}|{caller.app_id or caller.user_id}|{idempotency_key}".encode())
    return "msg_" + digest.hexdigest()[:20]


# --- accepting -------------------------------------------------------------------------------

def accept(caller: Caller, req: SendRequest, idempotency_key: str | None = None) -> Accepted:
    """Accept one message: validated, blacklist-checked, priced, paid for (reserved) and
    logged as ``queued``, then enqueued for dispatch.

    Raises FieldError (422/400), Blacklisted (logged as ``blocked``, never charged),
    InsufficientBalance, AccountInactive, IdempotencyConflict (all in ``errors``).
    """
    message_id = message_id_for(caller, idempotency_key)
    fingerprint = req.fingerprint()
    if idempotency_key is not None:
        replay = _replay(message_id, fingerprint)
        if replay is not None:
            return replay
    number = recipient(req.to)
    billed, carrier = segmentation_for(number.country, req.text, caller.account_id)
    sender = resolve_sender(caller.account_id, number.country, req.sender)
    unit = unit_price(caller.account_id, number.country)
    message = messages.new(
        message_id, account_id=caller.account_id, user_id=caller.user_id, app_id=caller.app_id, source=req.source,
        type=req.type, to=number.e164, country=number.country, sender=sender, text=req.text, billed=billed,
        carrier=carrier, unit_price_micros=unit, client_ref=req.client_ref, callback_url=req.callback_url,
        request_hash=fingerprint)
    blocked = blacklist.is_blocked(caller.app_id, number.e164, number.country) if caller.app_id else None
    if blocked:
        raise messages.log_blocked(messages.block(message, blocked))
    try:
        messages.log_and_reserve(message, caller.actor)
    except messages.AlreadyLogged:  # a concurrent request with the same key got there first
        return _replay(message_id, fingerprint) or Accepted(message, replayed=True)
    dispatch.enqueue(message.message_id)
    return Accepted(message)


def _replay(message_id: str, fingerprint: str) -> Accepted | None:
    existing = get_message(message_id)
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise IdempotencyConflict()
    if existing.status == states.BLOCKED:
        raise Blacklisted(existing.message_id, existing.err_code or "number")
    return Accepted(existing, replayed=True)
