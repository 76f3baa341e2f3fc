"""X-Ray, behind one small module so a move to OpenTelemetry touches one file.

In Lambda (``"xray": true`` on cloud stages) the SDK patches what we call: botocore
(boto3) and PynamoDB. Locally and in tests ``AWS_XRAY_SDK_ENABLED=false`` turns the SDK
off silently; outside Lambda we never patch, so nothing tries to reach a daemon.
"""
from __future__ import annotations

import os

_PATCHED = False


def enabled() -> bool:
    return (os.environ.get("AWS_XRAY_SDK_ENABLED", "true").lower() != "false"
            and bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")))


def install() -> bool:
    """Patch boto3 and PynamoDB for tracing when running in Lambda. Idempotent."""
    global _PATCHED
    if _PATCHED or not enabled():
        return _PATCHED
    from aws_xray_sdk.core import patch
    patch(("botocore", "pynamodb"))
    _PATCHED = True
    return True
