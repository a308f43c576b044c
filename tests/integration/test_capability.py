"""The capability model over moto: the model in the reader's language, assessment rounds with the police's and the
partners' views kept apart, access, bad input (nothing written), the live indicators computed from reports,
problems and priorities the platform holds (counters kept by the stream, equal to a rebuild), and no Scan."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from koban.aggregation.service import rebuild_aggregates, tenant_counters
from koban.auth import Principal, Role
from koban.capability.service import scorecard
from koban.geo import cell_of
from koban.tenants.service import get_tenant
from koban_local.metering import metered
from koban_local.streams import StreamPoller
from tests.api import ApiClient, Reply, staff_claims
from tests.integration.test_problems import aggregation  # noqa: F401 - the stream consumer, as a fixture
from tests.integration.test_reports_intake import centre, noise_report
from tests.unit.test_capability_model import KOBAN_DIMENSIONS

TENANT = "pilot-fi"
BASE = f"/v1/tenants/{TENANT}/capability"
ADMIN = staff_claims(TENANT, "admin")
SUPERVISOR = staff_claims(TENANT, "supervisor")
OFFICER = staff_claims(TENANT, "officer")
PARTNER = staff_claims(TENANT, "partner", subject="partner-youth-centre")
OTHER_PARTNER = staff_claims(TENANT, "partner", subject="partner-housing")
STRANGER = staff_claims("pilot-nl", "admin")
EN = {"Accept-Language": "en"}


def rating(capability: str, level: int, evidence: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"capability": capability, "level": level}
    if evidence is not None:
        found["evidence"] = evidence
    return found


def open_round(api: ApiClient, title: str = "Spring round") -> dict[str, Any]:
    reply = api.post(f"{BASE}/rounds", body={"title": title}, claims=ADMIN)
    assert reply.status == 201, reply.body
    found: dict[str, Any] = reply.json()
    return found


def assess(api: ApiClient, round_id: str, claims: dict[str, str], ratings: list[dict[str, Any]]) -> Reply:
    return api.request("PUT", f"{BASE}/rounds/{round_id}/assessments/mine", body={"ratings": ratings}, claims=claims)


def assert_field(reply: Reply, field: str, status: int = 422) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in reply.json()["errors"]], reply.body


def dimension(card: dict[str, Any], dimension_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in card["dimensions"] if item["id"] == dimension_id)
    return found


def indicator(card: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        item for entry in card["dimensions"] for item in entry["indicators"] if item["id"] == indicator_id
    )
    return found


# ---------------------------------------------------------------------------------------------- the model


def test_the_model_has_six_dimensions_with_five_levels_in_the_readers_language(api: ApiClient) -> None:
    # Given a partner of the Helsinki pilot reading in Swedish, and an officer reading in Finnish
    swedish = api.get(f"{BASE}/model", claims=PARTNER, headers={"Accept-Language": "sv"})
    finnish = api.get(f"{BASE}/model", claims=OFFICER, headers={"Accept-Language": "fi"})
    # Then both get the six dimensions, each with capabilities of five levels and indicators with definitions
    assert swedish.status == finnish.status == 200, swedish.body
    model = swedish.json()
    assert model["language"] == "sv"
    assert [item["id"] for item in model["dimensions"]] == KOBAN_DIMENSIONS
    assert model["dimensions"][0]["name"] == "Förtroende och gemensamt språk"
    assert finnish.json()["dimensions"][0]["name"] == "Luottamus ja yhteinen kieli"
    for entry in model["dimensions"]:
        assert len(entry["capabilities"]) >= 2
        for capability in entry["capabilities"]:
            assert [level["level"] for level in capability["levels"]] == [1, 2, 3, 4, 5]
            assert all(level["description"] for level in capability["levels"])
        assert entry["indicators"]
        assert all(item["definition"] for item in entry["indicators"])
    # And a language the model lacks falls back to the tenant's own
    assert api.get(f"{BASE}/model", claims=OFFICER, headers={"Accept-Language": "ja"}).json()["language"] == "fi"


# ---------------------------------------------------------------------------------------------- assessments


def test_police_and_partners_assess_and_both_views_are_kept_apart_and_compared(api: ApiClient) -> None:
    # Given an open round
    round_ = open_round(api, "Syksy 2026")
    # When an officer, a supervisor and two partners give their ratings (the officer twice: the second replaces)
    assert assess(api, round_["id"], OFFICER, [rating("plain_language", 2)]).status == 200
    officer = assess(api, round_["id"], OFFICER, [rating("plain_language", 4, "Leaflets in Finnish and Swedish.")])
    assert assess(api, round_["id"], SUPERVISOR, [rating("plain_language", 4)]).status == 200
    partner = assess(api, round_["id"], PARTNER, [rating("plain_language", 2, '=HYPERLINK("x")')])
    assert assess(api, round_["id"], OTHER_PARTNER, [rating("plain_language", 1)]).status == 200
    # Then each sees their own, in their view, at its version
    assert officer.status == 200
    assert officer.json()["view"] == "police"
    assert officer.json()["version"] == 2
    assert partner.status == 200
    assert partner.json()["view"] == "partners"
    mine = api.get(f"{BASE}/rounds/{round_['id']}/assessments/mine", claims=OFFICER).json()
    assert mine["ratings"] == [
        {"capability": "plain_language", "level": 4, "evidence": "Leaflets in Finnish and Swedish."}
    ]
    # And the scorecard keeps the two views apart, compares them and names the gap in plain words
    card = api.get(f"{BASE}/scorecard", claims=PARTNER, query={"round": round_["id"]}, headers=EN).json()
    trust = dimension(card, "trust")
    assert (trust["police"], trust["partners"]) == (4.0, 1.5)
    plain = next(item for item in trust["capabilities"] if item["id"] == "plain_language")
    assert plain["police"] == {"count": 2, "mean": 4.0, "lowest": 4, "highest": 4}
    assert plain["partners"] == {"count": 2, "mean": 1.5, "lowest": 1, "highest": 2}
    assert {(item["view"], item["note"]) for item in plain["evidence"]} == {
        ("police", "Leaflets in Finnish and Swedish."),
        ("partners", '=HYPERLINK("x")'),
    }
    assert any("4.0" in gap and "1.5" in gap for gap in trust["gaps"]), trust["gaps"]
    assert "Nobody has rated" in dimension(card, "cohesion")["gaps"][0]


def test_rounds_are_listed_closed_and_then_refuse_assessments(api: ApiClient) -> None:
    round_ = open_round(api, "To close")
    listed = api.get(f"{BASE}/rounds", claims=PARTNER).json()["items"]
    assert listed[0]["id"] == round_["id"]
    assert listed[0]["status"] == "open"
    stale = api.patch(f"{BASE}/rounds/{round_['id']}", body={"version": 7, "status": "closed"}, claims=ADMIN)
    assert stale.status == 409
    closed = api.patch(f"{BASE}/rounds/{round_['id']}", body={"version": 1, "status": "closed"}, claims=SUPERVISOR)
    assert closed.status == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"]
    assert assess(api, round_["id"], OFFICER, [rating("plain_language", 3)]).status == 409
    again = api.patch(f"{BASE}/rounds/{round_['id']}", body={"version": 2, "status": "closed"}, claims=ADMIN)
    assert again.status == 409


def test_the_trend_follows_the_rounds_in_order(api: ApiClient) -> None:
    first = open_round(api, "Trend one")
    assess(api, first["id"], OFFICER, [rating("feedback_to_reporters", 2), rating("information_sharing", 2)])
    second = open_round(api, "Trend two")
    assess(api, second["id"], OFFICER, [rating("feedback_to_reporters", 4), rating("information_sharing", 3)])
    card = api.get(f"{BASE}/scorecard", claims=OFFICER, headers=EN).json()
    assert card["round"]["id"] == second["id"]  # the newest round by default
    exchange = dimension(card, "information_exchange")
    points = [(point["title"], point["police"]) for point in exchange["trend"]][-2:]
    assert points == [("Trend one", 2.0), ("Trend two", 3.5)]
    assert exchange["trend_text"] == "Up 1.5 since the previous round."


# ---------------------------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("claims", "status"), [(OFFICER, 403), (PARTNER, 403), (STRANGER, 403), (None, 401), (SUPERVISOR, 201)]
)
def test_only_supervisors_and_admins_of_the_tenant_open_rounds(
    api: ApiClient, claims: dict[str, str] | None, status: int
) -> None:
    assert api.post(f"{BASE}/rounds", body={"title": "Who may"}, claims=claims).status == status


def test_another_tenants_staff_and_anonymous_callers_read_and_write_nothing(api: ApiClient) -> None:
    round_ = open_round(api, "Private")
    for claims, status in ((STRANGER, 403), (None, 401)):
        assert api.get(f"{BASE}/model", claims=claims).status == status
        assert api.get(f"{BASE}/rounds", claims=claims).status == status
        assert api.get(f"{BASE}/scorecard", claims=claims).status == status
        assert api.get(f"{BASE}/scorecard/export", claims=claims, query={"format": "csv"}).status == status
        assert assess(api, round_["id"], claims, [rating("plain_language", 5)]).status == status  # type: ignore[arg-type]
    assert (
        api.get(f"/v1/tenants/pilot-nl/capability/rounds/{round_['id']}/assessments/mine", claims=STRANGER).status
        == 404
    )


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("ratings", "field"),
    [
        ([rating("not_a_capability", 3)], "ratings.0.capability"),
        ([rating("plain_language", 3), rating("plain_language", 4)], "ratings.1.capability"),
        ([rating("plain_language", 0)], "ratings.0.level"),
        ([rating("plain_language", 6)], "ratings.0.level"),
        ([rating("Plain-Language", 3)], "ratings.0.capability"),
        ([rating("plain_language", 3, "bad \u202e override")], "ratings.0.evidence"),
        ([rating("plain_language", 3, "x" * 1001)], "ratings.0.evidence"),
        ([rating("plain_language", 3, "   ")], "ratings.0.evidence"),
        ([], "ratings"),
        ([{"capability": "plain_language", "level": 3, "extra": 1}], "ratings.0.extra"),
    ],
)
def test_a_bad_rating_names_its_field_and_changes_nothing(
    api: ApiClient, ratings: list[dict[str, Any]], field: str
) -> None:
    round_ = open_round(api, "Bad input")
    assert assess(api, round_["id"], SUPERVISOR, [rating("plain_language", 3, "kept")]).status == 200
    assert_field(assess(api, round_["id"], SUPERVISOR, ratings), field)
    mine = api.get(f"{BASE}/rounds/{round_['id']}/assessments/mine", claims=SUPERVISOR).json()
    assert mine["ratings"] == [rating("plain_language", 3, "kept")]
    assert mine["version"] == 1


def test_bad_rounds_periods_and_formats_are_4xx_naming_what(api: ApiClient) -> None:
    assert_field(api.post(f"{BASE}/rounds", body={"title": " "}, claims=ADMIN), "title")
    assert_field(api.post(f"{BASE}/rounds", body={"title": "a\nb"}, claims=ADMIN), "title")
    assert_field(api.post(f"{BASE}/rounds", body={"title": "x" * 121}, claims=ADMIN), "title")
    assert_field(assess(api, "not-an-id", OFFICER, [rating("plain_language", 3)]), "path.round_id")
    missing = assess(api, "0" * 20, OFFICER, [rating("plain_language", 3)])
    assert missing.status == 404
    assert missing.json()["type"].endswith("round_not_found")
    assert api.get(f"{BASE}/rounds/{'0' * 20}/assessments/mine", claims=OFFICER).status == 404
    assert_field(
        api.get(f"{BASE}/scorecard", claims=OFFICER, query={"from": "2026-05-02", "to": "2026-05-01"}), "query.from"
    )
    assert_field(
        api.get(f"{BASE}/scorecard", claims=OFFICER, query={"from": "2024-01-01", "to": "2026-01-01"}), "query.from"
    )
    assert_field(api.get(f"{BASE}/scorecard", claims=OFFICER, query={"round": "'; DROP TABLE"}), "query.round")
    assert api.get(f"{BASE}/scorecard", claims=OFFICER, query={"round": "0" * 20}).status == 404
    assert_field(api.get(f"{BASE}/scorecard/export", claims=OFFICER, query={"format": "docx"}), "query.format")
    assert_field(api.get(f"{BASE}/scorecard/export", claims=OFFICER), "query.format")


# ---------------------------------------------------------------------------------------------- indicators


LIVE = "pilot-es"


@pytest.fixture(scope="module")
def live(api: ApiClient, aggregation: StreamPoller) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    """Given in pilot-es: ten reports (three taken by phone or in person, three in English, two answered, one of
    them closed and reopened), a problem with a partner whose action is done and one whose action is open, a
    priority adopted and done with four votes and one only adopted."""
    officer, supervisor = staff_claims(LIVE), staff_claims(LIVE, "supervisor")
    where = centre(LIVE)
    ids = []
    for index in range(10):
        body = noise_report(LIVE, location={"lat": where["lat"] + 0.02 * (index % 2), "lon": where["lon"]})
        body["locale"] = "en" if index < 3 else "es"
        claims = None
        if index in (3, 4, 5):
            body["channel"] = "phone" if index < 5 else "in_person"
            claims = officer
        reply = api.post(f"/v1/tenants/{LIVE}/reports", body=body, claims=claims)
        assert reply.status == 201, reply.body
        ids.append(reply.json()["id"])
    for report_id in ids[:2]:
        path = f"/v1/tenants/{LIVE}/reports/{report_id}"
        assert api.patch(path, body={"status": "rejected", "note": "Not for us."}, claims=officer).status == 200
    reopened = f"/v1/tenants/{LIVE}/reports/{ids[0]}"
    assert api.patch(reopened, body={"status": "verifying", "note": "Looking again."}, claims=supervisor).status == 200
    cell = cell_of(**where, resolution=9)
    problems = []
    for partners in ([{"name": "Ayuntamiento", "kind": "municipality"}], []):
        body = {"title": "Noise", "description": "Night noise.", "category": "noise_night", "cells": [cell]}
        reply = api.post(f"/v1/tenants/{LIVE}/problems", body={**body, "partners": partners}, claims=officer)
        assert reply.status == 201, reply.body
        problems.append(reply.json())
    actions = f"/v1/tenants/{LIVE}/problems/{problems[0]['id']}/actions"
    due = (date.today() + timedelta(days=7)).isoformat()  # a week ahead: "today" differs between UTC and the tenant
    for title in ("Talk to the bar", "Check the licence"):
        reply = api.post(actions, body={"title": title, "owner": "Ayuntamiento", "due_on": due}, claims=officer)
        assert reply.status == 201, reply.body
    problem = reply.json()
    action = problem["actions"][0]
    done = api.patch(
        f"{actions}/{action['id']}", body={"version": problem["version"], "status": "done"}, claims=officer
    )
    assert done.status == 200, done.body
    for title, finish in (("Quiet streets", True), ("Safer park", False)):
        body = {"title": title, "description": "What residents asked.", "area_name": "Centro"}
        priority = api.post(f"/v1/tenants/{LIVE}/priorities", body=body, claims=officer).json()
        for voter in range(4 if finish else 0):
            api.post(
                f"/v1/tenants/{LIVE}/public/priorities/{priority['id']}/votes", body={"voter": f"device-{voter:012d}"}
            )
        change = {"version": 1, "status": "adopted", "text": "We will."}
        adopted = api.patch(f"/v1/tenants/{LIVE}/priorities/{priority['id']}", body=change, claims=officer).json()
        if finish:
            change = {"version": adopted["version"], "status": "done", "text": "We did."}
            assert (
                api.patch(f"/v1/tenants/{LIVE}/priorities/{priority['id']}", body=change, claims=officer).status == 200
            )
    aggregation.drain(timeout=60)
    return {"ids": ids}


def test_each_live_indicator_is_computed_from_the_data_as_its_definition_says(
    api: ApiClient, live: dict[str, Any]
) -> None:
    card = api.get(f"/v1/tenants/{LIVE}/capability/scorecard", claims=staff_claims(LIVE, "partner"), headers=EN).json()
    values = {item["id"]: item["value"] for entry in card["dimensions"] for item in entry["indicators"]}
    # Reports: 10, 3 by staff channels, 3 in English (the main language is Spanish), 2 answered, 1 reopened
    assert values["assisted_channel_share"] == 0.3
    assert values["other_language_share"] == 0.3
    assert values["languages_served"] == 2
    assert values["share_given_feedback"] == 0.2
    assert values["reopened_share"] == 0.1
    assert values["median_hours_to_first_response"] is not None
    assert values["median_hours_to_first_response"] <= 1
    assert values["overdue_share"] == 0.0  # answered in time, the others not yet due
    # Problems: 2 opened, 1 with a partner whose 2 actions are 1 done and 1 open; none evaluated
    assert values["problems_with_partners"] == 0.5
    assert values["partner_actions_done"] == 0.5
    assert values["problems_per_thousand_reports"] == 200.0
    assert values["problems_evaluated"] == 0.0
    # Priorities: 2 committed, 1 with its outcome published; 4 votes over 2 priorities
    assert values["outcomes_published"] == 0.5
    assert values["votes_per_priority"] == 2.0
    # Residents' trust: the survey's answers are not stored, and the answer says so instead of a number
    trust = indicator(card, "survey_trust")
    assert trust["value"] is None
    assert trust["display"] == "no data"
    assert "not store" in trust["no_data"]
    assert indicator(card, "meeting_satisfaction")["value"] is None
    # Reaching the area: two neighbourhoods of the area's resolution-7 cells
    coverage = indicator(card, "area_coverage")
    assert coverage["basis"]["reached"] == 2
    assert coverage["value"] == round(2 / coverage["basis"]["neighbourhoods"], 4)
    # Every indicator carries its definition and level, and the previous period (empty) has no value
    assert all(item["definition"] for entry in card["dimensions"] for item in entry["indicators"])
    assert indicator(card, "assisted_channel_share")["level"] == 5  # 30% meets all four thresholds (2, 5, 10, 20%)
    assert indicator(card, "assisted_channel_share")["previous"] is None


def test_waiting_reports_count_as_overdue_once_their_promised_date_has_passed(live: dict[str, Any]) -> None:
    partner = Principal(subject="p", tenant=LIVE, roles=frozenset({Role.PARTNER}))
    later = datetime.now(UTC) + timedelta(days=20)
    today = datetime.now(get_tenant(LIVE).zone).date()  # the tenant's today: UTC's differs around midnight
    card = scorecard(LIVE, partner, None, today - timedelta(days=30), today, ["en"], later)
    overdue = next(item for d in card.dimensions for item in d.indicators if item.id == "overdue_share")
    assert overdue.value == 0.8  # the eight reports never answered are now past their date
    assert overdue.basis == {"reports": 10, "answered_late": 0, "waiting_late": 8}


def test_the_counters_the_stream_kept_equal_a_rebuild_from_the_reports(live: dict[str, Any]) -> None:
    kept = tenant_counters(LIVE)
    assert any(key[1].endswith("#reopened") for key in kept)
    assert any("#waiting#" in key[1] for key in kept)
    result = rebuild_aggregates(LIVE)
    assert result.corrected == 0
    assert tenant_counters(LIVE) == kept


def test_a_scorecard_reads_by_key_never_by_scan(api: ApiClient, live: dict[str, Any]) -> None:
    with metered() as meter:
        assert api.get(f"/v1/tenants/{LIVE}/capability/scorecard", claims=staff_claims(LIVE)).status == 200
    operations = set(meter.calls)
    assert "dynamodb.Scan" not in operations
    assert operations <= {"dynamodb.Query", "dynamodb.GetItem", "s3.GetObject"}, operations
    # the rounds, the counters (days, cells), the problems, the priorities: a handful of queries
    assert meter.calls["dynamodb.Query"] <= 12, meter.calls


# ---------------------------------------------------------------------------------------------- export


def test_the_scorecard_exports_as_csv_and_pdf_in_the_readers_language(api: ApiClient) -> None:
    round_ = open_round(api, "Export")
    assess(api, round_["id"], PARTNER, [rating("plain_language", 2, "=1+1 is not a formula here")])
    csv_reply = api.get(f"{BASE}/scorecard/export", claims=PARTNER, query={"format": "csv", "lang": "sv"})
    assert csv_reply.status == 200, csv_reply.body
    assert csv_reply.headers["Content-Type"].startswith("text/csv")
    assert csv_reply.headers["Content-Disposition"].startswith('attachment; filename="koban-scorecard-pilot-fi-')
    rows = list(csv.reader(io.StringIO(csv_reply.body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Dimension", "Typ", "Namn"]
    assert any(row[2] == "Klart, gemensamt språk" for row in rows)
    assert any(row[-1] == "'=1+1 is not a formula here" for row in rows)  # no spreadsheet formula
    pdf_reply = api.get(
        f"{BASE}/scorecard/export", claims=OFFICER, query={"format": "pdf"}, headers={"Accept-Language": "fi"}
    )
    assert pdf_reply.status == 200
    assert pdf_reply.headers["Content-Type"] == "application/pdf"
    document = base64.b64decode(pdf_reply.body)
    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in document  # the font is embedded: the file reads the same anywhere
