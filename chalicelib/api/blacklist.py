"""Blacklists per app key (seed module 黑名单): numbers and countries.

Portal users manage any of their account's apps' lists (``app_id``); an app calling with
its own key and secret manages its own list (``app_id`` may be left out). Another account's
app, or an entry id that names one, is a 404.
"""
from __future__ import annotations

from chalice import Response

from ..services import blacklist
from ..store.blacklist import COUNTRY, NUMBER
from .blueprint import Blueprint
from .callers import customer_or_app
from .request import json_body, paging, query
from .serializers import blacklist_entry

bp = Blueprint(__name__)


@bp.route("/v1/blacklist/numbers", methods=["POST"])
def add_blacklisted_numbers():
    """Block numbers for an app (up to 1,000 a request, normalised to E.164).

    Bad numbers are reported in `invalid` with a reason and do not fail the request. 201 when
    something was added; 200 when nothing was (all already listed, or none valid)."""
    who = customer_or_app(bp.current_request)
    body = json_body(bp.current_request)
    app_id = blacklist.app_for(who, body.get("app_id"))
    result = blacklist.add_numbers(who, app_id, body.get("numbers"))
    return Response(body={"added": [blacklist_entry(e) for e in result.added],
                          "already_listed": result.already_listed, "invalid": result.invalid},
                    status_code=201 if result.added else 200)


@bp.route("/v1/blacklist/numbers", methods=["GET"])
def list_blacklisted_numbers():
    """List an app's blocked numbers (or look one up exactly with number=)."""
    who = customer_or_app(bp.current_request)
    params = query(bp.current_request)
    app_id = blacklist.app_for(who, params.get("app_id"))
    limit, cursor = paging(bp.current_request)
    entries, next_cursor = blacklist.list_entries(app_id, NUMBER, limit, cursor, params.get("number"))
    return {"numbers": [blacklist_entry(e) for e in entries], "next_cursor": next_cursor}


@bp.route("/v1/blacklist/numbers/{entry_id}", methods=["DELETE"])
def remove_blacklisted_number(entry_id):
    """Unblock a number (404 for an id naming nothing this caller may see)."""
    return _remove(entry_id, NUMBER)


@bp.route("/v1/blacklist/countries", methods=["POST"])
def add_blacklisted_country():
    """Block a whole country for an app (ISO-3166 alpha-2).

    201 with the new entry; 200 with the existing entry when the country was already listed."""
    who = customer_or_app(bp.current_request)
    body = json_body(bp.current_request)
    app_id = blacklist.app_for(who, body.get("app_id"))
    entry, created = blacklist.add_country(who, app_id, body.get("country"))
    return Response(body=blacklist_entry(entry), status_code=201 if created else 200)


@bp.route("/v1/blacklist/countries", methods=["GET"])
def list_blacklisted_countries():
    """List an app's blocked countries."""
    who = customer_or_app(bp.current_request)
    app_id = blacklist.app_for(who, query(bp.current_request).get("app_id"))
    limit, cursor = paging(bp.current_request)
    entries, next_cursor = blacklist.list_entries(app_id, COUNTRY, limit, cursor)
    return {"countries": [blacklist_entry(e) for e in entries], "next_cursor": next_cursor}


@bp.route("/v1/blacklist/countries/{entry_id}", methods=["DELETE"])
def remove_blacklisted_country(entry_id):
    """Unblock a country (404 for an id naming nothing this caller may see)."""
    return _remove(entry_id, COUNTRY)


def _remove(entry_id: str, kind: str) -> Response:
    blacklist.remove(customer_or_app(bp.current_request), entry_id, kind)
    return Response(body="", status_code=204)
