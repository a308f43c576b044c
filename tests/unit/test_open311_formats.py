"""Open311 wire formats: JSON and XML exactly as GeoReport v2 (and FixMyStreet) name them, and form decoding.

The XML checks parse the rendered text back with ElementTree and compare element names and nesting with the
examples of the GeoReport v2 specification and of mySociety's servicerequestupdates extension.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest

from koban.errors import ValidationFailed
from koban.open311 import formats, mapping
from koban.open311.formats import Open311Document, parse_form, parse_format, render
from koban.reports.lifecycle import Status
from koban.reports.models import EventKind, ReportEvent
from koban.tenants.models import Category
from koban.tenants.service import get_category, get_tenant

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
]
HOSTILE = "<b>&amp; \"quoted\" 'single'</b> ]]> é ñ ł ß 交番 🚓 \u200f\u05e9\u05dc\u05d5\u05dd e\u0301"


def xml_of(document: Open311Document) -> ET.Element:
    body, content_type = render(document, "xml")
    assert content_type == "text/xml; charset=utf-8"
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    # Parsing our own output, never input from outside: the stdlib parser is the right tool here.
    return ET.fromstring(body.encode("utf-8"))  # noqa: S314


def json_of(document: Open311Document) -> Any:
    body, content_type = render(document, "json")
    assert content_type == "application/json; charset=utf-8"
    return json.loads(body)


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


@pytest.fixture(scope="module")
def noise() -> Category:
    category = get_category(get_tenant("pilot-nl"), "noise_night")
    assert category is not None
    return category


def test_service_list_is_a_json_array_and_services_service_in_xml(noise: Category) -> None:
    # Given the real taxonomy's night-noise category as an Open311 service
    document = formats.services_document(mapping.service_list([noise, noise], ["en"]))

    # When it is rendered in both formats
    as_json, root = json_of(document), xml_of(document)

    # Then JSON is a top-level array and XML is <services><service> with the specification's fields, in order
    assert isinstance(as_json, list)
    assert as_json[0]["service_code"] == "noise_night"
    assert root.tag == "services"
    assert tags(root) == ["service", "service"]
    assert tags(root[0]) == SERVICE_FIELDS
    assert root[0].findtext("metadata") == "true"
    assert root[0].findtext("type") == "realtime"


def test_service_definition_is_an_object_with_attributes_and_values(noise: Category) -> None:
    # Given the definition of night noise (a choice, a yes/no and a whole number)
    document = formats.service_definition_document(mapping.service_definition(noise, ["en"]))

    # When it is rendered
    as_json, root = json_of(document), xml_of(document)

    # Then JSON is an object, and XML nests <attributes><attribute> with <values><value><key/><name/>
    assert isinstance(as_json, dict)
    assert as_json["service_code"] == "noise_night"
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert attributes is not None
    assert set(tags(attributes)) == {"attribute"}
    first = attributes[0]
    assert tags(first) == ATTRIBUTE_FIELDS
    assert first.findtext("variable") == "true"
    assert first.findtext("order") == "1"
    values = first.find("values")
    assert values is not None
    assert set(tags(values)) == {"value"}
    assert [tags(value) for value in values] == [["key", "name"]] * len(values)
    # A number has no values element at all, and its datatype_description says the range.
    number = attributes[2]
    assert number.findtext("datatype") == "number"
    assert number.find("values") is None
    assert number.findtext("datatype_description") == "A whole number, from 1 to 7"


def test_service_requests_render_as_service_requests_request() -> None:
    # Given a public request view with empty (None) fields
    request = dict.fromkeys(REQUEST_FIELDS)
    request |= {"service_request_id": "r1", "status": "open", "lat": 52.37, "long": 4.89}
    document = formats.requests_document([request])

    # When it is rendered
    as_json, root = json_of(document), xml_of(document)

    # Then JSON keeps null, and XML has every element, the empty ones empty (as the specification's examples)
    assert as_json == [request]
    assert root.tag == "service_requests"
    assert tags(root) == ["request"]
    assert tags(root[0]) == REQUEST_FIELDS
    assert root[0].findtext("lat") == "52.37"
    assert root[0].findtext("long") == "4.89"
    empty = root[0].find("description")
    assert empty is not None
    assert empty.text is None
    assert len(empty) == 0


@pytest.mark.parametrize(
    ("item", "fields"),
    [
        (
            {"service_request_id": "r1", "token": "r1", "service_notice": "Soon", "account_id": None},
            ["service_request_id", "token", "service_notice", "account_id"],
        ),
        ({"service_request_id": "r1", "token": "t1"}, ["service_request_id", "token"]),
    ],
    ids=["post-response", "token"],
)
def test_post_response_and_token_are_service_requests_too(item: dict[str, Any], fields: list[str]) -> None:
    # Given the answer to POST requests or to GET tokens/{token}
    document = formats.requests_document([item])

    # When it is rendered
    root = xml_of(document)

    # Then it is one <request> in <service_requests>, an <account_id/> left empty
    assert json_of(document) == [item]
    assert root.tag == "service_requests"
    assert tags(root[0]) == fields
    assert root[0].findtext("service_request_id") == "r1"


def test_errors_are_a_json_array_of_code_and_description() -> None:
    # Given two Open311 errors
    document = formats.error_document([(400, "service_code is required"), (403, "Invalid api_key")])

    # When they are rendered
    as_json, root = json_of(document), xml_of(document)

    # Then they are [{code, description}] and <errors><error><code/><description/>
    assert as_json == [
        {"code": 400, "description": "service_code is required"},
        {"code": 403, "description": "Invalid api_key"},
    ]
    assert root.tag == "errors"
    assert tags(root) == ["error", "error"]
    assert tags(root[1]) == ["code", "description"]
    assert root[1].findtext("code") == "403"


def test_discovery_is_an_object_with_endpoints_and_formats() -> None:
    # Given a discovery document as the specification shows it
    discovery = {
        "changeset": "2026-11-21T00:00:00Z",
        "contact": "koban@example.org",
        "key_service": "Ask your force",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "https://api.example.org/open311/v2",
                "changeset": "2026-11-21T00:00:00Z",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    document = formats.discovery_document(discovery)

    # When it is rendered
    as_json, root = json_of(document), xml_of(document)

    # Then JSON is the object and XML is <discovery> with <endpoints><endpoint> and <formats><format>
    assert as_json == discovery
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert endpoints is not None
    assert tags(endpoints) == ["endpoint"]
    assert tags(endpoints[0]) == ["specification", "url", "changeset", "type", "formats"]
    assert [element.text for element in endpoints[0].iter("format")] == ["text/xml", "application/json"]


def test_request_updates_render_as_service_request_updates_request_update() -> None:
    # Given a FixMyStreet request update of a status change
    event = ReportEvent(
        at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
        kind=EventKind.STATUS_CHANGED,
        actor="officer-1",
        from_status=Status.CONFIRMED,
        to_status=Status.IN_PROGRESS,
        public_note="An officer is on the way.",
    )
    document = formats.updates_document([mapping.request_update("r1", False, event)])

    # When it is rendered
    as_json, root = json_of(document), xml_of(document)

    # Then it is an array, and <service_request_updates><request_update> with mySociety's fields
    assert isinstance(as_json, list)
    assert as_json[0]["status"] == "in_progress"
    assert root.tag == "service_request_updates"
    assert tags(root) == ["request_update"]
    assert tags(root[0]) == UPDATE_FIELDS
    assert root[0].findtext("media_url") == ""


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_markup_quotes_and_unusual_unicode_survive_intact(fmt: str) -> None:
    # Given text with markup, entities, quotes, a CDATA end, combining marks, RTL and astral characters
    document = formats.requests_document([{"service_request_id": "r1", "description": HOSTILE}])

    # When it is rendered and parsed back
    body, _ = render(document, fmt)
    if fmt == "json":
        description = json.loads(body)[0]["description"]
    else:
        description = xml_of(document)[0].findtext("description")
        assert "<b>" not in body  # escaped, not markup

    # Then the text is exactly what went in
    assert description == HOSTILE


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_characters_xml_cannot_carry_become_replacement_characters(fmt: str) -> None:
    # Given text with a NUL, an escape, a lone surrogate and a non-character
    document = formats.requests_document([{"description": "a\x00b\x1bc\ud800d\uffffe\tf\ng"}])

    # When it is rendered (the body must still encode as UTF-8) and parsed back
    body, _ = render(document, fmt)
    body.encode("utf-8")
    description = json.loads(body)[0]["description"] if fmt == "json" else xml_of(document)[0][0].text

    # Then XML replaces each impossible character and JSON escapes controls but replaces the surrogate
    if fmt == "xml":
        assert description == "a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng"
    else:
        assert description == "a\x00b\x1bc\ufffdd\uffffe\tf\ng"


def test_booleans_are_true_and_false_and_numbers_plain_in_xml() -> None:
    # Given booleans and numbers
    document = Open311Document({"a": True, "b": False, "c": 3, "d": 0.5}, "x")

    # When it is rendered as XML
    root = xml_of(document)

    # Then booleans are the words true/false, never 1/0 or True/False
    assert [element.text for element in root] == ["true", "false", "3", "0.5"]


def test_a_list_without_a_declared_item_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no XML item element"):
        render(Open311Document({"things": [{"a": 1}]}, "x"), "xml")
    with pytest.raises(ValueError, match="not a valid XML element name"):
        render(Open311Document({"bad name": 1}, "x"), "xml")
    with pytest.raises(ValueError, match="unknown format"):
        render(Open311Document({}, "x"), "csv")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("services.json", ("services", "json")),
        ("noise_night.xml", ("noise_night", "xml")),
        ("discovery.JSON", ("discovery", "json")),
        ("a.b.xml", ("a.b", "xml")),
    ],
)
def test_parse_format_splits_stem_and_format(name: str, expected: tuple[str, str]) -> None:
    assert parse_format(name) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [("abc", "no format suffix"), (".json", "no format suffix"), ("services.csv", "not a supported format")],
)
def test_parse_format_names_the_problem(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_format(name)


def test_form_decoding_gives_attributes_as_strings_and_lists() -> None:
    # Given an Open311 POST body with single and list attributes, a blank field and '+' for spaces
    body = (
        "api_key=k&service_code=noise_night&description=Loud+music%21&lat=52.37&long=4.89&email="
        "&attribute%5Bnoise_source%5D=music&attribute[behaviour][]=shouting&attribute[behaviour][]=fighting"
        "&attribute[ongoing]=true&attribute[ongoing]=false&attribute[mix]=a&attribute[mix][]=b"
    )

    # When it is parsed and its attributes extracted
    form = parse_form(body)
    attributes = formats.form_attributes(form)

    # Then values are decoded, blanks kept, and attributes keep their single or list shape
    assert form["description"] == ["Loud music!"]
    assert form["email"] == [""]
    assert attributes == {
        "noise_source": "music",
        "behaviour": ["shouting", "fighting"],
        "ongoing": ["true", "false"],  # sent twice: both values, for the conversion to refuse
        "mix": ["a", "b"],
    }


def test_malformed_attribute_keys_are_refused_rather_than_dropped() -> None:
    # Given fields that look like attributes but are not attribute[code] or attribute[code][]
    form = parse_form("attribute[a][b]=1&attribute[]=2&attribute[ok]=3")

    # When the attributes are extracted
    with pytest.raises(ValidationFailed) as caught:
        formats.form_attributes(form)

    # Then each malformed field is named, as a domain error the handler answers with a 400
    assert [error.field for error in caught.value.errors] == ["attribute[a][b]", "attribute[]"]
    assert {error.code for error in caught.value.errors} == {"malformed_attribute"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("&".join(f"f{n}=1" for n in range(201)), "more than 200 fields"),
        ("description=" + "x" * 10_001, "longer than 10000 characters"),
        ("description=100%", "malformed percent-escape"),
        ("description=%zz", "malformed percent-escape"),
        ("description=%C3", "not valid UTF-8"),
        ("description=%FF%FE", "not valid UTF-8"),
    ],
    ids=["fields", "value-length", "trailing-percent", "bad-hex", "truncated-utf8", "not-utf8"],
)
def test_oversized_or_badly_encoded_forms_are_refused(body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_form(body)


def test_forms_at_the_limits_are_accepted() -> None:
    # Given exactly 200 fields, one of them 10,000 characters long (percent-encoded characters count once)
    body = "&".join(f"f{n}=1" for n in range(199)) + "&description=" + "%C3%A9" * 10_000

    # When it is parsed
    form = parse_form(body)

    # Then every field is there
    assert len(form) == 200
    assert form["description"] == ["é" * 10_000]
