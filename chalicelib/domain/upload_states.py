"""The states of a number upload (pure).

``uploading`` (waiting for its file: a presigned upload) → ``parsing`` → ``ready`` | ``failed``.
A parse whose file was fine but whose worker failed on AWS hands the upload back to
``uploading`` so the S3 event's retry parses it again.
"""
from __future__ import annotations

from typing import Final

UPLOADING: Final = "uploading"
PARSING: Final = "parsing"
READY: Final = "ready"
FAILED: Final = "failed"

ALL = (UPLOADING, PARSING, READY, FAILED)
