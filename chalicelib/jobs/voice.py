"""The voice call log's reconciliation (EventBridge, every 5 minutes): the carrier's call
records since the last complete pass, folded into the log, so a call whose webhooks were
all lost is still recorded (``services.voice.reconcile``)."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from ..services import voice

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def reconcile_calls(event):
    outcome = voice.reconcile()
    log.info("voice reconciliation since %(since)s: %(calls)d call(s), %(recorded)d recorded, %(updated)d "
             "updated, %(dropped)d dropped; watermark %(watermark)s (moved: %(moved)s)", outcome)
