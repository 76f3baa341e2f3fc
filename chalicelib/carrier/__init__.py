"""Carrier integration: the HTTP client for the upstream SMS carrier (Vonage's SMS API) and
the platform's own carrier account."""
from __future__ import annotations

import json

from .. import aws
from ..config import settings
from .vonage import VonageClient

_client: VonageClient | None = None
_credentials: dict | None = None


def platform_credentials() -> dict:
    """The platform's carrier account: ``api_key``, ``api_secret`` and, when Vonage signs its
    callbacks, ``signature_secret``. From the environment locally and in tests, from
    Secrets Manager (``<prefix>/carrier``) in the cloud; read once per process."""
    global _credentials
    if _credentials is None:
        cfg = settings()
        if cfg.carrier_api_key:
            _credentials = {"api_key": cfg.carrier_api_key, "api_secret": cfg.carrier_api_secret,
                            "signature_secret": cfg.dlr_signature_secret}
        else:
            _credentials = json.loads(aws.client("secretsmanager").get_secret_value(
                SecretId=cfg.carrier_secret_id)["SecretString"])
    return _credentials


def platform_client() -> VonageClient:
    """One keep-alive client per process (a Lambda container reuses it across invocations)."""
    global _client
    if _client is None:
        creds = platform_credentials()
        _client = VonageClient(settings().carrier_url, creds["api_key"], creds["api_secret"])
    return _client


def reset() -> None:
    """Forget the cached client and credentials (tests switch carriers between cases)."""
    global _client, _credentials
    if _client is not None:
        _client.close()
    _client = _credentials = None
