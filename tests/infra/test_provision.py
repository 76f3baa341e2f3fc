"""devstack.provision creates the template's resources on moto, the way CloudFormation would."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib.config import QUEUES, TABLES
from devstack.provision import provision_stack

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.json"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def outputs(aws):
    return provision_stack(TEMPLATE, {"Stage": "dev"})


def test_tables_with_indexes_ttl_and_recovery(outputs):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    assert {n for n in ddb.list_tables()["TableNames"]} == {f"jmc-dev-{t}" for t in TABLES}
    for t in TABLES:
        table = ddb.describe_table(TableName=f"jmc-dev-{t}")["Table"]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert outputs[f"{t.capitalize()}TableArn"] == table["TableArn"]
        backups = ddb.describe_continuous_backups(TableName=f"jmc-dev-{t}")
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    accounts = ddb.describe_table(TableName="jmc-dev-accounts")["Table"]
    indexes = {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
               for i in accounts["GlobalSecondaryIndexes"]}
    assert indexes == {"app-key-index": ["app_key"], "entity-index": ["entity", "created_at"]}
    messages = ddb.describe_table(TableName="jmc-dev-messages")["Table"]
    assert {i["IndexName"] for i in messages["GlobalSecondaryIndexes"]} == {
        "account-time-index", "recipient-index", "task-index", "pending-index"}
    for t in ("auth", "sessions", "messages", "webhooks", "ratelimits"):
        ttl = ddb.describe_time_to_live(TableName=f"jmc-dev-{t}")["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    ttl = ddb.describe_time_to_live(TableName="jmc-dev-ledger")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"


@pytest.mark.parametrize("queue", QUEUES)
def test_queue_redrives_to_its_dead_letter_queue(outputs, queue):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=f"jmc-dev-{queue}")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    dlq_url = sqs.get_queue_url(QueueName=f"jmc-dev-{queue}-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    # Six times the consumer's timeout: 15 minutes for upload parts and export segments,
    # 5 for task chunks.
    timeouts = {"uploads": "5400", "exports": "5400", "tasks": "1800"}
    assert attrs["VisibilityTimeout"] == timeouts.get(queue, "180")
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dlq["QueueArn"],
                                                  "maxReceiveCount": 5}
    assert dlq["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    logical = queue.capitalize()
    assert outputs[f"{logical}QueueUrl"] == url
    assert outputs[f"{logical}DeadLetterQueueArn"] == dlq["QueueArn"]


def test_bucket_is_private_and_encrypted(outputs):
    s3 = boto3.client("s3", region_name="us-east-1")
    assert outputs["FilesBucketName"] == "jmc-dev-files"
    block = s3.get_public_access_block(Bucket="jmc-dev-files")["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_encryption(Bucket="jmc-dev-files")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.put_object(Bucket="jmc-dev-files", Key="uploads/x", Body=b"x")


def test_bucket_takes_cross_origin_posts_only_from_the_portal_origin_given(outputs):
    s3 = boto3.client("s3", region_name="us-east-1")
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchCORSConfiguration"):
        s3.get_bucket_cors(Bucket="jmc-dev-files")
    provision_stack(TEMPLATE, {"Stage": "prod", "PortalOrigin": "https://d1abc.cloudfront.net"})
    [rule] = s3.get_bucket_cors(Bucket="jmc-prod-files")["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://d1abc.cloudfront.net"] and rule["AllowedMethods"] == ["POST"]
    assert rule["ID"] == "portal-uploads" and rule["MaxAgeSeconds"] == 3600


def test_bucket_expires_spent_parse_files(outputs):
    rules = boto3.client("s3", region_name="us-east-1").get_bucket_lifecycle_configuration(
        Bucket="jmc-dev-files")["Rules"]
    assert [(r["ID"], r["Status"], r["Filter"]["Prefix"], r["Expiration"]["Days"]) for r in rules] == [
        ("parse-work-files", "Enabled", "work/", 2),
        ("export-files", "Enabled", "exports/files/", 7),
        ("export-work-files", "Enabled", "exports/work/", 2)]
    # An export whose finaliser never ran leaves a multipart upload; S3 bills its parts until
    # aborted.
    aborts = {r["ID"]: r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation")
              for r in rules}
    assert aborts == {"parse-work-files": None, "export-files": 2, "export-work-files": 2}


def test_key_alias_encrypts_and_rotates(outputs):
    kms = boto3.client("kms", region_name="us-east-1")
    blob = kms.encrypt(KeyId="alias/jmc-dev-secrets", Plaintext=b"s3cret",
                       EncryptionContext={"app": "a"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "a"})["Plaintext"] == b"s3cret"
    meta = kms.describe_key(KeyId="alias/jmc-dev-secrets")["KeyMetadata"]
    assert meta["Arn"] == outputs["SecretsKeyArn"]
    assert kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"] is True


def test_secrets_are_generated(outputs):
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    token = sm.get_secret_value(SecretId="jmc-dev/token-signing-key")
    assert token["ARN"] == outputs["TokenSigningSecretArn"]
    assert len(token["SecretString"]) == 64 and token["SecretString"].isalnum()
    carrier = json.loads(sm.get_secret_value(SecretId="jmc-dev/carrier")["SecretString"])
    assert carrier["api_key"] == "change-me" and carrier["api_secret"].isalnum()
    assert sm.describe_secret(SecretId="jmc-dev/carrier")["KmsKeyId"] in (
        outputs["SecretsKeyArn"], outputs["SecretsKeyArn"].rsplit("/", 1)[1])


def test_mail_identity_is_verified(outputs):
    ses = boto3.client("ses", region_name="us-east-1")
    assert "no-reply@jmc.local" in ses.list_identities()["Identities"]
    assert outputs["MailFromIdentityName"] == "no-reply@jmc.local"


def test_every_output_resolves(outputs):
    template = json.loads(TEMPLATE.read_text())
    assert set(outputs) == set(template["Outputs"])
    assert not any("${" in v or "jmc-local" in v for v in outputs.values())


def test_provisioning_twice_reuses_everything(outputs):
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    token = sm.get_secret_value(SecretId="jmc-dev/token-signing-key")["SecretString"]
    assert provision_stack(TEMPLATE, {"Stage": "dev"}) == outputs
    assert sm.get_secret_value(SecretId="jmc-dev/token-signing-key")["SecretString"] == token
    kms = boto3.client("kms", region_name="us-east-1")
    # (moto's DynamoDB SSE adds its own "aws/dynamodb" key, so count ours by description)
    ours = [k for k in kms.list_keys()["Keys"]
            if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["Description"].startswith("JMC dev")]
    assert len(ours) == 1


def test_stages_are_separate(outputs):
    local = provision_stack(TEMPLATE, {"Stage": "local"})
    assert local["AccountsTableName"] == "jmc-local-accounts"
    assert local["SecretsKeyArn"] != outputs["SecretsKeyArn"]


def test_rejects_unknown_stage_and_resource_types(aws, tmp_path):
    with pytest.raises(ValueError, match="Stage"):
        provision_stack(TEMPLATE, {"Stage": "qa"})
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {}}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    with pytest.raises(ValueError, match="unsupported resource type AWS::Lambda::Function"):
        provision_stack(path, {})
