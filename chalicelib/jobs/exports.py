"""Exports (下载中心): ``run_exports`` works the ``exports`` queue (plan, segments, the
finaliser); ``resume_stalled_exports`` (every five minutes) resends the work of exports whose
workers all stopped, and fails those that keep stopping."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from ..config import settings
from ..services import exports
from .sqs import process_batch, step_handler

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=settings().queue(exports.QUEUE), batch_size=1)
def run_exports(event):
    process_batch(event, exports.QUEUE, step_handler(exports.handle, "export", "export_id", ("segment",)))


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def resume_stalled_exports(event):
    outcome = exports.resume_stalled()
    if outcome["resumed"] or outcome["failed"]:
        log.warning("stalled exports: %(resumed)d resumed, %(failed)d failed", outcome)
