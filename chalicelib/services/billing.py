"""Balance movements for sending: reserve when a message is accepted, refund what the
carrier did not take. Each movement joins the caller's DynamoDB transaction, so the balance,
its ledger entry and the message's billing state change together or not at all — the sum of
the ledger always equals the balance, and a retried step can never move money twice.

Settling (the carrier took the segments) moves no money: the reservation simply stays; the
message's ``billing`` attribute records it.
"""
from __future__ import annotations

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.ids import sortable_id
from ..store.accounts import PROFILE, Account
from ..store.ledger import ENTRY_PREFIX, LedgerEntry
from .errors import ServiceError


class InsufficientBalance(ServiceError):
    """The account's balance does not cover the price."""

    def __init__(self, needed_micros: int):
        super().__init__("balance too low")
        self.needed_micros = needed_micros


class AccountInactive(ServiceError):
    """The account is suspended: it cannot send."""


def _account_key(account_id: str) -> Account:
    return Account(account_id, PROFILE)


def reserve(tx: TransactWrite, account_id: str, amount_micros: int, message_id: str, actor: str) -> None:
    """Debit ``amount_micros`` within ``tx``; the condition keeps the balance ≥ 0 under any
    concurrency (DynamoDB evaluates it atomically with the update)."""
    tx.update(_account_key(account_id),
              actions=[Account.balance_micros.add(-amount_micros)],
              condition=(Account.balance_micros >= amount_micros) & (Account.status == "active"))
    tx.save(LedgerEntry(account_id, ENTRY_PREFIX + sortable_id(), kind="reserve",
                        amount_micros=-amount_micros, reference=message_id, actor=actor),
            condition=LedgerEntry.entry_id.does_not_exist())


def refund(tx: TransactWrite, account_id: str, amount_micros: int, message_id: str) -> None:
    """Credit ``amount_micros`` back within ``tx`` (the caller's condition on the message's
    billing state is what makes a refund happen once)."""
    tx.update(_account_key(account_id), actions=[Account.balance_micros.add(amount_micros)],
              condition=Account.pk.exists())
    tx.save(LedgerEntry(account_id, ENTRY_PREFIX + sortable_id(), kind="refund",
                        amount_micros=amount_micros, reference=message_id, actor="system"),
            condition=LedgerEntry.entry_id.does_not_exist())


def condition_failed(exc: TransactWriteError) -> bool:
    """True if the transaction was cancelled because a condition did not hold (as opposed
    to throttling or a conflict with another transaction, which are worth retrying)."""
    return any(reason is not None and reason.code == "ConditionalCheckFailed"
               for reason in exc.cancellation_reasons or [])
