"""Open311 wire formats: one document, rendered as JSON or XML, plus the decoding of POSTed forms.

A caller builds an `Open311Document` once (through the constructor of its kind: `services_document`,
`requests_document`, …) and `render`s it in the format the URL asked for. The constructors hold the element
names of GeoReport v2 (and of FixMyStreet's update extension), so no caller spells an XML name itself:

- service list: `<services><service>`
- service definition: `<service_definition>` with `<attributes><attribute>` and `<values><value>`
- requests, a single request, the POST response, tokens: `<service_requests><request>`
- request updates (FixMyStreet): `<service_request_updates><request_update>`
- discovery: `<discovery>` with `<endpoints><endpoint>` and `<formats><format>`
- errors: `<errors><error>`

JSON is the value itself: a top-level array for lists, an object for discovery and the service definition.
XML rules, applied the same way everywhere: a dict is an element per key in insertion order (the builders in
`koban.open311.mapping` insert in the specification's order); a list is one child per item, named as above;
None is an empty element (as in the specification's examples, `<account_id/>`); booleans are `true`/`false`;
text is escaped by ElementTree, and characters XML 1.0 cannot carry at all (control characters, lone
surrogates) become U+FFFD, so a hostile description can never make the document malformed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from koban.errors import FieldError, ValidationFailed

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
CONTENT_TYPES = {"json": JSON_CONTENT_TYPE, "xml": XML_CONTENT_TYPE}

MAX_FORM_FIELDS = 200
MAX_FORM_VALUE_CHARS = 10_000

_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Everything outside XML 1.0's Char production: C0 controls other than tab/LF/CR, surrogates, U+FFFE/U+FFFF.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# A '%' not followed by two hex digits: parse_qs would keep it literally instead of failing.
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


@dataclass(frozen=True)
class Open311Document:
    """A payload and the XML names it needs: the root element and, per list key, its item element.

    A list at the top level uses `items[root]`; a list under key `k` uses `items[k]`.
    """

    value: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    root: str
    items: Mapping[str, str] = field(default_factory=dict)


def services_document(services: Sequence[Mapping[str, Any]]) -> Open311Document:
    return Open311Document(services, "services", {"services": "service"})


def service_definition_document(definition: Mapping[str, Any]) -> Open311Document:
    return Open311Document(definition, "service_definition", {"attributes": "attribute", "values": "value"})


def requests_document(requests: Sequence[Mapping[str, Any]]) -> Open311Document:
    """GET requests, GET requests/{id}, the POST response and tokens/{token}: all `<service_requests>`."""
    return Open311Document(requests, "service_requests", {"service_requests": "request"})


def updates_document(updates: Sequence[Mapping[str, Any]]) -> Open311Document:
    return Open311Document(updates, "service_request_updates", {"service_request_updates": "request_update"})


def discovery_document(discovery: Mapping[str, Any]) -> Open311Document:
    return Open311Document(discovery, "discovery", {"endpoints": "endpoint", "formats": "format"})


def error_document(errors: Sequence[tuple[int, str]]) -> Open311Document:
    """Open311 errors: `[{"code": 400, "description": "..."}]`, `<errors><error>…` in XML."""
    return Open311Document(
        [{"code": code, "description": description} for code, description in errors],
        "errors",
        {"errors": "error"},
    )


def parse_format(name: str) -> tuple[str, str]:
    """Split the last path segment into (stem, format): 'services.json' -> ('services', 'json')."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        raise ValueError(f"'{name}' has no format suffix: add .json or .xml")
    fmt = suffix.lower()
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"'.{suffix}' is not a supported format: use .json or .xml")
    return stem, fmt


def render(document: Open311Document, fmt: str) -> tuple[str, str]:
    """The document as (body, content type) in `fmt` ('json' or 'xml')."""
    if fmt == "json":
        body = json.dumps(_scrub_json(document.value), ensure_ascii=False, allow_nan=False)
        return body, JSON_CONTENT_TYPE
    if fmt == "xml":
        root = ET.Element(_checked_name(document.root))
        _fill(root, document.root, document.value, document.items)
        return _XML_DECLARATION + ET.tostring(root, encoding="unicode"), XML_CONTENT_TYPE
    raise ValueError(f"unknown format '{fmt}': use json or xml")


def _scrub_json(value: Any) -> Any:
    # Lone surrogates are legal in a Python str but cannot be encoded as UTF-8: the response would fail later.
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {key: _scrub_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_json(item) for item in value]
    return value


def _checked_name(name: str) -> str:
    # Element names come from code, never from input: a bad one is a programming error, caught by tests.
    if not _XML_NAME.match(name):
        raise ValueError(f"'{name}' is not a valid XML element name")
    return name


def _fill(element: ET.Element, key: str, value: Any, items: Mapping[str, str]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for child_key, child_value in value.items():
            _fill(ET.SubElement(element, _checked_name(child_key)), child_key, child_value, items)
    elif isinstance(value, list | tuple):
        if key not in items:
            raise ValueError(f"no XML item element is declared for the list '{key}'")
        for item in value:
            _fill(ET.SubElement(element, _checked_name(items[key])), items[key], item, items)
    else:
        element.text = _NOT_XML_CHAR.sub("\ufffd", _scalar_text(value))


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TypeError(f"cannot render a {type(value).__name__} in XML")


def parse_form(body: str) -> dict[str, list[str]]:
    """An `application/x-www-form-urlencoded` body as {name: [values]}, bounded and strictly decoded.

    Raises ValueError naming the problem: more than MAX_FORM_FIELDS fields, a value longer than
    MAX_FORM_VALUE_CHARS characters, a malformed percent-escape, or bytes that are not UTF-8.
    """
    if _BAD_PERCENT.search(body):
        raise ValueError("the form has a malformed percent-escape ('%' must be followed by two hex digits)")
    # Counted as parse_qs counts (one field per '&'), before any decoding work is spent on a huge form.
    if body.count("&") + 1 > MAX_FORM_FIELDS:
        raise ValueError(f"the form has more than {MAX_FORM_FIELDS} fields")
    try:
        form = parse_qs(body, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise ValueError("the form is not valid UTF-8 once percent-decoded") from exc
    for name, values in form.items():
        if any(len(value) > MAX_FORM_VALUE_CHARS for value in values):
            raise ValueError(f"'{name[:100]}' is longer than {MAX_FORM_VALUE_CHARS} characters")
    return form


def form_attributes(form: Mapping[str, Sequence[str]]) -> dict[str, str | list[str]]:
    """Open311 attributes of a parsed form, by code.

    `attribute[code]=v` gives "v"; `attribute[code][]=a&attribute[code][]=b` gives ["a", "b"]. A code sent
    more than once, or in both spellings, gives a list of every value in order. Other fields are ignored;
    fields that start like an attribute but are malformed (`attribute[a][b]`) raise ValidationFailed naming
    each, because silently dropping one would lose an answer the client believes it sent.
    """
    attributes: dict[str, str | list[str]] = {}
    malformed: list[FieldError] = []
    for name, values in form.items():
        if not name.startswith("attribute["):
            continue
        match = _ATTRIBUTE_KEY.match(name)
        if match is None:
            malformed.append(
                FieldError(name[:100], "must be attribute[code] or attribute[code][]", "malformed_attribute")
            )
            continue
        code, as_list = match.group(1), bool(match.group(2))
        previous = attributes.get(code)
        if previous is None and not as_list and len(values) == 1:
            attributes[code] = values[0]
        else:
            earlier = [] if previous is None else [previous] if isinstance(previous, str) else previous
            attributes[code] = [*earlier, *values]
    if malformed:
        raise ValidationFailed(malformed)
    return attributes
