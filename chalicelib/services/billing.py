"""Money: every movement of an account's balance, and what a message's billing says.

- **Top-up** (``top_up``): an operator credits a bank transfer, once per reference.
- **Reserve** (``reserve``): accepting a message (or a task's slice of messages) debits its
  price, never below zero, in the same transaction that logs the messages.
- **Settle** (``submitted`` / ``settle``): the carrier took the message; the reservation
  stays charged. No money moves; the message's ``billing`` says ``settled``.
- **Refund** (``submitted`` for parts the carrier refused, ``unsent`` for a message it never
  took, ``refund``): the price of what was not sent goes back, in the same write as the
  message's booking, so it happens once.
- **Number rent** (``charge_rental``): buying a number debits its first month and the renewal
  job each further month, in the same transaction that moves the number's paid period.
- **Task cost**: a task's ``cost`` counter takes a message's charge when the message leaves
  ``queued`` (``task_cost``) and gives back a refund booked after that (``take_off_task_cost``).

Each movement writes the balance and its ledger entry in one transaction, so the ledger's sum
always equals the balance. Billing states are named in ``domain.billing_states``.
"""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain import billing_states as states
from ..domain.ids import sortable_id
from ..domain.money import MoneyError, parse_amount
from ..errors import AccountInactive, Conflict, FieldError, InsufficientBalance, JmcError, missing_or_invalid
from ..store.accounts import PROFILE, Account, get_account
from ..store.base import cancelled_by_condition, transaction
from ..store.ledger import ENTRY_PREFIX, LedgerEntry, ReferenceMarker, entries_page, reference_key
from ..store.messages import Message, settle_reserved
from ..store.tasks import count

MAX_REFERENCE = 100


# --- balance movements -----------------------------------------------------------------------

def _account_key(account_id: str) -> Account:
    return Account(account_id, PROFILE)


def _entry(account_id: str, kind: str, amount_micros: int, reference: str, actor: str) -> LedgerEntry:
    return LedgerEntry(account_id, ENTRY_PREFIX + sortable_id(), kind=kind, amount_micros=amount_micros,
                       reference=reference, actor=actor)


def reserve(tx: TransactWrite, account_id: str, amount_micros: int, reference: str, actor: str) -> None:
    """Debit a message's price within ``tx`` (see ``_debit``)."""
    _debit(tx, account_id, states.RESERVE, amount_micros, reference, actor)


def charge_rental(tx: TransactWrite, account_id: str, amount_micros: int, reference: str, actor: str) -> None:
    """Debit a month of a number's rent within ``tx`` (see ``_debit``); ``reference`` names
    the number and the period, so the ledger says what was paid for."""
    _debit(tx, account_id, states.NUMBER_RENTAL, amount_micros, reference, actor)


def _debit(tx: TransactWrite, account_id: str, kind: str, amount_micros: int, reference: str, actor: str) -> None:
    """Debit ``amount_micros`` within ``tx``. The condition keeps the balance ≥ 0 under any
    concurrency (DynamoDB evaluates it with the update) and refuses a suspended account."""
    tx.update(_account_key(account_id), actions=[Account.balance_micros.add(-amount_micros)],
              condition=(Account.balance_micros >= amount_micros) & (Account.status == "active"))
    tx.save(_entry(account_id, kind, -amount_micros, reference, actor),
            condition=LedgerEntry.entry_id.does_not_exist())


def refund(tx: TransactWrite, account_id: str, amount_micros: int, message_id: str) -> None:
    """Credit ``amount_micros`` back within ``tx`` (the caller's condition on the message's
    billing state is what makes a refund happen once)."""
    tx.update(_account_key(account_id), actions=[Account.balance_micros.add(amount_micros)],
              condition=Account.pk.exists())
    tx.save(_entry(account_id, states.REFUND, amount_micros, message_id, "system"),
            condition=LedgerEntry.entry_id.does_not_exist())


def refusal(account_id: str, amount_micros: int) -> JmcError:
    """Why a reservation of ``amount_micros`` was refused: the account cannot send, or its
    balance is too low."""
    account = get_account(account_id)
    if account is None or account.status != "active":
        return AccountInactive()
    return InsufficientBalance(amount_micros)


def check_covers(account_id: str, amount_micros: int) -> None:
    """InsufficientBalance unless the balance covers ``amount_micros`` now (a task's estimate;
    each slice is still reserved when it is sent)."""
    account = get_account(account_id)
    if account is None or int(account.balance_micros) < amount_micros:
        raise InsufficientBalance(amount_micros)


def amount_field(value: object, field: str = "amount") -> int:
    """A money amount sent by a caller, as micro-units; FieldError on ``field`` otherwise."""
    if value is None:
        raise missing_or_invalid(field, value, "is required")
    try:
        return parse_amount(value)
    except MoneyError as exc:
        raise FieldError(field, str(exc)) from None


def reference_field(value: object) -> str:
    """A top-up's reference (the bank transfer's), stripped; FieldError on ``reference``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise missing_or_invalid("reference", value, "is required: the bank transfer's reference")
    if not isinstance(value, str):
        raise FieldError("reference", "must be a string")
    if len(value.strip()) > MAX_REFERENCE:
        raise FieldError("reference", f"must be at most {MAX_REFERENCE} characters")
    return value.strip()


def top_up(account: Account, amount_micros: int, reference: object, actor: str) -> LedgerEntry:
    """Credit the balance and record it, once per ``reference`` (a bank transfer's): a
    retried call is a Conflict and moves nothing."""
    reference = reference_field(reference)
    entry = _entry(account.account_id, states.TOPUP, amount_micros, reference, actor)
    marker = ReferenceMarker(account.account_id, reference_key(states.TOPUP, reference),
                             ledger_entry=entry.entry_id)
    try:
        with transaction() as tx:
            tx.update(account, actions=[Account.balance_micros.add(amount_micros)], condition=Account.pk.exists())
            tx.save(entry, condition=LedgerEntry.entry_id.does_not_exist())
            tx.save(marker, condition=ReferenceMarker.entry_id.does_not_exist())
    except TransactWriteError as exc:
        if not cancelled_by_condition(exc):  # throttled, or a clash: not the reference's fault
            raise
        raise Conflict("a top-up with this reference was already recorded", "reference") from None
    return entry


# --- a message's booking ---------------------------------------------------------------------

@dataclass(frozen=True)
class Booking:
    """What booking the carrier's answer does to a reserved message: its new billing state
    and the refund credited with it (a message is booked once, so that is all it gets back)."""
    billing: str
    refund_micros: int

    def values(self) -> dict:
        return {"billing": self.billing, "refunded_micros": self.refund_micros}


def submitted(message: Message, parts: int, rejected: int) -> Booking:
    """The carrier took the message (``rejected`` of its ``parts`` refused): settled, and the
    refused parts' share of the price refunded."""
    return Booking(states.SETTLED, states.refund_for_rejected_parts(int(message.price_micros), parts, rejected))


def unsent(message: Message) -> Booking:
    """Nothing reached the handset: the whole reservation goes back."""
    return Booking(states.REFUNDED, int(message.price_micros))


def settle(message: Message, in_doubt_note: str | None = None) -> bool:
    """The carrier took a still-reserved message (a receipt proves it): settled, no refund."""
    return settle_reserved(message, in_doubt_note)


def task_cost(message: Message, values: dict) -> int:
    """What a task message costs its task, judged on the message as ``values`` write it."""
    refunded = values.get("refunded_micros", message.refunded_micros)
    return states.charged_micros(int(message.price_micros or 0), int(refunded or 0))


def take_off_task_cost(tx: TransactWrite, message: Message, refund_micros: int) -> None:
    """In ``tx``: a refund booked after the message was counted comes off its task's cost."""
    if message.task_id and refund_micros:
        count(tx, message.task_id, message.message_id, {"cost_micros": -refund_micros})


# --- reading ---------------------------------------------------------------------------------

def balance_micros(account_id: str) -> int:
    account = get_account(account_id)
    return int(account.balance_micros) if account else 0


def ledger(account_id: str, limit: int, cursor: str | None) -> tuple[list[LedgerEntry], str | None]:
    """One page of the account's ledger, newest first."""
    return entries_page(account_id, limit, cursor)
