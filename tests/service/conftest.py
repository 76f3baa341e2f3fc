"""Service tests: the real app, PynamoDB models and boto3 against moto in-process, with
the resources created from infra/template.json; the carrier is the simulator over HTTP."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def carrier_sim():
    from carrier_sim.server import CarrierSimulator
    sim = CarrierSimulator(api_key="platform-key", api_secret="platform-secret")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def aws(carrier_sim, monkeypatch):
    monkeypatch.setenv("JMC_CARRIER_URL", carrier_sim.url)
    monkeypatch.setenv("JMC_CARRIER_API_KEY", "platform-key")
    monkeypatch.setenv("JMC_CARRIER_API_SECRET", "platform-secret")
    from chalicelib import aws as aws_clients
    from chalicelib import carrier
    from chalicelib.config import settings
    from chalicelib.services import keys, webhooks
    settings.cache_clear()
    webhooks.reset()
    from devstack.moto_fixes import serialise_dynamodb
    serialise_dynamodb()
    with mock_aws():
        from devstack.provision import provision_stack
        provision_stack(ROOT / "infra" / "template.json", {"Stage": "local"})
        aws_clients.reset()
        keys.reset()
        carrier.reset()
        yield
        aws_clients.reset()
    settings.cache_clear()


@pytest.fixture
def app(aws):
    from app import app as chalice_app
    return chalice_app


@pytest.fixture
def client(app):
    from chalice.test import Client
    with Client(app, stage_name="local") as test_client:
        yield Api(test_client)


class Api:
    """A small JSON wrapper around chalice's test client."""

    def __init__(self, test_client):
        self.raw = test_client

    def call(self, method: str, path: str, body=None, token: str | None = None,
             basic: tuple[str, str] | None = None, headers: dict | None = None, raw_body: bytes | None = None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if basic:
            all_headers["Authorization"] = "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
        response = getattr(self.raw.http, method.lower())(path, headers=all_headers, body=data)
        return Reply(response.status_code, response.headers, response.body)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def post_form(self, path, fields: dict, **kw):
        """POST ``fields`` form-encoded, as Vonage's APIs take them."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", **kw.pop("headers", {})}
        return self.call("POST", path, raw_body=urlencode(fields).encode(), headers=headers, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


class Reply:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:300]!r}>"


@pytest.fixture
def small_chunks(monkeypatch, aws):
    """Task chunks of 4 numbers, so a handful of numbers spans several tickets."""
    from chalicelib.config import settings
    monkeypatch.setenv("JMC_TASK_CHUNK_SIZE", "4")
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def seeded(aws):
    """The local seed data: an operator and Demo Co (owner, app, balance, prices)."""
    from devstack.seed import seed
    return seed()


@pytest.fixture
def ops_token(client, app, seeded):
    from devstack.seed import OPERATOR
    from tests.service.helpers import login
    return login(client, app, *OPERATOR)["access_token"]


@pytest.fixture
def demo_token(client, app, seeded):
    from devstack.seed import DEMO_OWNER
    from tests.service.helpers import login
    return login(client, app, *DEMO_OWNER)["access_token"]
