"""The local AWS: an in-process moto server, and the template's keys, tables, buckets and queues created in it.

`LocalAws` points every boto3 client of the process (the handlers' and powertools' included) at moto through
`AWS_ENDPOINT_URL`; `create_resources` builds each KMS key, table, bucket and SQS queue from the template's own
Properties, so what runs locally has the keys, indexes, streams, TTL, versioning and dead-letter queues the
cloud has.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from koban_local import moto_fixes
from koban_local.running import EnvironmentPatch
from koban_local.template import LOCAL_REGION, LOCAL_STACK_NAME, Template

# boto3 ships no type information; clients are typed as what they are to mypy.
AwsClient = Any

log = logging.getLogger(__name__)

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# A profile or config file of the developer's must not send a request to a real account.
_UNSET_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")

# What create_resources reproduces; any other property is named in a log line, so that a template change the
# local home ignores (say, a Kinesis destination) does not go unnoticed.
_TABLE_PROPERTIES = frozenset(
    {
        "TableName",
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "StreamSpecification",
        "SSESpecification",
        "TimeToLiveSpecification",
        "PointInTimeRecoverySpecification",
        "TableClass",
        "DeletionProtectionEnabled",
        "Tags",
    }
)
_BUCKET_PROPERTIES = frozenset(
    {
        "BucketName",
        "VersioningConfiguration",
        "BucketEncryption",
        "PublicAccessBlockConfiguration",
        "OwnershipControls",
        "CorsConfiguration",
        "LifecycleConfiguration",
        "ObjectLockEnabled",
        "ObjectLockConfiguration",
        "Tags",
    }
)
_QUEUE_PROPERTIES = frozenset(
    {
        "QueueName",
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DelaySeconds",
        "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy",
        "SqsManagedSseEnabled",
        "Tags",
    }
)
_KEY_PROPERTIES = frozenset(
    {"Description", "KeySpec", "KeyUsage", "KeyPolicy", "EnableKeyRotation", "Enabled", "MultiRegion", "Tags"}
)
# CreateTable accepts these CloudFormation properties unchanged.
_TABLE_PASS_THROUGH = (
    "ProvisionedThroughput",
    "LocalSecondaryIndexes",
    "TableClass",
    "DeletionProtectionEnabled",
    "Tags",
)


class LocalAws:
    """`with LocalAws() as aws:` runs moto on 127.0.0.1 (a free port) and points boto3 at it.

    The environment is changed before any client exists and restored on exit.
    """

    def __init__(self, *, region: str = LOCAL_REGION) -> None:
        self.region = region
        self.endpoint_url = ""
        self._server: ThreadedMotoServer | None = None
        self._environment: EnvironmentPatch | None = None

    def __enter__(self) -> LocalAws:
        # moto's werkzeug server logs every request at INFO; the gateway's access log is the one that matters.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        moto_fixes.apply()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        self._server = server
        host, port = server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        environment = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            **LOCAL_CREDENTIALS,
        }
        self._environment = EnvironmentPatch(environment, unset=_UNSET_VARIABLES)
        self._environment.apply()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._environment is not None:
            self._environment.restore()
            self._environment = None
        if self._server is not None:
            self._server.stop()
            # moto's stop() shuts the loop down but leaves the listening socket open.
            self._server._server.server_close()  # type: ignore[union-attr]
            self._server = None


def create_resources(
    template: Template,
    dynamodb_client: AwsClient,
    s3_client: AwsClient,
    prefix: str = LOCAL_STACK_NAME,
    *,
    sqs_client: AwsClient | None = None,
    kms_client: AwsClient | None = None,
) -> dict[str, str]:
    """Create every AWS::KMS::Key, AWS::DynamoDB::Table, AWS::S3::Bucket and AWS::SQS::Queue of `template`;
    return logical id → name (a key's id for a key, whose ARN and Ref then resolve as in the cloud).

    Works with clients of a `LocalAws` server and of an in-process `moto.mock_aws` alike (SQS and KMS clients
    are made for the same region when not given). A resource that already exists is configured again rather
    than failing, so a second call is harmless.
    """
    region = str(s3_client.meta.region_name)
    physical: dict[str, str] = {}
    kms = kms_client or boto3.client("kms", region_name=region)
    for logical_id, raw in template.keys.items():
        properties = template.resolve(raw, physical, region=region, stack_name=prefix)
        physical[logical_id] = _create_key(kms, _key_alias(prefix, logical_id), properties)
    for logical_id, raw in template.tables.items():
        properties = template.resolve(raw, physical, region=region, stack_name=prefix)
        physical[logical_id] = _table_name(prefix, logical_id, properties)
        _create_table(dynamodb_client, physical[logical_id], properties)
    for logical_id, raw in template.buckets.items():
        properties = template.resolve(raw, physical, region=region, stack_name=prefix)
        physical[logical_id] = _bucket_name(prefix, logical_id, properties)
        _create_bucket(s3_client, physical[logical_id], properties, region)
    sqs = sqs_client or boto3.client("sqs", region_name=region)
    # Dead-letter queues first: a RedrivePolicy names its target's ARN.
    for logical_id, raw in sorted(template.queues.items(), key=lambda entry: "RedrivePolicy" in entry[1]):
        properties = template.resolve(raw, physical, region=region, stack_name=prefix)
        physical[logical_id] = str(properties.get("QueueName") or f"{prefix}-{logical_id}")
        _create_queue(sqs, physical[logical_id], properties)
    return physical


def _key_alias(prefix: str, logical_id: str) -> str:
    return f"alias/{prefix}-{logical_id}"


def _table_name(prefix: str, logical_id: str, properties: Mapping[str, Any]) -> str:
    return str(properties.get("TableName") or f"{prefix}-{logical_id}")


def _bucket_name(prefix: str, logical_id: str, properties: Mapping[str, Any]) -> str:
    # S3 names are lower case; CloudFormation's generated names are too.
    return str(properties.get("BucketName") or f"{prefix}-{logical_id}".lower())


def existing_resource_names(
    template: Template, kms_client: AwsClient, prefix: str = LOCAL_STACK_NAME
) -> dict[str, str]:
    """Logical id → name of the keys, tables and buckets `create_resources` made with `prefix` (a running local
    home's), for a process that addresses them without creating anything (`koban audit verify --endpoint-url`)."""
    region = str(kms_client.meta.region_name)
    physical: dict[str, str] = {}
    for logical_id in template.keys:
        physical[logical_id] = str(
            kms_client.describe_key(KeyId=_key_alias(prefix, logical_id))["KeyMetadata"]["KeyId"]
        )
    for logical_id, raw in template.tables.items():
        physical[logical_id] = _table_name(
            prefix, logical_id, template.resolve(raw, physical, region=region, stack_name=prefix)
        )
    for logical_id, raw in template.buckets.items():
        physical[logical_id] = _bucket_name(
            prefix, logical_id, template.resolve(raw, physical, region=region, stack_name=prefix)
        )
    return physical


def _create_key(client: AwsClient, alias: str, properties: Mapping[str, Any]) -> str:
    """The key's id; a key made by an earlier call is found again by its local alias."""
    try:
        return str(client.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])
    except client.exceptions.NotFoundException:
        pass
    request: dict[str, Any] = {
        "KeySpec": properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
        "KeyUsage": properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
    }
    if "Description" in properties:
        request["Description"] = properties["Description"]
    if "KeyPolicy" in properties:
        request["Policy"] = json.dumps(properties["KeyPolicy"])
    key_id = str(client.create_key(**request)["KeyMetadata"]["KeyId"])
    client.create_alias(AliasName=alias, TargetKeyId=key_id)
    _report_unreproduced(alias, properties, _KEY_PROPERTIES)
    return key_id


def _create_queue(client: AwsClient, name: str, properties: Mapping[str, Any]) -> None:
    attributes = {
        key: str(properties[key]).lower() if isinstance(properties[key], bool) else str(properties[key])
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "SqsManagedSseEnabled",
        )
        if key in properties
    }
    if "RedrivePolicy" in properties:
        attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
    client.create_queue(QueueName=name, Attributes=attributes)  # idempotent for the same attributes
    _report_unreproduced(name, properties, _QUEUE_PROPERTIES)


def _create_table(client: AwsClient, name: str, properties: Mapping[str, Any]) -> None:
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    for key in _TABLE_PASS_THROUGH:
        if key in properties:
            request[key] = properties[key]
    if "GlobalSecondaryIndexes" in properties:
        request["GlobalSecondaryIndexes"] = [_index(index) for index in properties["GlobalSecondaryIndexes"]]
    if "StreamSpecification" in properties:
        view_type = properties["StreamSpecification"]["StreamViewType"]
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view_type}
    if "SSESpecification" in properties:
        request["SSESpecification"] = _sse(properties["SSESpecification"])
    _report_unreproduced(name, properties, _TABLE_PROPERTIES)
    try:
        client.create_table(**request)
    except client.exceptions.ResourceInUseException:
        # TTL and PITR updates are not idempotent in DynamoDB: an existing table keeps its configuration.
        log.info("table %s exists already; left as it is", name)
        return
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    recovery = properties.get("PointInTimeRecoverySpecification")
    if recovery:
        client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=recovery)


def _index(index: Mapping[str, Any]) -> dict[str, Any]:
    """A GSI without the CloudFormation-only settings boto3's CreateTable rejects."""
    allowed = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
    return {key: index[key] for key in allowed if key in index}


def _sse(specification: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation says SSEEnabled where the DynamoDB API says Enabled."""
    sse: dict[str, Any] = {"Enabled": bool(specification.get("SSEEnabled", False))}
    for key in ("SSEType", "KMSMasterKeyId"):
        if key in specification:
            sse[key] = specification[key]
    return sse


def _create_bucket(client: AwsClient, name: str, properties: Mapping[str, Any], region: str) -> None:
    request: dict[str, Any] = {"Bucket": name}
    if properties.get("ObjectLockEnabled") in (True, "true"):  # only when a bucket is created (S3 turns on versioning)
        request["ObjectLockEnabledForBucket"] = True
    if region != "us-east-1":  # S3 rejects a LocationConstraint naming its own default region
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**request)
    except client.exceptions.BucketAlreadyOwnedByYou:
        log.info("bucket %s exists already; configuring it again", name)  # S3's puts are idempotent
    if "VersioningConfiguration" in properties:
        client.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": properties["VersioningConfiguration"]["Status"]}
        )
    if "BucketEncryption" in properties:
        # CloudFormation's ServerSideEncryptionByDefault is the S3 API's ApplyServerSideEncryptionByDefault.
        renamed = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
        rules = [
            {renamed.get(key, key): value for key, value in rule.items()}
            for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in properties:
        client.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in properties:
        client.put_bucket_ownership_controls(Bucket=name, OwnershipControls=properties["OwnershipControls"])
    if "CorsConfiguration" in properties:
        client.put_bucket_cors(Bucket=name, CORSConfiguration=_bucket_cors(properties["CorsConfiguration"]))
    if "LifecycleConfiguration" in properties:
        client.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration=_lifecycle(properties["LifecycleConfiguration"])
        )
    if "ObjectLockConfiguration" in properties:
        client.put_object_lock_configuration(
            Bucket=name, ObjectLockConfiguration=_object_lock(properties["ObjectLockConfiguration"])
        )
    if "Tags" in properties:
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": properties["Tags"]})
    _report_unreproduced(name, properties, _BUCKET_PROPERTIES)


def _bucket_cors(configuration: Mapping[str, Any]) -> dict[str, Any]:
    renamed = {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}
    rules = [{renamed.get(key, key): value for key, value in rule.items()} for rule in configuration["CorsRules"]]
    return {"CORSRules": rules}


def _object_lock(configuration: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's object lock configuration with its numbers as the S3 API's integers (Days, Years)."""
    lock: dict[str, Any] = {"ObjectLockEnabled": configuration["ObjectLockEnabled"]}
    retention = (configuration.get("Rule") or {}).get("DefaultRetention")
    if retention:
        lock["Rule"] = {
            "DefaultRetention": {key: value if key == "Mode" else int(value) for key, value in retention.items()}
        }
    return lock


def _lifecycle(configuration: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's flat lifecycle rule (ExpirationInDays, Prefix...) in the S3 API's nested shape."""
    rules = []
    for rule in configuration["Rules"]:
        converted: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
        if "Id" in rule:
            converted["ID"] = rule["Id"]
        if "ExpirationInDays" in rule:
            converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "NoncurrentVersionExpiration" in rule:
            converted["NoncurrentVersionExpiration"] = {
                key: int(value) for key, value in rule["NoncurrentVersionExpiration"].items()
            }
        elif "NoncurrentVersionExpirationInDays" in rule:
            converted["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
            }
        if "AbortIncompleteMultipartUpload" in rule:
            days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
        rules.append(converted)
    return {"Rules": rules}


def _report_unreproduced(name: str, properties: Mapping[str, Any], reproduced: frozenset[str]) -> None:
    skipped = sorted(set(properties) - reproduced)
    if skipped:
        log.info("%s: properties not reproduced locally: %s", name, ", ".join(skipped))
