"""Retention in the local home: moto keeps expired items, so the home's TTL sweeper deletes them as DynamoDB's TTL
process does; a reporter's contact past its tenant's retention period is gone, and the report stays."""

from __future__ import annotations

import time

import boto3
import requests

from koban.privacy.retention import retention
from koban.tenants.service import get_tenant
from koban_local.home import LocalHome
from tests.e2e.conftest import bearer

TENANT = "pilot-nl"


def test_given_a_contact_past_its_retention_when_the_ttl_sweeper_runs_then_it_is_gone(
    home: LocalHome, base_url: str, http: requests.Session
) -> None:
    # Given a report with contact details, readable by staff
    tenant = get_tenant(TENANT)
    lat, lon = tenant.area.centre or (0.0, 0.0)
    body = {
        "category": "noise_night",
        "description": "Loud music every night.",
        "location": {"lat": lat, "lon": lon},
        "answers": {"ongoing": True, "noise_source": "music"},
        "contact": {"name": "Ada", "email": "ada.ttl@example.org", "consent": True},
    }
    receipt = http.post(f"{base_url}/v1/tenants/{TENANT}/reports", json=body, timeout=30)
    assert receipt.status_code == 201, receipt.text
    report_url = f"{base_url}/v1/tenants/{TENANT}/reports/{receipt.json()['id']}"
    staff = {**bearer(TENANT, "supervisor")}
    before = http.get(report_url, params={"include": "contact"}, headers=staff, timeout=30)
    assert before.json()["contact"]["email"] == "ada.ttl@example.org"
    table = home.physical_names["PersonalDataTable"]
    key = {"pk": {"S": f"CONTACT#{TENANT}#{receipt.json()['id']}"}, "sk": {"S": "CONTACT"}}
    assert "Item" in boto3.client("dynamodb").get_item(TableName=table, Key=key)

    # When its retention period has passed (its expiry moved to a minute ago: the tier's other tests share the home)
    client = boto3.client("dynamodb")
    expiry = client.get_item(TableName=table, Key=key)["Item"]["expires_at"]["N"]
    assert int(expiry) - time.time() > retention(tenant).total_seconds() - 600
    client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}},
    )
    # Then staff no longer see it even before TTL removes it
    expired = http.get(report_url, params={"include": "contact"}, headers=staff, timeout=30)
    assert expired.status_code == 200, expired.text
    assert expired.json()["contact"] is None
    # And when DynamoDB's TTL process (the home's sweeper) runs, the item is deleted from the table
    assert home.ttl.sweep_once() >= 1
    assert "Item" not in client.get_item(TableName=table, Key=key)
    after = http.get(report_url, params={"include": "contact"}, headers=staff, timeout=30)
    assert after.status_code == 200, after.text
    assert after.json()["contact"] is None
    assert after.json()["category"]["code"] == "noise_night"


def test_given_items_not_yet_expired_then_the_sweeper_keeps_them(home: LocalHome) -> None:
    # When the sweeper runs at the present time, Then nothing that is still within its retention is deleted
    table = home.physical_names["PersonalDataTable"]
    client = boto3.client("dynamodb")
    item = {
        "pk": {"S": "CONTACT#pilot-nl#keep"},
        "sk": {"S": "CONTACT"},
        "expires_at": {"N": str(int(time.time()) + 3600)},
    }
    client.put_item(TableName=table, Item=item)
    home.ttl.sweep_once()
    assert "Item" in client.get_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
