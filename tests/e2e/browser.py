"""The portal in a real browser: Playwright (Python) driving Debian's Chromium against the shared
local stack (``make test`` installs ``chromium`` and a CJK font with apt when missing).

``portal`` (a fixture, one per language) opens a fresh browser context; ``Portal.sign_in``
signs a user in as the login page does (password + the code read from the outbox), through
the UI or, for tests about other pages, through the API with the refresh token handed to the
page (the portal then refreshes silently, as on a reload). ``Portal.check`` writes the page's
screenshot under ``build/portal-screens/`` and runs axe on it: no serious or critical
violation may remain.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("JMC_CHROMIUM", "/usr/bin/chromium")
#: As root in a closed network: no sandbox, and no background connections to Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-sync", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
SCREENS = ROOT / "build" / "portal-screens"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
LANGS = ("zh", "en")
# antd (rc-motion) marks an element fading or sliding in or out with these class suffixes
MOTION = "[class*=\"-leave\"], [class*=\"-appear\"], [class*=\"-enter\"]"
#: Playwright's default is 30 s; pages here answer in well under a second, and a wait that
#: fails should fail fast.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(params=LANGS)
def lang(request) -> str:
    return request.param


@pytest.fixture
def portal(stack, browser, lang):
    context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US", viewport={"width": 1440, "height": 900},
                                  accept_downloads=True, timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    # The language the browser remembers before sign-in; a user's own choice replaces it after.
    context.add_init_script(f"localStorage.getItem('jmc.lang') || localStorage.setItem('jmc.lang', '{lang}')")
    # axe comes in as an init script: the page's own CSP (script-src 'self') refuses an
    # injected <script>, and the tests keep that CSP on so they would see what it blocks.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield Portal(stack, page, lang)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def new_customer(stack, ops_token: str, *, balance: str = "100.00", name: str = "Browser Co",
                 timezone: str = "Asia/Shanghai") -> dict:
    """An account of its own (so tests never share a 60 s code window or a balance), with its
    owner's login and initial password from the welcome email."""
    tag = uuid.uuid4().hex[:8]
    email = f"owner-{tag}@browser.example"
    created = stack.call("POST", "/v1/ops/accounts", {"name": f"{name} {tag}", "timezone": timezone,
                                                      "owner": {"email": email, "name": f"Owner {tag}"}},
                         token=ops_token)
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    if balance:
        topup = stack.call("POST", f"/v1/ops/accounts/{account_id}/topups", {"amount": balance, "reference": tag},
                           token=ops_token)
        assert topup.status_code == 201, topup.text
    password = stack.outbox(email, r"Initial password: (\S+)")
    return {"account_id": account_id, "email": email, "password": password, "tag": tag}


def new_operator(stack, ops_token: str) -> dict:
    """Another operator of the service team, so a browser test signs in with a login of its own
    (a login gets one code per 60 s, and ``ops_token`` has taken the seeded one's)."""
    tag = uuid.uuid4().hex[:8]
    email = f"operator-{tag}@jmc.local"
    created = stack.call("POST", "/v1/ops/operators", {"email": email, "name": f"Operator {tag}"}, token=ops_token)
    assert created.status_code == 201, created.text
    return {"email": email, "password": stack.outbox(email, r"Initial password: (\S+)")}


class Portal:
    def __init__(self, stack, page, lang: str):
        self.stack = stack
        self.page = page
        self.lang = lang
        self.base = f"{stack.base}/portal/"

    def t(self, zh: str, en: str) -> str:
        """The text the page shows in this test's language."""
        return zh if self.lang == "zh" else en

    def open(self, route: str = "/") -> None:
        self.page.goto(f"{self.base}#{route}")

    def sign_in(self, login: str, password: str) -> dict:
        """Signed in without the login form: a code from the outbox, tokens from the API, and
        the refresh token handed to the page, which signs in silently on load. The tokens are
        returned for the test's own API calls (a login gets one code per 60 s, so the page
        and the test share this sign-in).

        The token is set from a page of the same origin that is not the app, then the app is
        loaded once: an app already running would refresh the token it holds (the previous
        user's) or the new one, and a reload in the middle of that refresh would present a
        rotated token again, which the API refuses as a replay."""
        tokens = self._tokens(login, password)
        self.page.goto(self.stack.base + "/local/info")
        self.page.evaluate("token => localStorage.setItem('jmc.refresh', token)", tokens["refresh_token"])
        self.open("/")
        self.page.get_by_test_id("logout").wait_for()
        return tokens

    def sign_in_with_form(self, login: str, password: str, code: str | None = None) -> None:
        """The login page as a user fills it: login, password, "send code", the code."""
        self.open("/login")
        self.page.fill("#login", login)
        self.page.fill("#password", password)
        before = self._code_count(login)
        self.page.get_by_test_id("send-code").click()
        self.page.fill("#code", code or self._new_code(login, before))
        self.page.locator("button[type=submit]").click()

    def check(self, name: str) -> None:
        """The page as it stands: a screenshot in build/, and axe finds nothing serious."""
        self.page.locator("h1").first.wait_for()
        self.page.wait_for_load_state("networkidle")
        self._settle()
        SCREENS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENS / f"{name}.{self.lang}.png"), full_page=True)
        violations = self.axe()
        assert not violations, f"{name} ({self.lang}): " + json.dumps(violations, ensure_ascii=False, indent=1)

    def _settle(self) -> None:
        """Wait for antd's motions (a toast or a dialog fading in or out) to end: axe measures
        a half-transparent element's contrast as it is at that instant."""
        moving = f"() => !document.querySelector('{MOTION}')"
        # something that keeps moving (a spinner) is measured as it stands
        with contextlib.suppress(PlaywrightTimeout):
            self.page.wait_for_function(moving, timeout=10_000)

    def axe(self) -> list[dict]:
        """axe-core's serious and critical violations on the current page (WCAG 2.1 A/AA).
        A toast may start fading out while axe runs: a finding on an element that was moving
        (or is gone) by the end of the run is measured again once the motion has ended."""
        for _ in range(3):
            violations = self._axe_run()
            if not any(v["moving"] for v in violations):
                break
            self._settle()
        return [{k: v[k] for k in ("id", "impact", "help", "nodes")} for v in violations]

    def _axe_run(self) -> list[dict]:
        result = self.page.evaluate("""async (motion) => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
            const r = await axe.run(document, { runOnly: tags, elementRef: true });
            const moving = n => !n.element || !n.element.isConnected || !!n.element.closest(motion);
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({ id: v.id, impact: v.impact, help: v.help, moving: v.nodes.some(moving),
                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
        }""", MOTION)
        return list(result)

    # -- codes ---------------------------------------------------------------------------

    def _tokens(self, login: str, password: str) -> dict:
        before = self._code_count(login)
        asked = self.stack.call("POST", "/v1/auth/codes", {"login": login, "purpose": "login"})
        assert asked.status_code == 202, asked.text
        reply = self.stack.call("POST", "/v1/auth/login", {"login": login, "password": password,
                                                           "code": self._new_code(login, before)})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def _code_count(self, login: str) -> int:
        return len(self._codes(login))

    def _codes(self, login: str) -> list[str]:
        reply = self.stack.call("GET", "/local/outbox", params={"to": login})
        assert reply.status_code == 200, reply.text
        return [found.group(1) for message in reply.json()["messages"]
                if (found := re.search(r"verification code is (\d{6})", message["body"]))]

    def _new_code(self, login: str, before: int) -> str:
        """The code sent after ``before`` codes had reached ``login`` (newest first)."""
        deadline = time.time() + 20
        while time.time() < deadline:
            codes = self._codes(login)
            if len(codes) > before:
                return codes[0]
            time.sleep(0.3)
        raise AssertionError(f"no new code reached {login}")
