"""Number rent (号码管理): the job that charges each held number once per monthly period,
suspends a number whose rent the balance cannot pay (the owner is warned, the number stops
being a From) and releases it when it stays unpaid past the grace period.

Exactly once: the paid period moves in the same transaction as the charge, conditioned on
the period it had when read, so a rerun, a redelivery or two runs at once charge nothing twice.
A suspended number that is paid later (the balance was topped up) becomes what it was again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from ..config import settings
from ..domain import numbers as rules
from ..store import numbers as store
from ..store.base import cancelled_by_condition, iso, transaction, utcnow
from ..store.numbers import HeldNumber
from . import billing, notify, numbers
from .directory import list_users


@dataclass
class RenewalOutcome:
    renewed: int = 0
    suspended: int = 0
    released: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return {"renewed": self.renewed, "suspended": self.suspended, "released": self.released,
                "skipped": self.skipped}


def renew_due(now: datetime | None = None) -> RenewalOutcome:
    """The monthly job: charge every number whose paid period has ended, once per period
    (the paid period moves in the same transaction as the charge, conditioned on its old
    value, so a retried or concurrent run charges nothing twice); suspend what the balance
    cannot pay, and release what stayed suspended past its grace period."""
    now = now or utcnow()
    outcome = RenewalOutcome()
    for number in store.due_for_renewal(now):
        _renew_one(number, now, outcome)
    return outcome


def _renew_one(number: HeldNumber, now: datetime, outcome: RenewalOutcome) -> None:
    if number.status == rules.SUSPENDED and number.release_at and number.release_at <= now:
        numbers.release_held(number)
        outcome.released += 1
        return
    renewed = charge_period(number)
    if renewed is None:
        outcome.skipped += 1
    elif renewed:
        outcome.renewed += 1
    elif number.status != rules.SUSPENDED:
        _suspend(number, now)
        outcome.suspended += 1


def charge_period(number: HeldNumber) -> bool | None:
    """True: this period charged now. False: the balance (or a suspended account) refused it.
    None: another run charged it first (or the number is gone)."""
    period_start = number.paid_until
    paid_until = rules.next_period(period_start)
    resumed = rules.ACTIVE if number.registered_at else rules.PENDING_REGISTRATION
    actions: list[Action] = [HeldNumber.paid_until.set(paid_until),
                             HeldNumber.renew_key.set(store.renew_key(paid_until, number.msisdn)),
                             HeldNumber.status.set(resumed), HeldNumber.suspended_at.remove(),
                             HeldNumber.release_at.remove()]
    sender = numbers.becoming_active(number) if number.status == rules.SUSPENDED and resumed == rules.ACTIVE \
        else None
    if sender is not None:
        actions.append(HeldNumber.sender_id.set(sender.sender_id))
    try:
        with transaction() as tx:
            tx.update(number, actions=actions, condition=HeldNumber.paid_until == period_start)
            billing.charge_rental(tx, number.account_id, int(number.monthly_price_micros),
                                  numbers.rent_reference(number, period_start), "system")
            if sender is not None:
                tx.save(sender)
    except TransactWriteError as exc:
        if not cancelled_by_condition(exc):
            raise
        # Which condition refused is not told by position (PynamoDB groups a transaction's
        # items by kind), so ask the number: moved on or gone means another run paid it.
        current = store.held_number(number.account_id, number.msisdn)
        return False if current is not None and current.paid_until == period_start else None
    return True


def _suspend(number: HeldNumber, now: datetime) -> None:
    release_at = now + timedelta(days=settings().number_grace_days)
    actions: list[Action] = [HeldNumber.status.set(rules.SUSPENDED), HeldNumber.suspended_at.set(now),
                             HeldNumber.release_at.set(release_at)]
    with transaction() as tx:
        if number.sender_id:  # a suspended number cannot send
            numbers.drop_sender(tx, number)
            actions.append(HeldNumber.sender_id.remove())
        tx.update(number, actions=actions, condition=HeldNumber.paid_until == number.paid_until)
    number.sender_id = None
    _warn_owner(number, release_at)


def _warn_owner(number: HeldNumber, release_at: datetime) -> None:
    owners = [u for u in list_users(number.account_id) if u.role == "owner" and u.email]
    body = (f"Your number {number.msisdn} was suspended: the balance did not cover its monthly rent. "
            f"Top up before {iso(release_at)} or it will be released.")
    for owner in owners:
        notify.queue_email(owner.email, f"JMC: number {number.msisdn} suspended", body)
