"""infra/template.json and .chalice/ name exactly the resources chalicelib/config.py derives."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from chalicelib import config

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.json"
CHALICE_DIR = ROOT / ".chalice"
STAGES = ("local", "dev", "prod")

#: Resource type -> the property holding its physical name.
NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::SecretsManager::Secret": "Name",
}


def _template() -> dict:
    return json.loads(TEMPLATE.read_text())


def _chalice_config() -> dict:
    return json.loads((CHALICE_DIR / "config.json").read_text())


def _stage_env(stage: str) -> dict[str, str]:
    cfg = _chalice_config()
    return {**cfg.get("environment_variables", {}),
            **cfg["stages"][stage].get("environment_variables", {})}


def _resolve_name(value, stage: str) -> str:
    """A name property: a literal or an ``Fn::Sub`` over ``${Stage}`` only."""
    if isinstance(value, dict):
        value = value["Fn::Sub"]
    assert isinstance(value, str), value
    resolved = value.replace("${Stage}", stage)
    assert "${" not in resolved, f"name depends on more than the stage: {value}"
    return resolved


def _template_names(stage: str) -> dict[str, set[str]]:
    """Physical names per resource type, for one stage."""
    names: dict[str, set[str]] = {t: set() for t in NAME_PROPERTY}
    for spec in _template()["Resources"].values():
        prop = NAME_PROPERTY.get(spec["Type"])
        if prop:
            names[spec["Type"]].add(_resolve_name(spec["Properties"][prop], stage))
    return names


def _settings_for(env: dict[str, str], monkeypatch) -> config.Settings:
    for name in ("JMC_STAGE", "JMC_RESOURCE_PREFIX", "JMC_FILES_BUCKET", "JMC_MAIL_FROM",
                 "JMC_CARRIER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config.settings.cache_clear()
    try:
        return config.settings()
    finally:
        config.settings.cache_clear()


def _expected(cfg: config.Settings) -> dict[str, set[str]]:
    return {
        "AWS::DynamoDB::Table": {cfg.table(t) for t in config.TABLES},
        "AWS::SQS::Queue": {cfg.queue(q) for q in config.QUEUES}
                           | {cfg.dead_letter_queue(q) for q in config.QUEUES},
        "AWS::S3::Bucket": {cfg.files_bucket},
        "AWS::KMS::Alias": {cfg.kms_key_alias},
        "AWS::SecretsManager::Secret": {cfg.token_secret_id, cfg.carrier_secret_id},
    }


def test_template_lints_clean():
    problems = [f"{m.rule.id} {m.message} ({m.linenumber})" for m in lint_file(TEMPLATE)]
    assert problems == []


def test_template_stage_parameter():
    stage = _template()["Parameters"]["Stage"]
    assert sorted(stage["AllowedValues"]) == sorted(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_template_names_match_config(stage, monkeypatch):
    """Every name config derives is in the template, and the template has no others."""
    cfg = _settings_for({"JMC_STAGE": stage}, monkeypatch)
    assert _template_names(stage) == _expected(cfg)


@pytest.mark.parametrize("stage", STAGES)
def test_chalice_stage_env_produces_template_names(stage, monkeypatch):
    env = _stage_env(stage)
    assert env["JMC_STAGE"] == stage
    assert env["JMC_RESOURCE_PREFIX"] == f"jmc-{stage}"
    cfg = _settings_for(env, monkeypatch)
    assert cfg.stage == stage and cfg.prefix == f"jmc-{stage}"
    assert _template_names(stage) == _expected(cfg)


def test_local_stage_leaves_carrier_url_and_xray_to_the_runner():
    stage = _chalice_config()["stages"]["local"]
    assert stage["xray"] is False
    assert stage["environment_variables"]["AWS_XRAY_SDK_ENABLED"] == "false"
    assert "JMC_CARRIER_URL" not in _stage_env("local")


@pytest.mark.parametrize("stage", config.CLOUD_STAGES)
def test_cloud_stage_settings(stage):
    cfg = _chalice_config()
    spec = cfg["stages"][stage]
    assert spec["xray"] is True
    assert spec["api_gateway_stage"] == "api"
    assert cfg["autogen_policy"] is False and spec.get("autogen_policy", False) is False
    assert (CHALICE_DIR / spec["iam_policy_file"]).is_file()
    assert _stage_env(stage)["JMC_CARRIER_URL"].startswith("https://")


@pytest.mark.parametrize("stage", config.CLOUD_STAGES)
def test_queue_visibility_covers_consumer_timeout(stage):
    """AWS advises a visibility timeout of at least 6x the consuming function's timeout."""
    spec = _chalice_config()["stages"][stage]
    functions = spec["lambda_functions"]
    queues = {res["Properties"]["QueueName"]["Fn::Sub"]: res["Properties"]
              for res in _template()["Resources"].values()
              if res["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in res["Properties"]}
    assert set(queues) == {f"jmc-${{Stage}}-{q}" for q in QUEUE_CONSUMERS}
    for queue, consumer in QUEUE_CONSUMERS.items():
        timeout = functions[consumer].get("lambda_timeout", spec["lambda_timeout"])
        assert queues[f"jmc-${{Stage}}-{queue}"]["VisibilityTimeout"] >= 6 * timeout


# Each queue and the Lambda that consumes it (the names chalice gives the handlers).
QUEUE_CONSUMERS = {"notifications": "send_notifications", "dispatch": "dispatch_messages",
                   "webhooks": "deliver_webhooks", "tasks": "send_chunks", "uploads": "parse_number_parts",
                   "exports": "run_exports"}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("stage", config.CLOUD_STAGES)
def test_iam_policy_is_scoped_to_its_stage(stage):
    spec = _chalice_config()["stages"][stage]
    policy = json.loads((CHALICE_DIR / spec["iam_policy_file"]).read_text())
    prefix = f"jmc-{stage}"
    others = [f"jmc-{s}" for s in STAGES if s != stage]
    mail_from = _stage_env(stage)["JMC_MAIL_FROM"]
    text = json.dumps(policy)
    assert not any(other in text for other in others)
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = _as_list(statement["Action"])
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", a) for a in actions), actions
        services = {a.split(":")[0] for a in actions}
        resources = _as_list(statement["Resource"])
        condition = json.dumps(statement.get("Condition", {}))
        if services == {"xray"}:  # X-Ray has no resource-level permissions
            assert resources == ["*"]
        elif services == {"kms"}:  # keys have no names: scoped by the alias they carry
            assert f"alias/{prefix}-secrets" in condition and "kms:ResourceAliases" in condition
        elif services == {"ses"}:  # scoped to the stage's sender address
            assert "ses:FromAddress" in condition and mail_from in condition
        else:
            assert all(prefix in r for r in resources), (statement["Sid"], resources)


def test_the_files_bucket_takes_presigned_posts_from_the_portal_origin_only():
    template = _template()
    origin = template["Parameters"]["PortalOrigin"]
    assert origin["Default"] == "" and re.fullmatch(origin["AllowedPattern"], "https://d1abc.cloudfront.net")
    assert not re.fullmatch(origin["AllowedPattern"], "*") and not re.fullmatch(origin["AllowedPattern"], "http://x.com")
    cors = template["Resources"]["FilesBucket"]["Properties"]["CorsConfiguration"]["Fn::If"]
    assert cors[0] == "HasPortalOrigin" and cors[2] == {"Ref": "AWS::NoValue"}
    [rule] = cors[1]["CorsRules"]
    assert rule["AllowedOrigins"] == [{"Ref": "PortalOrigin"}] and rule["AllowedMethods"] == ["POST"]
