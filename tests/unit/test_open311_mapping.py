"""KOBAN ↔ Open311 mapping: services from the real taxonomy, typed answers, statuses and private public views."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from koban.errors import ValidationFailed
from koban.i18n import SUPPORTED_LANGUAGES
from koban.open311 import mapping
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import TERMINAL, Status
from koban.reports.models import Channel, EventKind, GeoPoint, Priority, Report, ReportEvent
from koban.tenants.models import AssistantGroup, Category, Option, Question, QuestionType, Tenant
from koban.tenants.service import get_category, get_tenant, list_categories

RECEIVED = datetime(2026, 11, 20, 22, 15, 30, 123456, tzinfo=UTC)
# FixMyStreet's extended statuses (mySociety's schema), plus the police wording issue 3 asks for.
FIXMYSTREET_STATUSES = {
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
}
CHOICES = (
    Option(code="red", label={"en": "Red", "nl": "Rood"}),
    Option(code="blue", label={"en": "Blue", "nl": "Blauw"}),
)
EVERY_TYPE = Category(
    code="every_type",
    group=AssistantGroup.GENERAL_INFO,
    name={"en": "Every type"},
    questions=tuple(
        Question(
            code=f"q_{kind.value}",
            type=kind,
            label={"en": f"Question {kind.value}", "nl": f"Vraag {kind.value}"},
            required=kind is QuestionType.BOOLEAN,
            options=CHOICES if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE) else (),
            minimum=0 if kind is QuestionType.NUMBER else None,
            maximum=7 if kind is QuestionType.INTEGER else None,
        )
        for kind in QuestionType
    ),
)
EXPECTED_DATATYPE = {
    QuestionType.STRING: "string",
    QuestionType.TEXT: "text",
    QuestionType.NUMBER: "number",
    QuestionType.INTEGER: "number",
    QuestionType.BOOLEAN: "singlevaluelist",
    QuestionType.DATETIME: "datetime",
    QuestionType.SINGLE_CHOICE: "singlevaluelist",
    QuestionType.MULTI_CHOICE: "multivaluelist",
}


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return get_tenant("pilot-nl")


@pytest.fixture(scope="module")
def categories(tenant: Tenant) -> dict[str, Category]:
    return {category.code: category for category in list_categories(tenant)}


def report(category: Category, **changes: Any) -> Report:
    fields: dict[str, Any] = {
        "tenant": "pilot-nl",
        "id": "abcdefghij0123456789",
        "category": category.code,
        "group": category.group,
        "sensitive": False,
        "description": "Loud <music> & shouting at the Dam",
        "location": GeoPoint(lat=52.372812, lon=4.893612),
        "address": "Dam 1, Amsterdam",
        "occurred_at": RECEIVED - timedelta(hours=1),
        "received_at": RECEIVED,
        "updated_at": RECEIVED + timedelta(hours=2),
        "locale": "nl",
        "answers": {},
        "attachments": ("photo0000000000000001",),
        "channel": Channel.OPEN311,
        "status": Status.CONFIRMED,
        "priority": Priority.NORMAL,
        "unit": "neighbourhood_team",
        "expected_response_at": RECEIVED + timedelta(hours=72),
        "tracking_hash": "secret-hash",
        "has_contact": True,
    }
    return Report(**(fields | changes))


def event(status: Status | None, at: datetime = RECEIVED, note: str | None = "We are on it.") -> ReportEvent:
    kind = EventKind.CONTACT_VIEWED if status is None else EventKind.STATUS_CHANGED
    return ReportEvent(at=at, kind=kind, actor="officer-1", to_status=status, public_note=note)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


# --- services ---------------------------------------------------------------------------------------------


def test_every_category_of_the_real_taxonomy_is_a_service(categories: dict[str, Category]) -> None:
    # Given the pilot-nl taxonomy, When it is listed for a Dutch client
    services = mapping.service_list(categories.values(), ["nl"])

    # Then each category is one realtime service, metadata true exactly when it has questions
    assert [service["service_code"] for service in services] == list(categories)
    for service in services:
        category = categories[service["service_code"]]
        assert service["service_name"] == category.name["nl"]
        assert service["description"] == category.description["nl"]
        assert service["metadata"] is bool(category.questions)
        assert service["type"] == "realtime"
        assert service["group"] == category.group.value
        assert service["group"] in {group.value for group in AssistantGroup}


def test_keywords_are_one_comma_separated_list_in_the_clients_language(categories: dict[str, Category]) -> None:
    noise = categories["noise_night"]
    english, dutch = mapping.service_list([noise], ["en"])[0], mapping.service_list([noise], ["nl"])[0]
    assert english["keywords"] == "noise, loud music, party, neighbours, night"
    assert dutch["keywords"] == ", ".join(word.strip() for word in noise.keywords["nl"].split(","))
    assert english["service_name"] != dutch["service_name"]


def test_a_category_without_keywords_or_description_has_null_ones() -> None:
    [service] = mapping.service_list([EVERY_TYPE], ["en"])
    assert service["keywords"] is None
    assert service["description"] is None


# --- service definitions ----------------------------------------------------------------------------------


def test_every_question_type_has_an_open311_datatype() -> None:
    # Given a category with one question of every KOBAN type
    definition = mapping.service_definition(EVERY_TYPE, ["en"])

    # Then each becomes a variable attribute with the right datatype, ordered 1..n
    attributes = definition["attributes"]
    assert definition["service_code"] == "every_type"
    assert [attribute["order"] for attribute in attributes] == list(range(1, len(QuestionType) + 1))
    for attribute, kind in zip(attributes, QuestionType, strict=True):
        assert attribute["code"] == f"q_{kind.value}"
        assert attribute["datatype"] == EXPECTED_DATATYPE[kind]
        assert attribute["variable"] is True
        assert attribute["required"] is (kind is QuestionType.BOOLEAN)
        assert attribute["description"] == f"Question {kind.value}"
        assert ("values" in attribute) is (EXPECTED_DATATYPE[kind] in ("singlevaluelist", "multivaluelist"))


def test_choices_and_booleans_carry_keys_and_localised_names() -> None:
    attributes = {a["code"]: a for a in mapping.service_definition(EVERY_TYPE, ["nl"])["attributes"]}
    assert attributes["q_singlevaluelist"]["values"] == [
        {"key": "red", "name": "Rood"},
        {"key": "blue", "name": "Blauw"},
    ]
    assert attributes["q_boolean"]["values"] == [{"key": "true", "name": "Ja"}, {"key": "false", "name": "Nee"}]
    assert attributes["q_string"]["description"] == "Vraag string"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_yes_and_no_exist_in_every_served_language(language: str) -> None:
    attributes = {a["code"]: a for a in mapping.service_definition(EVERY_TYPE, [language])["attributes"]}
    yes, no = (value["name"] for value in attributes["q_boolean"]["values"])
    assert yes != no
    if language == "en":
        assert (yes, no) == ("Yes", "No")
    else:  # a translation, not the English fallback
        assert (yes, no) != ("Yes", "No")


def test_datatype_descriptions_state_ranges_formats_and_lengths() -> None:
    attributes = {a["code"]: a for a in mapping.service_definition(EVERY_TYPE, ["en"])["attributes"]}
    assert attributes["q_number"]["datatype_description"] == "A number, at least 0"
    assert attributes["q_integer"]["datatype_description"] == "A whole number, at most 7"
    assert "ISO 8601" in attributes["q_datetime"]["datatype_description"]
    assert attributes["q_string"]["datatype_description"] == "One line, at most 500 characters"
    assert attributes["q_text"]["datatype_description"] == "At most 500 characters"
    assert attributes["q_singlevaluelist"]["datatype_description"] is None


def test_the_real_noise_definition(categories: dict[str, Category]) -> None:
    definition = mapping.service_definition(categories["noise_night"], ["de"])
    codes = [attribute["code"] for attribute in definition["attributes"]]
    assert codes == ["noise_source", "ongoing", "nights_per_week"]
    assert definition["attributes"][2]["datatype_description"] == "Eine ganze Zahl, von 1 bis 7"


# --- answers ----------------------------------------------------------------------------------------------


def test_attribute_strings_become_typed_answers_that_pass_koban_validation() -> None:
    # Given every kind of attribute as a form sends it
    attributes: dict[str, str | list[str]] = {
        "q_string": "Red car",
        "q_text": "Line one\nLine two",
        "q_number": " 12.5 ",
        "q_integer": "3",
        "q_boolean": "TRUE",
        "q_datetime": "2026-11-20T23:00:00+01:00",
        "q_singlevaluelist": "red",
        "q_multivaluelist": ["red", "blue"],
    }

    # When they are converted
    answers = mapping.answers_from_attributes(EVERY_TYPE, attributes)

    # Then each has its KOBAN type, and KOBAN's own validation accepts them
    assert answers == {
        "q_string": "Red car",
        "q_text": "Line one\nLine two",
        "q_number": 12.5,
        "q_integer": 3,
        "q_boolean": True,
        "q_datetime": "2026-11-20T23:00:00+01:00",
        "q_singlevaluelist": "red",
        "q_multivaluelist": ["red", "blue"],
    }
    assert isinstance(answers["q_integer"], int)
    assert validate_answers(EVERY_TYPE, answers) == []


def test_a_single_value_is_a_one_item_multivaluelist_and_blanks_are_unanswered() -> None:
    answers = mapping.answers_from_attributes(
        EVERY_TYPE, {"q_multivaluelist": "blue", "q_string": "  ", "q_number": "", "q_boolean": "false"}
    )
    assert answers == {"q_multivaluelist": ["blue"], "q_boolean": False}


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("q_integer", "2.5", "whole number"),
        ("q_integer", "seven", "must be a number"),
        ("q_number", "nan", "must be a number"),
        ("q_number", "inf", "must be a number"),
        ("q_number", "1e999", "must be a number"),
        ("q_number", "1_000", "must be a number"),
        ("q_number", "١٢", "must be a number"),
        ("q_boolean", "yes", "true or false"),
        ("q_boolean", ["true", "false"], "single value"),
        ("q_singlevaluelist", ["red", "blue"], "single value"),
        ("nonexistent", "x", "has no attribute 'nonexistent'"),
    ],
)
def test_unconvertible_attributes_are_named_attribute_code(code: str, value: str | list[str], message: str) -> None:
    # Given one attribute that cannot become a KOBAN answer, next to a good one
    with pytest.raises(ValidationFailed) as caught:
        mapping.answers_from_attributes(EVERY_TYPE, {code: value, "q_string": "fine"})

    # Then the error names that attribute as the client sent it, and only it
    [error] = caught.value.errors
    assert error.field == f"attribute[{code}]"
    assert message in error.message


def test_every_bad_attribute_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        mapping.answers_from_attributes(EVERY_TYPE, {"q_integer": "x", "q_boolean": "x", "zz": "x"})
    assert {error.field for error in caught.value.errors} == {
        "attribute[q_integer]",
        "attribute[q_boolean]",
        "attribute[zz]",
    }
    assert {error.code for error in caught.value.errors} == {"invalid_attribute", "unknown_attribute"}


def test_range_and_option_checks_are_left_to_koban_validation() -> None:
    answers = mapping.answers_from_attributes(EVERY_TYPE, {"q_integer": "9", "q_singlevaluelist": "zz"})
    assert answers == {"q_integer": 9, "q_singlevaluelist": "zz"}
    fields = {error.field for error in validate_answers(EVERY_TYPE, answers)}
    assert {"answers.q_integer", "answers.q_singlevaluelist"} <= fields


# --- statuses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_every_status_is_in_both_tables(status: Status) -> None:
    assert mapping.OPEN311_STATUS[status] == ("closed" if status in TERMINAL else "open")
    assert mapping.EXTENDED_STATUS[status] in FIXMYSTREET_STATUSES | {"NOT_POLICE_RESPONSIBILITY"}


def test_the_documented_extended_statuses() -> None:
    assert mapping.EXTENDED_STATUS == {
        Status.NEW: "OPEN",
        Status.VERIFYING: "INVESTIGATING",
        Status.CONFIRMED: "ACTION_SCHEDULED",
        Status.IN_PROGRESS: "IN_PROGRESS",
        Status.RESOLVED: "FIXED",
        Status.REFERRED: "NOT_POLICE_RESPONSIBILITY",
        Status.UNCONFIRMED: "NO_FURTHER_ACTION",
        Status.REJECTED: "NO_FURTHER_ACTION",
        Status.DUPLICATE: "DUPLICATE",
    }


def test_statuses_for_partitions_the_lifecycle() -> None:
    open_, closed = mapping.statuses_for("open"), mapping.statuses_for(" CLOSED ")
    assert closed == TERMINAL
    assert open_ | closed == frozenset(Status)
    assert not open_ & closed
    with pytest.raises(ValueError, match="open or closed"):
        mapping.statuses_for("pending")


# --- public request views ---------------------------------------------------------------------------------


def test_an_ordinary_report_keeps_its_text_and_exact_place(categories: dict[str, Category]) -> None:
    # Given a night-noise report (not sensitive) with a public note
    noise = categories["noise_night"]
    subject = report(noise)

    # When it is shown publicly in Amsterdam time
    view = mapping.service_request(
        subject, noise, ["nl"], notes="Agent onderweg", agency="Wijkteam", zone=ZoneInfo("Europe/Amsterdam")
    )

    # Then the resident's text, the note, address and exact position are there, and nothing private is
    assert view["description"] == subject.description
    assert view["status_notes"] == "Agent onderweg"
    assert view["address"] == "Dam 1, Amsterdam"
    assert (view["lat"], view["long"]) == (52.372812, 4.893612)
    assert view["status"] == "open"
    assert view["service_name"] == noise.name["nl"]
    assert view["agency_responsible"] == "Wijkteam"
    assert view["media_url"] is None
    assert view["requested_datetime"] == "2026-11-20T23:15:30+01:00"
    assert view["updated_datetime"] == "2026-11-21T01:15:30+01:00"
    assert view["expected_datetime"] == "2026-11-23T23:15:30+01:00"
    assert set(view) == {
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
    }
    assert "secret-hash" not in repr(view)
    assert "photo0000000000000001" not in repr(view)


@pytest.mark.parametrize("code", ["hate_incident", "radicalisation_concern", "vulnerable_person", "domestic_concern"])
def test_a_sensitive_category_loses_its_text_and_blurs_its_place(categories: dict[str, Category], code: str) -> None:
    # Given a report in a category the plugin marks sensitive
    category = categories[code]
    assert category.sensitive
    subject = report(category, status=Status.RESOLVED)

    # When it is shown publicly
    view = mapping.service_request(subject, category, ["pl"], notes="Sprawca ustalony", agency="Zespół")

    # Then no free text, no address, and the position is a cell centre near the true one
    assert subject.description not in repr(view)
    assert view["description"].startswith("Szczegóły tego zgłoszenia")
    assert view["status_notes"] is None
    assert view["address"] is None
    assert view["status"] == "closed"
    published = (view["lat"], view["long"])
    assert published == mapping.coarsen(52.372812, 4.893612)
    assert published != (52.372812, 4.893612)
    assert distance_km(published, (52.372812, 4.893612)) < 0.8


def test_a_report_stored_as_sensitive_stays_private_even_under_an_ordinary_category(
    categories: dict[str, Category],
) -> None:
    noise = categories["noise_night"]
    view = mapping.service_request(report(noise, sensitive=True), noise, ["en"], notes="x", agency=None)
    assert (
        view["description"]
        == mapping.service_request(
            report(categories["hate_incident"]), categories["hate_incident"], ["en"], notes=None, agency=None
        )["description"]
    )
    assert view["status_notes"] is None
    assert (view["lat"], view["long"]) == mapping.coarsen(52.372812, 4.893612)


def test_a_removed_category_falls_back_to_its_code_and_a_missing_place_stays_empty(
    categories: dict[str, Category],
) -> None:
    subject = report(categories["noise_night"], location=None)
    view = mapping.service_request(subject, None, ["en"], notes=None, agency=None)
    assert view["service_name"] == "noise_night"
    assert (view["lat"], view["long"]) == (None, None)
    assert view["address"] == "Dam 1, Amsterdam"


def test_coarsening_snaps_nearby_points_to_one_cell_and_keeps_distant_ones_apart() -> None:
    # Given two points 150 m apart inside one cell, and one 3 km away
    here, near, far = (52.3712, 4.8931), (52.3722, 4.8945), (52.3980, 4.8931)

    # When they are coarsened
    cells = [mapping.coarsen(*point) for point in (here, near, far)]

    # Then the near ones publish the very same point, the far one another; a centre is its own cell
    assert cells[0] == cells[1]
    assert cells[2] != cells[0]
    assert mapping.coarsen(*cells[0]) == cells[0]


@pytest.mark.parametrize("lat", [-89.999, -60.0, 0.0, 38.7, 52.37, 60.17, 70.0, 89.999, 90.0, -90.0])
def test_cells_are_about_a_kilometre_wide_at_every_latitude(lat: float) -> None:
    # Given points across one row of cells, When they are coarsened
    lat_c, lon_c = mapping.coarsen(lat, 10.0)
    step = mapping.CELL_DEGREES / math.cos(math.radians(lat_c))

    # Then the published point is inside the world, near the true one (away from the poles), and the next
    # cell east is one ~1.1 km step further
    assert -90 <= lat_c <= 90
    assert -180 <= lon_c <= 180
    if abs(lat) < 89:
        assert distance_km((lat_c, lon_c), (lat, 10.0)) < 0.8
        east = mapping.coarsen(lat, lon_c + step)
        assert 1.0 < distance_km((lat_c, lon_c), east) < 1.2


@pytest.mark.parametrize("lon", [-180.0, 179.9999, 180.0])
def test_the_antimeridian_stays_inside_the_world(lon: float) -> None:
    _, lon_c = mapping.coarsen(45.0, lon)
    assert -180 <= lon_c <= 180


# --- FixMyStreet request updates --------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_an_update_carries_the_extended_status_and_the_koban_code(status: Status) -> None:
    update = mapping.request_update("abcdefghij0123456789", False, event(status))
    assert update["status"] == mapping.EXTENDED_STATUS[status].lower()
    assert update["external_status_code"] == status.value
    assert update["service_request_id"] == "abcdefghij0123456789"
    assert update["description"] == "We are on it."
    assert update["media_url"] == ""
    assert update["updated_datetime"] == "2026-11-20T22:15:30+00:00"


def test_update_ids_are_stable_and_distinct() -> None:
    first, second = event(Status.VERIFYING), event(Status.CONFIRMED, at=RECEIVED + timedelta(microseconds=1))
    ids = [mapping.request_update("r" * 20, False, item)["update_id"] for item in (first, first, second)]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0] == "rrrrrrrrrrrrrrrrrrrr-20261120T221530123456Z"


def test_a_sensitive_update_hides_the_officers_note_in_the_clients_language() -> None:
    update = mapping.request_update("r" * 20, True, event(Status.REFERRED, note="Victim named X"), languages=["fi"])
    assert "Victim" not in update["description"]
    assert update["description"].startswith("Tämän ilmoituksen")
    assert update["status"] == "not_police_responsibility"


def test_an_update_without_a_note_has_an_empty_description_and_a_local_time() -> None:
    update = mapping.request_update("r" * 20, False, event(Status.NEW, note=None), zone=ZoneInfo("Europe/Lisbon"))
    assert update["description"] == ""
    assert update["updated_datetime"] == "2026-11-20T22:15:30+00:00"


def test_an_event_that_sets_no_status_is_not_an_update() -> None:
    with pytest.raises(ValueError, match="sets no status"):
        mapping.request_update("r" * 20, False, event(None))


def test_the_real_sensitive_categories_are_the_ones_the_plugin_marks(tenant: Tenant) -> None:
    hate = get_category(tenant, "hate_incident")
    assert hate is not None
    assert mapping.is_sensitive(report(hate), hate)
    noise = get_category(tenant, "noise_night")
    assert noise is not None
    assert not mapping.is_sensitive(report(noise), noise)
    assert not mapping.is_sensitive(report(noise), None)
