"""The message log (seed module 日志查询): one message by id, and the filtered list.

Portal users see their whole account; an application (HTTP Basic) sees what it sent;
operators get 403 (these are customer routes). Query plans, time-range rules, cursors and
the cost of a page: ``services/message_log.py``.
"""
from __future__ import annotations

from ..errors import NotFound
from ..services import message_log
from .blueprint import Blueprint
from .callers import customer_or_app
from .request import paging, query
from .serializers import message

bp = Blueprint(__name__)


@bp.route("/v1/messages/{message_id}", methods=["GET"])
def get_message(message_id):
    """One message with its status, price and carrier ids."""
    who = customer_or_app(bp.current_request)
    item = message_log.find(who.account_id, message_id, who.app_id)
    if item is None:
        raise NotFound("Message")
    return message(item)


@bp.route("/v1/messages", methods=["GET"])
def list_messages():
    """Messages newest first; filters: type, to, task_name, country, message_id, task_id, status, start, end.

    ``start`` is inclusive and ``end`` exclusive; without an offset they are in the
    account's time zone; the default is the last 7 days, at most 92. A page may hold fewer
    than ``limit`` messages (even none) and still carry a ``next_cursor`` when its reading
    budget ran out; ``next_cursor`` is null only when the range is exhausted."""
    who = customer_or_app(bp.current_request)
    limit, cursor = paging(bp.current_request)
    filters = message_log.parse_filters(who.account_id, query(bp.current_request), app_id=who.app_id)
    items, next_cursor = message_log.list_page(who.account_id, filters, limit, cursor)
    return {"messages": [message(m) for m in items], "next_cursor": next_cursor}
