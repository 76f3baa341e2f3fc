"""The voice call log (通话记录): the calls on the account's numbers, newest first, and one
call by id.

Portal users and the account's apps (HTTP Basic) see the account's calls; operators get
403 (these are customer routes); another account's call is a 404 and never listed. How calls
are recorded, reconciled and read: ``services/voice.py``.
"""
from __future__ import annotations

from ..services import voice
from .blueprint import Blueprint
from .callers import customer_or_app
from .request import paging, query
from .serializers import call as view

bp = Blueprint(__name__)


@bp.route("/v1/voice/calls", methods=["GET"])
def list_calls():
    """Calls newest first; filters: number (ours), direction, status, start, end.

    ``start`` is inclusive and ``end`` exclusive (the call's start, or when it was first seen
    until the carrier tells its start); without an offset they are in the account's time
    zone; the default is the last 7 days, at most 92. A page may hold fewer than ``limit``
    calls (even none) and still carry a ``next_cursor`` when its reading budget ran out;
    ``next_cursor`` is null only when the range is exhausted."""
    who = customer_or_app(bp.current_request)
    limit, cursor = paging(bp.current_request, default=20, maximum=100)
    filters = voice.parse_filters(who.account_id, query(bp.current_request))
    items, next_cursor = voice.calls_page(who.account_id, filters, limit, cursor)
    return {"calls": [view(c) for c in items], "next_cursor": next_cursor}


@bp.route("/v1/voice/calls/{call_id}", methods=["GET"])
def get_call(call_id):
    """One call with its parties, direction, status, times, duration and price."""
    who = customer_or_app(bp.current_request)
    return view(voice.call(who.account_id, call_id))
