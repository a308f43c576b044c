"""koban_local.aws_local and koban_local.streams against moto: resources from the template, streams driven.

moto's in-process backends are shared by `mock_aws` and the threaded server, and `mock_aws` resets them:
the in-process test comes first, before the module's server exists.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from koban_local.aws_local import AwsClient, LocalAws, create_resources
from koban_local.functions import Handler, load_handler
from koban_local.streams import StreamPoller
from koban_local.template import Template

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gateway"
RECORD_KEYS = {
    "eventID",
    "eventName",
    "eventVersion",
    "eventSource",
    "awsRegion",
    "dynamodb",
    "eventSourceARN",
}
_prefixes = itertools.count(1)


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.load(FIXTURE / "template.yaml")


def _table(client: AwsClient, name: str) -> dict[str, Any]:
    table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
    return table


def test_given_in_process_moto_when_creating_resources_then_the_same_code_works(template: Template) -> None:
    with mock_aws():
        dynamodb, s3 = (
            boto3.client("dynamodb", region_name="eu-west-1"),
            boto3.client("s3", region_name="eu-west-1"),
        )
        names = create_resources(template, dynamodb, s3, prefix="inproc")
        assert names == {
            "EventsTable": "inproc-EventsTable",
            "NamedTable": "inproc-named",
            "FilesBucket": "inproc-filesbucket",
        }
        assert _table(dynamodb, "inproc-EventsTable")["StreamSpecification"]["StreamEnabled"] is True
        assert s3.get_bucket_versioning(Bucket="inproc-filesbucket")["Status"] == "Enabled"


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    with LocalAws() as running:
        yield running


@pytest.fixture(scope="module")
def dynamodb(aws: LocalAws) -> AwsClient:
    return boto3.client("dynamodb")


@pytest.fixture(scope="module")
def s3(aws: LocalAws) -> AwsClient:
    return boto3.client("s3")


@pytest.fixture(scope="module")
def streams(aws: LocalAws) -> AwsClient:
    return boto3.client("dynamodbstreams")


@pytest.fixture(scope="module")
def names(template: Template, dynamodb: AwsClient, s3: AwsClient) -> dict[str, str]:
    return create_resources(template, dynamodb, s3)


def test_given_local_aws_when_running_then_boto3_follows_the_endpoint(aws: LocalAws, dynamodb: AwsClient) -> None:
    assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint_url
    assert aws.endpoint_url.startswith("http://127.0.0.1:")
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert dynamodb.meta.endpoint_url == aws.endpoint_url


def test_given_local_aws_when_it_stops_then_the_environment_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer-profile")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with LocalAws() as inner:
        assert "AWS_PROFILE" not in os.environ  # no request may pick a real account's profile
        assert os.environ["AWS_ENDPOINT_URL"] == inner.endpoint_url
    assert os.environ["AWS_PROFILE"] == "developer-profile"
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_given_the_template_when_tables_are_created_then_keys_indexes_streams_and_sse_match(
    names: dict[str, str], dynamodb: AwsClient
) -> None:
    table = _table(dynamodb, names["EventsTable"])
    assert {key["AttributeName"]: key["KeyType"] for key in table["KeySchema"]} == {
        "pk": "HASH",
        "sk": "RANGE",
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-status"
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["status", "sk"]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["LatestStreamArn"]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    named = _table(dynamodb, "koban-local-named")
    assert named["ProvisionedThroughput"]["ReadCapacityUnits"] == 1


def test_given_the_template_when_tables_are_created_then_ttl_and_pitr_are_on(
    names: dict[str, str], dynamodb: AwsClient
) -> None:
    ttl = dynamodb.describe_time_to_live(TableName=names["EventsTable"])["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    backups = dynamodb.describe_continuous_backups(TableName=names["EventsTable"])["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_given_the_template_when_buckets_are_created_then_versioning_encryption_and_blocks_are_set(
    names: dict[str, str], s3: AwsClient
) -> None:
    bucket = names["FilesBucket"]
    assert bucket == "koban-local-filesbucket"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    [lifecycle] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert (lifecycle["ID"], lifecycle["Expiration"]["Days"]) == ("expire-exports", 30)
    assert lifecycle["Filter"]["Prefix"] == "exports/"


def test_given_existing_resources_when_created_again_then_it_is_harmless(
    template: Template, names: dict[str, str], dynamodb: AwsClient, s3: AwsClient
) -> None:
    assert create_resources(template, dynamodb, s3) == names


# -- stream consumers -------------------------------------------------------------------------------------


@pytest.fixture
def fresh_tables(template: Template, dynamodb: AwsClient, s3: AwsClient) -> dict[str, str]:
    """Given tables of their own, so each test's stream holds only its own records."""
    return create_resources(template, dynamodb, s3, prefix=f"streams-{next(_prefixes)}")


@pytest.fixture
def consumer(template: Template) -> Handler:
    """Given a freshly imported consumer, with empty BATCHES and ATTEMPTS."""
    function = template.functions["ConsumerFunction"]
    return load_handler(function.code_uri, function.handler, {})


def _poller(
    template: Template, consumer: Handler, names: dict[str, str], dynamodb: AwsClient, streams: AwsClient
) -> StreamPoller:
    return StreamPoller(
        template,
        {"ConsumerFunction": consumer},
        names,
        dynamodb_client=dynamodb,
        streams_client=streams,
        poll_interval=0.05,
    )


def _batches(consumer: Handler) -> list[dict[str, Any]]:
    batches: list[dict[str, Any]] = consumer.__globals__["BATCHES"]
    return batches


def _put(dynamodb: AwsClient, table: str, pk: str, **attributes: Any) -> None:
    dynamodb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "item"}, **attributes})


def test_given_writes_when_the_stream_is_drained_then_the_consumer_got_lambdas_exact_event(
    template: Template,
    consumer: Handler,
    fresh_tables: dict[str, str],
    dynamodb: AwsClient,
    streams: AwsClient,
) -> None:
    table = fresh_tables["EventsTable"]
    with _poller(template, consumer, fresh_tables, dynamodb, streams) as poller:
        _put(dynamodb, table, "a", blob={"B": b"\x00\x01binary"})
        _put(dynamodb, table, "a", status={"S": "changed"})
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "item"}})
        poller.drain(timeout=10)
    records = [record for batch in _batches(consumer) for record in batch["Records"]]
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(len(batch["Records"]) <= 2 for batch in _batches(consumer))  # BatchSize 2
    stream_arn = _table(dynamodb, table)["LatestStreamArn"]
    insert, modify, remove = records
    for record in records:
        assert set(record) == RECORD_KEYS
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "eu-west-1"
        assert record["eventSourceARN"] == stream_arn
        change = record["dynamodb"]
        assert isinstance(change["ApproximateCreationDateTime"], int)
        assert change["Keys"] == {"pk": {"S": "a"}, "sk": {"S": "item"}}
        assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(change["SequenceNumber"], str)
        assert isinstance(change["SizeBytes"], int)
    assert insert["dynamodb"]["NewImage"]["blob"] == {"B": "AAFiaW5hcnk="}  # base64 text, as in Lambda's JSON
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["blob"] == {"B": "AAFiaW5hcnk="}
    assert modify["dynamodb"]["NewImage"]["status"] == {"S": "changed"}
    assert "NewImage" not in remove["dynamodb"]


def test_given_batch_item_failures_when_delivered_then_retried_from_the_first_failure_and_bounded(
    template: Template,
    consumer: Handler,
    fresh_tables: dict[str, str],
    dynamodb: AwsClient,
    streams: AwsClient,
) -> None:
    table = fresh_tables["EventsTable"]
    poller = _poller(template, consumer, fresh_tables, dynamodb, streams)
    # Written before the poller starts, so the batches are deterministic: [ok, flaky] [poison, after].
    _put(dynamodb, table, "ok")
    _put(dynamodb, table, "flaky", fail_times={"N": "2"})
    _put(dynamodb, table, "poison", fail_times={"N": "99"})
    _put(dynamodb, table, "after")
    with poller:
        poller.drain(timeout=10)
    deliveries = [
        [record["dynamodb"]["Keys"]["pk"]["S"] for record in batch["Records"]] for batch in _batches(consumer)
    ]
    assert deliveries == [
        ["ok", "flaky"],
        ["flaky"],  # retried from the failed record on: "ok" is not delivered again
        ["flaky"],
        ["poison", "after"],
        ["poison", "after"],  # MaximumRetryAttempts 3: given up after the third retry...
        ["poison", "after"],
        ["poison", "after"],
    ]


def test_given_a_poison_record_when_given_up_then_the_stream_moves_on(
    template: Template,
    consumer: Handler,
    fresh_tables: dict[str, str],
    dynamodb: AwsClient,
    streams: AwsClient,
) -> None:
    table = fresh_tables["EventsTable"]
    with _poller(template, consumer, fresh_tables, dynamodb, streams) as poller:
        _put(dynamodb, table, "poison", fail_times={"N": "99"})
        poller.drain(timeout=10)
        _put(dynamodb, table, "next")
        poller.drain(timeout=10)
    last = _batches(consumer)[-1]["Records"]
    assert [record["dynamodb"]["Keys"]["pk"]["S"] for record in last] == ["next"]


def test_given_starting_position_latest_when_started_then_earlier_records_are_skipped(
    template: Template,
    consumer: Handler,
    fresh_tables: dict[str, str],
    dynamodb: AwsClient,
    streams: AwsClient,
) -> None:
    document = template.document
    events = document["Resources"]["ConsumerFunction"]["Properties"]["Events"]
    latest_events = {"Changes": {**events["Changes"], "Properties": {**events["Changes"]["Properties"]}}}
    latest_events["Changes"]["Properties"]["StartingPosition"] = "LATEST"
    consumer_resource = document["Resources"]["ConsumerFunction"]
    resources = {
        **document["Resources"],
        "ConsumerFunction": {
            **consumer_resource,
            "Properties": {**consumer_resource["Properties"], "Events": latest_events},
        },
    }
    latest = Template({**document, "Resources": resources}, template.base_dir)
    table = fresh_tables["EventsTable"]
    _put(dynamodb, table, "before")
    with _poller(latest, consumer, fresh_tables, dynamodb, streams) as poller:
        _put(dynamodb, table, "after")
        poller.drain(timeout=10)
    delivered = [record["dynamodb"]["Keys"]["pk"]["S"] for batch in _batches(consumer) for record in batch["Records"]]
    assert delivered == ["after"]


def test_given_a_running_poller_when_stopped_then_its_thread_ends_and_drain_refuses(
    template: Template,
    consumer: Handler,
    fresh_tables: dict[str, str],
    dynamodb: AwsClient,
    streams: AwsClient,
) -> None:
    poller = _poller(template, consumer, fresh_tables, dynamodb, streams)
    poller.start()
    poller.stop()
    with pytest.raises(RuntimeError, match="not running"):
        poller.drain(timeout=1)
