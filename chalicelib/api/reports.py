"""Reports (报告下载): messages per country and user over whole days, from the daily
aggregates (``services/reports.py``: filters, layout, cost).

Portal users see their whole account; an application (HTTP Basic) sees what it sent through
the API; operators get 403 (a customer route, like /v1/messages).
"""
from __future__ import annotations

from ..services import reports
from .blueprint import Blueprint
from .callers import customer_or_app
from .request import query

bp = Blueprint(__name__)


@bp.route("/v1/reports", methods=["GET"])
def get_report():
    """Delivery report per country and user over whole days, with a totals row.

    Filters: ``type`` (transactional or marketing; left out: both); ``start`` and ``end``, dates
    (YYYY-MM-DD) in the account's time zone, both inclusive (a time of day is a 422: reports
    are daily), by default the last 7 days up to today, at most 366 days (422 otherwise, and
    when end is before start); ``countries``, country codes separated by commas (at most 50);
    ``user``, a portal user id (usr_...) or an app id (app_...): a task's messages count for the
    user who made it, API sends for the app that sent them. An application calling with its key
    sees only its own sends. Rows are sorted by country, then user; ``success_rate`` is
    delivered / total with 2 decimals (null when total is 0). Read from daily and monthly
    aggregates kept in step with every message: a year costs about what a day does."""
    who = customer_or_app(bp.current_request)
    filters = reports.parse_filters(who.account_id, query(bp.current_request), app_id=who.app_id)
    return {"start": filters.start.isoformat(), "end": filters.end.isoformat(),
            **reports.report(who.account_id, filters)}
