"""The README's first tour runs verbatim: its shell blocks, taken from README.md as printed,
run with bash against the local stack; what they did is then checked through the API, the
outbox and the carrier simulator. A README command that fails (an HTTP error, a field that
is not there, a variable never set) fails this test."""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e

SECTION = "## A first tour (curl)"
#: As a script the tour stops at its first failing command: curl fails on an HTTP error
#: (still printing the answer), and so does a failing command in a pipe or in a $(...).
STRICT = 'set -euo pipefail; shopt -s inherit_errexit\ncurl() { command curl --fail-with-body "$@"; }\n'
#: The variables the tour keeps from its answers, reported once it has run.
KEPT = ("OPS", "ACCOUNT", "TOK", "APP", "KEY", "SECRET", "MSG", "SIM", "UPLOAD", "SEND_AT", "TASK", "SIG", "TPL",
        "MAINLAND", "DOMESTIC", "NUMBER")
MAINLAND_TEXT = "【Acme】欢迎光临，今日全场八折"


def tour_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the README's tour section, in order."""
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M)


@pytest.fixture(scope="module")
def tour(stack, ops_token, tmp_path_factory):
    """Run the tour once: (the variables it kept, every JSON answer it printed). The
    session's operator logs in first (``ops_token``), so that the tour's own code for
    ops@jmc.local does not take the minute a later test's login would need."""
    blocks = tour_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 5, "the README's tour lost its shell blocks"
    _wait_for_a_code(stack, "ops@jmc.local")
    report = "".join(f'echo "TOUR {name}=${name}"\n' for name in KEPT)
    workdir = tmp_path_factory.mktemp("tour")
    env = {**os.environ, "API": stack.base, "TMPDIR": str(workdir),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # python3: this one
    try:
        # stderr too (``keep`` prints answers there), in one stream: the answers in their order.
        done = subprocess.run(["bash", "-c", STRICT + "\n".join(blocks) + report], cwd=workdir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the tour hung:\n{_tail(exc.stdout)}") from None
    (ROOT / "build" / "e2e-readme-tour.log").write_text(done.stdout)
    assert done.returncode == 0, f"a README command failed:\n{_tail(done.stdout)}"
    kept = dict(re.findall(r"^TOUR (\w+)=(.*)$", done.stdout, re.M))
    assert all(kept.get(name) for name in KEPT), kept
    return kept, _answers(done.stdout)


def _wait_for_a_code(stack, login: str) -> None:
    """A login gets one code a minute: when another test of this session had one for
    ``login`` less than a minute ago, wait until the tour may ask for its own."""
    messages = stack.call("GET", "/local/outbox", params={"to": login}).json()["messages"]
    if messages:
        last = datetime.fromisoformat(messages[0]["sent_at"].replace("Z", "+00:00"))
        time.sleep(max(0.0, (last + timedelta(seconds=62) - datetime.now(UTC)).total_seconds()))


def _tail(text: str | bytes | None) -> str:
    text = text.decode() if isinstance(text, bytes) else (text or "")
    return text[-5000:]


def _answers(output: str) -> list[dict]:
    answers = []
    for line in output.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):  # a line of text that happens to start with {
                answers.append(json.loads(line))
    return answers


def _sim(kept: dict, to: str) -> list[dict]:
    rows = requests.get(f"{kept['SIM']}/_sim/messages", params={"to": to}, timeout=10).json()["messages"]
    return [row for row in rows if row["part"] == 1]


def test_a_new_account_starts_at_zero_and_the_operator_tops_it_up(stack, tour):
    kept, answers = tour
    balances = [a["balance"] for a in answers if set(a) >= {"balance"} and "id" not in a]
    assert balances[0] == "0.00"  # GET /v1/balance before the top-up
    topup = next(a for a in answers if a.get("kind") == "topup")
    assert (topup["amount"], topup["reference"], topup["balance"]) == ("100.00", "BANK-2026-0001", "100.00")
    ledger = stack.call("GET", "/v1/ledger", token=kept["TOK"]).json()["entries"]
    assert [e["amount"] for e in ledger if e["kind"] == "topup"] == ["100.00"]


def test_the_tour_s_sms_reach_the_carrier(stack, tour):
    kept, _ = tour
    auth = (kept["KEY"], kept["SECRET"])
    message = wait_for(lambda: stack.call("GET", f"/v1/messages/{kept['MSG']}", auth=auth).json(),
                        lambda m: m["status"] in ("submitted", "delivered"))
    assert message["id"] == kept["MSG"] and message["to"] == "+447400123456"
    rows = _sim(kept, "447400123456")
    assert {row["message-id"] for row in rows if row["text"] == "Your code is 123456"} == set(message["carrier_ids"])
    assert [row["from"] for row in rows if row["text"] == "hi"] == ["Acme"]  # the Vonage-shaped send


def test_the_outbox_lists_newest_first_with_sent_at(stack, tour):
    messages = stack.call("GET", "/local/outbox", params={"to": "me@acme.example"}).json()["messages"]
    assert [re.search(r"(verification code|Initial password)", m["body"]).group(1) for m in messages] == [
        "verification code", "Initial password"]
    assert messages[0]["sent_at"] >= messages[1]["sent_at"] > "2026"


def test_the_upload_named_the_unpriced_country_until_the_operator_priced_it(stack, tour):
    kept, answers = tour
    uploaded = next(a for a in answers if a.get("upload_id") == kept["UPLOAD"])
    assert (uploaded["valid"], uploaded["invalid"], uploaded["countries"]) == (3, 1, {"GB": 2, "FR": 1})
    assert uploaded["unpriced_countries"] == {"FR": 1} and "France (FR) 1" in uploaded["unpriced_message"]["en"]
    now = stack.call("GET", f"/v1/uploads/{kept['UPLOAD']}", token=kept["TOK"]).json()
    assert now["unpriced_countries"] == {} and now["unpriced_message"] is None


def test_the_scheduled_task_waits_for_its_future_send_at_with_the_edit(stack, tour):
    kept, _ = tour
    task = stack.call("GET", f"/v1/tasks/{kept['TASK']}", token=kept["TOK"]).json()
    assert task["status"] == "scheduled" and task["content"] == "Sale today: 20% off"
    send_at = datetime.fromisoformat(task["send_at"].replace("Z", "+00:00"))
    assert send_at > datetime.now(UTC) + timedelta(minutes=5)
    assert task["estimate"]["by_country"]["FR"]["cost"] == "0.06"
    # Cancelled here, so that it does not send in the middle of later tests.
    assert stack.call("POST", f"/v1/tasks/{kept['TASK']}/cancel", token=kept["TOK"]).status_code == 200


def test_the_domestic_task_completes_and_its_numbers_reach_the_carrier(stack, tour):
    kept, _ = tour
    task = wait_for(lambda: stack.call("GET", f"/v1/tasks/{kept['DOMESTIC']}", token=kept["TOK"]).json(),
                     lambda t: t["status"] == "completed" and t["counters"]["pending"] == 0, timeout=120)
    assert task["kind"] == "domestic" and task["text"] == MAINLAND_TEXT
    assert task["counters"]["total"] == 2 and task["counters"]["submitted"] == 2
    # Other tests in the session also text 8613800138000 (a verification code, their own
    # tasks), so only this task's text is counted: exactly once per number.
    for number in ("8613800138000", "8613900139000"):
        assert [row["text"] for row in _sim(kept, number) if row["text"] == MAINLAND_TEXT] == [MAINLAND_TEXT]


def test_the_tour_s_number_was_bought_rang_and_released(stack, tour):
    kept, answers = tour
    number = kept["NUMBER"]
    bought = next(a for a in answers if a.get("msisdn") == number and "bought_at" in a and a["status"] == "active")
    rental = [e for e in stack.call("GET", "/v1/ledger", token=kept["TOK"]).json()["entries"]
              if e["kind"] == "number_rental"]
    assert [e["amount"] for e in rental] == [f"-{bought['monthly_price']}"]
    listed = next(a for a in answers if "calls" in a and a["calls"])
    [call] = listed["calls"]
    assert (call["number"], call["from"], call["direction"], call["status"], call["duration"]) == (
        number, "+447700900123", "inbound", "completed", 65)
    assert call["price"] and call["rate"]
    assert next(a for a in answers if a.get("msisdn") == number and a.get("status") == "released")
    mine = stack.call("GET", "/v1/numbers", token=kept["TOK"]).json()["numbers"]
    assert number not in {n["msisdn"] for n in mine}
