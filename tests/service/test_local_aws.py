"""The local AWS: moto with our emulator fixes (devstack/moto_fixes.py) answers queries as
DynamoDB does, and moto's own process (devstack/moto_process.py) starts and stops cleanly."""
from __future__ import annotations

import socket
from datetime import UTC, datetime

import boto3
import pytest

TABLE = "jmc-local-fixture-queries"


@pytest.fixture
def table(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g", "gk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "g-index", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "gk", "KeyType": "RANGE"}]}])
    for pk in ("a", "b", "c"):
        for n in (3, 1, 2, 5, 4):
            item = {"pk": {"S": pk}, "sk": {"S": f"{n:02d}"}, "v": {"N": str(n)}}
            if n % 2:  # a sparse index: odd items only
                item.update(g={"S": "odd"}, gk={"S": f"{pk}{n}"})
            client.put_item(TableName=TABLE, Item=item)
    return client


def _query_all(client, **kwargs) -> list[str]:
    keys, start = [], None
    while True:
        page = client.query(TableName=TABLE, Limit=2, **kwargs, **({"ExclusiveStartKey": start} if start else {}))
        keys += [item["pk"]["S"] + item["sk"]["S"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return keys


def test_a_table_query_reads_its_partition_in_key_order_across_pages(table):
    b = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "b"}}}
    assert _query_all(table, **b) == ["b01", "b02", "b03", "b04", "b05"]
    assert _query_all(table, ScanIndexForward=False, **b) == ["b05", "b04", "b03", "b02", "b01"]
    ranged = {"KeyConditionExpression": "pk = :p AND sk > :s",
              "ExpressionAttributeValues": {":p": {"S": "c"}, ":s": {"S": "02"}}}
    assert _query_all(table, **ranged) == ["c03", "c04", "c05"]
    none = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "zz"}}}
    assert _query_all(table, **none) == []


def test_an_index_query_reads_the_indexed_items_in_index_order(table):
    odd = {"IndexName": "g-index", "KeyConditionExpression": "g = :g",
           "ExpressionAttributeValues": {":g": {"S": "odd"}}}
    assert _query_all(table, **odd) == ["a01", "a03", "a05", "b01", "b03", "b05", "c01", "c03", "c05"]
    table.delete_item(TableName=TABLE, Key={"pk": {"S": "b"}, "sk": {"S": "03"}})
    table.put_item(TableName=TABLE, Item={"pk": {"S": "b"}, "sk": {"S": "01"}, "v": {"N": "1"}})  # leaves the index
    assert _query_all(table, **odd) == ["a01", "a03", "a05", "b05", "c01", "c03", "c05"]


def test_a_scan_still_sees_every_item(table):
    assert len(table.scan(TableName=TABLE)["Items"]) == 15


def test_moto_runs_in_its_own_process_and_stops_cleanly():
    from devstack.moto_process import MotoProcess
    from devstack.stack import free_port
    moto = MotoProcess("127.0.0.1", free_port("127.0.0.1")).start()
    try:
        sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto.url)
        url = sqs.create_queue(QueueName="jmc-local-process-check")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"
    finally:
        moto.stop()
    assert moto.returncode == 0  # SIGTERM is a clean stop, not a crash
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", moto.port), timeout=1)


def test_moto_s_process_stamps_each_email_with_the_time_it_was_sent():
    # moto's SES keeps no time for a sent email; /local/outbox shows one (devstack/moto_fixes.py).
    import requests

    from devstack.moto_process import MotoProcess
    from devstack.stack import free_port
    moto = MotoProcess("127.0.0.1", free_port("127.0.0.1")).start()
    try:
        ses = boto3.client("ses", region_name="us-east-1", endpoint_url=moto.url)
        ses.verify_email_identity(EmailAddress="no-reply@jmc.local")
        before = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ses.send_email(Source="no-reply@jmc.local", Destination={"ToAddresses": ["a@b.example"]},
                       Message={"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}})
        [sent] = requests.get(f"{moto.url}/moto-api/data.json", timeout=5).json()["ses"]["Message"]
    finally:
        moto.stop()
    after = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert before <= sent["sent_at"] <= after


def test_moto_s_process_keeps_no_record_it_has_made_beyond_the_tables_and_emails():
    # moto keeps every model object for its dashboard: item versions, queue messages, objects
    # would pile up for as long as the stack runs (devstack/moto_fixes.py, fix 6).
    import requests

    from devstack.moto_process import MotoProcess
    from devstack.stack import free_port
    moto = MotoProcess("127.0.0.1", free_port("127.0.0.1")).start()
    try:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
        dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
        for version in range(3):
            dynamodb.put_item(TableName="t", Item={"k": {"S": "one"}, "v": {"N": str(version)}})
        sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto.url)
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto.url)
        s3.create_bucket(Bucket="jmc-records")
        s3.put_object(Bucket="jmc-records", Key="k", Body=b"x")
        ses = boto3.client("ses", region_name="us-east-1", endpoint_url=moto.url)
        ses.verify_email_identity(EmailAddress="no-reply@jmc.local")
        ses.send_email(Source="no-reply@jmc.local", Destination={"ToAddresses": ["a@b.example"]},
                       Message={"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}})
        data = requests.get(f"{moto.url}/moto-api/data.json", timeout=5).json()
        # The records still work: the latest version is read back, the message received.
        assert dynamodb.get_item(TableName="t", Key={"k": {"S": "one"}})["Item"]["v"] == {"N": "2"}
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"
        assert s3.get_object(Bucket="jmc-records", Key="k")["Body"].read() == b"x"
    finally:
        moto.stop()
    assert (data["dynamodb"]["Item"], data["sqs"]["Message"], data["s3"]["FakeKey"]) == ([], [], [])
    assert [t["name"] for t in data["dynamodb"]["Table"]] == ["t"]
    assert [m["subject"] for m in data["ses"]["Message"]] == ["hi"]
