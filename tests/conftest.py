"""Test environment: set before anything imports the app (table and queue names are fixed
at import time). Service tests run moto in-process (``mock_aws``); end-to-end tests start
the local stack in a subprocess and talk to it over HTTP."""
from __future__ import annotations

import os

os.environ.update({
    "JMC_STAGE": "local", "JMC_RESOURCE_PREFIX": "jmc-local",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_XRAY_SDK_ENABLED": "false", "JMC_TOKEN_SECRET": "test-signing-key-not-for-production",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# Tests that count AWS calls need the botocore hook on every client, so it goes in first.
import devstack.aws_calls  # noqa: F401
