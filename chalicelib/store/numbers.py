"""The numbers table (号码管理): the numbers accounts hold, who holds each number, number
applications, and the operators' per-country number rules (``pk``/``sk``).

- ``pk=<account>, sk=NUMBER#<+msisdn>``: a number an account holds. While it renews it carries
  ``renews`` = ``due`` and ``renew_key`` = ``<paid_until>#<msisdn>`` (the sparse
  ``renewal-index`` the monthly job reads); while it waits for registration it carries
  ``queue`` = ``registration#pending`` (the sparse ``queue-index`` operators read).
- ``pk=MSISDN#<+msisdn>, sk=OWNER``: which account holds the number, written in the same
  transaction as the number, so a number is held by one account at most.
- ``pk=<account>, sk=APPLICATION#<id>``: a request to buy in a country that needs the service
  team; pending ones carry ``queue`` = ``application#pending``.
- ``pk=RULE, sk=<country>``: how a country's numbers are bought, and operator prices by type.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TypeVar, cast

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from .base import Prefix, cancelled_by_condition, get_item, iso, page, start_key, table_meta, transaction, utcnow

NUMBER_PREFIX = "NUMBER#"
APPLICATION_PREFIX = "APPLICATION#"
OWNER = "OWNER"
RULE = "RULE"
RENEWS = "due"
PENDING_REGISTRATION_QUEUE = "registration#pending"
PENDING_APPLICATION_QUEUE = "application#pending"


class RenewalIndex(GlobalSecondaryIndex["HeldNumber"]):
    class Meta:
        index_name = "renewal-index"
        projection = AllProjection()
    renews = UnicodeAttribute(hash_key=True)
    renew_key = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex[Model]):
    class Meta:
        index_name = "queue-index"
        projection = AllProjection()
    queue = UnicodeAttribute(hash_key=True)
    queue_key = UnicodeAttribute(range_key=True)


class _NumbersItem(Model):
    Meta = table_meta("numbers")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class HeldNumber(_NumbersItem):
    """A number an account holds: ``active``, ``pending_registration`` (cannot send until an
    operator registers it) or ``suspended`` (a renewal was not paid; released at ``release_at``)."""
    Meta = table_meta("numbers")
    msisdn = UnicodeAttribute()  # E.164 with "+"
    country = UnicodeAttribute()
    type = UnicodeAttribute()
    features = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute()
    monthly_price_micros = NumberAttribute()
    carrier_cost = UnicodeAttribute()  # Vonage's monthly cost string, kept for margin reports
    bought_at = UTCDateTimeAttribute(default=utcnow)
    paid_until = UTCDateTimeAttribute()
    suspended_at = UTCDateTimeAttribute(null=True)
    release_at = UTCDateTimeAttribute(null=True)
    sender_id = UnicodeAttribute(null=True)  # the From it became (SMS-capable and active)
    registered_at = UTCDateTimeAttribute(null=True)  # bought where no registration is needed, or registered
    bought_by = UnicodeAttribute()
    renews = UnicodeAttribute(null=True)
    renew_key = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    queue_key = UnicodeAttribute(null=True)
    by_renewal = RenewalIndex()
    by_queue = QueueIndex()

    @property
    def account_id(self) -> str:
        return self.pk


class NumberOwner(_NumbersItem):
    Meta = table_meta("numbers")
    account_id = UnicodeAttribute()


class NumberApplication(_NumbersItem):
    Meta = table_meta("numbers")
    application_id = UnicodeAttribute()
    country = UnicodeAttribute()
    msisdn = UnicodeAttribute()
    type = UnicodeAttribute()
    features = ListAttribute(of=UnicodeAttribute)
    monthly_price_micros = NumberAttribute()
    status = UnicodeAttribute()  # pending | approved | rejected
    reason = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    queue_key = UnicodeAttribute(null=True)
    by_queue = QueueIndex()

    @property
    def account_id(self) -> str:
        return self.pk


class NumberRule(_NumbersItem):
    """``purchase``: direct | application | registration; ``prices``: type -> micros a month."""
    Meta = table_meta("numbers")
    purchase = UnicodeAttribute()
    prices = MapAttribute(default=dict)  # type: ignore[var-annotated]
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute(default=utcnow)

    @property
    def country(self) -> str:
        return self.sk


_Queued = TypeVar("_Queued", "HeldNumber", "NumberApplication")


def number_sk(msisdn: str) -> str:
    return NUMBER_PREFIX + msisdn


def owner_key(msisdn: str) -> str:
    return "MSISDN#" + msisdn


def application_sk(application_id: str) -> str:
    return APPLICATION_PREFIX + application_id


def renew_key(paid_until: datetime, msisdn: str) -> str:
    return f"{iso(paid_until)}#{msisdn}"


# --- reading ---------------------------------------------------------------------------------

def owner_of(msisdn: str) -> str | None:
    """The account holding the E.164 number ``msisdn`` ("+" form) now, or None."""
    owner = get_item(NumberOwner, owner_key(msisdn), OWNER)
    return owner.account_id if owner else None


def held_number(account_id: str, msisdn: str) -> HeldNumber | None:
    return get_item(HeldNumber, account_id, number_sk(msisdn))


def held_numbers_page(account_id: str, limit: int, cursor: str | None,
                      condition: Condition | None = None) -> tuple[list[HeldNumber], str | None]:
    """One page of the account's numbers in number order, optionally filtered."""
    start = start_key(cursor, pk=account_id, sk=Prefix(NUMBER_PREFIX))
    results = HeldNumber.query(account_id, HeldNumber.sk.startswith(NUMBER_PREFIX), filter_condition=condition,
                               limit=limit, page_size=max(limit, 50) if condition is not None else limit,
                               last_evaluated_key=start)
    return page(results, limit)


def all_held_numbers(account_id: str) -> list[HeldNumber]:
    return list(HeldNumber.query(account_id, HeldNumber.sk.startswith(NUMBER_PREFIX)))


def due_for_renewal(now: datetime) -> Iterator[HeldNumber]:
    """Numbers whose paid period ended by ``now`` (renewable or suspended), oldest first, read
    page by page as the caller goes (a renewed number's key moves past ``now``, out of the way)."""
    return iter(HeldNumber.by_renewal.query(RENEWS, HeldNumber.renew_key <= f"{iso(now)}#~"))


def queue_page(model: type[_Queued], queue: str, limit: int, cursor: str | None) -> tuple[list[_Queued], str | None]:
    """One page of an operators' queue (pending applications or registrations), oldest first."""
    start = start_key(cursor, pk=Prefix(), sk=Prefix(), queue=queue, queue_key=Prefix())
    results = cast("ResultIterator[_Queued]", model.by_queue.query(queue, limit=limit, last_evaluated_key=start))
    return page(results, limit)


def application(account_id: str, application_id: str) -> NumberApplication | None:
    return get_item(NumberApplication, account_id, application_sk(application_id))


def applications_page(account_id: str, limit: int, cursor: str | None,
                      condition: Condition | None = None) -> tuple[list[NumberApplication], str | None]:
    """The account's applications, newest first (ids sort by time)."""
    start = start_key(cursor, pk=account_id, sk=Prefix(APPLICATION_PREFIX))
    results = NumberApplication.query(account_id, NumberApplication.sk.startswith(APPLICATION_PREFIX),
                                      filter_condition=condition, scan_index_forward=False, limit=limit,
                                      page_size=max(limit, 50) if condition is not None else limit,
                                      last_evaluated_key=start)
    return page(results, limit)


def number_rule(country: str) -> NumberRule | None:
    return get_item(NumberRule, RULE, country)


def number_rules() -> list[NumberRule]:
    return list(NumberRule.query(RULE))


# --- writing ---------------------------------------------------------------------------------

def hold(tx: TransactWrite, number: HeldNumber) -> None:
    """In ``tx``: the account holds ``number``, unless another account (or it) already does."""
    tx.save(NumberOwner(owner_key(number.msisdn), OWNER, account_id=number.account_id),
            condition=NumberOwner.pk.does_not_exist())
    tx.save(number, condition=HeldNumber.pk.does_not_exist())


def let_go(tx: TransactWrite, number: HeldNumber) -> None:
    """In ``tx``: the account no longer holds ``number`` (only while it still does)."""
    tx.delete(NumberOwner(owner_key(number.msisdn), OWNER),
              condition=NumberOwner.account_id == number.account_id)
    tx.delete(number, condition=HeldNumber.pk.exists())


def release(number: HeldNumber) -> bool:
    """Forget ``number`` and its owner marker; False if it was already gone."""
    try:
        with transaction() as tx:
            let_go(tx, number)
    except TransactWriteError as exc:
        if cancelled_by_condition(exc):
            return False
        raise
    return True
