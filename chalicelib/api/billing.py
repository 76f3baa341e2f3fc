"""Balance, ledger and prices as a customer sees them, and the senders (From) and signatures
an operator bound to the account (what the portal's send forms offer)."""
from __future__ import annotations

from ..domain.money import format_amount
from ..errors import NotFound
from ..services import billing, catalog
from ..store.accounts import get_account
from . import serializers
from .blueprint import Blueprint
from .callers import caller, customer
from .request import paging

bp = Blueprint(__name__)


@bp.route("/v1/balance", methods=["GET"])
def balance():
    """Works for portal users (Bearer) and customer systems (Basic app_key:app_secret)."""
    who = caller(bp.current_request, apps_allowed=True)
    account = get_account(who.account_id)
    if account is None:
        raise NotFound("Account")
    return {"balance": format_amount(int(account.balance_micros)), "currency": account.currency}


@bp.route("/v1/ledger", methods=["GET"])
def ledger():
    who = customer(bp.current_request)
    limit, cursor = paging(bp.current_request)
    entries, next_cursor = billing.ledger(who.account_id, limit, cursor)
    return {"entries": [serializers.ledger_entry(e) for e in entries], "next_cursor": next_cursor}


@bp.route("/v1/prices", methods=["GET"])
def prices():
    """The account's effective price per SMS segment, per country."""
    who = caller(bp.current_request, apps_allowed=True)
    effective = catalog.effective_prices(who.account_id)
    return {"prices": [{"country": c, "price": format_amount(m, 4), "source": source}
                       for c, (m, source) in sorted(effective.items())]}


@bp.route("/v1/senders", methods=["GET"])
def senders():
    """The From numbers and Sender IDs bound to the caller's account, with their countries."""
    who = customer(bp.current_request)
    return {"senders": [serializers.sender(s) for s in catalog.senders(who.account_id)]}


@bp.route("/v1/signatures", methods=["GET"])
def signatures():
    """The 【signatures】 bound to the caller's account (mainland China sends need one)."""
    who = customer(bp.current_request)
    return {"signatures": [serializers.signature(s) for s in catalog.signatures(who.account_id)]}
