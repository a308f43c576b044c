"""The local home's side of notifications, over moto: the template's SQS event sources and queue URLs, the KMS
keys and queues it creates, and the queue poller feeding a consumer Lambda's SQS event (partial batch failures,
retries, the dead-letter queue) as the event source mapping does in the cloud."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest

from koban_local.aws_local import create_resources
from koban_local.queues import QueuePoller
from koban_local.template import Template
from tests.integration.conftest import STACK_NAME

QUEUE = "NotificationDeliveryQueue"
DEAD_LETTERS = "NotificationDeliveryDeadLetterQueue"


def test_given_the_template_then_the_delivery_worker_consumes_the_queue_as_declared(template: Template) -> None:
    (source,) = [source for source in template.queue_sources if source.function_id == "NotificationDeliveryFunction"]

    assert source.queue_logical_id == QUEUE
    assert source.batch_size == 10
    assert source.report_batch_item_failures
    assert source.maximum_concurrency == 2  # the NotificationDeliveryConcurrency default


def test_given_a_queue_reference_then_it_resolves_to_the_queue_url_as_cloudformation_does(
    template: Template, moto_home: dict[str, str]
) -> None:
    environment = template.resolve_environment("NotificationsFunction", moto_home)

    assert environment["NOTIFICATION_QUEUE_URL"] == (
        f"https://sqs.eu-west-1.amazonaws.com/123456789012/{moto_home[QUEUE]}"
    )
    assert environment["NOTIFICATION_SIGNING_KEY"].endswith(f":key/{moto_home['NotificationSigningKey']}")


def test_given_the_template_when_resources_are_created_then_keys_and_queues_are_as_declared_and_idempotent(
    template: Template, moto_home: dict[str, str]
) -> None:
    kms, sqs = boto3.client("kms"), boto3.client("sqs")

    signing = kms.describe_key(KeyId=moto_home["NotificationSigningKey"])["KeyMetadata"]
    personal = kms.describe_key(KeyId=moto_home["PersonalDataKey"])["KeyMetadata"]
    url = sqs.get_queue_url(QueueName=moto_home[QUEUE])["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    again = create_resources(template, boto3.client("dynamodb"), boto3.client("s3"), STACK_NAME)

    assert (signing["KeySpec"], signing["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    assert personal["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert attributes["VisibilityTimeout"] == "360"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": f"arn:aws:sqs:eu-west-1:123456789012:{moto_home[DEAD_LETTERS]}",
        "maxReceiveCount": 5,
    }
    assert again == moto_home  # the same keys are found again, nothing is made twice


class Consumer:
    """A consumer that fails the messages it is told to, and remembers every event it got."""

    def __init__(self, fail_bodies: set[str], raise_on: set[str] | None = None) -> None:
        self.fail_bodies = fail_bodies
        self.raise_on = raise_on or set()
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        bodies = {record["body"] for record in event["Records"]}
        if bodies & self.raise_on:
            raise RuntimeError("the function crashed")
        failures = [
            {"itemIdentifier": record["messageId"]} for record in event["Records"] if record["body"] in self.fail_bodies
        ]
        return {"batchItemFailures": failures}

    def seen(self) -> Counter[str]:
        return Counter(record["body"] for event in self.events for record in event["Records"])


@pytest.fixture
def queue_url(moto_home: dict[str, str]) -> str:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=moto_home[QUEUE])["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:  # what an earlier test left (PurgeQueue allows one call a minute)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return str(url)


def poller(template: Template, moto_home: dict[str, str], consumer: Consumer) -> QueuePoller:
    return QueuePoller(
        template, {"NotificationDeliveryFunction": consumer}, moto_home, sqs_client=boto3.client("sqs"), retry_delay=0
    )


def test_given_messages_when_polled_then_the_consumer_gets_lambdas_sqs_event_and_only_failures_come_back(
    template: Template, moto_home: dict[str, str], queue_url: str
) -> None:
    sqs = boto3.client("sqs")
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    consumer = Consumer(fail_bodies={"two"})
    local = poller(template, moto_home, consumer)

    local.poll_once()
    consumer.fail_bodies = set()
    local.drain(timeout=30)

    first = consumer.events[0]["Records"][0]
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"] == f"arn:aws:sqs:eu-west-1:123456789012:{moto_home[QUEUE]}"
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"messageId", "receiptHandle", "body", "md5OfBody", "awsRegion", "messageAttributes"} <= set(first)
    assert consumer.seen() == {"one": 1, "two": 2, "three": 1}
    retried = next(r for e in consumer.events[1:] for r in e["Records"] if r["body"] == "two")
    assert retried["attributes"]["ApproximateReceiveCount"] == "2"


def test_given_a_consumer_that_crashes_then_the_whole_batch_comes_back(
    template: Template, moto_home: dict[str, str], queue_url: str
) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message_batch(
        QueueUrl=queue_url, Entries=[{"Id": "1", "MessageBody": "fine"}, {"Id": "2", "MessageBody": "boom"}]
    )
    consumer = Consumer(fail_bodies=set(), raise_on={"boom"})
    local = poller(template, moto_home, consumer)

    local.poll_once()
    consumer.raise_on = set()
    local.drain(timeout=30)

    assert consumer.seen() == {"fine": 2, "boom": 2}


def test_given_a_message_that_always_fails_then_it_ends_in_the_dead_letter_queue(
    template: Template, moto_home: dict[str, str], queue_url: str
) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=queue_url, MessageBody="poison")
    consumer = Consumer(fail_bodies={"poison"})

    poller(template, moto_home, consumer).drain(timeout=60)

    dead_url = sqs.get_queue_url(QueueName=moto_home[DEAD_LETTERS])["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10).get("Messages", [])
    assert consumer.seen() == {"poison": 5}  # maxReceiveCount
    assert [message["Body"] for message in dead] == ["poison"]
