"""End-to-end: the local stack as ``make run`` starts it (``python -m devstack``), in a
subprocess on free ports, driven over HTTP with a real client."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from devstack.stack import free_port
from tests.e2e.browser import browser, lang, portal  # noqa: F401  (fixtures of the browser tests)

ROOT = Path(__file__).resolve().parents[2]
#: Access tokens live 900 s; the stack's tokens are renewed well before that.
TOKEN_REFRESH_AFTER = 600


def pytest_collection_modifyitems(config, items):
    """The OpenAPI fuzzer (marker ``fuzz``) runs last: its minutes must not use up the
    15-minute tokens of the tests after it, and nothing after it sees the accounts, mail and
    messages it leaves in the shared stack."""
    fuzz = [item for item in items if item.get_closest_marker("fuzz")]
    items[:] = [item for item in items if not item.get_closest_marker("fuzz")] + fuzz


@pytest.fixture(scope="session")
def stack():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JMC_", "AWS_")) or k == "JMC_PORTAL_DIST"}
    env.update({"PORT": str(port), "TLS_PORT": str(free_port()), "JMC_SCHEDULE_TICK": "1", "PYTHONUNBUFFERED": "1",
                "JMC_WEBHOOK_RETRY_BASE": "1",
                # csv lists over 4 KB are parsed in parallel parts (16 buckets), so a list of a
                # few thousand numbers goes through the parts queue as a 100M one would.
                "JMC_PARSE_PART_BYTES": "4096", "JMC_PARSE_BUCKETS": "16"})
    log_path = ROOT / "build" / "e2e-devstack.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, proc, log_path)
            yield Stack(base, requests.get(f"{base}/local/info", timeout=5).json(), log_path)
        finally:
            _stop(proc)
    assert proc.returncode == 0, log_path.read_text()[-3000:]


def _stop(proc: subprocess.Popen) -> None:
    """Ctrl-C, as a developer stops ``make run``; it must end within 20 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the local stack did not stop cleanly on Ctrl-C") from None


def _wait_healthy(base: str, proc, log_path: Path, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the local stack exited:\n" + log_path.read_text()[-3000:])
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError("the local stack did not become healthy:\n" + log_path.read_text()[-3000:])


class Stack:
    def __init__(self, base: str, info: dict, log_path: Path):
        self.base = base
        self.info = info
        self.log_path = log_path
        self.http = requests.Session()
        self.tokens: dict[str, dict] = {}  # login → the latest tokens it was given
        self._logins: dict[str, str] = {}  # every access token handed out → its login
        self._issued: dict[str, float] = {}  # login → when its latest access token was issued

    def call(self, method: str, path: str, json=None, token: str | None = None, auth=None, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {self.current(token)}"
        return self.http.request(method, self.base + path, json=json, headers=headers, auth=auth, timeout=15, **kw)

    def outbox(self, to: str, pattern: str, timeout: float = 20) -> str:
        """Wait for a message to ``to`` matching ``pattern``; returns the first group."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = self.call("GET", "/local/outbox", params={"to": to})
            assert reply.status_code == 200, reply.text
            for message in reply.json()["messages"]:
                found = re.search(pattern, message["body"])
                if found:
                    return found.group(1)
            time.sleep(0.3)
        raise AssertionError(f"nothing matching {pattern!r} reached {to}")

    def login(self, login: str, password: str) -> str:
        assert self.call("POST", "/v1/auth/codes", {"login": login, "purpose": "login"}).status_code == 202
        code = self.outbox(login, r"verification code is (\d{6})")
        reply = self.call("POST", "/v1/auth/login", {"login": login, "password": password, "code": code})
        assert reply.status_code == 200, reply.text
        return self._keep(login, reply.json())

    def refreshed(self, login: str) -> str:
        """A new access token for ``login`` from its refresh token, as a portal does when the
        15-minute access token runs out during a long wait."""
        reply = self.call("POST", "/v1/auth/refresh", {"refresh_token": self.tokens[login]["refresh_token"]})
        assert reply.status_code == 200, reply.text
        return self._keep(login, reply.json())

    def current(self, token: str) -> str:
        """``token``, or the one that replaced it: access tokens live 15 minutes and a session of
        tests lasts longer, so a token older than 10 minutes is refreshed first, as a portal does."""
        login = self._logins.get(token)
        if login is None:
            return token  # not one of ours (a test's own forged or stale token)
        if time.monotonic() - self._issued[login] > TOKEN_REFRESH_AFTER:
            self.refreshed(login)
        return self.tokens[login]["access_token"]

    def _keep(self, login: str, tokens: dict) -> str:
        self.tokens[login] = tokens
        self._logins[tokens["access_token"]] = login
        self._issued[login] = time.monotonic()
        return tokens["access_token"]


@pytest.fixture(scope="session")
def ops_token(stack):
    from devstack.seed import OPERATOR
    return stack.login(*OPERATOR)


@pytest.fixture(scope="session")
def demo_token(stack):
    from devstack.seed import DEMO_OWNER
    return stack.login(*DEMO_OWNER)


@pytest.fixture
def vonage_sdk(stack, monkeypatch):
    """Build official ``vonage`` SDK clients aimed at the stack's TLS port:
    ``vonage_sdk(api_key, api_secret) -> vonage.Vonage``. The SDK only speaks https, so for
    this test ``REQUESTS_CA_BUNDLE`` is the stack's local CA, as a developer would set it (any
    other ``requests`` call in the same test then trusts that CA only)."""
    import vonage
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", stack.info["ca_bundle"])
    host = stack.info["api_tls_url"].removeprefix("https://")

    def make(api_key: str, api_secret: str) -> vonage.Vonage:
        options = vonage.HttpClientOptions(rest_host=host, api_host=host, timeout=15)
        return vonage.Vonage(vonage.Auth(api_key=api_key, api_secret=api_secret), http_client_options=options)
    return make
