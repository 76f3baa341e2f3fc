"""Create the resources of ``infra/template.json`` directly through boto3.

The local stack (moto's server) and the tests (moto's in-process ``mock_aws``) have no
CloudFormation worth trusting, so this reads the same template the cloud deploys and makes
each resource with the service's own API. It understands exactly the resource types and
intrinsics the template uses (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``) and nothing else: an
unknown resource type or intrinsic is a ``ValueError``, not a silent skip.

Re-running is safe: a resource that already exists is left as it is and only looked up.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

DEFAULT_ACCOUNT_ID = "123456789012"
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
#: what ``{"Ref": "AWS::NoValue"}`` resolves to: the key or list item holding it is dropped
_NO_VALUE = object()


class _Stack:
    """Resolution state: parameters, pseudo parameters, and what each resource made."""

    def __init__(self, template: dict, parameters: dict[str, str], endpoint_url: str | None,
                 region: str) -> None:
        self.template = template
        self.endpoint_url = endpoint_url
        self.region = region
        self._clients: dict[str, Any] = {}
        self.params = _parameters(template, parameters)
        self.params.update({"AWS::Region": region, "AWS::Partition": "aws",
                            "AWS::URLSuffix": "amazonaws.com",
                            "AWS::AccountId": self._account_id()})
        #: logical id -> {"Ref": ..., "Arn": ..., ...} once the resource exists.
        self.made: dict[str, dict[str, str]] = {}

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region,
                                                  endpoint_url=self.endpoint_url)
        return self._clients[service]

    def _account_id(self) -> str:
        try:
            return self.client("sts").get_caller_identity()["Account"]
        except Exception:  # noqa: BLE001 - no STS on the endpoint: moto's default account
            return DEFAULT_ACCOUNT_ID

    # -- intrinsics ---------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """``value`` with every ``Ref`` / ``Fn::GetAtt`` / ``Fn::Sub`` / ``Fn::If`` replaced; a
        branch that is ``AWS::NoValue`` drops its key."""
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return _NO_VALUE if arg == "AWS::NoValue" else self._ref(arg)
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(condition) else when_false)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._attr(logical, attr)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key.startswith("Fn::"):
                raise ValueError(f"unsupported intrinsic {key}")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def condition(self, name: str) -> bool:
        return self._truth(self.template.get("Conditions", {})[name])

    def _truth(self, value: Any) -> bool:
        """A condition: ``Fn::Equals`` / ``Fn::Not`` / ``Fn::And`` / ``Fn::Or`` / ``Condition``."""
        (key, arg), = value.items()
        if key == "Fn::Equals":
            return bool(self.resolve(arg[0]) == self.resolve(arg[1]))
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Fn::And":
            return all(self._truth(v) for v in arg)
        if key == "Fn::Or":
            return any(self._truth(v) for v in arg)
        if key == "Condition":
            return self.condition(arg)
        raise ValueError(f"unsupported condition {key}")

    def _ref(self, name: str) -> str:
        if name in self.params:
            return self.params[name]
        return self._attr(name, "Ref")

    def _attr(self, logical: str, attr: str) -> str:
        if logical not in self.made:
            raise ValueError(f"{logical} is referenced before it exists (or is not in the template)")
        try:
            return self.made[logical][attr]
        except KeyError:
            raise ValueError(f"unsupported attribute {logical}.{attr}") from None

    def _sub(self, arg: str | list) -> str:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def var(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if name in self.params:
                return self.params[name]
            logical, _, attr = name.partition(".")
            return self._attr(logical, attr or "Ref")

        return _SUB_VAR.sub(var, text)


def provision_stack(template_path: str | Path, parameters: dict[str, str], *,
                    endpoint_url: str | None = None, region: str = "us-east-1") -> dict[str, str]:
    """Create every resource of the template (dependencies first) and return its resolved
    ``Outputs`` as ``{name: value}``.

    ``endpoint_url=None`` uses plain boto3 (what ``moto.mock_aws`` intercepts); otherwise
    every client talks to ``endpoint_url`` (moto's server). Existing resources are reused.
    Raises ``ValueError`` for a missing/disallowed parameter, an unsupported resource type
    or intrinsic.
    """
    template = json.loads(Path(template_path).read_text())
    stack = _Stack(template, parameters, endpoint_url, region)
    resources = template.get("Resources", {})
    for logical in _creation_order(resources):
        spec = resources[logical]
        handler = _HANDLERS.get(spec["Type"])
        if handler is None:
            raise ValueError(f"{logical}: unsupported resource type {spec['Type']}")
        stack.made[logical] = handler(stack, logical, stack.resolve(spec.get("Properties", {})))
    return {name: str(stack.resolve(out["Value"]))
            for name, out in template.get("Outputs", {}).items()}


def _parameters(template: dict, given: dict[str, str]) -> dict[str, str]:
    """Template parameters: given values over defaults, checked against AllowedValues."""
    declared = template.get("Parameters", {})
    unknown = set(given) - set(declared)
    if unknown:
        raise ValueError(f"unknown parameters: {sorted(unknown)}")
    values = {}
    for name, spec in declared.items():
        value = given.get(name, spec.get("Default"))
        if value is None:
            raise ValueError(f"parameter {name} is required")
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in allowed:
            raise ValueError(f"parameter {name}={value!r} is not one of {allowed}")
        values[name] = str(value)
    return values


def _creation_order(resources: dict) -> list[str]:
    """Logical ids, each after every resource it references (Ref, GetAtt, Sub, DependsOn)."""
    graph = {}
    for logical, spec in resources.items():
        deps = _references(spec.get("Properties", {})) & set(resources)
        depends_on = spec.get("DependsOn", [])
        deps |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        graph[logical] = deps
    return list(TopologicalSorter(graph).static_order())


def _references(value: Any) -> set[str]:
    """Names a (template) value refers to; includes parameters, which the caller filters."""
    if isinstance(value, list):
        return set().union(*map(_references, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, arg in value.items():
        if key == "Ref":
            found.add(arg)
        elif key == "Fn::GetAtt":
            found.add(arg[0] if isinstance(arg, list) else arg.split(".", 1)[0])
        elif key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            found |= {m.split(".", 1)[0] for m in _SUB_VAR.findall(text) if not m.startswith("!")}
            if not isinstance(arg, str):
                found |= _references(arg[1])
        else:
            found |= _references(arg)
    return found


def _exists(call: Callable[[], Any], *missing_codes: str) -> bool:
    """Whether ``call`` succeeds; ``False`` on one of ``missing_codes``, others propagate."""
    try:
        call()
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] in missing_codes:
            return False
        raise


# -- one function per resource type: (stack, logical id, resolved properties) -> attributes --

def _table(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::DynamoDB::Table: table + GSIs + SSE, then TTL and point-in-time recovery.
    Attributes: Ref (name), Arn."""
    ddb, name = stack.client("dynamodb"), props["TableName"]
    if not _exists(lambda: ddb.describe_table(TableName=name), "ResourceNotFoundException"):
        args = {k: props[k] for k in ("TableName", "KeySchema", "AttributeDefinitions",
                                      "BillingMode", "GlobalSecondaryIndexes") if k in props}
        if "SSESpecification" in props:
            args["SSESpecification"] = {"Enabled": props["SSESpecification"]["SSEEnabled"]}
        ddb.create_table(**args)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        if "TimeToLiveSpecification" in props:
            ddb.update_time_to_live(TableName=name,
                                    TimeToLiveSpecification=props["TimeToLiveSpecification"])
        if "PointInTimeRecoverySpecification" in props:
            ddb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification=props["PointInTimeRecoverySpecification"])
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    return {"Ref": name, "Arn": arn}


def _queue(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::SQS::Queue: every other property becomes a queue attribute (RedrivePolicy as
    JSON). Attributes: Ref (URL), Arn, QueueName, QueueUrl."""
    sqs, name = stack.client("sqs"), props["QueueName"]
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as exc:
        if "NonExistentQueue" not in exc.response["Error"]["Code"]:
            raise
        attributes = {k: _queue_attribute(v) for k, v in props.items() if k != "QueueName"}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"Ref": url, "QueueUrl": url, "Arn": arn, "QueueName": name}


def _queue_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _bucket(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::S3::Bucket: bucket + public access block + default encryption + ownership +
    lifecycle rules + EventBridge notifications. Attributes: Ref (name), Arn."""
    s3, name = stack.client("s3"), props["BucketName"]
    if not _exists(lambda: s3.head_bucket(Bucket=name), "404", "NoSuchBucket"):
        args: dict[str, Any] = {"Bucket": name}
        if stack.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": stack.region}
        s3.create_bucket(**args)
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if "BucketEncryption" in props:
            rules = [{("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault"
                       else k): v for k, v in rule.items()}  # CFN and S3 name it differently
                     for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=name,
                                     ServerSideEncryptionConfiguration={"Rules": rules})
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "CorsConfiguration" in props:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
                _cors_rule(rule) for rule in props["CorsConfiguration"]["CorsRules"]]})
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in
                                                               props["LifecycleConfiguration"]["Rules"]]})
    notifications = props.get("NotificationConfiguration", {})
    if notifications.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled"):
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}})
    return {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}


def _cors_rule(rule: dict) -> dict:
    """A CloudFormation CORS rule as S3's API spells it."""
    names = {"Id": "ID", "AllowedOrigins": "AllowedOrigins", "AllowedMethods": "AllowedMethods",
             "AllowedHeaders": "AllowedHeaders", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
    return {names[k]: v for k, v in rule.items()}


def _lifecycle_rule(rule: dict) -> dict:
    """A CloudFormation lifecycle rule (prefix, expiry days, incomplete multipart uploads) as
    S3's API spells it."""
    made = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")},
            "Expiration": {"Days": rule["ExpirationInDays"]}}
    if "AbortIncompleteMultipartUpload" in rule:
        made["AbortIncompleteMultipartUpload"] = dict(rule["AbortIncompleteMultipartUpload"])
    return made


def _kms_key(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::KMS::Key. Keys have no name, so an existing key is found through an alias the
    template points at it. Attributes: Ref (key id), KeyId, Arn."""
    kms = stack.client("kms")
    meta = None
    for alias in _aliases_of(stack, logical):
        try:
            meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
            break
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotFoundException":
                raise
    if meta is None:
        args = {k: props[k] for k in ("Description", "KeyUsage", "KeySpec") if k in props}
        if "KeyPolicy" in props:
            args["Policy"] = json.dumps(props["KeyPolicy"])
        meta = kms.create_key(**args)["KeyMetadata"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
    return {"Ref": meta["KeyId"], "KeyId": meta["KeyId"], "Arn": meta["Arn"]}


def _aliases_of(stack: _Stack, key_logical: str) -> list[str]:
    """Resolved names of the template's aliases whose TargetKeyId refers to ``key_logical``."""
    names = []
    for spec in stack.template.get("Resources", {}).values():
        props = spec.get("Properties", {})
        if spec["Type"] == "AWS::KMS::Alias" and key_logical in _references(props.get("TargetKeyId")):
            names.append(stack.resolve(props["AliasName"]))
    return names


def _kms_alias(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::KMS::Alias (left alone if the alias exists). Attributes: Ref (alias name)."""
    kms, name = stack.client("kms"), props["AliasName"]
    if not _exists(lambda: kms.describe_key(KeyId=name), "NotFoundException"):
        kms.create_alias(AliasName=name, TargetKeyId=props["TargetKeyId"])
    return {"Ref": name}


def _secret(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::SecretsManager::Secret with SecretString or GenerateSecretString (a random
    password, or one key of SecretStringTemplate set to it). Attributes: Ref (ARN), Id."""
    sm, name = stack.client("secretsmanager"), props["Name"]
    try:
        arn = sm.describe_secret(SecretId=name)["ARN"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        args = {k: props[k] for k in ("Name", "Description", "KmsKeyId") if k in props}
        args["SecretString"] = props.get("SecretString") or _generate(sm, props["GenerateSecretString"])
        arn = sm.create_secret(**args)["ARN"]
    return {"Ref": arn, "Id": arn}


def _generate(sm, spec: dict) -> str:
    """The value CloudFormation's GenerateSecretString would store."""
    options = {k: v for k, v in spec.items() if k not in ("SecretStringTemplate", "GenerateStringKey")}
    password = sm.get_random_password(**options)["RandomPassword"]
    if "SecretStringTemplate" not in spec:
        return password
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = password
    return json.dumps(document)


def _email_identity(stack: _Stack, logical: str, props: dict) -> dict[str, str]:
    """AWS::SES::EmailIdentity: an email address (verification is idempotent in SES).
    Attributes: Ref (the identity)."""
    identity = props["EmailIdentity"]
    stack.client("ses").verify_email_identity(EmailAddress=identity)
    return {"Ref": identity}


_HANDLERS: dict[str, Callable[[_Stack, str, dict], dict[str, str]]] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::S3::Bucket": _bucket,
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SES::EmailIdentity": _email_identity,
}
