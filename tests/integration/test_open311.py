"""Open311 GeoReport v2 through the open311 handler over moto: every endpoint in JSON and XML, the
specification's errors, privacy of public reads, and API keys that can be revoked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from koban.api_keys.service import register_api_key
from tests.api import ApiClient, Reply, staff_claims
from tests.integration.test_reports_intake import centre

NL_KEY = "k311_integration-test-key-for-pilot-nl-0001"


@pytest.fixture(scope="module")
def api_key(api: ApiClient) -> str:
    register_api_key("pilot-nl", "integration tests", NL_KEY, created_by="tests")
    return NL_KEY


def post_form(api: ApiClient, fields: list[tuple[str, str]], fmt: str = "json") -> Reply:
    return api.post(
        f"/open311/v2/requests.{fmt}",
        raw_body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def noise_form(key: str, **extra: str) -> list[tuple[str, str]]:
    location = centre("pilot-nl")
    fields = {
        "jurisdiction_id": "pilot-nl",
        "api_key": key,
        "service_code": "noise_night",
        "lat": str(location["lat"]),
        "long": str(location["lon"]),
        "description": "Loud party in the courtyard every weekend.",
        "attribute[noise_source]": "party",
        "attribute[ongoing]": "true",
        "attribute[nights_per_week]": "2",
        **extra,
    }
    return [(key, value) for key, value in fields.items() if value != ""]


def xml(reply: Reply) -> ET.Element:
    assert reply.headers["Content-Type"].startswith("text/xml"), reply.headers
    return ET.fromstring(reply.body)  # noqa: S314 - our own server's answer


def errors(reply: Reply) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = reply.json()
    return body


def test_discovery_lists_the_endpoint_in_both_formats(api: ApiClient) -> None:
    as_json = api.get("/open311/v2/discovery.json").json()
    assert as_json["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = xml(api.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_come_from_the_tenants_taxonomy(api: ApiClient, fmt: str) -> None:
    reply = api.get(f"/open311/v2/services.{fmt}", query={"jurisdiction_id": "pilot-nl"})
    assert reply.status == 200
    if fmt == "json":
        services = {service["service_code"]: service for service in reply.json()}
    else:
        services = {element.findtext("service_code"): element for element in xml(reply).iter("service")}
    assert "noise_night" in services
    assert len(services) >= 20


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_lists_the_questions_as_attributes(api: ApiClient, fmt: str) -> None:
    reply = api.get(f"/open311/v2/services/noise_night.{fmt}", query={"jurisdiction_id": "pilot-nl"})
    assert reply.status == 200
    if fmt == "json":
        attributes = {attribute["code"]: attribute for attribute in reply.json()["attributes"]}
        assert attributes["noise_source"]["datatype"] == "singlevaluelist"
        assert attributes["noise_source"]["required"] is True
        assert {value["key"] for value in attributes["noise_source"]["values"]} >= {"music", "party"}
    else:
        root = xml(reply)
        assert root.tag == "service_definition"
        codes = [attribute.findtext("code") for attribute in root.iter("attribute")]
        assert codes[:1] == ["noise_source"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_is_posted_and_read_back(api: ApiClient, api_key: str, fmt: str) -> None:
    # Given a FixMyStreet-like client posting a form with attributes
    reply = post_form(api, noise_form(api_key, email="resident@example.org", first_name="Ana"), fmt)
    assert reply.status == 201, reply.body
    if fmt == "json":
        request_id = reply.json()[0]["service_request_id"]
        assert reply.json()[0]["token"] == request_id
    else:
        request_id = xml(reply).findtext("request/service_request_id") or ""
    # When it reads the request back
    read = api.get(f"/open311/v2/requests/{request_id}.{fmt}", query={"jurisdiction_id": "pilot-nl"})
    assert read.status == 200
    body = read.body
    # Then it is open, described, located, and carries none of the reporter's contact data
    if fmt == "json":
        request = read.json()[0]
        assert request["status"] == "open"
        assert request["service_code"] == "noise_night"
        assert request["description"].startswith("Loud party")
    else:
        assert xml(read).findtext("request/status") == "open"
    assert "resident@example.org" not in body
    assert "Ana" not in body
    # And the same report is in the /v1 staff queue, taken through the open311 channel with its answers
    staff = api.get(f"/v1/tenants/pilot-nl/reports/{request_id}", claims=staff_claims("pilot-nl")).json()
    assert staff["channel"] == "open311"
    assert staff["answers"] == {"noise_source": "party", "ongoing": True, "nights_per_week": 2}
    assert staff["has_contact"] is True


def test_a_token_resolves_to_its_request(api: ApiClient, api_key: str) -> None:
    request_id = post_form(api, noise_form(api_key)).json()[0]["service_request_id"]
    reply = api.get(f"/open311/v2/tokens/{request_id}.json", query={"jurisdiction_id": "pilot-nl"})
    assert reply.json() == [{"service_request_id": request_id, "token": request_id}]
    missing = api.get("/open311/v2/tokens/00000000000000000000.xml", query={"jurisdiction_id": "pilot-nl"})
    assert missing.status == 404
    assert xml(missing).findtext("error/code") == "404"


MALFORMED = [
    ("missing service_code", {"service_code": ""}, 400, "service_code"),
    ("no location", {"lat": "", "long": ""}, 400, "location"),
    ("half a location", {"long": ""}, 400, "long"),
    ("bad api_key", {"api_key": "k311_not-a-real-key"}, 403, "api_key"),
    ("no api_key", {"api_key": ""}, 403, "api_key"),
    ("unknown jurisdiction", {"jurisdiction_id": "atlantis"}, 404, "atlantis"),
    ("unknown service", {"service_code": "ufo_sighting"}, 404, "ufo_sighting"),
    ("attribute of the wrong type", {"attribute[nights_per_week]": "many"}, 400, "attribute[nights_per_week]"),
    ("unknown attribute", {"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ("latitude not a number", {"lat": "north"}, 400, "lat"),
    ("outside the area", {"lat": "40.4168", "long": "-3.7038"}, 400, "lat"),
    ("description too long", {"description": "x" * 4001}, 400, "description"),
]


@pytest.mark.parametrize(("case", "changes", "status", "named"), MALFORMED, ids=[m[0] for m in MALFORMED])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_malformed_posts_get_open311_errors_and_store_nothing(
    api: ApiClient, api_key: str, case: str, changes: dict[str, str], status: int, named: str, fmt: str
) -> None:
    before = api.get("/v1/tenants/pilot-nl/reports", claims=staff_claims("pilot-nl"), query={"limit": "50"}).json()
    reply = post_form(api, noise_form(api_key, **changes), fmt)
    assert reply.status == status, reply.body
    if fmt == "json":
        described = errors(reply)
        assert described[0]["code"] == status
        text = " ".join(error["description"] for error in described)
    else:
        root = xml(reply)
        assert root.tag == "errors"
        assert root.findtext("error/code") == str(status)
        text = " ".join(element.text or "" for element in root.iter("description"))
    assert named.split("[")[0] in text or named in text, text
    after = api.get("/v1/tenants/pilot-nl/reports", claims=staff_claims("pilot-nl"), query={"limit": "50"}).json()
    assert after["items"] == before["items"]


def test_get_requests_honours_filters_and_the_90_day_window(api: ApiClient, api_key: str) -> None:
    ids = [post_form(api, noise_form(api_key)).json()[0]["service_request_id"] for _ in range(3)]
    query = {"jurisdiction_id": "pilot-nl", "service_code": "noise_night", "status": "open"}
    listed = [request["service_request_id"] for request in api.get("/open311/v2/requests.json", query=query).json()]
    assert set(ids) <= set(listed)
    assert api.get("/open311/v2/requests.json", query={**query, "status": "closed"}).json() == [] or not set(ids) & {
        r["service_request_id"]
        for r in api.get("/open311/v2/requests.json", query={**query, "status": "closed"}).json()
    }
    by_id = api.get(
        "/open311/v2/requests.json", query={"jurisdiction_id": "pilot-nl", "service_request_id": ",".join(ids[:2])}
    ).json()
    assert [request["service_request_id"] for request in by_id] == ids[:2]
    page = api.get("/open311/v2/requests.json", query={**query, "page": "2", "page_size": "1"}).json()
    assert len(page) == 1
    assert page[0]["service_request_id"] == listed[1]
    now = datetime.now(UTC)
    too_long = {
        "jurisdiction_id": "pilot-nl",
        "start_date": (now - timedelta(days=91)).isoformat(),
        "end_date": now.isoformat(),
    }
    reply = api.get("/open311/v2/requests.xml", query=too_long)
    assert reply.status == 400
    assert "90 days" in (xml(reply).findtext("error/description") or "")


def test_sensitive_reports_are_redacted_and_coarsened_in_public_reads(api: ApiClient) -> None:
    location = centre("pilot-nl")
    exact = {"lat": location["lat"] + 0.00123, "lon": location["lon"] + 0.00456}
    body = {
        "category": "hate_incident",
        "description": "Neighbour at number 12 shouted slurs at my family.",
        "location": exact,
        "answers": {"incident_type": "verbal", "ongoing": False},
    }
    report_id = api.post("/v1/tenants/pilot-nl/reports", body=body).json()["id"]
    public = api.get(f"/open311/v2/requests/{report_id}.json", query={"jurisdiction_id": "pilot-nl"}).json()[0]
    assert "number 12" not in json.dumps(public)
    assert (public["lat"], public["long"]) != (exact["lat"], exact["lon"])
    assert abs(public["lat"] - exact["lat"]) < 0.02


def test_updates_report_lifecycle_changes(api: ApiClient, api_key: str) -> None:
    request_id = post_form(api, noise_form(api_key)).json()[0]["service_request_id"]
    change = {"status": "verifying", "note": "An officer will look at it tonight."}
    assert (
        api.patch(f"/v1/tenants/pilot-nl/reports/{request_id}", body=change, claims=staff_claims("pilot-nl")).status
        == 200
    )
    updates = api.get("/open311/v2/servicerequestupdates.json", query={"jurisdiction_id": "pilot-nl"}).json()
    mine = [update for update in updates if update["service_request_id"] == request_id]
    assert [update["external_status_code"] for update in mine] == ["new", "verifying"]
    assert mine[-1]["description"] == "An officer will look at it tonight."
    root = xml(api.get("/open311/v2/servicerequestupdates.xml", query={"jurisdiction_id": "pilot-nl"}))
    assert root.tag == "service_request_updates"
    assert any(element.findtext("service_request_id") == request_id for element in root.iter("request_update"))


def test_missing_jurisdiction_and_unknown_documents_are_open311_errors(api: ApiClient) -> None:
    assert api.get("/open311/v2/services.json").status == 400
    assert api.get("/open311/v2/services.json", query={"jurisdiction_id": "atlantis"}).status == 404
    assert api.get("/open311/v2/nothing.json", query={"jurisdiction_id": "pilot-nl"}).status == 404
    unsupported = api.get("/open311/v2/services.csv", query={"jurisdiction_id": "pilot-nl"})
    assert unsupported.status == 400
    assert errors(unsupported)[0]["code"] == 400


def test_admins_create_list_and_revoke_keys(api: ApiClient) -> None:
    admin = staff_claims("pilot-nl", "admin")
    created = api.post("/v1/tenants/pilot-nl/api-keys", body={"client_name": "FixMyStreet NL"}, claims=admin)
    assert created.status == 201, created.body
    key = created.json()["api_key"]
    assert post_form(api, noise_form(key)).status == 201
    listed = api.get("/v1/tenants/pilot-nl/api-keys", claims=admin).json()["items"]
    assert key not in json.dumps(listed)
    key_id = created.json()["key_id"]
    assert any(item["key_id"] == key_id and item["active"] for item in listed)
    assert api.request("DELETE", f"/v1/tenants/pilot-nl/api-keys/{key_id}", claims=admin).status == 200
    assert post_form(api, noise_form(key)).status == 403
    assert api.request("DELETE", f"/v1/tenants/pilot-nl/api-keys/{key_id}", claims=admin).status == 409


def test_only_the_tenants_admins_manage_its_keys(api: ApiClient) -> None:
    body = {"client_name": "Some app"}
    assert api.post("/v1/tenants/pilot-nl/api-keys", body=body, claims=staff_claims("pilot-nl")).status == 403
    assert api.post("/v1/tenants/pilot-nl/api-keys", body=body, claims=staff_claims("pilot-pl", "admin")).status == 403
    assert api.post("/v1/tenants/pilot-nl/api-keys", body=body).status == 401
    other = api.post("/v1/tenants/pilot-pl/api-keys", body=body, claims=staff_claims("pilot-pl", "admin")).json()
    assert post_form(api, noise_form(other["api_key"])).status == 403  # a pilot-pl key in pilot-nl


def test_media_url_is_kept_for_staff_but_never_published(api: ApiClient, api_key: str) -> None:
    photo = "https://photos.example.org/reports/123.jpg"
    request_id = post_form(api, noise_form(api_key, media_url=photo)).json()[0]["service_request_id"]
    staff = api.get(f"/v1/tenants/pilot-nl/reports/{request_id}", claims=staff_claims("pilot-nl")).json()
    assert staff["media_urls"] == [photo]
    public = api.get(f"/open311/v2/requests/{request_id}.json", query={"jurisdiction_id": "pilot-nl"}).json()[0]
    assert photo not in json.dumps(public)


@pytest.mark.parametrize(
    "media_url", ["http://photos.example.org/a.jpg", "javascript:alert(1)", "https://user:pw@host/x", "file:///etc"]
)
def test_a_media_url_that_is_not_a_plain_https_link_is_refused(api: ApiClient, api_key: str, media_url: str) -> None:
    reply = post_form(api, noise_form(api_key, media_url=media_url))
    assert reply.status == 400
    assert "media_url" in reply.json()[0]["description"]
