"""Open311 as an existing client uses it, against the embedded default over HTTP.

`georeport` (a GeoReport v2 client on PyPI, written by others) lists services, reads a service definition and
reads requests back, in JSON and XML. It has no way to post, and the other Python clients on PyPI (`three`,
`open311`) are Python 2 only, so the POST is made the way FixMyStreet makes it: a form-urlencoded body with
the tenant's API key, as printed by `koban serve`.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from koban_local.tokens import issue_open311_key


@pytest.fixture(params=["json", "xml"])
def client(request: pytest.FixtureRequest, base_url: str) -> GeoReport:
    return GeoReport(f"{base_url}/open311/v2", jurisdiction="pilot-fi", output_format=request.param)


def test_an_open311_client_lists_services_posts_and_reads_back(client: GeoReport, base_url: str) -> None:
    # Given an Open311 client configured with the force's endpoint and jurisdiction
    services = {service["service_code"]: service for service in client.get_service_list()}
    assert "illegal_dumping" in services
    definition = client.get_service_definition("illegal_dumping")
    attributes = definition["attributes"] if client.output_format == "json" else definition["attributes"]["attribute"]
    codes = [attribute["code"] for attribute in attributes]
    assert "waste_type" in codes

    # When it posts a request with the demo API key, as FixMyStreet does
    posted = requests.post(
        f"{base_url}/open311/v2/requests.{client.output_format}",
        data={
            "jurisdiction_id": "pilot-fi",
            "api_key": issue_open311_key("pilot-fi"),
            "service_code": "illegal_dumping",
            "lat": "60.1699",
            "long": "24.9384",
            "description": "Old sofa and paint cans dumped behind the school.",
            "attribute[waste_type][]": ["furniture", "hazardous"],
            "attribute[volume]": "car_boot",
        },
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    if client.output_format == "json":
        request_id = posted.json()[0]["service_request_id"]
    else:
        request_id = posted.text.split("<service_request_id>")[1].split("</service_request_id>")[0]

    # Then the client reads it back, alone and in the list
    request = client.get_service_request(request_id)
    assert request["service_request_id"] == request_id
    assert request["status"] == "open"
    assert request["service_code"] == "illegal_dumping"
    listed = client.get_service_requests(service_request_id=request_id)
    listed = listed if isinstance(listed, list) else [listed]
    assert [item["service_request_id"] for item in listed] == [request_id]


def test_a_revoked_or_foreign_key_is_refused(base_url: str) -> None:
    reply = requests.post(
        f"{base_url}/open311/v2/requests.json",
        data={
            "jurisdiction_id": "pilot-fi",
            "api_key": issue_open311_key("pilot-es"),
            "service_code": "illegal_dumping",
            "lat": "60.1699",
            "long": "24.9384",
            "description": "x",
        },
        timeout=10,
    )
    assert reply.status_code == 403
    assert reply.json()[0]["code"] == 403
