"""Settings: the one place that reads the environment.

Every AWS resource name the code uses is derived here from ``JMC_RESOURCE_PREFIX``
(``jmc-<stage>``), and ``infra/template.json`` names the same resources from its ``Stage``
parameter; ``tests/infra`` proves the two agree. Table names are read at import time
(PynamoDB fixes them on class definition), so the environment must be set before import.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

#: DynamoDB tables, by logical name (the physical name is ``<prefix>-<name>``).
TABLES = ("accounts", "logins", "auth", "sessions", "ledger", "pricing", "countries", "audit",
          "messages", "blacklist", "webhooks", "ratelimits", "tasks", "reports", "numbers", "calls")
#: SQS queues; each has a dead-letter queue named ``<prefix>-<name>-dlq``.
QUEUES = ("notifications", "dispatch", "webhooks", "tasks", "uploads", "exports")
CLOUD_STAGES = ("dev", "prod")


@dataclass(frozen=True)
class Settings:
    stage: str
    prefix: str
    region: str
    files_bucket: str
    mail_from: str
    carrier_url: str
    carrier_api_key: str | None
    carrier_api_secret: str | None
    carrier_sender: str
    token_secret: str | None
    aws_endpoint_url: str | None
    carrier_tps: int = 30
    dlr_callback_url: str | None = None
    dlr_signature_secret: str | None = None
    carrier_voice_url: str = "https://api.nexmo.com"
    voice_application_id: str | None = None
    voice_private_key: str | None = None
    webhook_retry_base: float = 30.0
    webhook_timeout: float = 5.0
    task_chunk_size: int = 1000
    task_work_seconds: float = 240.0
    parse_part_bytes: int = 16 * 1024 * 1024
    parse_buckets: int = 256
    export_retention_days: int = 7
    export_segment_rows: int = 500_000
    export_page_rows: int = 1000
    number_markup: str = "1.30"
    number_grace_days: int = 7
    voice_event_url: str | None = None
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    def table(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def queue(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def dead_letter_queue(self, name: str) -> str:
        return f"{self.prefix}-{name}-dlq"

    @property
    def kms_key_alias(self) -> str:
        return f"alias/{self.prefix}-secrets"

    @property
    def token_secret_id(self) -> str:
        return f"{self.prefix}/token-signing-key"

    @property
    def carrier_secret_id(self) -> str:
        return f"{self.prefix}/carrier"


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
def _env(name: str, default: str | None = None) -> str | None:
    """The variable's value; ``default`` when it is unset or empty."""
    value = os.environ.get(name)
    return value if value else default


@lru_cache(maxsize=1)
def settings() -> Settings:
    stage = _env("JMC_STAGE", "local")
    prefix = _env("JMC_RESOURCE_PREFIX", f"jmc-{stage}")
    return Settings(
        stage=stage,
        prefix=prefix,
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        files_bucket=_env("JMC_FILES_BUCKET", f"{prefix}-files"),
        mail_from=_env("JMC_MAIL_FROM", "no-reply@jmc.local"),
        carrier_url=_env("JMC_CARRIER_URL", "https://rest.nexmo.com"),
        carrier_api_key=_env("JMC_CARRIER_API_KEY"),
        carrier_api_secret=_env("JMC_CARRIER_API_SECRET"),
        carrier_sender=_env("JMC_CARRIER_SENDER", "JMC"),
        token_secret=_env("JMC_TOKEN_SECRET"),
        aws_endpoint_url=_env("AWS_ENDPOINT_URL"),
        # Vonage's default is 30 requests/s per key; the limiter counts segments against it.
        carrier_tps=int(_env("JMC_CARRIER_TPS", "30")),
        # Where the carrier posts delivery receipts (our /webhooks/vonage/dlr); unset in the
        # cloud means the Vonage account's default callback applies.
        dlr_callback_url=_env("JMC_DLR_CALLBACK_URL"),
        dlr_signature_secret=_env("JMC_DLR_SIGNATURE_SECRET"),
        # Vonage's Voice API (call records) and the platform's voice application: its id and
        # RSA private key (PEM) sign the API's JWTs. Env locally and in tests; in the cloud
        # both are in the carrier secret.
        carrier_voice_url=_env("JMC_CARRIER_VOICE_URL", "https://api.nexmo.com"),
        voice_application_id=_env("JMC_VOICE_APPLICATION_ID"),
        voice_private_key=_env("JMC_VOICE_PRIVATE_KEY"),
        # Customer webhooks: first retry after this many seconds, doubling (1 h cap) for 24 h.
        webhook_retry_base=float(_env("JMC_WEBHOOK_RETRY_BASE", "30")),
        webhook_timeout=float(_env("JMC_WEBHOOK_TIMEOUT", "5")),
        # Bulk tasks: numbers per chunk file (one work ticket each), and how long one chunk
        # worker sends before it hands the rest of its chunk to a fresh ticket (under the
        # 300 s Lambda timeout of send_chunks).
        task_chunk_size=int(_env("JMC_TASK_CHUNK_SIZE", "1000")),
        task_work_seconds=float(_env("JMC_TASK_WORK_SECONDS", "240")),
        # Large csv lists: bytes per parse part (16 MB is about a million numbers, two or
        # three minutes of one worker) and the hash buckets the parts share for dedupe.
        parse_part_bytes=int(_env("JMC_PARSE_PART_BYTES", str(16 * 1024 * 1024))),
        parse_buckets=int(_env("JMC_PARSE_BUCKETS", "256")),
        # Exports: files are kept this many days (the bucket's lifecycle rule in
        # infra/template.json says the same; a test holds them together); a messages export
        # is cut into segments of about this many rows, one worker each.
        export_retention_days=int(_env("JMC_EXPORT_RETENTION_DAYS", "7")),
        export_segment_rows=int(_env("JMC_EXPORT_SEGMENT_ROWS", "500000")),
        # Numbers: our monthly price is the carrier's cost times this, unless an operator set
        # one for the country and type; a number whose renewal went unpaid is suspended, then
        # released this many days later.
        number_markup=_env("JMC_NUMBER_MARKUP", "1.30"),
        number_grace_days=int(_env("JMC_NUMBER_GRACE_DAYS", "7")),
        # Where the carrier posts a bought number's call events (our
        # /webhooks/vonage/voice/events); unset means the Vonage application's event URL.
        voice_event_url=_env("JMC_VOICE_EVENT_URL"),
    )
