"""The pilot plugins through the API: tenants with their community languages, units' contacts and status names,
local taxonomies in /v1 and Open311, and the pilots' rules deciding for real reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import centre


def recent(weekday: int, hour: int, zone: str) -> str:
    """The latest past ISO `weekday` (1 = Monday) at `hour`:15 local time, as ISO 8601 with its offset."""
    now = datetime.now(ZoneInfo(zone))
    day = now - timedelta(days=(now.isoweekday() - weekday) % 7 or 7)
    return day.replace(hour=hour, minute=15, second=0, microsecond=0).isoformat()


def tenant(api: ApiClient, tenant_id: str, language: str) -> dict[str, Any]:
    reply = api.get(f"/v1/tenants/{tenant_id}", headers={"Accept-Language": language})
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def categories(api: ApiClient, tenant_id: str, language: str) -> dict[str, dict[str, Any]]:
    reply = api.get(f"/v1/tenants/{tenant_id}/categories", headers={"Accept-Language": language})
    assert reply.status == 200, reply.body
    return {item["code"]: item for item in reply.json()["items"]}


def report(api: ApiClient, tenant_id: str, category: str, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "category": category,
        "description": "Seen from my window for the third evening in a row.",
        "location": centre(tenant_id),
        "answers": answers,
        **extra,
    }
    reply = api.post(f"/v1/tenants/{tenant_id}/reports", body=body)
    assert reply.status == 201, reply.body
    receipt: dict[str, Any] = reply.json()
    return receipt


def staff_view(api: ApiClient, tenant_id: str, report_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/tenants/{tenant_id}/reports/{report_id}", claims=staff_claims(tenant_id))
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def test_warsaw_answers_in_ukrainian_with_kmzb_statuses_and_the_municipal_guards_number(api: ApiClient) -> None:
    # Given a Ukrainian-speaking resident of Warsaw asking about the force
    uk = tenant(api, "pilot-pl", "uk")
    pl = tenant(api, "pilot-pl", "pl")
    # Then the tenant serves Polish, Ukrainian and English, names its units in Ukrainian with their contacts
    assert uk["languages"] == ["pl", "uk", "en"]
    units = {unit["code"]: unit for unit in uk["units"]}
    guard = units["straz_miejska"]
    assert guard["name"].startswith("Міська варта Варшави")
    assert {"channel": "phone", "value": "986", "hours": "цілодобово"} in guard["contacts"]
    assert all(unit["contacts"] for unit in uk["units"])
    # And the lifecycle carries the KMZB names, in Ukrainian and in Polish
    statuses_uk = {status["code"]: status["name"] for status in uk["statuses"]}
    statuses_pl = {status["code"]: status["name"] for status in pl["statuses"]}
    assert statuses_uk["resolved"] == "Підтверджено (усунено)"
    assert statuses_pl["resolved"] == "Potwierdzone (wyeliminowane)"
    assert statuses_pl["referred"] == "Potwierdzone (przekazane poza Policję)"
    assert statuses_pl["in_progress"] == "W realizacji"  # no KMZB name: the catalogue's
    assert len(statuses_pl) == 9


def test_other_forces_keep_the_catalogue_status_names(api: ApiClient) -> None:
    statuses = {status["code"]: status["name"] for status in tenant(api, "pilot-nl", "nl")["statuses"]}
    assert statuses["resolved"] == "Opgelost"


def test_the_kmzb_taxonomy_is_served_in_every_language_of_the_tenant(api: ApiClient) -> None:
    # Given pilot-pl's categories asked in Ukrainian, Polish and English
    uk, pl, en = (categories(api, "pilot-pl", language) for language in ("uk", "pl", "en"))
    # Then the same codes come back, KMZB names in Polish, Ukrainian down to the options
    assert set(uk) == set(pl) == set(en)
    assert pl["stray_dogs"]["name"] == "Wałęsające się bezpańskie psy"
    assert uk["stray_dogs"]["name"] == "Бездомні собаки, що блукають"
    assert pl["speeding"]["name"] == "Przekraczanie dozwolonej prędkości"
    assert uk["speeding"]["name"] == "Перевищення дозволеної швидкості"
    options = {option["code"]: option["label"] for option in uk["noise_night"]["questions"][0]["options"]}
    assert options["music"] == "Музика"
    # And local categories say which KOBAN category they refine
    assert en["public_drinking"]["maps_to"] == "antisocial_behaviour"
    assert en["noise_night"]["maps_to"] is None


def test_helsinki_serves_swedish(api: ApiClient) -> None:
    sv = categories(api, "pilot-fi", "sv-FI,sv;q=0.9")
    assert sv["contact_neighbourhood_officer"]["name"] == "Kontakta närpolisen"
    assert sv["snow_and_ice"]["name"] == "Halka eller snö på gatan"
    assert {status["name"] for status in tenant(api, "pilot-fi", "sv")["statuses"]} >= {"Ny", "Åtgärdad"}


@pytest.mark.parametrize(
    ("tenant_id", "local"),
    [
        ("pilot-pl", {"stray_dogs", "youth_at_risk", "public_drinking"}),
        ("pilot-nl", {"boat_nuisance", "bike_wreck"}),
        ("pilot-be", {"nightlife_nuisance", "public_urination"}),
        ("pilot-es", {"botellon"}),
        ("pilot-pt", {"tuk_tuk_nuisance"}),
        ("pilot-fi", {"e_scooter_misuse"}),
    ],
)
def test_open311_services_include_the_local_categories(api: ApiClient, tenant_id: str, local: set[str]) -> None:
    reply = api.get("/open311/v2/services.json", query={"jurisdiction_id": tenant_id})
    assert reply.status == 200, reply.body
    codes = {service["service_code"] for service in reply.json()}
    assert local <= codes
    assert "noise_night" in codes


def test_a_stray_dog_report_goes_to_the_municipal_guard_and_speaks_kmzb(api: ApiClient) -> None:
    # Given a resident reporting three aggressive stray dogs in Warsaw, in Polish
    receipt = report(api, "pilot-pl", "stray_dogs", {"number_of_dogs": 3, "aggressive": True}, locale="pl")
    # Then the pilot's rules make it high priority for Straż Miejska with a 24-hour deadline
    staff = staff_view(api, "pilot-pl", receipt["id"])
    assert (staff["priority"], staff["unit"]) == ("high", "straz_miejska")
    received = datetime.fromisoformat(staff["received_at"])
    assert datetime.fromisoformat(staff["expected_response_at"]) - received == timedelta(hours=24)
    # And the reporter follows it under the KMZB status names
    path = f"/v1/tenants/pilot-pl/reports/{receipt['id']}"
    tracking = {"X-Tracking-Token": receipt["tracking_token"], "Accept-Language": "pl"}
    assert api.get(path, headers=tracking).json()["status_label"] == "Nowe"
    change = {"status": "rejected", "note": "Na miejscu nie stwierdzono psów."}
    assert api.patch(path, body=change, claims=staff_claims("pilot-pl")).status == 200
    mine = api.get(path, headers=tracking).json()
    assert mine["status_label"] == "Żart lub pomyłka"
    assert mine["notes"][-1]["status_label"] == "Żart lub pomyłka"


def test_a_category_made_sensitive_by_the_rule_is_withheld_from_the_public(api: ApiClient) -> None:
    # Given a report about minors at risk, a category pilot-pl's `sensitive` rule marks sensitive
    receipt = report(api, "pilot-pl", "youth_at_risk", {"ongoing": True}, description="Kids from Hoża 12 drinking.")
    # Then it is stored as sensitive, and Open311's public read withholds the text
    assert staff_view(api, "pilot-pl", receipt["id"])["sensitive"] is True
    public = api.get(f"/open311/v2/requests/{receipt['id']}.json", query={"jurisdiction_id": "pilot-pl"}).json()[0]
    assert "Hoża 12" not in str(public)


@pytest.mark.parametrize(("weekday", "expected"), [(2, "high"), (3, "normal")])
def test_brussels_school_hours_end_at_noon_on_wednesdays(api: ApiClient, weekday: int, expected: str) -> None:
    # Given speeding at a school at 14:15 in Brussels on a Tuesday and on a Wednesday
    occurred = recent(weekday, 14, "Europe/Brussels")
    receipt = report(api, "pilot-be", "speeding", {"vehicle_type": "car", "near_school": True}, occurred_at=occurred)
    # Then only Tuesday's is high priority: Belgian schools have Wednesday afternoon off
    assert staff_view(api, "pilot-be", receipt["id"])["priority"] == expected


@pytest.mark.parametrize(
    ("tenant_id", "category", "answers", "unit"),
    [
        ("pilot-nl", "boat_nuisance", {"issue": "loud_music"}, "handhaving"),
        ("pilot-be", "illegal_dumping", {"waste_type": ["household"], "volume": "bags"}, "bruxelles_proprete"),
        ("pilot-es", "vulnerable_person", {"concern": ["homelessness"], "ongoing": False}, "samur_social"),
        ("pilot-pt", "scam_on_older_person", {"scam_type": "fake_technician"}, "apoio_65"),
        ("pilot-fi", "e_scooter_misuse", {"issue": "blocking_pavement"}, "municipality"),
    ],
)
def test_each_pilot_routes_to_its_own_units(
    api: ApiClient, tenant_id: str, category: str, answers: dict[str, Any], unit: str
) -> None:
    receipt = report(api, tenant_id, category, answers)
    assert staff_view(api, tenant_id, receipt["id"])["unit"] == unit
