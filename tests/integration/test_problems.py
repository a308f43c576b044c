"""The KOBAN problem-solving cycle over moto: problems from emerging alerts, their stages, partners, actions,
optimistic locking, access, bad input, and the evaluation against the same weeks a year earlier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import boto3
import pytest

from koban.geo import cell_of
from koban.problems.models import Problem
from koban.problems.storage import ProblemRepository
from koban.tenants.service import get_tenant
from koban_local.functions import load_handler
from koban_local.metering import metered
from koban_local.streams import StreamPoller
from koban_local.template import Template
from tests.api import ApiClient, Reply, staff_claims
from tests.integration.test_reports_intake import centre, noise_report

TENANT = "pilot-nl"
PROBLEMS = f"/v1/tenants/{TENANT}/problems"
OFFICER = staff_claims(TENANT)
SUPERVISOR = staff_claims(TENANT, "supervisor")


def report(api: ApiClient, tenant: str, where: dict[str, float], **overrides: Any) -> str:
    reply = api.post(f"/v1/tenants/{tenant}/reports", body=noise_report(tenant, location=where, **overrides))
    assert reply.status == 201, reply.body
    report_id: str = reply.json()["id"]
    return report_id


def problem_body(tenant: str = TENANT, **overrides: Any) -> dict[str, Any]:
    """What the dashboard hands over from an emerging alert: the block, the category, the reports behind it."""
    body: dict[str, Any] = {
        "title": "Night noise around the corner bar",
        "description": "Dozens of residents of one block report music after midnight.",
        "category": "noise_night",
        "cells": [cell_of(**centre(tenant), resolution=9)],
    }
    body.update(overrides)
    return body


def open_problem(api: ApiClient, tenant: str = TENANT, **overrides: Any) -> dict[str, Any]:
    claims = staff_claims(tenant)
    reply = api.post(f"/v1/tenants/{tenant}/problems", body=problem_body(tenant, **overrides), claims=claims)
    assert reply.status == 201, reply.body
    problem: dict[str, Any] = reply.json()
    return problem


def patch(api: ApiClient, problem: dict[str, Any], claims: dict[str, str] = OFFICER, **change: Any) -> Reply:
    path = f"/v1/tenants/{problem['tenant']}/problems/{problem['id']}"
    return api.patch(path, body={"version": problem["version"], **change}, claims=claims)


def changed(api: ApiClient, problem: dict[str, Any], claims: dict[str, str] = OFFICER, **change: Any) -> dict[str, Any]:
    reply = patch(api, problem, claims, **change)
    assert reply.status == 200, reply.body
    result: dict[str, Any] = reply.json()
    return result


def add_action(api: ApiClient, problem: dict[str, Any], **action: Any) -> Reply:
    body = {
        "title": "Talk to the bar owner",
        "owner": "neighbourhood_team",
        "due_on": (date.today() + timedelta(days=7)).isoformat(),
    }
    return api.post(f"{PROBLEMS}/{problem['id']}/actions", body={**body, **action}, claims=OFFICER)


def assert_names(reply: Reply, field: str, status: int = 422) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in reply.json()["errors"]], reply.body


def test_an_emerging_alert_becomes_a_problem_in_diagnosis(api: ApiClient) -> None:
    # Given three residents' reports of night noise in one block
    block = centre(TENANT)
    report_ids = [report(api, TENANT, block) for _ in range(3)]
    # When an officer turns the alert into a problem with its cells, category, reports and a partner
    partner = {"name": "Gemeente Amsterdam", "kind": "municipality", "contact_role": "area manager"}
    reply = api.post(PROBLEMS, body=problem_body(report_ids=report_ids, partners=[partner]), claims=OFFICER)
    # Then it is stored in diagnosis, version 1, with its creation in the history
    assert reply.status == 201, reply.body
    problem = reply.json()
    assert reply.headers["Location"] == f"{PROBLEMS}/{problem['id']}"
    assert problem["stage"] == "diagnosis"
    assert problem["version"] == 1
    assert problem["report_ids"] == report_ids
    assert problem["cells"] == [cell_of(**block, resolution=9)]
    assert problem["partners"] == [partner]
    assert problem["allowed_stages"] == ["closed", "planning"]
    assert problem["history"][0] | {"at": None} == {
        "at": None,
        "actor": OFFICER["sub"],
        "from_stage": None,
        "to_stage": "diagnosis",
        "note": None,
    }
    # And anyone of the tenant's staff reads it back, and finds it first in the list
    assert api.get(f"{PROBLEMS}/{problem['id']}", claims=SUPERVISOR).json() == problem
    listed = api.get(PROBLEMS, claims=OFFICER).json()
    assert listed["items"][0]["id"] == problem["id"]
    assert listed["items"][0]["reports"] == 3
    assert listed["items"][0]["cells"] == problem["cells"]  # the board marks the emerging cells it covers


def test_the_full_cycle_with_notes_and_a_supervisors_reopening(api: ApiClient) -> None:
    # Given a problem in diagnosis with a note
    problem = open_problem(api)
    problem = changed(api, problem, note="Walked the block: the noise comes from two bars.")
    assert [note["text"] for note in problem["notes"]] == ["Walked the block: the noise comes from two bars."]
    # When it moves forward stage by stage, and a supervisor sends it back from evaluation to action
    for stage in ("planning", "action", "evaluation"):
        problem = changed(api, problem, stage=stage, note=f"On to {stage}.")
    problem = changed(api, problem, SUPERVISOR, stage="action", note="One bar is still loud: keep going.")
    problem = changed(api, problem, stage="evaluation")
    problem = changed(api, problem, stage="closed", note="Quiet for a month; residents agree.")
    # Then every step is in the history with who, from, to and why, and the version counted every change
    steps = [(entry["from_stage"], entry["to_stage"], entry["note"]) for entry in problem["history"]]
    assert steps == [
        (None, "diagnosis", None),
        ("diagnosis", "planning", "On to planning."),
        ("planning", "action", "On to action."),
        ("action", "evaluation", "On to evaluation."),
        ("evaluation", "action", "One bar is still loud: keep going."),
        ("action", "evaluation", None),
        ("evaluation", "closed", "Quiet for a month; residents agree."),
    ]
    assert problem["history"][4]["actor"] == SUPERVISOR["sub"]
    assert problem["version"] == 8
    assert problem["allowed_stages"] == []
    # And a closed problem no longer changes
    assert patch(api, problem, note="One more thing.").status == 409
    assert add_action(api, problem).status == 409
    closed = api.get(PROBLEMS, claims=OFFICER, query={"stage": "closed"}).json()["items"]
    assert problem["id"] in [item["id"] for item in closed]


@pytest.mark.parametrize(
    ("path", "change", "field"),
    [
        ([], {"stage": "action"}, "stage"),  # skipping planning
        ([], {"stage": "diagnosis"}, "stage"),  # staying put is no transition
        ([], {"stage": "closed"}, "note"),  # closing early must say why
        (["planning"], {"stage": "diagnosis", "note": "Back."}, "stage"),  # no way back but evaluation → action
        (["planning", "action", "evaluation"], {"stage": "action"}, "note"),  # a reopening must say why
        (["planning", "action", "evaluation"], {"stage": "planning", "note": "Replan."}, "stage"),
    ],
)
def test_a_transition_the_cycle_forbids_is_refused_and_changes_nothing(
    api: ApiClient, path: list[str], change: dict[str, str], field: str
) -> None:
    problem = open_problem(api)
    for stage in path:
        problem = changed(api, problem, stage=stage)
    reply = patch(api, problem, SUPERVISOR, **change)
    assert_names(reply, field)
    assert api.get(f"{PROBLEMS}/{problem['id']}", claims=OFFICER).json() == problem


def test_closing_is_final_and_reopening_needs_a_supervisor(api: ApiClient) -> None:
    problem = open_problem(api)
    for stage in ("planning", "action", "evaluation"):
        problem = changed(api, problem, stage=stage)
    # An officer may not send it back to action
    assert patch(api, problem, stage="action", note="Not done yet.").status == 403
    # A problem closed early names no further stage
    closed = changed(api, open_problem(api), stage="closed", note="A duplicate of another problem.")
    assert_names(patch(api, closed, stage="diagnosis"), "stage")


def test_actions_have_owners_from_the_units_and_partners_and_due_dates(api: ApiClient) -> None:
    # Given a problem in planning with a housing association as partner
    problem = changed(api, open_problem(api), stage="planning")
    problem = changed(api, problem, add_partners=[{"name": "Woonstichting De Key", "kind": "housing"}])
    due = (date.today() + timedelta(days=14)).isoformat()
    # When an officer adds an action for a police unit and one for the partner (named in other case)
    reply = add_action(api, problem, title="Visit both bars", due_on=due)
    assert reply.status == 201, reply.body
    problem = reply.json()
    first = problem["actions"][-1]
    assert reply.headers["Location"] == f"{PROBLEMS}/{problem['id']}/actions/{first['id']}"
    reply = add_action(api, problem, title="Letter to tenants", owner="woonstichting de key", due_on=due)
    assert reply.status == 201, reply.body
    problem = reply.json()
    # Then both are open, owned and due, the partner spelled as the problem knows it
    owners = [(action["owner"], action["owner_kind"], action["status"]) for action in problem["actions"]]
    assert owners == [("neighbourhood_team", "unit", "open"), ("Woonstichting De Key", "partner", "open")]
    assert all(action["due_on"] == due and not action["overdue"] for action in problem["actions"])
    assert problem["version"] == 5
    # And an owner that is neither a unit nor a partner, or a due date in the past, is refused
    assert_names(add_action(api, problem, owner="Some Neighbour"), "owner")
    assert_names(add_action(api, problem, due_on="2020-01-01"), "due_on")
    # And a partner that owns an open action cannot be removed
    assert_names(patch(api, problem, remove_partners=["Woonstichting De Key"]), "remove_partners.0")
    # When the actions are done and reassigned
    second = problem["actions"][1]
    action_path = f"{PROBLEMS}/{problem['id']}/actions/{second['id']}"
    reply = api.patch(action_path, body={"version": problem["version"], "status": "done"}, claims=OFFICER)
    assert reply.status == 200, reply.body
    problem = reply.json()
    assert problem["actions"][1]["status"] == "done"
    assert problem["actions"][1]["done_at"] is not None
    reply = api.patch(
        f"{PROBLEMS}/{problem['id']}/actions/{first['id']}",
        body={"version": problem["version"], "owner": "Woonstichting De Key", "status": "cancelled"},
        claims=OFFICER,
    )
    assert reply.status == 200, reply.body
    problem = reply.json()
    assert problem["actions"][0]["owner_kind"] == "partner"
    # Then with none of its actions open, the partner can leave
    problem = changed(api, problem, remove_partners=["woonstichting de key"])
    assert problem["partners"] == []
    # And an action id the problem does not have is not found
    missing = api.patch(
        f"{PROBLEMS}/{problem['id']}/actions/{'0' * 20}",
        body={"version": problem["version"], "status": "done"},
        claims=OFFICER,
    )
    assert missing.status == 404, missing.body


def test_two_changes_made_on_the_same_version_the_second_is_refused(api: ApiClient) -> None:
    # Given two officers who loaded the same version
    problem = open_problem(api)
    # When both change it
    first = patch(api, problem, title="Night noise at the two corner bars")
    second = patch(api, problem, staff_claims(TENANT, subject="another-officer"), note="Spoke to the owner.")
    # Then the first wins and the second is told to reload, and nothing of it is stored
    assert first.status == 200, first.body
    assert second.status == 409, second.body
    assert second.headers["Content-Type"] == "application/problem+json"
    stored = api.get(f"{PROBLEMS}/{problem['id']}", claims=OFFICER).json()
    assert stored["title"] == "Night noise at the two corner bars"
    assert stored["notes"] == []
    # And an action change on a stale version is refused alike
    action = add_action(api, stored).json()["actions"][0]
    stale = api.patch(
        f"{PROBLEMS}/{problem['id']}/actions/{action['id']}",
        body={"version": stored["version"], "status": "done"},
        claims=OFFICER,
    )
    assert stale.status == 409, stale.body


def test_an_action_added_while_someone_else_changes_the_problem_is_kept(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a colleague who renames the problem between this request's read and its write
    problem = open_problem(api)
    save = ProblemRepository.save
    raced: list[bool] = []

    def racing(repository: ProblemRepository, before: Problem, after: Problem) -> None:
        if not raced:
            raced.append(True)
            renamed = before.model_copy(update={"title": "Renamed meanwhile", "version": before.version + 1})
            save(repository, before, renamed)
        save(repository, before, after)

    monkeypatch.setattr(ProblemRepository, "save", racing)
    # When an officer adds an action
    reply = add_action(api, problem)
    # Then the addition is applied on top of the colleague's change, not lost and not refused
    assert reply.status == 201, reply.body
    stored = reply.json()
    assert (stored["title"], len(stored["actions"]), stored["version"]) == ("Renamed meanwhile", 1, 3)


def test_report_ids_must_be_reports_of_the_tenant(api: ApiClient) -> None:
    mine = report(api, TENANT, centre(TENANT))
    theirs = report(api, "pilot-be", centre("pilot-be"))
    reply = api.post(PROBLEMS, body=problem_body(report_ids=[mine, theirs, "0" * 20]), claims=OFFICER)
    assert_names(reply, "report_ids.1")
    assert_names(reply, "report_ids.2")
    assert "report_ids.0" not in reply.body


ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "", problem_body()),
    ("GET", "", None),
    ("GET", "/{id}", None),
    ("PATCH", "/{id}", {"version": 1, "note": "Hello."}),
    ("POST", "/{id}/actions", {"title": "A walk", "owner": "neighbourhood_team", "due_on": "2099-01-01"}),
    ("PATCH", "/{id}/actions/{id}", {"version": 1, "status": "done"}),
    ("GET", "/{id}/evaluation", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), ROUTES)
@pytest.mark.parametrize(
    ("claims", "status"),
    [(None, 401), (staff_claims("pilot-be"), 403), (staff_claims(TENANT, "partner"), 403)],
)
def test_only_the_tenants_officers_supervisors_and_admins_get_in(
    api: ApiClient,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
    claims: dict[str, str] | None,
    status: int,
) -> None:
    problem = open_problem(api)
    path = PROBLEMS + suffix.replace("{id}", problem["id"])
    reply = api.request(method, path, body=body, claims=claims)
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert api.get(f"{PROBLEMS}/{problem['id']}", claims=OFFICER).json() == problem


def test_admins_may_work_on_problems_too(api: ApiClient) -> None:
    problem = open_problem(api)
    assert patch(api, problem, staff_claims(TENANT, "admin"), stage="planning").status == 200


COARSE_CELL = cell_of(52.3728, 4.8936, 7)
FINE_CELL = cell_of(52.3728, 4.8936, 9)

BAD_PROBLEMS: list[tuple[str, dict[str, Any], str]] = [
    ("no title", {"title": None}, "title"),
    ("blank title", {"title": "   "}, "title"),
    ("title on two lines", {"title": "Noise\nat night"}, "title"),
    ("unknown category", {"category": "ufo_sighting"}, "category"),
    ("no cells", {"cells": []}, "cells"),
    ("not a cell", {"cells": ["not-a-cell"]}, "cells.0"),
    ("a cell of resolution 8", {"cells": [cell_of(52.3728, 4.8936, 8)]}, "cells.0"),
    ("51 cells", {"cells": [FINE_CELL] * 51}, "cells"),
    ("a cell twice", {"cells": [FINE_CELL, FINE_CELL]}, "cells.1"),
    ("a block inside a listed neighbourhood", {"cells": [COARSE_CELL, FINE_CELL]}, "cells.1"),
    ("a malformed report id", {"report_ids": ["../etc"]}, "report_ids.0"),
    ("201 report ids", {"report_ids": ["0" * 20] * 201}, "report_ids"),
    ("a report twice", {"report_ids": ["0" * 20, "0" * 20]}, "report_ids.1"),
    ("a partner of unknown kind", {"partners": [{"name": "Club", "kind": "club"}]}, "partners.0.kind"),
    (
        "a partner twice",
        {"partners": [{"name": "Gemeente", "kind": "municipality"}, {"name": "GEMEENTE", "kind": "other"}]},
        "partners.1.name",
    ),
    ("an unknown field", {"priority": "high"}, "priority"),
    ("a control character", {"description": "Noise\u202e at night"}, "description"),
]


@pytest.mark.parametrize(("case", "overrides", "field"), BAD_PROBLEMS, ids=[case[0] for case in BAD_PROBLEMS])
def test_a_bad_problem_is_refused_naming_the_field(
    api: ApiClient, case: str, overrides: dict[str, Any], field: str
) -> None:
    body = {key: value for key, value in problem_body(**overrides).items() if value is not None}
    before = api.get(PROBLEMS, claims=OFFICER, query={"limit": "100"}).json()["items"]
    assert_names(api.post(PROBLEMS, body=body, claims=OFFICER), field)
    assert api.get(PROBLEMS, claims=OFFICER, query={"limit": "100"}).json()["items"] == before


BAD_CHANGES: list[tuple[str, dict[str, Any], str]] = [
    ("nothing to change", {}, "body"),
    ("no version", {"version": None, "note": "Hi."}, "version"),
    ("version 0", {"version": 0, "note": "Hi."}, "version"),
    ("an unknown stage", {"stage": "done"}, "stage"),
    ("a blank note", {"note": " "}, "note"),
    ("a note of 2,001 characters", {"note": "a" * 2001}, "note"),
    ("satisfaction 6", {"feedback": {"met_on": "2026-01-01", "summary": "Fine.", "satisfaction": 6}}, "feedback"),
    ("a meeting tomorrow", {"feedback": {"met_on": "2999-01-01", "summary": "Ok.", "satisfaction": 3}}, "feedback"),
    ("a partner without kind", {"add_partners": [{"name": "Gemeente"}]}, "add_partners.0.kind"),
    ("removing a stranger", {"remove_partners": ["Nobody"]}, "remove_partners.0"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_CHANGES, ids=[case[0] for case in BAD_CHANGES])
def test_a_bad_change_is_refused_naming_the_field(
    api: ApiClient, case: str, change: dict[str, Any], field: str
) -> None:
    problem = open_problem(api)
    body = {key: value for key, value in {"version": problem["version"], **change}.items() if value is not None}
    reply = api.patch(f"{PROBLEMS}/{problem['id']}", body=body, claims=OFFICER)
    assert reply.status == 422, reply.body
    fields = [error["field"] for error in reply.json()["errors"]]
    assert any(name.startswith(field) for name in fields), fields
    assert api.get(f"{PROBLEMS}/{problem['id']}", claims=OFFICER).json() == problem


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("", {"limit": "0"}, "query.limit"),
        ("", {"limit": "101"}, "query.limit"),
        ("", {"stage": "done"}, "query.stage"),
        ("", {"cursor": "not-a-cursor"}, "query.cursor"),
        ("/{id}/evaluation", {"days": "6"}, "query.days"),
        ("/{id}/evaluation", {"days": "183"}, "query.days"),
        ("/../evaluation", {}, "path.problem_id"),
    ],
)
def test_bad_query_and_path_parameters_are_named(api: ApiClient, path: str, query: dict[str, str], field: str) -> None:
    problem = open_problem(api)
    reply = api.get(PROBLEMS + path.replace("{id}", problem["id"]), claims=OFFICER, query=query or None)
    assert_names(reply, field)


def test_an_unknown_problem_is_not_found(api: ApiClient) -> None:
    reply = api.get(f"{PROBLEMS}/{'0' * 20}", claims=OFFICER)
    assert reply.status == 404
    assert reply.json()["type"].endswith("problem_not_found")


def test_the_list_is_newest_first_pages_with_a_cursor_and_filters_by_stage(api: ApiClient) -> None:
    tenant = "pilot-fi"
    claims = staff_claims(tenant)
    ids = [open_problem(api, tenant, title=f"Problem {n}")["id"] for n in range(5)]
    # Given the newest of them in planning
    newest = api.get(f"/v1/tenants/{tenant}/problems/{ids[-1]}", claims=claims).json()
    changed(api, newest, claims, stage="planning")
    path = f"/v1/tenants/{tenant}/problems"
    first = api.get(path, claims=claims, query={"limit": "3"}).json()
    second = api.get(path, claims=claims, query={"limit": "3", "cursor": first["next_cursor"]}).json()
    assert [item["id"] for item in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None
    in_diagnosis = api.get(path, claims=claims, query={"stage": "diagnosis", "limit": "2"}).json()
    assert [item["id"] for item in in_diagnosis["items"]] == [ids[3], ids[2]]
    rest = api.get(path, claims=claims, query={"stage": "diagnosis", "cursor": in_diagnosis["next_cursor"]}).json()
    assert [item["id"] for item in rest["items"]] == [ids[1], ids[0]]


def test_a_problem_that_outgrows_one_item_is_refused_not_lost(api: ApiClient) -> None:
    # Given a problem whose notes (three bytes a character) approach DynamoDB's item limit
    problem = open_problem(api)
    note = "€" * 2000
    for _ in range(100):  # about 58 fit; the bound only keeps a broken guard from looping forever
        reply = patch(api, problem, note=note)
        if reply.status != 200:
            break
        problem = reply.json()
    # Then the note that does not fit is refused with a 422, and the problem is intact
    assert_names(reply, "body")
    stored = api.get(f"{PROBLEMS}/{problem['id']}", claims=OFFICER).json()
    assert stored == problem
    assert len(stored["notes"]) > 50


# ---- The evaluation, over counters kept by the aggregation stream consumer ----

EVALUATED = "pilot-pl"


@pytest.fixture(scope="module")
def aggregation(moto_home: dict[str, str], template: Template) -> Iterator[StreamPoller]:
    """The aggregation handler fed by the local stream poller, as in the embedded default."""
    function = template.functions["AggregationFunction"]
    poller = StreamPoller(
        template,
        {"AggregationFunction": load_handler(function.code_uri, function.handler, {})},
        moto_home,
        dynamodb_client=boto3.client("dynamodb"),
        streams_client=boto3.client("dynamodbstreams"),
        poll_interval=0.05,
    )
    with poller:
        yield poller


def test_the_evaluation_compares_before_and_after_with_the_same_weeks_a_year_earlier(
    api: ApiClient, aggregation: StreamPoller
) -> None:
    zone = get_tenant(EVALUATED).zone
    now = datetime.now(zone)
    today = now.date()
    block = centre(EVALUATED)
    district = {"lat": block["lat"] + 0.06, "lon": block["lon"]}
    elsewhere = {"lat": block["lat"], "lon": block["lon"] - 0.03}
    assert cell_of(**elsewhere, resolution=7) != cell_of(**district, resolution=7)

    def at(where: dict[str, float], days_ago: int, **overrides: Any) -> None:
        moment = now if days_ago == 0 else datetime.combine(today - timedelta(days=days_ago), time(12), zone)
        report(api, EVALUATED, where, occurred_at=moment.isoformat(), **overrides)

    # Given night-noise reports in a block (resolution 9) and a district (resolution 7) of the problem:
    for days_ago in (1, 3, 7, 8):  # three in the seven days before today, one just before them
        at(block, days_ago)
    at(district, 2)
    at(district, 2)
    at(block, 0)  # one today
    at(block, 365)  # the same weeks 52 weeks earlier: one before, two after
    at(block, 364)
    at(block, 364)
    # And reports the evaluation must not count: another category in the block, the category elsewhere
    at(block, 1, category="illegal_dumping", answers={"waste_type": ["household"]})
    at(elsewhere, 1)
    aggregation.drain(timeout=60)
    cells = [cell_of(**block, resolution=9), cell_of(**district, resolution=7)]
    problem = open_problem(api, EVALUATED, cells=cells)
    claims = staff_claims(EVALUATED)
    evaluation_path = f"/v1/tenants/{EVALUATED}/problems/{problem['id']}/evaluation"

    # When it is evaluated before any action: the anchor is the day it was opened
    early = api.get(evaluation_path, claims=claims, query={"days": "7"}).json()
    assert early["anchor_kind"] == "created"
    assert early["anchor"] == today.isoformat()

    # When action begins today, residents give feedback twice, and it is evaluated over 7-day windows
    for stage in ("planning", "action"):
        problem = changed(api, problem, claims, stage=stage)
    for satisfaction in (4, 3):
        feedback = {
            "met_on": today.isoformat(),
            "summary": "Quieter, but not every night.",
            "satisfaction": satisfaction,
        }
        problem = changed(api, problem, claims, feedback=feedback)
    with metered() as meter:
        reply = api.get(evaluation_path, claims=claims, query={"days": "7"})
    assert reply.status == 200, reply.body
    evaluation = reply.json()

    # Then the windows hold what happened there, in that category, by day of incident
    assert evaluation["anchor_kind"] == "action_began"
    assert evaluation["anchor"] == today.isoformat()
    assert evaluation["after_days_elapsed"] == 1
    windows = {name: evaluation[name] for name in ("before", "after", "baseline_before", "baseline_after")}
    assert {name: window["count"] for name, window in windows.items()} == {
        "before": 5,  # 1, 3 and 7 days ago in the block, twice 2 days ago in the district
        "after": 1,
        "baseline_before": 1,
        "baseline_after": 2,
    }
    assert windows["before"] | {"count": 0} == {
        "first": (today - timedelta(days=7)).isoformat(),
        "last": (today - timedelta(days=1)).isoformat(),
        "days": 7,
        "count": 0,
    }
    assert windows["baseline_after"]["first"] == (today - timedelta(weeks=52)).isoformat()
    # And the change is in reports per 7 days (1 in the 1 day elapsed is 7.0), net of the year before's
    assert evaluation["change"] == {
        "per_days": 7,
        "after_minus_before": 7.0 - 5,
        "a_year_earlier": 14.0 - 1,
        "difference_in_differences": 2.0 - 13.0,
        "relative": round(-11.0 / 5, 3),
    }
    assert f"action began on {today}" in evaluation["summary"]
    assert "-11.0 per 7 days" in evaluation["summary"]
    assert "run 1 of its 7 days" in evaluation["summary"]
    assert [entry["satisfaction"] for entry in evaluation["feedback"]] == [4, 3]
    assert evaluation["mean_satisfaction"] == 3.5
    # And it read the problem and, per resolution, the counters of the two spans asked for: nothing else
    dynamodb = {name: count for name, count in meter.calls.items() if name.startswith("dynamodb.")}
    assert dynamodb == {"dynamodb.GetItem": 1, "dynamodb.Query": 4}

    # When the windows are 28 days, the report of 8 days ago counts as well
    wider = api.get(evaluation_path, claims=claims).json()
    assert wider["window_days"] == 28
    assert wider["before"]["count"] == 6
    assert wider["change"]["after_minus_before"] == 28.0 - 6
