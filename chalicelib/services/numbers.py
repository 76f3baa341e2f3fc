"""Number management (号码管理): search the carrier's numbers, buy (directly, through an
application the service team approves, or pending registration), release, and the monthly
renewal that charges each held number once per period.

Buying asks the carrier first and charges after: the balance is checked before, the carrier
buys, then one transaction debits the first month, records the number and who holds it, and
makes an SMS-capable number a From. If that transaction is refused (the balance moved, another
account got the number) the carrier purchase is cancelled, so nothing is charged without a
number and no number is held without its charge.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ..carrier import platform_numbers_client
from ..carrier.numbers import CarrierNumber, NumbersError
from ..config import settings
from ..domain import numbers as rules
from ..domain.ids import new_id
from ..domain.money import MoneyError, parse_amount
from ..domain.phone import PhoneNumberError, parse_typed_phone
from ..errors import FieldError, InvalidRequest, NotFound, NumberNotAvailable, UpstreamUnavailable
from ..store import audit
from ..store import numbers as store
from ..store.accounts import Account, Sender, get_account, sender_sk, set_number_markup
from ..store.base import cancelled_by_condition, iso, transaction, update_if, utcnow
from ..store.numbers import HeldNumber, NumberApplication, NumberRule
from . import billing
from .catalog import country_field

log = logging.getLogger(__name__)

SEARCH_MAX = 100


@dataclass(frozen=True)
class Offer:
    """A number the carrier sells, at our monthly price."""
    number: CarrierNumber
    monthly_price_micros: int

    @property
    def msisdn(self) -> str:
        return "+" + self.number.msisdn


@dataclass(frozen=True)
class Available:
    country: str
    purchase: str
    count: int
    offers: list[Offer]


# --- fields ----------------------------------------------------------------------------------

def _field(field: str, check, value):
    try:
        return check(value)
    except rules.NumberRuleError as exc:
        raise FieldError(field, str(exc)) from None


def msisdn_field(value: object, field: str = "msisdn") -> str:
    """A number as E.164 ("+" form); digits without "+" are taken as international."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isdigit():
        text = "+" + text
    try:
        return parse_typed_phone(text).e164
    except PhoneNumberError as exc:
        raise FieldError(field, str(exc)) from None


def _size(value: object, field: str, low: int, high: int, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidRequest(field, "must be an integer") from None
    if not low <= number <= high:
        raise InvalidRequest(field, f"must be between {low} and {high}")
    return number


# --- rules and prices ------------------------------------------------------------------------

def purchase_mode(country: str) -> str:
    rule = store.number_rule(country)
    return rule.purchase if rule else rules.DIRECT


def monthly_price(country: str, number: CarrierNumber, markup: Decimal) -> int:
    """The operators' price for the country and type, else the carrier's cost × ``markup``."""
    rule = store.number_rule(country)
    prices = rule.prices.as_dict() if rule is not None and rule.prices is not None else {}
    if number.type in prices:
        return int(prices[number.type])
    return rules.monthly_price_micros(number.cost or "0", markup)


def markup_of(account_id: str) -> Decimal:
    """The account's number markup, else the stage's default (``JMC_NUMBER_MARKUP``)."""
    account = get_account(account_id)
    own = account.number_markup if account is not None else None
    return Decimal(own or settings().number_markup)


def check_markup(value: object) -> str | None:
    """A number markup as stored (None: the stage's default); FieldError names the field."""
    return None if value is None else str(_field("number_markup", rules.parse_markup, value))


def set_markup(account: Account, value: object, actor: str) -> Account:
    """Set an account's number markup (a decimal string), or with None go back to the stage's
    default; audited. Numbers already held keep the monthly price they were bought at."""
    markup = check_markup(value)
    if markup != account.number_markup:
        if not set_number_markup(account, markup):
            raise NotFound("Account")
        audit.record(account.account_id, "account.number_markup_set", actor, account.account_id,
                     number_markup=markup)
    return get_account(account.account_id) or account


def set_rule(country: object, data: dict, actor: str) -> NumberRule:
    code = country_field(country)
    purchase = data.get("purchase", rules.DIRECT)
    if purchase not in rules.PURCHASE_MODES:
        raise FieldError("purchase", f"must be one of {', '.join(rules.PURCHASE_MODES)}")
    prices = data.get("monthly_prices")
    prices = {} if prices is None else prices
    if not isinstance(prices, dict):
        raise FieldError("monthly_prices", "must be an object of number type -> monthly price")
    micros = {}
    for kind, amount in prices.items():
        _field(f"monthly_prices.{kind}", rules.check_type, kind)
        try:
            micros[kind] = parse_amount(amount)
        except MoneyError as exc:
            raise FieldError(f"monthly_prices.{kind}", str(exc)) from None
    rule = NumberRule(store.RULE, code, purchase=purchase, prices=micros, updated_by=actor, updated_at=utcnow())
    rule.save()
    return rule


def list_rules() -> list[NumberRule]:
    return store.number_rules()


# --- searching -------------------------------------------------------------------------------

def search(account_id: str, params: dict) -> Available:
    """The carrier's numbers for sale in a country, with the account's prices and how they are bought."""
    country = country_field(params.get("country"))
    kind = _field("type", rules.check_type, params["type"]) if params.get("type") else None
    features = _field("features", rules.parse_features, params.get("features"))
    pattern = _field("pattern", rules.check_pattern, params["pattern"]) if params.get("pattern") else None
    # 0 starts with, 1 anywhere (the default here: a customer types a part they like), 2 ends with
    where = _size(params.get("search_pattern"), "search_pattern", 0, 2, 1)
    size = _size(params.get("limit"), "limit", 1, SEARCH_MAX, 20)
    index = _size(params.get("index"), "index", 1, 10_000, 1)
    try:
        found = platform_numbers_client().search(country, type=kind, features=features or None,
                                                 pattern=pattern, search_pattern=where if pattern else None,
                                                 size=size, index=index)
    except NumbersError as exc:
        raise _carrier_failure(exc, country) from None
    markup = markup_of(account_id)
    offers = [Offer(n, monthly_price(country, n, markup)) for n in found.numbers]
    return Available(country, purchase_mode(country), found.count, offers)


def _offer(account_id: str, country: str, msisdn: str) -> Offer:
    """The carrier's offer for exactly this number; NumberNotAvailable if it sells none."""
    digits = msisdn.lstrip("+")
    try:
        found = platform_numbers_client().search(country, pattern=digits, search_pattern=0, size=10)
    except NumbersError as exc:
        raise _carrier_failure(exc, country) from None
    for number in found.numbers:
        if number.msisdn == digits:
            return Offer(number, monthly_price(country, number, markup_of(account_id)))
    raise NumberNotAvailable(msisdn)


def _carrier_failure(exc: NumbersError, country: str) -> Exception:
    if exc.http_status == 420:
        return NumberNotAvailable(country, f"numbers cannot be bought now: the carrier refused ({exc.label})")
    log.warning("carrier numbers API failed: %s", exc)
    return UpstreamUnavailable("The carrier's numbers service is unavailable; try again")


# --- buying ----------------------------------------------------------------------------------

def buy(account_id: str, data: dict, actor: str) -> HeldNumber | NumberApplication:
    """Buy ``data["msisdn"]`` in ``data["country"]`` for the account, or in an application
    country record an application for the service team."""
    country = country_field(data.get("country"))
    msisdn = msisdn_field(data.get("msisdn"))
    _check_in_country(msisdn, country)
    if store.owner_of(msisdn) is not None:
        raise NumberNotAvailable(msisdn, "is held by an account already")
    offer = _offer(account_id, country, msisdn)
    mode = purchase_mode(country)
    if mode == rules.APPLICATION:
        return _apply(account_id, offer, actor)
    return acquire(account_id, offer, actor, registered=mode != rules.REGISTRATION)


def _check_in_country(msisdn: str, country: str) -> None:
    region = parse_typed_phone(msisdn).country
    if region != country:
        raise FieldError("msisdn", f"is a {region} number, not {country}")


def acquire(account_id: str, offer: Offer, actor: str, *, registered: bool) -> HeldNumber:
    """Buy at the carrier, then charge and record in one transaction (the carrier purchase is
    cancelled when that transaction is refused)."""
    price = offer.monthly_price_micros
    billing.check_covers(account_id, price)
    client = platform_numbers_client()
    try:
        client.buy(offer.number.country, offer.number.msisdn)
    except NumbersError as exc:
        raise _carrier_failure(exc, offer.number.country) from None
    number = _new_number(account_id, offer, actor, registered)
    sender = _sender_for(number)
    try:
        with transaction() as tx:
            store.hold(tx, number)
            billing.charge_rental(tx, account_id, price, rent_reference(number, number.bought_at), actor)
            if sender is not None:
                tx.save(sender)
    except TransactWriteError as exc:
        _cancel_at_carrier(offer.number.country, offer.number.msisdn)
        if not cancelled_by_condition(exc):
            raise
        if store.owner_of(number.msisdn) is not None:
            raise NumberNotAvailable(number.msisdn, "is held by an account already") from None
        raise billing.refusal(account_id, price) from None
    _point_events_at_us(number)
    return number


def _new_number(account_id: str, offer: Offer, actor: str, registered: bool) -> HeldNumber:
    now = utcnow()
    paid_until = rules.next_period(now)
    number = HeldNumber(account_id, store.number_sk(offer.msisdn), msisdn=offer.msisdn,
                        country=offer.number.country, type=offer.number.type,
                        features=list(offer.number.features),
                        status=rules.ACTIVE if registered else rules.PENDING_REGISTRATION,
                        monthly_price_micros=offer.monthly_price_micros, carrier_cost=offer.number.cost,
                        bought_at=now, paid_until=paid_until, bought_by=actor,
                        registered_at=now if registered else None,
                        renews=store.RENEWS, renew_key=store.renew_key(paid_until, offer.msisdn))
    if not registered:
        number.queue, number.queue_key = store.PENDING_REGISTRATION_QUEUE, f"{iso(now)}#{offer.msisdn}"
    return number


def rent_reference(number: HeldNumber, period_start: datetime) -> str:
    return f"number:{number.msisdn}:{period_start.date().isoformat()}"


def _sender_for(number: HeldNumber) -> Sender | None:
    """The From an active SMS-capable number becomes for its country (None for others);
    ``number.sender_id`` names it, to be written with the number."""
    if number.status != rules.ACTIVE:
        return None
    return becoming_active(number)


def becoming_active(number: HeldNumber) -> Sender | None:
    """The From that ``number`` becomes once active, if it is SMS-capable: save it in the same
    transaction that writes ``sender_id`` (``number.sender_id`` names it)."""
    if not rules.sms_capable(number.features):
        return None
    number.sender_id = number.sender_id or new_id("snd")
    return Sender(number.account_id, sender_sk(number.sender_id), sender_id=number.sender_id, kind="number",
                  value=number.msisdn, countries=[number.country])


def _point_events_at_us(number: HeldNumber) -> None:
    """Ask the carrier to post the number's call events to our webhook (best effort: the
    reconciliation job finds calls whose events never came)."""
    url = settings().voice_event_url
    if not url:
        return
    try:
        platform_numbers_client().update(number.country, number.msisdn.lstrip("+"), voice_status_callback=url)
    except NumbersError as exc:
        log.warning("could not set the event URL of %s: %s", number.msisdn, exc)


def _cancel_at_carrier(country: str, digits: str) -> None:
    try:
        platform_numbers_client().cancel(country, digits)
    except NumbersError as exc:  # the platform then holds a number nobody pays for: say so loudly
        log.error("could not cancel %s at the carrier after a refused purchase: %s", digits, exc)


# --- applications ----------------------------------------------------------------------------

def _apply(account_id: str, offer: Offer, actor: str) -> NumberApplication:
    now = utcnow()
    application_id = new_id("napp")
    item = NumberApplication(account_id, store.application_sk(application_id), application_id=application_id,
                             country=offer.number.country, msisdn=offer.msisdn, type=offer.number.type,
                             features=list(offer.number.features),
                             monthly_price_micros=offer.monthly_price_micros, status=rules.PENDING,
                             created_by=actor, created_at=now, queue=store.PENDING_APPLICATION_QUEUE,
                             queue_key=f"{iso(now)}#{application_id}")
    item.save()
    return item


def applications(account_id: str, status: str | None, limit: int, cursor: str | None):
    condition = _status_filter(NumberApplication, status, rules.APPLICATION_STATUSES)
    return store.applications_page(account_id, limit, cursor, condition)


def pending_applications(limit: int, cursor: str | None):
    return store.queue_page(NumberApplication, store.PENDING_APPLICATION_QUEUE, limit, cursor)


def _pending_application(application_id: str) -> NumberApplication:
    """A pending application by id (operators name it without its account)."""
    for item in NumberApplication.by_queue.query(store.PENDING_APPLICATION_QUEUE,
                                                 filter_condition=NumberApplication.application_id == application_id):
        if isinstance(item, NumberApplication):
            return item
    raise NotFound("Pending number application")


def approve(application_id: str, actor: str) -> NumberApplication:
    """The service team approves: the number is bought for the account (charged as any
    purchase), then the application is closed."""
    item = _pending_application(application_id)
    offer = _offer(item.account_id, item.country, item.msisdn)
    mode = purchase_mode(item.country)
    acquire(item.account_id, offer, actor, registered=mode != rules.REGISTRATION)
    _decide(item, rules.APPROVED, None, actor)
    return item


def reject(application_id: str, reason: object, actor: str) -> NumberApplication:
    if not isinstance(reason, str) or not reason.strip():
        raise FieldError("reason", "is required: the customer reads it")
    if len(reason.strip()) > 500:
        raise FieldError("reason", "must be at most 500 characters")
    item = _pending_application(application_id)
    _decide(item, rules.REJECTED, reason.strip(), actor)
    return item


def _decide(item: NumberApplication, status: str, reason: str | None, actor: str) -> None:
    actions = [NumberApplication.status.set(status), NumberApplication.decided_by.set(actor),
               NumberApplication.decided_at.set(utcnow()), NumberApplication.queue.remove(),
               NumberApplication.queue_key.remove()]
    if reason is not None:
        actions.append(NumberApplication.reason.set(reason))
    if not update_if(item, actions, NumberApplication.status == rules.PENDING):
        raise NotFound("Pending number application")


# --- the account's numbers -------------------------------------------------------------------

def _status_filter(model, status: str | None, allowed: tuple[str, ...]) -> Condition | None:
    if not status:
        return None
    if status not in allowed:
        raise InvalidRequest("status", f"must be one of {', '.join(allowed)}")
    return model.status == status


def held_numbers(account_id: str, params: dict, limit: int, cursor: str | None):
    condition = _status_filter(HeldNumber, params.get("status"), rules.STATUSES)
    if params.get("country"):
        by_country = HeldNumber.country == country_field(params["country"])
        condition = by_country if condition is None else condition & by_country
    return store.held_numbers_page(account_id, limit, cursor, condition)


def matching_held(account_id: str, country: object, pattern: object, where: object) -> list[HeldNumber]:
    """The account's numbers in a country and/or matching a digit pattern (``where``: 0 starts
    with, 1 anywhere, 2 ends with — Vonage's search_pattern), in number order."""
    code = country_field(country) if country else None
    digits = _field("pattern", rules.check_pattern, pattern) if pattern else ""
    position = _size(where, "search_pattern", 0, 2, 0)
    matches = {0: str.startswith, 1: str.__contains__, 2: str.endswith}[position]
    return [n for n in store.all_held_numbers(account_id)
            if (code is None or n.country == code) and matches(n.msisdn.lstrip("+"), digits)]


def held(account_id: str, msisdn: object) -> HeldNumber:
    """The account's number; NotFound for one it does not hold (another tenant's included)."""
    number = store.held_number(account_id, msisdn_field(msisdn))
    if number is None:
        raise NotFound("Number")
    return number


def release(account_id: str, msisdn: object) -> HeldNumber:
    """退订: the carrier stops renting it, the account stops paying and loses the From."""
    number = held(account_id, msisdn)
    release_held(number)
    return number


def release_held(number: HeldNumber) -> None:
    try:
        platform_numbers_client().cancel(number.country, number.msisdn.lstrip("+"))
    except NumbersError as exc:
        if exc.http_status != 420:  # 420: the carrier no longer rents it to us — release ours anyway
            raise _carrier_failure(exc, number.country) from None
    try:
        with transaction() as tx:
            store.let_go(tx, number)
            drop_sender(tx, number)
    except TransactWriteError as exc:
        if not cancelled_by_condition(exc):
            raise  # a condition refused: someone released it first, which is what was asked


def drop_sender(tx, number: HeldNumber) -> None:
    if number.sender_id:
        tx.delete(Sender(number.account_id, sender_sk(number.sender_id)))


def pending_registrations(limit: int, cursor: str | None):
    return store.queue_page(HeldNumber, store.PENDING_REGISTRATION_QUEUE, limit, cursor)


def mark_registered(msisdn: object, actor: str) -> HeldNumber:
    """An operator confirms the number's registration: it may send from now on."""
    e164 = msisdn_field(msisdn)
    account_id = store.owner_of(e164)
    number = store.held_number(account_id, e164) if account_id else None
    if number is None or number.status != rules.PENDING_REGISTRATION:
        raise NotFound("Number pending registration")
    sender = becoming_active(number)
    actions: list[Action] = [HeldNumber.status.set(rules.ACTIVE), HeldNumber.registered_at.set(utcnow()),
                             HeldNumber.queue.remove(), HeldNumber.queue_key.remove()]
    if sender is not None:
        actions.append(HeldNumber.sender_id.set(sender.sender_id))
    with transaction() as tx:
        tx.update(number, actions=actions, condition=HeldNumber.status == rules.PENDING_REGISTRATION)
        if sender is not None:
            tx.save(sender)
    number.status = rules.ACTIVE
    log.info("number %s registered by %s", e164, actor)
    return number


def from_refusal(account_id: str, digits: str) -> str | None:
    """Why the account may not send from the number ``digits`` (None when it may, or when no
    account holds it): another account holds it, or it is not active yet."""
    msisdn = "+" + digits
    owner = store.owner_of(msisdn)
    if owner is None:
        return None
    if owner != account_id:
        return "is a number another account holds"
    number = store.held_number(account_id, msisdn)
    if number is not None and number.status != rules.ACTIVE:
        return f"cannot send yet: the number is {number.status.replace('_', ' ')}"
    return None
