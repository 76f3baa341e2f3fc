"""Parsing large number lists: S3 announces each presigned upload to EventBridge (the
bucket's EventBridge notifications), and this handler parses it into chunk files."""
from __future__ import annotations

import logging

from chalice import Blueprint

from ..config import settings
from ..services import uploads

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
    outcome = uploads.parse_stored(key)
    log.info("upload %s: %s", key, outcome)
