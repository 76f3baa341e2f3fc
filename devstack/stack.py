"""The embedded local stack: moto's server, our resources, the carrier simulator, the API
and the event runner, all in this one process (so Ctrl-C leaves nothing behind).

Order matters: the environment (endpoint, stage, resource names) must be set before the
app is imported, because table and queue names are fixed at import time.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets as secrets_module
import shutil
import socket
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.json"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
REGION = "us-east-1"

log = logging.getLogger("devstack")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def stage_environment(stage: str = "local") -> dict[str, str]:
    """The stage's environment variables from .chalice/config.json, as Lambda gets them."""
    config = json.loads(CHALICE_CONFIG.read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def voice_application() -> dict[str, str]:
    """A new voice application for the local carrier account: its id and RSA private key
    (PKCS#8 PEM, the form Vonage hands out and its SDKs read)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"voice_application_id": str(uuid.uuid4()), "voice_private_key": pem}


def public_key_of(private_key_pem: str) -> str:
    """The public half (PEM) of a private key, what Vonage keeps for an application."""
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass
class LocalStack:
    api_port: int = 8000
    tls_port: int = 8443
    host: str = "127.0.0.1"
    schedule_tick: float = 5.0
    seed: bool = True
    info: dict[str, str] = field(default_factory=dict)

    def start(self) -> LocalStack:
        self._start_moto()
        self._configure_environment()
        from devstack.provision import provision_stack
        provision_stack(TEMPLATE, {"Stage": "local"}, endpoint_url=self.aws_endpoint_url, region=REGION)
        self._start_carrier()
        from app import app
        self.app = app
        self.seeded = None
        if self.seed:
            from devstack.seed import seed
            self.seeded = seed()
        self._start_api()
        from devstack.runner import EventRunner
        self.runner = EventRunner(app, region=REGION, schedule_tick=self.schedule_tick)
        self.runner.start()
        self.info = {"api_url": self.api_url, "api_tls_url": self.api_tls_url, "ca_bundle": str(self.tls.ca_bundle),
                     "aws_endpoint_url": self.aws_endpoint_url, "carrier_url": self.carrier.url}
        return self

    def stop(self) -> None:
        """Stop in reverse order; each part joins its threads."""
        for step in (lambda: self.runner.stop(), lambda: self._api_server.shutdown(),
                     lambda: self._api_server.server.server_close(), lambda: self._tls_server.shutdown(),
                     lambda: self._tls_server.server.server_close(), lambda: self.carrier.stop(),
                     lambda: self.moto.stop(), self._remove_tls_files):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                log.warning("while stopping: %s", exc)

    def _remove_tls_files(self) -> None:
        """The CA is remade at every start; its key should not outlive the stack. The parent
        (``build/devstack-tls``) goes too, unless another stack's directory is still in it."""
        shutil.rmtree(self.tls_dir, ignore_errors=True)
        # rmdir refuses a directory that is not empty: another stack side by side still has its CA there.
        with contextlib.suppress(OSError):
            self.tls_dir.parent.rmdir()

    # --- parts -----------------------------------------------------------------------------

    def _start_moto(self) -> None:
        from devstack.moto_process import MotoProcess
        self.moto = MotoProcess(self.host, free_port(self.host)).start()
        self.aws_endpoint_url = self.moto.url

    def _configure_environment(self) -> None:
        from devstack import tls
        self.api_url = f"http://{self.host}:{self.api_port}"
        self.voice_event_url = f"{self.api_url}/webhooks/vonage/voice/events"
        self.api_tls_url = f"https://{self.host}:{self.tls_port}"
        # One directory per API port, so stacks side by side (tests) keep their own CA.
        self.tls_dir = ROOT / "build" / "devstack-tls" / str(self.api_port)
        self.tls = tls.create(self.tls_dir)
        os.environ.update(stage_environment("local"))
        os.environ.update({
            "AWS_ENDPOINT_URL": self.aws_endpoint_url, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_XRAY_SDK_ENABLED": "false", "JMC_API_URL": self.api_url,
            "JMC_API_TLS_URL": self.api_tls_url, "JMC_CA_BUNDLE": str(self.tls.ca_bundle),
            # The simulator posts delivery receipts to our Vonage-format endpoint.
            "JMC_DLR_CALLBACK_URL": f"{self.api_url}/webhooks/vonage/dlr",
            # ... and call events to our voice endpoint (set on the numbers we buy).
            "JMC_VOICE_EVENT_URL": self.voice_event_url,
        })
        # Locally the carrier is our simulator: a budget above Vonage's default 30/s keeps
        # demos and bulk tests quick (set JMC_CARRIER_TPS to try the real one).
        os.environ.setdefault("JMC_CARRIER_TPS", "200")
        os.environ.setdefault("JMC_WEBHOOK_RETRY_BASE", "5")  # see webhook retries within a demo

    def _start_carrier(self) -> None:
        """The simulator accepts the platform's own carrier credentials from Secrets Manager
        and knows the public key of the platform's voice application (made here, kept in
        the same secret, as ops keep the real one); call events go to our voice endpoint.
        It signs receipts and call events with the account's signature secret, made here
        too, so the local stack verifies them as the cloud does (unsigned events are refused)."""
        import boto3

        from carrier_sim.server import CarrierSimulator
        from chalicelib.config import settings
        secrets = boto3.client("secretsmanager", region_name=REGION)
        creds = json.loads(secrets.get_secret_value(SecretId=settings().carrier_secret_id)["SecretString"])
        if not creds.get("voice_private_key") or not creds.get("signature_secret"):
            creds.update(voice_application(), signature_secret=secrets_module.token_urlsafe(32))
            secrets.put_secret_value(SecretId=settings().carrier_secret_id, SecretString=json.dumps(creds))
        self.carrier = CarrierSimulator(host=self.host, port=0, api_key=creds["api_key"],
                                        api_secret=creds["api_secret"])
        self.carrier.configure(voice_applications={creds["voice_application_id"]: public_key_of(
            creds["voice_private_key"])}, voice_event_url=self.voice_event_url,
            signature_secret=creds["signature_secret"])
        self.carrier.start()
        os.environ["JMC_CARRIER_URL"] = self.carrier.url
        os.environ["JMC_CARRIER_VOICE_URL"] = self.carrier.url  # one simulator plays both Vonage hosts
        settings.cache_clear()

    def _start_api(self) -> None:
        """Chalice's local server, built by devstack.tls (not chalice's create_local_server,
        whose server class cannot be chosen) so that it takes bursts of connections."""
        from chalice.config import Config

        from devstack.tls import http_server
        config = Config.create(chalice_stage="local", app_name="jmc",
                               environment_variables=stage_environment("local"))
        self._api_server = http_server(self.app, config, self.host, self.api_port)
        self._api_thread = threading.Thread(target=self._api_server.serve_forever, name="api", daemon=True)
        self._api_thread.start()
        self._start_tls_api(config)

    def _start_tls_api(self, config) -> None:
        """The same app over HTTPS with the local CA: the official Vonage SDK speaks https only."""
        from devstack.tls import https_server
        self._tls_server = https_server(self.app, config, self.host, self.tls_port, self.tls)
        # .server.serve_forever: LocalDevServer's own would print "Serving on http://..."
        self._tls_thread = threading.Thread(target=self._tls_server.server.serve_forever, name="api-tls",
                                            daemon=True)
        self._tls_thread.start()
