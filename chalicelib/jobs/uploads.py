"""Parsing number lists uploaded to S3: S3 announces each presigned upload to EventBridge
(the bucket's EventBridge notifications) and ``parse_uploaded_numbers`` parses it, or, for a
large csv, splits it into tickets that ``parse_number_parts`` workers take in parallel.
``resume_stalled_uploads`` (every five minutes) resumes a parse whose workers all died."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from ..config import settings
from ..services import upload_parts, uploads
from .sqs import process_batch, step_handler

log = logging.getLogger(__name__)

bp = Blueprint(__name__)

UPLOAD_CREATED = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": [settings().files_bucket]},
               "object": {"key": [{"prefix": uploads.UPLOADS_PREFIX}]}},
}


@bp.on_cw_event(UPLOAD_CREATED)
def parse_uploaded_numbers(event):
    key = event.detail["object"]["key"]
    outcome = upload_parts.parse_stored(key)
    log.info("upload %s: %s", key, outcome)


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def resume_stalled_uploads(event):
    outcome = upload_parts.resume_stalled()
    if outcome["resumed"] or outcome["failed"]:
        log.warning("stalled uploads: %(resumed)d resumed, %(failed)d failed", outcome)


@bp.on_sqs_message(queue=settings().queue(upload_parts.QUEUE), batch_size=1)
def parse_number_parts(event):
    process_batch(event, upload_parts.QUEUE, step_handler(upload_parts.handle, "upload", "upload_id",
                                                          ("part", "bucket")))
