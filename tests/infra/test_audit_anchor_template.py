"""template.yaml for the audit log's anchors: a bucket whose objects nobody can change or delete before their
retention ends (S3 Object Lock, compliance mode), and a scheduled function that can only read the heads and add
anchors. (The generic invariants of every bucket and function are in test_template.py.)"""

from __future__ import annotations

from typing import Any

from tests.infra.test_template import bucket_policy_for, iter_statements, refers_to


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement.get("Action", [])
    return set(actions if isinstance(actions, list) else [actions])


def _granted(template: dict[str, Any], function_id: str, target: str) -> set[str]:
    policies = template["Resources"][function_id]["Properties"].get("Policies", [])
    return {
        action
        for _, statement in iter_statements(policies)
        if statement["Effect"] == "Allow" and refers_to(statement.get("Resource"), target)
        for action in _actions(statement)
    }


def test_given_the_anchors_bucket_then_every_object_is_locked_in_compliance_mode_for_the_retention_parameter(
    template: dict[str, Any],
) -> None:
    bucket = template["Resources"]["AuditAnchorsBucket"]
    properties = bucket["Properties"]
    parameter = template["Parameters"]["AuditAnchorRetentionDays"]

    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": {"Ref": "AuditAnchorRetentionDays"}}},
    }
    assert (parameter["Type"], parameter["Default"], parameter["MinValue"]) == ("Number", "2555", 1)
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}  # Object Lock requires it
    assert "LifecycleConfiguration" not in properties  # no rule expires an anchor
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert properties["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "AccessLogsBucket"},
        "LogFilePrefix": "audit-anchors/",
    }


def test_given_the_anchors_bucket_policy_then_nobody_deletes_an_anchor_or_bypasses_a_retention(
    template: dict[str, Any],
) -> None:
    policy = bucket_policy_for(template, "AuditAnchorsBucket")
    assert policy is not None

    [deny] = [statement for statement in policy["Statement"] if statement.get("Sid") == "DenyDeletingAnchors"]

    assert (deny["Effect"], deny["Principal"]) == ("Deny", "*")
    assert _actions(deny) == {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"}
    assert deny["Resource"] == [{"Fn::Sub": "${AuditAnchorsBucket.Arn}/*"}]


def test_given_the_anchor_function_then_it_runs_every_15_minutes_reading_heads_and_adding_anchors_only(
    template: dict[str, Any],
) -> None:
    properties = template["Resources"]["AuditAnchorFunction"]["Properties"]
    statements = [statement for _, statement in iter_statements(properties["Policies"])]

    assert properties["Events"] == {
        "EveryQuarterHour": {
            "Type": "Schedule",
            "Properties": {
                "Schedule": "rate(15 minutes)",
                "Description": "Anchor the audit heads that moved.",
                "Enabled": True,
            },
        }
    }
    assert properties["Environment"]["Variables"]["AUDIT_ANCHORS_BUCKET"] == {"Ref": "AuditAnchorsBucket"}
    # Exactly two grants: GetItem on AuditTable, PutObject under anchors/ (no read, list or delete of an anchor)
    assert sorted(action for statement in statements for action in _actions(statement)) == [
        "dynamodb:GetItem",
        "s3:PutObject",
    ]
    assert _granted(template, "AuditAnchorFunction", "AuditTable") == {"dynamodb:GetItem"}
    [put] = [statement for statement in statements if _actions(statement) == {"s3:PutObject"}]
    assert put["Resource"] == [{"Fn::Sub": "${AuditAnchorsBucket.Arn}/anchors/*"}]


def test_given_the_anchors_bucket_then_only_the_anchor_job_writes_and_only_the_audit_function_lists_it(
    template: dict[str, Any],
) -> None:
    users = {
        function_id: _granted(template, function_id, "AuditAnchorsBucket")
        for function_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function" and _granted(template, function_id, "AuditAnchorsBucket")
    }
    audit = template["Resources"]["AuditFunction"]["Properties"]

    assert users == {"AuditAnchorFunction": {"s3:PutObject"}, "AuditFunction": {"s3:ListBucketVersions"}}
    assert audit["Environment"]["Variables"]["AUDIT_ANCHORS_BUCKET"] == {"Ref": "AuditAnchorsBucket"}
