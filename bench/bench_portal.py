"""The portal's budgets: initial JS ≤ 350 KB gzip with every page lazy, and the first page
interactive on the local stack within 2 s.

    make portal && .venv/bin/python bench/bench_portal.py

The bundle figures come from the build's manifest (web/dist/.vite/manifest.json): the entry
and the chunks it imports statically are what the first page loads; every route's page must be
a dynamic entry of its own. The time figures start the local stack (``python -m devstack``, as
``make run`` does) and open the portal in Debian's chromium with a cold cache, five times each:
the login page until its form takes input, and a signed-in dashboard until its figures show.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DIST = Path(os.environ.get("JMC_PORTAL_DIST") or ROOT / "web" / "dist")
INITIAL_BUDGET_KB = 350
INTERACTIVE_BUDGET_S = 2.0
RUNS = 5


def gzip_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1024


def bundle_figures() -> None:
    manifest = json.loads((DIST / ".vite" / "manifest.json").read_text())
    entry = next(key for key, chunk in manifest.items() if chunk.get("isEntry"))
    initial: list[str] = []

    def walk(key: str) -> None:
        if key in initial:
            return
        initial.append(key)
        for imported in manifest[key].get("imports", []):
            walk(imported)
    walk(entry)
    initial_kb = sum(gzip_kb(DIST / manifest[key]["file"]) for key in initial)
    css_kb = sum(gzip_kb(DIST / css) for key in initial for css in manifest[key].get("css", []))
    print(f"initial JS (gzip):          {initial_kb:8.1f} KB in {len(initial)} chunks "
          f"(budget {INITIAL_BUDGET_KB} KB: {initial_kb / INITIAL_BUDGET_KB:.2f} of it); CSS {css_kb:.1f} KB")
    pages = {key: chunk for key, chunk in manifest.items() if chunk.get("isDynamicEntry")}

    def fetched_on_open(key: str, seen: set[str]) -> float:
        """What opening a page fetches beyond the initial load: its chunk and the shared ones."""
        if key in seen or key in initial:
            return 0.0
        seen.add(key)
        shared = manifest[key].get("imports", [])
        return gzip_kb(DIST / manifest[key]["file"]) + sum(fetched_on_open(i, seen) for i in shared)
    sizes = sorted(((fetched_on_open(key, set()), key) for key in pages), reverse=True)
    print(f"lazy pages:                 {len(pages):8d} chunks; most fetched on first open "
          + ", ".join(f"{Path(key).stem} {kb:.1f} KB" for kb, key in sizes[:3]))
    routes = [p for p in (ROOT / "web" / "src" / "pages").glob("*/*Page.tsx")]
    eager = [str(p.relative_to(ROOT / "web")) for p in routes if str(p.relative_to(ROOT / "web")) in initial]
    print(f"pages in the initial load:  {len(eager):8d}" + (f" ({', '.join(eager)})" if eager else ""))


def interactive_figures() -> None:
    from devstack.seed import DEMO_OWNER
    from devstack.stack import free_port
    from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JMC_", "AWS_")) or k == "JMC_PORTAL_DIST"}
    env.update({"PORT": str(port), "TLS_PORT": str(free_port())})
    with open(ROOT / "build" / "bench-portal-devstack.log", "w") as log:
        stack = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base)
        tokens = _login(base, *DEMO_OWNER)
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            login = [_time_login(browser, base) for _ in range(RUNS)]
            home = []
            for _ in range(RUNS):
                home.append(_time_home(browser, base, tokens["refresh_token"]))
                tokens = {"refresh_token": home[-1][1]}
            browser.close()
        _report("login page interactive", login)
        _report("dashboard with figures", [seconds for seconds, _ in home])
    finally:
        stack.send_signal(2)
        stack.wait(timeout=30)


def _report(name: str, seconds: list[float]) -> None:
    median = statistics.median(seconds)
    print(f"{name + ':':27s} {median:8.3f} s median of {len(seconds)} cold loads (max {max(seconds):.3f} s; "
          f"budget {INTERACTIVE_BUDGET_S} s: {median / INTERACTIVE_BUDGET_S:.2f} of it)")


def _time_login(browser, base: str) -> float:
    context = browser.new_context()
    page = context.new_page()
    started = time.perf_counter()
    page.goto(f"{base}/portal/#/login")
    page.locator("#login").fill("timing@example.com")  # waits until the input is there and editable
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def _time_home(browser, base: str, refresh_token: str) -> tuple[float, str]:
    """A reload of a signed-in user: silent refresh, /v1/me, then the dashboard's figures."""
    context = browser.new_context()
    context.add_init_script(f"localStorage.setItem('jmc.refresh', {json.dumps(refresh_token)})")
    page = context.new_page()
    started = time.perf_counter()
    page.goto(f"{base}/portal/#/")
    page.get_by_test_id("home-sent").locator(".ant-statistic-content-value").filter(has_text=re.compile(r"\d")).wait_for()
    seconds = time.perf_counter() - started
    rotated = page.evaluate("localStorage.getItem('jmc.refresh')")
    context.close()
    return seconds, rotated


def _wait_healthy(base: str, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("the local stack did not start (build/bench-portal-devstack.log)")


def _login(base: str, login: str, password: str) -> dict:
    assert requests.post(f"{base}/v1/auth/codes", json={"login": login, "purpose": "login"}, timeout=10).ok
    deadline = time.time() + 20
    while time.time() < deadline:
        for message in requests.get(f"{base}/local/outbox", params={"to": login}, timeout=10).json()["messages"]:
            found = re.search(r"verification code is (\d{6})", message["body"])
            if found:
                reply = requests.post(f"{base}/v1/auth/login", json={"login": login, "password": password,
                                                                      "code": found.group(1)}, timeout=10)
                reply.raise_for_status()
                return reply.json()
        time.sleep(0.3)
    raise SystemExit(f"no code reached {login}")


if __name__ == "__main__":
    bundle_figures()
    interactive_figures()
