"""Anchors of the audit log over moto: the scheduled job copies each head that moved into the object-locked
anchors bucket (and nothing when no head moved); a chain rewritten consistently inside AuditTable still passes
the chain check but differs from its anchors, which the admin route, the service and `koban audit verify` report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from koban.audit import chain
from koban.audit import service as audit
from koban.audit.models import AuditAction, Breakage
from koban.audit.storage import HEAD_SK, entry_sk, partition
from koban.caches import reset_process_caches
from koban.tenants.service import list_tenants
from koban_local.cli import main
from koban_local.functions import Handler, LocalLambdaContext, load_handler
from koban_local.template import Template
from tests.api import ApiClient, staff_claims
from tests.integration.conftest import STACK_NAME

SCHEDULED_EVENT = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


@pytest.fixture
def anchors_bucket(moto_home: dict[str, str], template: Template) -> Iterator[str]:
    """Given the anchors bucket configured, as the audit and anchor functions have it."""
    bucket = template.resolve_environment("AuditAnchorFunction", moto_home, stack_name=STACK_NAME)[
        "AUDIT_ANCHORS_BUCKET"
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUDIT_ANCHORS_BUCKET", bucket)
        reset_process_caches()
        yield bucket
    reset_process_caches()


@pytest.fixture
def anchor_job(anchors_bucket: str, template: Template) -> Handler:
    function = template.functions["AuditAnchorFunction"]
    return load_handler(function.code_uri, function.handler, {})


def _run(job: Handler) -> dict[str, Any]:
    result: dict[str, Any] = job(dict(SCHEDULED_EVENT), LocalLambdaContext("AuditAnchorFunction", timeout_seconds=60))
    return result


def _versions(bucket: str) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = boto3.client("s3").list_object_versions(Bucket=bucket).get("Versions", [])
    return versions


def _head_key(tenant: str) -> str:
    head = audit.audit_log().head(tenant)
    assert head is not None
    return f"anchors/{tenant}/{head.seq:012d}-{head.hash}.json"


def _append(tenant: str, count: int) -> None:
    for number in range(count):
        audit.append(tenant, f"officer-{number}", AuditAction.EXPORT, f"export/{number}")


def test_the_job_anchors_each_tenant_whose_head_moved_and_nothing_when_none_moved(
    anchors_bucket: str, anchor_job: Handler
) -> None:
    # Given two tenants whose logs hold entries
    _append("pilot-nl", 2)
    _append("pilot-es", 1)
    with_entries = {tenant.id for tenant in list_tenants() if getattr(audit.audit_log().head(tenant.id), "seq", 0) > 0}
    assert {"pilot-nl", "pilot-es"} <= with_entries
    # When the scheduled job runs
    first = _run(anchor_job)
    # Then each of them has exactly one anchor, named after its head
    assert set(first["anchored"]) == with_entries
    assert sorted(version["Key"] for version in _versions(anchors_bucket)) == sorted(
        _head_key(tenant) for tenant in with_entries
    )
    # And it is kept in compliance mode for AuditAnchorRetentionDays (2555 days by default): not even deletable
    s3 = boto3.client("s3")
    version = _versions(anchors_bucket)[0]
    stored = s3.head_object(Bucket=anchors_bucket, Key=version["Key"])
    assert stored["ObjectLockMode"] == "COMPLIANCE"
    assert stored["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=2554)
    with pytest.raises(s3.exceptions.ClientError):
        s3.delete_object(Bucket=anchors_bucket, Key=version["Key"], VersionId=version["VersionId"])

    # When it runs again with no append between
    second = _run(anchor_job)
    # Then nothing is written
    assert second["anchored"] == []
    assert len(_versions(anchors_bucket)) == len(with_entries)

    # When one tenant's head moves on
    _append("pilot-nl", 1)
    third = _run(anchor_job)
    # Then only that tenant gets a new anchor
    assert third["anchored"] == ["pilot-nl"]
    assert _head_key("pilot-nl") in {version["Key"] for version in _versions(anchors_bucket)}
    assert len(_versions(anchors_bucket)) == len(with_entries) + 1


def _rewrite_from(table: Any, tenant: str, seq: int) -> None:
    """What someone with write access to AuditTable can do: change entry `seq`, recompute every hash from it on,
    and move the head to match (the chain stays whole)."""
    items = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :entries)",
        ExpressionAttributeValues={":pk": partition(tenant), ":entries": "SEQ#"},
        ConsistentRead=True,
    )["Items"]
    previous = None
    for item in sorted(items, key=lambda stored: int(stored["seq"])):
        fields = {**item, "seq": int(item["seq"])}
        if fields["seq"] == seq:
            fields["actor"] = "someone-else"
        if fields["seq"] >= seq:
            fields["prev_hash"] = previous or fields["prev_hash"]
            fields["hash"] = chain.digest(tenant, fields)
            table.put_item(Item={**item, **{key: fields[key] for key in ("actor", "prev_hash", "hash")}})
        previous = fields["hash"]
    table.update_item(
        Key={"pk": partition(tenant), "sk": HEAD_SK},
        UpdateExpression="SET #hash = :hash",
        ExpressionAttributeNames={"#hash": "hash"},
        ExpressionAttributeValues={":hash": previous},
    )


def test_a_consistent_rewrite_passes_the_chain_check_but_not_its_anchors(
    anchors_bucket: str, api: ApiClient, moto_home: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a tenant's log anchored at entry 4 (the job) and at entry 6 (`koban audit anchor`)
    tenant = "pilot-pt"
    _append(tenant, 4)
    audit.anchor_heads()
    _append(tenant, 2)
    assert main(["audit", "anchor"]) == 0
    assert f"{tenant}: anchored 6 " in capsys.readouterr().out
    admin = staff_claims(tenant, "admin")
    verification = f"/v1/tenants/{tenant}/audit/verification"
    intact = api.get(verification, claims=admin).json()
    assert (intact["ok"], intact["entries_checked"], intact["anchors_checked"]) == (True, 6, 2)
    assert main(["audit", "verify", "--tenant", tenant]) == 0
    assert f"{tenant}: 6 entries checked, head 6 {intact['head_hash']}, OK (2 anchors checked)" in (
        capsys.readouterr().out
    )

    # When someone with table access rewrites the chain consistently from entry 5 on
    table = boto3.resource("dynamodb").Table(moto_home["AuditTable"])
    _rewrite_from(table, tenant, 5)
    repository = audit.audit_log()
    plain = chain.verify(tenant, repository.stored_entries(tenant), lambda: repository.head(tenant))
    # Then the chain on its own is whole
    assert (plain.ok, plain.entries_checked) == (True, 6)
    # But the service, the admin route and the CLI find the entry that differs from its anchor
    result = audit.verify(tenant)
    assert (result.ok, result.breakage, result.first_broken_seq, result.anchors_checked) == (
        False,
        Breakage.ANCHOR_MISMATCH,
        6,
        2,
    )
    assert result.reason is not None
    assert result.reason.startswith("entry 6 differs from its anchor of ")
    assert "the chain was rewritten after entry 4 (anchored on " in result.reason
    route = api.get(verification, claims=admin).json()
    assert (route["ok"], route["breakage"], route["first_broken_seq"]) == (False, "anchor_mismatch", 6)
    assert main(["audit", "verify", "--tenant", tenant]) == 1
    assert "BROKEN at entry 6 (anchor_mismatch): entry 6 differs from its anchor of" in capsys.readouterr().out
    # And anchoring the rewritten head afterwards does not hide it: the true anchor stays
    audit.anchor_heads()
    assert audit.verify(tenant).first_broken_seq == 6

    # When the chain is cut back to entry 3 instead (the later entries deleted, the head moved back)
    for seq in (4, 5, 6):
        table.delete_item(Key={"pk": partition(tenant), "sk": entry_sk(seq)})
    entry_3 = table.get_item(Key={"pk": partition(tenant), "sk": entry_sk(3)})["Item"]
    table.update_item(
        Key={"pk": partition(tenant), "sk": HEAD_SK},
        UpdateExpression="SET seq = :seq, #hash = :hash",
        ExpressionAttributeNames={"#hash": "hash"},
        ExpressionAttributeValues={":seq": 3, ":hash": entry_3["hash"]},
    )
    # Then the chain alone is whole again, but its head lies behind the anchor of entry 4
    assert chain.verify(tenant, repository.stored_entries(tenant), lambda: repository.head(tenant)).ok
    cut = audit.verify(tenant)
    assert (cut.ok, cut.first_broken_seq) == (False, 4)
    assert cut.reason is not None
    assert "but the head is entry 3: the chain was cut back" in cut.reason


@pytest.fixture
def no_anchors_bucket(moto_home: dict[str, str]) -> Iterator[None]:
    """Given no anchors bucket configured."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AUDIT_ANCHORS_BUCKET", raising=False)
        reset_process_caches()
        yield
    reset_process_caches()


@pytest.mark.usefixtures("no_anchors_bucket")
def test_without_an_anchors_bucket_verification_says_so(api: ApiClient, capsys: pytest.CaptureFixture[str]) -> None:
    tenant = "pilot-be"
    _append(tenant, 1)
    # Then the chain is verified alone, and the route and the CLI say anchors were not compared
    route = api.get(f"/v1/tenants/{tenant}/audit/verification", claims=staff_claims(tenant, "admin")).json()
    assert (route["ok"], route["anchors_checked"]) == (True, None)
    assert main(["audit", "verify", "--tenant", tenant]) == 0
    assert "OK (anchors not configured)" in capsys.readouterr().out
    # And the anchor command refuses to run
    assert main(["audit", "anchor"]) == 1
    assert "No audit anchors bucket is configured" in capsys.readouterr().err
