"""The one-off report backfill (issue 15): ``backfill_reports``, a Lambda function invoked by
hand, counts the messages logged before daily aggregates existed (``services.reports.backfill``;
also ``python -m scripts.backfill_reports``). Idempotent: invoke it again at will.

Event: ``{}`` for every scan segment (in threads, in one invocation), or
``{"segments": [0, 1, ...]}`` for some of them (one invocation per few segments when the
messages table is too large for one 15-minute run)."""
from __future__ import annotations

import logging

from chalice import Blueprint

from ..services import reports

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.lambda_function(name="backfill_reports")
def backfill_reports(event, context):
    segments = event.get("segments") if isinstance(event, dict) else None
    if segments is not None and not (isinstance(segments, list) and all(isinstance(s, int) for s in segments)):
        raise ValueError("segments must be a list of segment numbers")
    outcome = reports.backfill(segments)
    log.info("report backfill: %(segments)d segment(s), %(messages)d message(s), %(items)d item(s)", outcome)
    return outcome
