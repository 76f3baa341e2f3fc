"""Balance, ledger and prices as a customer sees them."""
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
