"""What a bench on moto in-process needs before anything imports chalicelib: the local
stage's settings, dummy credentials, and no endpoint pointing at a running stack."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def use_moto_in_process() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.update({"JMC_STAGE": "local", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench", "AWS_XRAY_SDK_ENABLED": "false",
                       "JMC_TOKEN_SECRET": "bench-key", "JMC_CARRIER_URL": "http://127.0.0.1:9"})
    for name in ("AWS_ENDPOINT_URL", "JMC_RESOURCE_PREFIX"):
        os.environ.pop(name, None)
