"""The download center (seed: 下载中心): exports of task statistics, one task's costs and
failures, the message log and reports, made in the background and downloaded from here.

Portal users see every export of their account; an application (HTTP Basic) may export
the messages it sent and sees only its own exports; operators get 403. The center is
``services/downloads.py``; the files are written by ``services/exports.py``."""
from __future__ import annotations

from chalice import Response

from ..services import downloads
from .blueprint import Blueprint
from .callers import customer_or_app
from .request import json_body, paging, query
from .serializers import export as view

bp = Blueprint(__name__)


@bp.route("/v1/exports", methods=["POST"])
def create_export():
    """202 with the pending export; its file is made in the background. Types: tasks,
    task_cost, task_failures (``filters.task_id``), messages (the log's filters), report
    (the report's filters). Format xlsx or csv; lang zh (default) or en."""
    who = customer_or_app(bp.current_request)
    export = downloads.create(who, json_body(bp.current_request))
    return Response(body=view(export), status_code=202)


@bp.route("/v1/exports", methods=["GET"])
def list_exports():
    """Newest first; filters: type, start, end (the creation time; ``start`` inclusive,
    ``end`` exclusive, without an offset in the account's time zone)."""
    who = customer_or_app(bp.current_request)
    limit, cursor = paging(bp.current_request)
    items, next_cursor = downloads.list_exports(who, query(bp.current_request), limit, cursor)
    return {"exports": [view(e) for e in items], "next_cursor": next_cursor}


@bp.route("/v1/exports/{export_id}", methods=["GET"])
def get_export(export_id):
    """The export's state; once it succeeded, a ``download_url`` (valid an hour, never past
    ``expires_at``) whose response names the file in the export's language."""
    who = customer_or_app(bp.current_request)
    return view(downloads.get(who, export_id))


@bp.route("/v1/exports/{export_id}", methods=["DELETE"])
def delete_export(export_id):
    """Cancels a pending or running export (200 with it, ``cancelled``: its workers stop at
    their next page) or deletes a finished one and its file (204)."""
    who = customer_or_app(bp.current_request)
    export = downloads.remove(who, export_id)
    if export is None:
        return Response(body="", status_code=204)
    return view(export)
