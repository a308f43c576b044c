"""The tamper-evident audit log over moto: every audited action appends exactly one entry, in the same transaction
as the change it audits; concurrent writers keep one chain; tampering with the table is found by the admin route
and by `koban audit verify`."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from moto.core.botocore_stubber import BotocoreStubber

from koban.audit import service as audit
from koban.audit.models import AuditAction
from koban.audit.storage import HEAD_SK, entry_sk, partition
from koban_local.cli import main
from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import noise_report

OFFICER = staff_claims("pilot-nl", "officer")
ADMIN = staff_claims("pilot-nl", "admin")


@pytest.fixture
def table(moto_home: dict[str, str]) -> Any:
    return boto3.resource("dynamodb").Table(moto_home["AuditTable"])


def _report(api: ApiClient, tenant: str = "pilot-nl", **overrides: Any) -> dict[str, Any]:
    reply = api.post(f"/v1/tenants/{tenant}/reports", body=noise_report(tenant, **overrides))
    assert reply.status == 201, reply.body
    receipt: dict[str, Any] = reply.json()
    return receipt


def _entries(api: ApiClient, tenant: str = "pilot-nl") -> list[dict[str, Any]]:
    """The whole log, newest first, read page by page through the admin route."""
    items: list[dict[str, Any]] = []
    query = {"limit": "7"}
    while True:
        reply = api.get(f"/v1/tenants/{tenant}/audit", claims=staff_claims(tenant, "admin"), query=query)
        assert reply.status == 200, reply.body
        page = reply.json()
        items.extend(page["items"])
        if not page["next_cursor"]:
            return items
        query = {"limit": "7", "cursor": page["next_cursor"]}


def _appended(api: ApiClient, before: int, tenant: str = "pilot-nl") -> list[dict[str, Any]]:
    entries = _entries(api, tenant)
    return [entry for entry in entries if entry["seq"] > before]


def _head_seq(tenant: str = "pilot-nl") -> int:
    head = audit.audit_log().head(tenant)
    assert head is not None
    return head.seq


def test_a_contact_read_appends_one_entry_and_keeps_the_history_event(api: ApiClient) -> None:
    # Given a report with the reporter's contact
    report = _report(api, contact={"name": "Ann", "email": "ann@example.org", "consent": True})
    path = f"/v1/tenants/pilot-nl/reports/{report['id']}"
    before = _head_seq()
    # When an officer reads it without, then with the contact
    assert api.get(path, claims=OFFICER).status == 200
    read = api.get(path, claims=OFFICER, query={"include": "contact"})
    # Then only the contact read is an entry: who, as what, which report; and nothing personal in it
    assert read.status == 200, read.body
    [entry] = _appended(api, before)
    assert (entry["action"], entry["actor"], entry["role"], entry["target"]) == (
        "contact_viewed",
        OFFICER["sub"],
        "officer",
        f"report/{report['id']}",
    )
    assert "ann" not in str(entry).lower()
    # And the history staff see keeps its contact_viewed event
    history = api.get(path, claims=OFFICER).json()["events"]
    assert [event["kind"] for event in history].count("contact_viewed") == 1


def test_a_status_change_appends_one_entry_naming_both_statuses(api: ApiClient) -> None:
    report = _report(api)
    before = _head_seq()
    change = {"status": "verifying", "note": "We are looking into it."}
    reply = api.patch(f"/v1/tenants/pilot-nl/reports/{report['id']}", body=change, claims=OFFICER)
    assert reply.status == 200, reply.body
    [entry] = _appended(api, before)
    assert entry["action"] == "status_changed"
    assert entry["detail"] == {"from": "new", "to": "verifying", "version": "2"}
    assert "looking" not in str(entry)  # the note (free text) stays in the report's history only


def test_thread_reads_by_staff_and_every_message_append_one_entry_each(api: ApiClient) -> None:
    report = _report(api)
    thread = f"/v1/tenants/pilot-nl/reports/{report['id']}/messages"
    reporter = {"X-Tracking-Token": report["tracking_token"]}
    before = _head_seq()
    # When the team writes, the reporter reads and answers, and the team reads
    posted = api.post(thread, body={"text": "Which door is it?"}, claims=OFFICER)
    assert posted.status == 201, posted.body
    assert api.get(thread, headers=reporter).status == 200
    assert api.post(thread, body={"text": "The red one."}, headers=reporter).status == 201
    assert api.get(thread, claims=OFFICER).status == 200
    # Then the two messages and the staff read are entries (the reporter's read is not), oldest last
    entries = _appended(api, before)
    assert [(entry["action"], entry["actor"]) for entry in entries] == [
        ("thread_viewed", OFFICER["sub"]),
        ("message_posted", "reporter"),
        ("message_posted", OFFICER["sub"]),
    ]
    assert entries[2]["detail"] == {"message_id": posted.json()["id"], "author": "staff"}
    assert entries[0]["detail"] == {"messages": "2"}


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process moto answers one request at a time, as DynamoDB applies each request atomically (moto's own
    state is not safe for threads: a transaction could be half-visible to another thread)."""
    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def one_at_a_time(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)


def test_concurrent_appends_from_threads_keep_one_unbroken_chain(moto_home: dict[str, str], atomic_moto: None) -> None:
    # Given eight writers appending to the same tenant's log at once
    tenant = "pilot-pt"
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for index in range(6):
                audit.append(tenant, f"writer-{number}", AuditAction.EXPORT, f"export/{number}-{index}")
        except BaseException as error:  # reported below: a thread's exception would vanish
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every append found its place, and the chain has no gap, fork or duplicate
    assert errors == []
    result = audit.verify(tenant)
    assert (result.ok, result.entries_checked) == (True, 48), result.reason
    assert result.head is not None
    assert result.head.seq == 48


def test_a_failing_audit_write_fails_the_status_change_as_a_whole(api: ApiClient, table: Any) -> None:
    # Given the next place in the log taken by an item that is not this append's (the audit write keeps failing)
    tenant = "pilot-be"
    report = _report(api, tenant)
    path = f"/v1/tenants/{tenant}/reports/{report['id']}"
    seq = _head_seq(tenant) + 1
    table.put_item(Item={"pk": partition(tenant), "sk": entry_sk(seq), "seq": seq, "id": "squatter"})
    try:
        # When an officer changes the status
        reply = api.patch(path, body={"status": "verifying", "note": "Checking."}, claims=staff_claims(tenant))
        # Then the officer is told to try again, and neither the report nor its history changed
        assert reply.status == 503, reply.body
        staff = api.get(path, claims=staff_claims(tenant)).json()
        assert staff["status"] == "new"
        assert [event["kind"] for event in staff["events"]] == ["received"]
    finally:
        table.delete_item(Key={"pk": partition(tenant), "sk": entry_sk(seq)})
    # And once the log is writable again the same change goes through
    assert api.patch(path, body={"status": "verifying", "note": "Checking."}, claims=staff_claims(tenant)).status == 200


def test_verification_and_the_cli_find_an_edited_and_a_deleted_entry(
    api: ApiClient, table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a tenant whose log holds a few entries
    tenant = "pilot-fi"
    for _ in range(3):
        report = _report(api, tenant)
        change = {"status": "verifying", "note": "On it."}
        path = f"/v1/tenants/{tenant}/reports/{report['id']}"
        assert api.patch(path, body=change, claims=staff_claims(tenant)).status == 200
    admin = staff_claims(tenant, "admin")
    verification = f"/v1/tenants/{tenant}/audit/verification"
    intact = api.get(verification, claims=admin).json()
    assert (intact["ok"], intact["entries_checked"], intact["head_seq"]) == (True, 3, 3)
    assert main(["audit", "verify", "--tenant", tenant]) == 0
    assert f"{tenant}: 3 entries checked, head 3 {intact['head_hash']}, OK" in capsys.readouterr().out

    # When someone with table access edits entry 2's actor
    key = {"pk": partition(tenant), "sk": entry_sk(2)}
    original = table.get_item(Key=key)["Item"]
    table.update_item(Key=key, UpdateExpression="SET actor = :actor", ExpressionAttributeValues={":actor": "nobody"})
    # Then the route and the CLI name entry 2 as edited, and the CLI exits 1
    edited = api.get(verification, claims=admin).json()
    assert (edited["ok"], edited["first_broken_seq"], edited["breakage"]) == (False, 2, "edited")
    assert main(["audit", "verify", "--tenant", tenant]) == 1
    assert "BROKEN at entry 2 (edited)" in capsys.readouterr().out
    table.put_item(Item=original)
    assert main(["audit", "verify", "--tenant", tenant]) == 0

    # When the last entry is deleted
    last = {"pk": partition(tenant), "sk": entry_sk(3)}
    table.delete_item(Key=last)
    # Then the head no longer matches
    assert main(["audit", "verify", "--tenant", tenant]) == 1
    assert "BROKEN at entry 3 (head_mismatch)" in capsys.readouterr().out
    # And a deleted middle entry (with the head moved back to hide the last one's removal) is named too
    table.delete_item(Key={"pk": partition(tenant), "sk": entry_sk(2)})
    table.update_item(
        Key={"pk": partition(tenant), "sk": HEAD_SK},
        UpdateExpression="SET seq = :seq, #hash = :hash",
        ExpressionAttributeNames={"#hash": "hash"},
        ExpressionAttributeValues={":seq": 1, ":hash": table.get_item(Key={**last, "sk": entry_sk(1)})["Item"]["hash"]},
    )
    deleted = api.get(verification, claims=admin).json()
    assert deleted["ok"] is True  # a consistent rewrite of the tail: only an external anchor of the head shows it
    table.update_item(
        Key={"pk": partition(tenant), "sk": HEAD_SK},
        UpdateExpression="SET seq = :seq, #hash = :hash",
        ExpressionAttributeNames={"#hash": "hash"},
        ExpressionAttributeValues={":seq": 3, ":hash": intact["head_hash"]},
    )
    assert api.get(verification, claims=admin).json()["first_broken_seq"] == 2


def test_the_audit_routes_are_for_admins_of_the_tenant_only(api: ApiClient) -> None:
    for claims, status in (
        (OFFICER, 403),
        (staff_claims("pilot-nl", "supervisor"), 403),
        (staff_claims("pilot-pl", "admin"), 403),
        (None, 401),
    ):
        assert api.get("/v1/tenants/pilot-nl/audit", claims=claims).status == status
        assert api.get("/v1/tenants/pilot-nl/audit/verification", claims=claims).status == status
    bad_cursor = api.get("/v1/tenants/pilot-nl/audit", claims=ADMIN, query={"cursor": "not-a-cursor"})
    assert bad_cursor.status == 422
    assert bad_cursor.json()["errors"][0]["field"] == "query.cursor"
