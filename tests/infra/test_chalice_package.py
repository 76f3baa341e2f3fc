"""``chalice package --stage dev`` builds the real project into a SAM template wired to our
resources: traced functions, the notifications queue as an event source, our IAM policy."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICE = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())"]


def _copy_project(dest: Path) -> Path:
    """What Chalice packages, without local caches (.chalice/deployments, __pycache__)."""
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments")
    for name in ("app.py", "requirements.txt"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("chalicelib", ".chalice"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def test_package_dev_stage(tmp_path):
    project, out = _copy_project(tmp_path / "project"), tmp_path / "out"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("JMC_") and k not in ("AWS_ENDPOINT_URL", "AWS_PROFILE")}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    result = subprocess.run([*CHALICE, "package", "--stage", "dev", str(out)], cwd=project,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    resources = json.loads((out / "sam.json").read_text())["Resources"]
    functions = {k: r["Properties"] for k, r in resources.items()
                 if r["Type"] == "AWS::Serverless::Function"}
    assert "APIHandler" in functions and "SendNotifications" in functions
    for props in functions.values():
        assert props["Tracing"] == "Active"
        assert props["Environment"]["Variables"]["JMC_RESOURCE_PREFIX"] == "jmc-dev"

    for name, queue in (("SendNotifications", "notifications"), ("DispatchMessages", "dispatch"),
                        ("DeliverWebhooks", "webhooks")):
        worker = functions[name]
        assert worker["Timeout"] == 30
        sqs = [e["Properties"] for e in worker["Events"].values() if e["Type"] == "SQS"]
        assert len(sqs) == 1 and sqs[0]["Queue"]["Fn::Sub"].endswith(f":jmc-dev-{queue}")
    assert functions["DispatchMessages"]["ReservedConcurrentExecutions"] == 50
    schedules = [e for e in functions["SweepPending"]["Events"].values() if e["Type"] == "Schedule"]
    assert [e["Properties"]["Schedule"] for e in schedules] == ["rate(1 minute)"]

    policy = json.loads((ROOT / ".chalice" / "policy-dev.json").read_text())
    roles = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert roles and all(r["Policies"][0]["PolicyDocument"] == policy for r in roles)
    api = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Serverless::Api"]
    assert [a["StageName"] for a in api] == ["api"]
