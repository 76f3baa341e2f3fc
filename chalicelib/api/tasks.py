"""Bulk tasks (seed: 任务管理): create (priced and balance-checked), list, read with live
counters, edit, pause, resume and cancel. Starting them: ``services/scheduler.py``; sending
their chunks: ``services/fanout.py``."""
from __future__ import annotations

from chalice import Response

from ..services import scheduler, tasks
from .blueprint import Blueprint
from .callers import customer
from .request import json_body, paging, query
from .serializers import task as view

bp = Blueprint(__name__)


@bp.route("/v1/tasks", methods=["POST"])
def create_task():
    """201 with the task, its estimate (segments × price per country) and any warning.
    Without ``send_at`` it starts at once."""
    who = customer(bp.current_request)
    task = tasks.create(who, json_body(bp.current_request))
    if not task.scheduled:
        scheduler.start(task)
    return Response(body=view(task, tasks.live_counters(task)), status_code=201)


@bp.route("/v1/tasks", methods=["GET"])
def list_tasks():
    """Newest first; filters: status, task_id, name (contains), country, user (creator id)."""
    who = customer(bp.current_request)
    params = query(bp.current_request)
    limit, cursor = paging(bp.current_request)
    items, next_cursor = tasks.list_tasks(who, {k: params.get(k) for k in tasks.LIST_FILTERS}, limit, cursor)
    return {"tasks": [view(t) for t in items], "next_cursor": next_cursor}


@bp.route("/v1/tasks/{task_id}", methods=["GET"])
def get_task(task_id):
    task = _own(task_id)
    return view(task, tasks.live_counters(task))


@bp.route("/v1/tasks/{task_id}", methods=["PATCH"])
def edit_task(task_id):
    """Only a scheduled or paused task can be edited; 409 once it is sending or done."""
    task = _own(task_id)
    return _view(tasks.edit(customer(bp.current_request), task, json_body(bp.current_request)))


@bp.route("/v1/tasks/{task_id}/pause", methods=["POST"])
def pause_task(task_id):
    return _view(tasks.pause(_own(task_id)))


@bp.route("/v1/tasks/{task_id}/resume", methods=["POST"])
def resume_task(task_id):
    return _view(tasks.resume(_own(task_id)))


@bp.route("/v1/tasks/{task_id}/cancel", methods=["POST"])
def cancel_task(task_id):
    return _view(tasks.cancel(_own(task_id)))


def _own(task_id: str):
    return tasks.get(customer(bp.current_request), task_id)


def _view(task) -> dict:
    return view(task, tasks.live_counters(task))
