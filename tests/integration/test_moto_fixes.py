"""The local home's moto transaction fix keeps DynamoDB's all-or-nothing semantics without table copies."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from koban_local import moto_fixes


@pytest.fixture
def table() -> Iterator[tuple[Any, Any]]:
    moto_fixes.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}})
        yield client, boto3.client("dynamodbstreams", region_name="eu-west-1")


def stream_records(streams: Any, client: Any) -> int:
    arn = client.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    return len(streams.get_records(ShardIterator=iterator)["Records"])


def test_tables_are_no_longer_copied_whole() -> None:
    moto_fixes.apply()
    with mock_aws():
        boto3.client("dynamodb", region_name="eu-west-1")
        table = object.__new__(Table)  # type: ignore[type-abstract]
        assert copy.deepcopy(table) is table


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(table: tuple[Any, Any]) -> None:
    client, streams = table
    records_before = stream_records(streams, client)
    # Given a transaction whose first write succeeds and whose second fails its condition
    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET v = :two",
                        "ConditionExpression": "v = :zero",
                        "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}},
                    }
                },
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "d"}, "sk": {"S": "1"}}}},
            ]
        )
    # Then nothing it wrote remains, the untouched item is intact, and no stream record was left behind
    for written in ("b", "d"):
        key = {"pk": {"S": written}, "sk": {"S": "1"}}
        assert "Item" not in client.get_item(TableName="t", Key=key)
    kept = client.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
    assert kept["v"] == {"N": "1"}
    assert stream_records(streams, client) == records_before


def test_a_successful_transaction_writes_everything(table: tuple[Any, Any]) -> None:
    client, _ = table
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "c"}, "sk": {"S": "1"}}}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                    "UpdateExpression": "SET v = :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}},
                }
            },
        ]
    )
    assert "Item" in client.get_item(TableName="t", Key={"pk": {"S": "c"}, "sk": {"S": "1"}})
    updated = client.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
    assert updated["v"] == {"N": "2"}


def test_a_scan_beside_writes_of_other_threads_reads_a_consistent_copy(table: tuple[Any, Any]) -> None:
    # Given a table that another thread keeps adding partitions and items to (the threaded moto server's writes)
    client, _ = table
    for index in range(2_000):
        client.put_item(TableName="t", Item={"pk": {"S": f"p{index}"}, "sk": {"S": "1"}})
    backend_table = next(iter(_tables()))
    stop = threading.Event()

    def write() -> None:
        for index in range(200_000):
            if stop.is_set():
                return
            backend_table.items[DynamoType({"S": f"w{index}"})] = {}

    writer = threading.Thread(target=write)
    writer.start()
    try:
        # When it is scanned again and again, then every scan completes
        for _ in range(20):
            assert len(backend_table.all_items()) >= 2_000
    finally:
        stop.set()
        writer.join()


def _tables() -> Iterator[Table]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    yield from dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].tables.values()
