"""What operators configure for sending: segment prices, country rules, and the senders
(From numbers, Sender IDs) and signatures bound to an account."""
from __future__ import annotations

from ..config import settings
from ..domain.countries import (
    NUMERIC_SENDER_ONLY,
    SERVICE_CODE_COUNTRY,
    CountryError,
    check_sender_id,
    is_service_code,
    normalise_country,
)
from ..domain.ids import new_id
from ..domain.money import MoneyError, parse_amount
from ..domain.phone import PhoneNumberError, parse_typed_phone
from ..errors import FieldError, missing_or_invalid
from ..store.accounts import Sender, Signature, list_items, sender_sk, signature_sk
from ..store.base import get_item
from ..store.pricing import DEFAULT_SCOPE, CountryRule, Price, account_scope


def country_field(value: object, field: str = "country") -> str:
    try:
        return normalise_country(value)
    except CountryError as exc:
        raise FieldError(field, str(exc)) from None


def phone_field(value: object, field: str) -> str:
    """A number typed in ``field``, as E.164; FieldError with the reason otherwise."""
    try:
        return parse_typed_phone(value).e164
    except PhoneNumberError as exc:
        raise FieldError(field, str(exc)) from None


# --- prices -------------------------------------------------------------------------------

def set_price(country: str, price: object, actor: str, account_id: str | None = None) -> Price:
    try:
        micros = parse_amount(price)
    except MoneyError as exc:
        raise FieldError("price", str(exc)) from None
    scope = account_scope(account_id) if account_id else DEFAULT_SCOPE
    item = Price(scope, country, price_micros=micros, updated_by=actor)
    item.save()
    return item


def delete_price(country: str, account_id: str | None) -> bool:
    scope = account_scope(account_id) if account_id else DEFAULT_SCOPE
    item = get_item(Price, scope, country)
    if item is None:
        return False
    item.delete()
    return True


def prices(account_id: str | None = None) -> list[Price]:
    return list(Price.query(account_scope(account_id) if account_id else DEFAULT_SCOPE))


def effective_prices(account_id: str) -> dict[str, tuple[int, str]]:
    """Country → (micro-units per segment, "account" | "default"): overrides win."""
    result = {p.country: (int(p.price_micros), "default") for p in prices()}
    result.update({p.country: (int(p.price_micros), "account") for p in prices(account_id)})
    return result


# --- country rules ---------------------------------------------------------------------------

def country_rule(country: str) -> CountryRule:
    rule = get_or_none_rule(country)
    if rule is None:
        rule = CountryRule(country, sender_id_allowed=country not in NUMERIC_SENDER_ONLY, updated_by="system")
    return rule


def get_or_none_rule(country: str) -> CountryRule | None:
    return get_item(CountryRule, country)


def set_country_rule(country: str, data: dict, actor: str) -> CountryRule:
    current = country_rule(country)
    preapproval = data.get("sender_preapproval_required", current.sender_preapproval_required)
    sender_id_allowed = data.get("sender_id_allowed", current.sender_id_allowed)
    for field, value in (("sender_preapproval_required", preapproval), ("sender_id_allowed", sender_id_allowed)):
        if not isinstance(value, bool):
            raise FieldError(field, "must be true or false")
    if sender_id_allowed and country in NUMERIC_SENDER_ONLY:
        raise FieldError("sender_id_allowed", f"cannot be true: {country} carriers take numeric senders only")
    rule = CountryRule(country, sender_preapproval_required=preapproval,
                       sender_id_allowed=sender_id_allowed, updated_by=actor)
    rule.save()
    return rule


def country_rules() -> list[CountryRule]:
    # A small table (one item per configured country, ~250 at most) read by operators only.
    return sorted(CountryRule.scan(), key=lambda r: r.country)


# --- senders and signatures -----------------------------------------------------------------

def default_sender() -> str:
    """The platform's Sender ID, for countries that take one and need no registration."""
    return settings().carrier_sender


def add_sender(account_id: str, data: dict) -> Sender:
    kind = data.get("type")
    if kind not in ("number", "sender_id"):
        raise FieldError("type", "must be number or sender_id")
    value = data.get("value")
    if not isinstance(value, str) or not value.strip():
        raise missing_or_invalid("value", value, "is required")
    countries = data.get("countries")
    if not isinstance(countries, list) or not countries:
        raise FieldError("countries", "must be a non-empty list of country codes")
    codes = sorted({country_field(c, "countries") for c in countries})
    value = _number_sender(value.strip(), codes) if kind == "number" else _sender_id(value.strip())
    if kind == "sender_id":
        refused = [c for c in codes if not country_rule(c).sender_id_allowed]
        if refused:
            raise FieldError("countries", f"Sender IDs are not allowed in {', '.join(refused)} (numeric From only)")
    sender_id = new_id("snd")
    sender = Sender(account_id, sender_sk(sender_id), sender_id=sender_id, kind=kind, value=value,
                    countries=codes)
    sender.save()
    return sender


def _number_sender(value: str, countries: list[str]) -> str:
    """A From number: E.164, or a mainland China service code (kept as its digits) bound for
    CN alone."""
    if is_service_code(value):
        if countries != [SERVICE_CODE_COUNTRY]:
            raise FieldError("countries", f"must be [{SERVICE_CODE_COUNTRY}] only for a 106 service code: "
                                          "it sends within mainland China only")
        return value
    return phone_field(value, "value")


def _sender_id(value: str) -> str:
    try:
        return check_sender_id(value)
    except CountryError as exc:
        raise FieldError("value", str(exc)) from None


def senders(account_id: str) -> list[Sender]:
    return list_items(Sender, account_id, "SENDER#")


def remove_sender(account_id: str, sender_id: str) -> bool:
    return _remove(Sender, account_id, sender_sk(sender_id))


def add_signature(account_id: str, data: dict) -> Signature:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise missing_or_invalid("text", text, "is required")
    name = text.strip().removeprefix("【").removesuffix("】").strip()
    if not 2 <= len(name) <= 20 or any(ch in name for ch in "【】"):
        raise FieldError("text", "must be 2-20 characters, without 【 】 inside")
    signature_id = new_id("sig")
    signature = Signature(account_id, signature_sk(signature_id), signature_id=signature_id,
                          text=f"【{name}】")
    signature.save()
    return signature


def signatures(account_id: str) -> list[Signature]:
    return list_items(Signature, account_id, "SIGNATURE#")


def remove_signature(account_id: str, signature_id: str) -> bool:
    return _remove(Signature, account_id, signature_sk(signature_id))


def _remove(model, account_id: str, sk: str) -> bool:
    item = get_item(model, account_id, sk)
    if item is None:
        return False
    item.delete()
    return True
