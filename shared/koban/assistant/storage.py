"""The assistant's two stores.

ConversationsTable (DynamoDB, TTL `expires_at`; every item expires `conversation_retention_days` after it is
written):
  conversation  pk CONV#<tenant>#<conversation id>  sk #META          (turn count: the optimistic lock)
  turn          pk CONV#<tenant>#<conversation id>  sk TURN#<00000n>  (text redacted)
  handoff       pk HANDOFF#<tenant>                 sk <ISO time>#<conversation id>   (the officers' queue)
One message is one transaction: its two turns, the conversation (on the turn count it was read at) and, the
first time a person is needed, the handoff.

KnowledgeBucket (S3, versioned), per tenant:
  knowledge/<tenant>/items/<item id>.json   every item as last written (S3 versions keep the history)
  knowledge/<tenant>/index.json             the items and their passages' vectors: what the assistant reads
The index is replaced with a conditional write (If-Match on the ETag it was read at), so two admins saving at
once cannot lose each other's change; readers revalidate it with If-None-Match.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.assistant.models import Conversation, ConversationTurn, HandoffOut, KnowledgeItem
from koban.dynamo import conflict_or_storage_error, deserialize, serialize, storage_error
from koban.errors import Conflict, FieldError, ValidationFailed

META = "#META"
_HANDOFF_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T[0-9:.+-]+#[A-Za-z0-9_-]{22,64}$")


def _conversation_pk(tenant: str, conversation_id: str) -> str:
    return f"CONV#{tenant}#{conversation_id}"


def _handoff_pk(tenant: str) -> str:
    return f"HANDOFF#{tenant}"


def _turn_sk(position: int) -> str:
    return f"TURN#{position:06d}"


class ConversationRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def get(self, tenant: str, conversation_id: str) -> Conversation | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": _conversation_pk(tenant, conversation_id), "sk": META}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read conversation", exc) from exc
        return _conversation(deserialize(response["Item"])) if "Item" in response else None

    def record(
        self,
        before: Conversation | None,
        after: Conversation,
        turns: list[ConversationTurn],
        handoff: HandoffOut | None,
    ) -> None:
        """Store the new turns and the conversation, unless another message was stored since `before`."""
        pk = _conversation_pk(after.tenant, after.id)
        meta: dict[str, Any] = {
            "Put": {
                "TableName": self.table_name,
                "Item": serialize({"pk": pk, "sk": META, **after.model_dump(mode="json")}),
            }
        }
        if before is None:
            meta["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            meta["Put"]["ConditionExpression"] = "turns = :turns"
            meta["Put"]["ExpressionAttributeValues"] = serialize({":turns": before.turns})
        items: list[dict[str, Any]] = [meta]
        for turn in turns:
            item = {"pk": pk, "sk": _turn_sk(turn.position), "expires_at": after.expires_at}
            items.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": serialize({**item, **turn.model_dump(mode="json")}),
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                }
            )
        if handoff is not None:
            key = {"pk": _handoff_pk(after.tenant), "sk": f"{handoff.handed_off_at.isoformat()}#{after.id}"}
            item = {**key, **handoff.model_dump(mode="json"), "expires_at": after.expires_at}
            items.append({"Put": {"TableName": self.table_name, "Item": serialize(item)}})
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            raise conflict_or_storage_error(
                "store conversation", exc, "Another message of this conversation was stored meanwhile; send again."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("store conversation", exc) from exc

    def transcript(self, tenant: str, conversation_id: str) -> tuple[Conversation, list[ConversationTurn]] | None:
        """The conversation and its turns in order (one Query of its partition)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialize({":pk": _conversation_pk(tenant, conversation_id)}),
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        try:
            while True:
                page = self._client.query(**kwargs)
                items.extend(deserialize(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read conversation", exc) from exc
        meta = next((item for item in items if item["sk"] == META), None)
        if meta is None:
            return None
        turns = [_turn(item) for item in items if item["sk"].startswith("TURN#")]
        return _conversation(meta), turns

    def handoffs(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[HandoffOut], str | None]:
        """The officers' queue, newest first, a page at a time."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialize({":pk": _handoff_pk(tenant)}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = serialize({"pk": _handoff_pk(tenant), "sk": _decode_cursor(cursor)})
        try:
            page = self._client.query(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read handoffs", exc) from exc
        items = [deserialize(item) for item in page.get("Items", [])]
        handoffs = [
            HandoffOut.model_validate({k: v for k, v in item.items() if k in HandoffOut.model_fields}) for item in items
        ]
        last = page.get("LastEvaluatedKey")
        return handoffs, _encode_cursor(deserialize(last)["sk"]) if last else None


def _encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        sort_key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        sort_key = ""
    if not _HANDOFF_KEY.match(sort_key):
        raise ValidationFailed([FieldError("query.cursor", "not a cursor of this list")])
    return sort_key


def _conversation(item: dict[str, Any]) -> Conversation:
    return Conversation.model_validate({key: value for key, value in item.items() if key in Conversation.model_fields})


def _turn(item: dict[str, Any]) -> ConversationTurn:
    return ConversationTurn.model_validate(
        {key: value for key, value in item.items() if key in ConversationTurn.model_fields}
    )


# ---------------------------------------------------------------------------------------------- knowledge


def _prefix(tenant: str) -> str:
    return f"knowledge/{tenant}/"


class KnowledgeRepository:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _client(self) -> Any:
        return aws.client("s3")

    def read_index(self, tenant: str, if_none_match: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
        """(index, ETag); (None, None) when the tenant has no index yet; (None, the same ETag) when it has not
        changed since `if_none_match`."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": _prefix(tenant) + "index.json"}
        if if_none_match:
            kwargs["IfNoneMatch"] = if_none_match
        try:
            response = self._client.get_object(**kwargs)
            body = response["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("304", "NotModified"):
                return None, if_none_match
            if code in ("NoSuchKey", "404"):
                return None, None
            raise storage_error("read knowledge index", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("read knowledge index", exc) from exc
        index: dict[str, Any] = json.loads(body)
        return index, str(response["ETag"])

    def write_index(self, tenant: str, index: dict[str, Any], read_at: str | None) -> None:
        """Replace the index, on condition that it is still the one read (ETag `read_at`, None: none existed)."""
        condition = {"IfMatch": read_at} if read_at else {"IfNoneMatch": "*"}
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=_prefix(tenant) + "index.json",
                Body=json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode(),
                ContentType="application/json",
                **condition,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise Conflict("The knowledge base was changed meanwhile; reload and save again.") from exc
            raise storage_error("write knowledge index", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("write knowledge index", exc) from exc

    def write_item(self, item: KnowledgeItem) -> None:
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=f"{_prefix(item.tenant)}items/{item.id}.json",
                Body=item.model_dump_json().encode(),
                ContentType="application/json",
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("write knowledge item", exc) from exc
