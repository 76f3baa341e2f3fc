"""Carrier integration: the HTTP clients for the upstream carrier (Vonage's SMS API, its
Numbers API, its Voice API) and the platform's own carrier account."""
from __future__ import annotations

import json

from .. import aws
from ..config import settings
from .numbers import NumbersClient
from .voice import VoiceClient
from .vonage import VonageClient

_client: VonageClient | None = None
_numbers_client: NumbersClient | None = None
_voice_client: VoiceClient | None = None
_credentials: dict | None = None


def platform_credentials() -> dict:
    """The platform's carrier account: ``api_key``, ``api_secret``, when Vonage signs its
    callbacks ``signature_secret``, and its voice application's ``voice_application_id``
    and ``voice_private_key`` (PEM). From the environment locally and in tests, from
    Secrets Manager (``<prefix>/carrier``) in the cloud; read once per process."""
    global _credentials
    if _credentials is None:
        cfg = settings()
        if cfg.carrier_api_key:
            _credentials = {"api_key": cfg.carrier_api_key, "api_secret": cfg.carrier_api_secret,
                            "signature_secret": cfg.dlr_signature_secret,
                            "voice_application_id": cfg.voice_application_id,
                            "voice_private_key": cfg.voice_private_key}
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


def platform_numbers_client() -> NumbersClient:
    """One keep-alive Numbers API client per process, with the SMS client's account and base URL."""
    global _numbers_client
    if _numbers_client is None:
        creds = platform_credentials()
        _numbers_client = NumbersClient(settings().carrier_url, creds["api_key"], creds["api_secret"])
    return _numbers_client


def platform_voice_client() -> VoiceClient:
    """One keep-alive Voice API client per process, signing as the platform's voice application."""
    global _voice_client
    if _voice_client is None:
        creds = platform_credentials()
        _voice_client = VoiceClient(settings().carrier_voice_url, creds["voice_application_id"],
                                    creds["voice_private_key"])
    return _voice_client


def reset() -> None:
    """Forget the cached clients and credentials (tests switch carriers between cases)."""
    global _client, _numbers_client, _voice_client, _credentials
    if _client is not None:
        _client.close()
    if _numbers_client is not None:
        _numbers_client.close()
    if _voice_client is not None:
        _voice_client.close()
    _client = _numbers_client = _voice_client = _credentials = None
