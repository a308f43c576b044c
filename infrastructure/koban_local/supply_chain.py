"""`make audit`: known vulnerabilities in the dependencies, weighed against an allow-list with reasons and expiry dates.

Two audits run, each through its ecosystem's ordinary tool:

- **Python**: `pip-audit` (PyPI's advisory data) over the installed environment (the project, every extra, its
  plugins' dependencies, transitively; the project's own editable packages are skipped) and over each Lambda
  requirements file (the layer's `shared/requirements.txt`, `functions/*/requirements.txt`) as pinned.
- **npm**: `npm audit --omit=dev` over `infrastructure/web/package-lock.json` (what the pages ship).

A vulnerability is *addressed* when `infrastructure/audit-allowlist.toml` names it (its id or an alias, and the
package) with a reason and an expiry date that has not passed. The outcome is one of three, and they are kept apart:

- **fail** (exit 1): a vulnerability that is not addressed, an allow-list entry that expired, an invalid allow-list,
  or an audit tool that failed for another reason than its service (a bad requirements file must not pass quietly);
- **did not run** (exit 0, with a loud warning naming the service): the advisory service could not be asked. pip-audit
  itself reports a dependency whose per-release PyPI record answers 404 as "skipped" and then prints "No known
  vulnerabilities found": here, where every per-release query answers 404, that would be a false all-clear, so a
  source that audited no dependency at all is reported as not run, and partly skipped dependencies are named;
- **clean** (exit 0): every dependency was asked about and nothing unaddressed was found.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REPOSITORY = Path(__file__).resolve().parents[2]
ALLOWLIST = REPOSITORY / "infrastructure" / "audit-allowlist.toml"
WEB = REPOSITORY / "infrastructure" / "web"
PYPI_SERVICE = "PyPI's per-release JSON API (pypi.org/pypi/<name>/<version>/json), through pip-audit"
NPM_SERVICE = "the npm registry's bulk advisory endpoint (registry.npmjs.org/-/npm/v1/security/advisories/bulk)"
# What a network failure looks like in the tools' error output (requests/urllib3 for pip-audit, npm's error codes).
_NETWORK_FAILURE = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|Max retries exceeded|Name or service not known|"
    r"Temporary failure in name resolution|timed out|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN",
)
_NOT_ON_PYPI = "Dependency not found on PyPI"
_EDITABLE = "distribution marked as editable"


def _normalised(package: str) -> str:
    """A package name as both ecosystems compare it (PEP 503 for Python; npm names are lower case already)."""
    return re.sub(r"[-_.]+", "-", package).lower()


class AllowedAdvisory(BaseModel):
    """One vulnerability the project lives with for now, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=3, description="The advisory's id or one of its aliases (PYSEC, GHSA, CVE)")]
    package: Annotated[str, Field(min_length=1, description="The affected package, as its ecosystem names it")]
    reason: Annotated[str, Field(min_length=20, description="Why it does not affect KOBAN, or what mitigates it")]
    expires: Annotated[date, Field(description="When it must be looked at again (a TOML date)")]


class AllowList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    advisory: list[AllowedAdvisory] = Field(default_factory=list)


class AllowListError(Exception):
    """The allow-list cannot be read or breaks its rules."""


def load_allowlist(text: str) -> AllowList:
    """The allow-list in `text` (TOML: `[[advisory]]` tables with `id`, `package`, `reason`, `expires`)."""
    try:
        allowlist = AllowList.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise AllowListError(f"not TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)
        )
        raise AllowListError(problems) from exc
    seen: set[tuple[str, str]] = set()
    for entry in allowlist.advisory:
        key = (entry.id, _normalised(entry.package))
        if key in seen:
            raise AllowListError(f"{entry.id} for {entry.package} is listed twice")
        seen.add(key)
    return allowlist


@dataclass(frozen=True)
class Advisory:
    """A known vulnerability of one installed or locked package version."""

    ecosystem: str
    package: str
    version: str
    id: str
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()
    summary: str = ""

    @property
    def names(self) -> frozenset[str]:
        return frozenset({self.id, *self.aliases})

    def describe(self) -> str:
        fix = f", fixed in {', '.join(self.fixed_in)}" if self.fixed_in else ", no fixed release yet"
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        summary = f": {self.summary[:160]}" if self.summary else ""
        return f"{self.ecosystem} {self.package} {self.version}: {self.id}{aliases}{fix}{summary}"


@dataclass
class SourceReport:
    """What one audit found: advisories, the dependencies it could not ask about, or why it did not run at all."""

    source: str
    service: str
    advisories: list[Advisory] = field(default_factory=list)
    audited: int = 0
    unaudited: list[str] = field(default_factory=list)
    not_run: str | None = None  # the service could not be asked: why
    failed: str | None = None  # the tool failed for another reason: what it said


def _tool_failure(report: SourceReport, output: str) -> SourceReport:
    text = output.strip()[-600:] or "no output"
    if _NETWORK_FAILURE.search(text):
        report.not_run = f"the service could not be reached: {text.splitlines()[-1]}"
    else:
        report.failed = text
    return report


def parse_pip_audit(source: str, stdout: str, stderr: str) -> SourceReport:
    """A report from `pip-audit -f json`'s output (it exits 1 when it finds something, with the JSON all the same)."""
    report = SourceReport(source, PYPI_SERVICE)
    try:
        dependencies = json.loads(stdout)["dependencies"]
    except (ValueError, KeyError, TypeError):
        return _tool_failure(report, f"{stdout}\n{stderr}")
    skipped: list[str] = []
    for dependency in dependencies:
        if _EDITABLE in str(dependency.get("skip_reason", "")):
            continue  # the project's own packages: not on PyPI, and not a dependency
        if "skip_reason" in dependency:
            skipped.append(f"{dependency['name']} ({dependency['skip_reason']})")
            continue
        report.audited += 1
        for vulnerability in dependency.get("vulns") or []:
            report.advisories.append(
                Advisory(
                    ecosystem="python",
                    package=str(dependency["name"]),
                    version=str(dependency["version"]),
                    id=str(vulnerability["id"]),
                    aliases=tuple(str(alias) for alias in vulnerability.get("aliases") or ()),
                    fixed_in=tuple(str(version) for version in vulnerability.get("fix_versions") or ()),
                    summary=" ".join(str(vulnerability.get("description") or "").split()),
                )
            )
    if skipped and report.audited == 0 and all(_NOT_ON_PYPI in entry for entry in skipped):
        report.not_run = f"it answered 404 for all {len(skipped)} dependencies, so none was audited"
    else:
        report.unaudited = skipped
    return report


def _advisory_id(via: dict[str, Any]) -> str:
    """The GitHub advisory id at the end of npm's advisory URL, else npm's own number."""
    url = str(via.get("url") or "")
    found = re.search(r"(GHSA(?:-[0-9a-z]{4}){3})", url)
    return found.group(1) if found else f"npm-{via.get('source')}"


def parse_npm_audit(source: str, stdout: str, stderr: str) -> SourceReport:
    """A report from `npm audit --json`'s output (exit 1 for findings and for errors alike: the JSON tells)."""
    report = SourceReport(source, NPM_SERVICE)
    try:
        answer = json.loads(stdout)
    except ValueError:
        return _tool_failure(report, f"{stdout}\n{stderr}")
    if not isinstance(answer, dict) or "vulnerabilities" not in answer:
        answer = answer if isinstance(answer, dict) else {}
        status = answer.get("statusCode")
        message = str(answer.get("message") or (answer.get("error") or {}).get("summary") or stderr).strip()
        if isinstance(status, int):
            report.not_run = f"the advisory endpoint answered HTTP {status}: {message[:200]}"
            return report
        return _tool_failure(report, f"{message}\n{stderr}")
    seen: set[tuple[str, str]] = set()
    for entry in answer["vulnerabilities"].values():
        for via in entry.get("via") or []:
            if not isinstance(via, dict):  # a package name: the advisory is listed under that package
                continue
            advisory_id = _advisory_id(via)
            key = (str(via.get("name")), advisory_id)
            if key in seen:
                continue
            seen.add(key)
            report.advisories.append(
                Advisory(
                    ecosystem="npm",
                    package=str(via.get("name")),
                    version=str(via.get("range") or entry.get("range") or "?"),
                    id=advisory_id,
                    summary=str(via.get("title") or ""),
                )
            )
    dependencies = (answer.get("metadata") or {}).get("dependencies") or {}
    report.audited = int(dependencies.get("prod", dependencies.get("total", 0)) or 0)
    return report


@dataclass
class Decision:
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    addressed: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


def _matching(advisory: Advisory, allowlist: AllowList) -> AllowedAdvisory | None:
    return next(
        (
            entry
            for entry in allowlist.advisory
            if entry.id in advisory.names and _normalised(entry.package) == _normalised(advisory.package)
        ),
        None,
    )


def decide(reports: Iterable[SourceReport], allowlist: AllowList, today: date) -> Decision:
    """Weigh what the audits found against the allow-list on `today`."""
    decision = Decision()
    reports = list(reports)
    used: set[AllowedAdvisory] = set()
    for report in reports:
        if report.failed is not None:
            decision.failures.append(f"{report.source}: the audit tool failed: {report.failed}")
        if report.not_run is not None:
            decision.not_run.append(f"{report.source}: {report.service}: {report.not_run}")
        for skipped in report.unaudited:
            decision.warnings.append(f"{report.source}: not audited: {skipped}")
        for advisory in report.advisories:
            entry = _matching(advisory, allowlist)
            if entry is None:
                decision.failures.append(f"{report.source}: {advisory.describe()}")
            elif entry.expires < today:
                used.add(entry)
                decision.failures.append(
                    f"{report.source}: {advisory.describe()} (allow-listed until {entry.expires}: expired, look again)"
                )
            else:
                used.add(entry)
                decision.addressed.append(
                    f"{report.source}: {advisory.describe()} (allow-listed until {entry.expires}: {entry.reason})"
                )
    if all(report.not_run is None and report.failed is None for report in reports):
        decision.warnings.extend(
            f"allow-list: {entry.id} for {entry.package} matched nothing: remove it"
            for entry in allowlist.advisory
            if entry not in used
        )
    return decision


def _banner(lines: Sequence[str]) -> str:
    rule = "!" * 100
    return "\n".join([rule, *(f"!! {line}" for line in lines), rule])


def render(decision: Decision, reports: Sequence[SourceReport]) -> str:
    """What `make audit` prints: per source what was audited, then what is wrong, addressed and not run."""
    lines = ["supply-chain audit"]
    for report in reports:
        if report.not_run or report.failed:
            lines.append(f"  {report.source}: {'DID NOT RUN' if report.not_run else 'FAILED'}, nothing checked")
        else:
            found = len(report.advisories)
            lines.append(f"  {report.source}: {report.audited} packages checked, {found} known vulnerabilities")
    lines.extend(f"  addressed: {item}" for item in decision.addressed)
    lines.extend(f"  warning: {item}" for item in decision.warnings)
    lines.extend(f"  UNADDRESSED: {item}" for item in decision.failures)
    if decision.not_run:
        lines.append(
            _banner(
                [
                    "WARNING: THE VULNERABILITY CHECK DID NOT RUN for these sources (the advisory service could",
                    "not be asked). Nothing is known about their vulnerabilities: this is NOT a clean result.",
                    *decision.not_run,
                    "Exit status 0 only so that CI on a network without this service stays usable; run",
                    "`make audit` where the service answers before a release.",
                ]
            )
        )
    if decision.failures:
        lines.append(f"audit failed: {len(decision.failures)} problem(s) above (add a fix, or an allow-list entry)")
    elif not decision.not_run:
        lines.append("audit clean: every dependency was checked, nothing unaddressed")
    return "\n".join(lines)


def _run(command: Sequence[str], cwd: Path) -> tuple[str, str]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    return done.stdout, done.stderr


def _pip_audit(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pip_audit", "-f", "json", "--progress-spinner", "off", *arguments]


def requirement_files(repository: Path) -> list[Path]:
    """The Lambda layer's and each function's own requirements file."""
    return [repository / "shared" / "requirements.txt", *sorted(repository.glob("functions/*/requirements.txt"))]


def audit(repository: Path, web: Path) -> list[SourceReport]:
    reports = [parse_pip_audit("python environment", *_run(_pip_audit("--skip-editable"), repository))]
    for requirements in requirement_files(repository):
        name = str(requirements.relative_to(repository))
        reports.append(parse_pip_audit(name, *_run(_pip_audit("--no-deps", "-r", str(requirements)), repository)))
    npm = ["npm", "audit", "--omit=dev", "--json", "--package-lock-only"]
    reports.append(parse_npm_audit(str((web / "package-lock.json").relative_to(repository)), *_run(npm, web)))
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--allowlist", type=Path, default=ALLOWLIST)
    arguments = parser.parse_args(argv)
    try:
        allowlist = load_allowlist(arguments.allowlist.read_text(encoding="utf-8"))
    except (OSError, AllowListError) as exc:
        print(f"audit failed: the allow-list {arguments.allowlist} is not usable: {exc}")
        return 1
    reports = audit(REPOSITORY, WEB)
    decision = decide(reports, allowlist, datetime.now(UTC).date())
    print(render(decision, reports))
    return decision.exit_code


if __name__ == "__main__":
    sys.exit(main())
