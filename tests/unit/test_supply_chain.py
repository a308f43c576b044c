"""`make audit`'s judgement (koban_local.supply_chain): the tools' answers read, the allow-list parsed and applied,
and "vulnerable", "addressed" and "could not ask" kept apart. No tool runs here: their outputs are recorded below."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from koban_local.supply_chain import (
    ALLOWLIST,
    REPOSITORY,
    AllowList,
    AllowListError,
    SourceReport,
    decide,
    load_allowlist,
    parse_npm_audit,
    parse_pip_audit,
    render,
    requirement_files,
)

TODAY = date(2026, 11, 21)
JINJA = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [
        {
            "id": "PYSEC-2024-1",
            "fix_versions": ["3.1.3"],
            "aliases": ["GHSA-h5c8-rqwp-cp95", "CVE-2024-22195"],
            "description": "The xmlattr filter accepts keys containing spaces.",
        }
    ],
}
BOTO = {"name": "boto3", "version": "1.44.5", "vulns": []}


def pip_output(*dependencies: dict[str, Any]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def not_on_pypi(name: str) -> dict[str, str]:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)"}


def allowlist(**entry: Any) -> AllowList:
    fields = {
        "id": "CVE-2024-22195",
        "package": "Jinja2",
        "reason": "xmlattr is never given user-controlled keys in KOBAN's templates.",
        "expires": "2027-01-31",
        **entry,
    }
    body = "\n".join(
        f"{key} = {value}" if key == "expires" else f"{key} = {json.dumps(value)}" for key, value in fields.items()
    )
    return load_allowlist(f"[[advisory]]\n{body}\n")


# ---------------------------------------------------------------------------------------------- pip-audit


def test_given_pip_audit_finds_a_vulnerability_then_it_is_read_with_its_aliases_and_fix() -> None:
    report = parse_pip_audit("python environment", pip_output(JINJA, BOTO), "")

    assert report.audited == 2
    assert report.not_run is None
    assert report.failed is None
    [advisory] = report.advisories
    assert (advisory.package, advisory.version, advisory.id) == ("jinja2", "3.1.2", "PYSEC-2024-1")
    assert advisory.names == {"PYSEC-2024-1", "GHSA-h5c8-rqwp-cp95", "CVE-2024-22195"}
    assert "fixed in 3.1.3" in advisory.describe()


def test_given_every_dependency_skipped_because_pypi_answered_404_then_the_audit_did_not_run() -> None:
    # pip-audit itself prints "No known vulnerabilities found" and exits 0 for this
    editable = {"name": "koban", "skip_reason": "distribution marked as editable"}
    stdout = pip_output(not_on_pypi("boto3"), not_on_pypi("pydantic"), editable)

    report = parse_pip_audit("python environment", stdout, "No known vulnerabilities found")

    assert report.audited == 0
    assert report.not_run is not None
    assert "404 for all 2 dependencies" in report.not_run


def test_given_some_dependencies_skipped_then_those_are_named_as_not_audited() -> None:
    report = parse_pip_audit("python environment", pip_output(BOTO, not_on_pypi("private-lib")), "")

    assert report.not_run is None
    assert report.audited == 1
    assert [entry.split(" ")[0] for entry in report.unaudited] == ["private-lib"]


@pytest.mark.parametrize(
    ("stderr", "not_run"),
    [
        ("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org'): Max retries exceeded", True),
        ("ERROR: Invalid requirement: 'numpy=2.5' (from line 3 of requirements.txt)", False),
    ],
)
def test_given_pip_audit_gives_no_json_then_a_network_failure_did_not_run_and_anything_else_failed(
    stderr: str, not_run: bool
) -> None:
    report = parse_pip_audit("shared/requirements.txt", "", stderr)

    assert (report.not_run is not None, report.failed is not None) == (not_run, not not_run)


# ---------------------------------------------------------------------------------------------- npm audit


def test_given_npm_audit_answered_405_by_the_registry_then_it_did_not_run() -> None:
    stdout = json.dumps(
        {
            "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
            "method": "POST",
            "statusCode": 405,
            "body": "",
            "error": {"summary": "", "detail": ""},
        }
    )

    report = parse_npm_audit("package-lock.json", stdout, "npm error audit endpoint returned an error")

    assert report.not_run is not None
    assert "HTTP 405" in report.not_run
    assert report.failed is None


def test_given_npm_audit_reports_then_each_advisory_is_read_once_under_its_github_id() -> None:
    advisory = {
        "source": 1102341,
        "name": "leaflet",
        "dependency": "leaflet",
        "title": "Cross-site scripting in bindPopup",
        "url": "https://github.com/advisories/GHSA-abcd-1234-wxyz",
        "severity": "moderate",
        "range": "<1.9.5",
    }
    stdout = json.dumps(
        {
            "auditReportVersion": 2,
            "vulnerabilities": {
                "leaflet": {"name": "leaflet", "severity": "moderate", "via": [advisory], "range": "<1.9.5"},
                "leaflet-plugin": {"name": "leaflet-plugin", "via": ["leaflet"], "range": "*"},
            },
            "metadata": {"dependencies": {"prod": 5, "dev": 2, "total": 7}},
        }
    )

    report = parse_npm_audit("package-lock.json", stdout, "")

    assert report.audited == 5
    assert [(a.package, a.id, a.version) for a in report.advisories] == [("leaflet", "GHSA-abcd-1234-wxyz", "<1.9.5")]


# ---------------------------------------------------------------------------------------------- allow-list


def test_the_repositorys_allowlist_is_valid() -> None:
    load_allowlist(ALLOWLIST.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"reason": "ok"}, "reason"),
        ({"expires": '"soon"'}, "expires"),
        ({"expires": "2027-02-30"}, "TOML"),
        ({"owner": "someone"}, "owner"),
    ],
)
def test_an_allowlist_entry_without_a_real_reason_or_date_is_refused(change: dict[str, str], complaint: str) -> None:
    with pytest.raises(AllowListError, match=complaint):
        allowlist(**change)


def test_an_allowlist_entry_needs_every_field_and_is_listed_once() -> None:
    with pytest.raises(AllowListError, match="expires"):
        load_allowlist('[[advisory]]\nid = "CVE-1"\npackage = "x"\nreason = "a reason long enough to count"\n')
    entry = 'id = "CVE-2024-1"\npackage = "x"\nreason = "a reason long enough to count"\nexpires = 2027-01-01\n'
    with pytest.raises(AllowListError, match="listed twice"):
        load_allowlist(f"[[advisory]]\n{entry}[[advisory]]\n{entry}")


# ---------------------------------------------------------------------------------------------- decision


def found(*dependencies: dict[str, Any]) -> list[SourceReport]:
    return [parse_pip_audit("python environment", pip_output(*dependencies), "")]


def test_a_vulnerability_not_on_the_allowlist_fails_the_audit() -> None:
    decision = decide(found(JINJA, BOTO), AllowList(), TODAY)

    assert decision.exit_code == 1
    assert ["PYSEC-2024-1" in failure for failure in decision.failures] == [True]


def test_a_vulnerability_allowlisted_by_an_alias_and_a_spelling_of_its_package_is_addressed_until_it_expires() -> None:
    entries = allowlist(id="CVE-2024-22195", package="Jinja2", expires="2027-01-31")

    before = decide(found(JINJA), entries, TODAY)
    after = decide(found(JINJA), entries, date(2027, 2, 1))

    assert (before.exit_code, before.failures, len(before.addressed)) == (0, [], 1)
    assert "xmlattr is never given" in before.addressed[0]
    assert after.exit_code == 1
    assert "expired" in after.failures[0]


def test_an_entry_for_another_package_with_the_same_id_does_not_address_it() -> None:
    decision = decide(found(JINJA), allowlist(package="markupsafe"), TODAY)

    assert decision.exit_code == 1


def test_an_allowlist_entry_that_matches_nothing_is_reported_only_when_every_audit_ran() -> None:
    clean = decide(found(BOTO), allowlist(), TODAY)
    blind = decide([*found(BOTO), SourceReport("npm", "npm", not_run="HTTP 405")], allowlist(), TODAY)

    assert clean.exit_code == 0
    assert any("matched nothing" in warning for warning in clean.warnings)
    assert not any("matched nothing" in warning for warning in blind.warnings)


def test_a_service_that_could_not_be_asked_passes_with_a_loud_warning_and_never_as_clean() -> None:
    reports = [parse_pip_audit("python environment", pip_output(not_on_pypi("boto3")), "")]

    decision = decide(reports, AllowList(), TODAY)
    shown = render(decision, reports)

    assert decision.exit_code == 0
    assert "DID NOT RUN" in shown
    assert "NOT a clean result" in shown
    assert "pypi.org/pypi/<name>/<version>/json" in shown
    assert "audit clean" not in shown


def test_a_tool_failing_for_another_reason_fails_the_audit() -> None:
    reports = [parse_pip_audit("shared/requirements.txt", "", "ERROR: Invalid requirement: 'numpy=2.5'")]

    decision = decide(reports, AllowList(), TODAY)

    assert decision.exit_code == 1
    assert "Invalid requirement" in decision.failures[0]


def test_every_audit_that_ran_and_found_nothing_is_clean() -> None:
    shown = render(decide(found(BOTO), AllowList(), TODAY), found(BOTO))

    assert "audit clean" in shown
    assert "1 packages checked, 0 known vulnerabilities" in shown


def test_the_layers_and_each_functions_requirements_are_audited() -> None:
    names = [str(path.relative_to(REPOSITORY)) for path in requirement_files(REPOSITORY)]

    assert names[0] == "shared/requirements.txt"
    assert {"functions/assistant/requirements.txt", "functions/capability/requirements.txt"} <= set(names)
