"""Problem-solving logic: create, list, read and change problems, their actions, and evaluate them.
Handlers call exactly one function of this module per route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from statistics import fmean
from typing import Any

from koban.auth import CHANGE_REPORTS, READ_REPORTS, Principal, require_staff
from koban.dashboard.service import Period, cell_counts
from koban.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from koban.geo import COARSE_RESOLUTION, RESOLUTIONS, is_cell, parent_cell
from koban.i18n import pick
from koban.ids import new_id
from koban.observability import logger, metrics
from koban.problems.models import (
    REOPEN_ROLES,
    Action,
    ActionStatus,
    Feedback,
    Note,
    OwnerKind,
    Partner,
    Problem,
    Stage,
    StageChange,
    allowed_stages,
    is_reopening,
    needs_note,
)
from koban.problems.schemas import (
    ActionChangeIn,
    ActionIn,
    ActionOut,
    ChangeOut,
    EvaluationOut,
    FeedbackOut,
    NoteOut,
    PartnerIn,
    PartnerOut,
    ProblemChangeIn,
    ProblemIn,
    ProblemListOut,
    ProblemOut,
    ProblemSummaryOut,
    StageChangeOut,
    WindowOut,
)
from koban.problems.storage import ProblemRepository
from koban.reports.service import reports_repository
from koban.settings import get_settings
from koban.tenants.models import Tenant
from koban.tenants.service import get_category, get_tenant

# The seasonal baseline lies 52 weeks back: the same season and the same weekdays (weekend nights differ).
BASELINE_SHIFT = timedelta(weeks=52)
# Two racing additions of actions are both kept: the later one is retried on the fresh problem this often.
APPEND_ATTEMPTS = 3
# Below this many reports in the two windows a change is mostly chance; the summary says so.
FEW_REPORTS = 10


@cache
def problem_repository() -> ProblemRepository:
    return ProblemRepository(get_settings().problems_table)


def _now() -> datetime:
    return datetime.now(UTC)


def _today(tenant: Tenant) -> date:
    return _now().astimezone(tenant.zone).date()


def _load(tenant: Tenant, problem_id: str) -> Problem:
    problem = problem_repository().get(tenant.id, problem_id)
    if problem is None:
        raise NotFound(f"There is no problem '{problem_id}' in {tenant.id}.", code="problem_not_found")
    return problem


def _duplicates(field: str, values: Sequence[str]) -> list[FieldError]:
    seen: dict[str, int] = {}
    errors = []
    for position, value in enumerate(values):
        key = value.casefold()
        if key in seen:
            errors.append(FieldError(f"{field}.{position}", f"repeats {field}.{seen[key]}", "duplicate"))
        else:
            seen[key] = position
    return errors


def _overlapping_cells(cells: Sequence[str]) -> list[FieldError]:
    """A block listed beside the neighbourhood it lies in would count its reports twice."""
    coarse = {cell: position for position, cell in enumerate(cells) if is_cell(cell, COARSE_RESOLUTION)}
    errors = []
    for position, cell in enumerate(cells):
        if cell in coarse:
            continue
        parent = parent_cell(cell, COARSE_RESOLUTION)
        if parent in coarse:
            errors.append(
                FieldError(f"cells.{position}", f"lies inside cells.{coarse[parent]}; list one or the other", "overlap")
            )
    return errors


def _unknown_reports(tenant: Tenant, report_ids: Sequence[str]) -> list[FieldError]:
    found = {report.id for report in reports_repository().get_many(tenant.id, list(report_ids))}
    return [
        FieldError(f"report_ids.{position}", f"no such report in {tenant.id}", "unknown")
        for position, report_id in enumerate(report_ids)
        if report_id not in found
    ]


def _partner_errors(field: str, existing: Sequence[Partner], new: Sequence[PartnerIn]) -> list[FieldError]:
    names = {partner.name.casefold() for partner in existing}
    errors = []
    for position, partner in enumerate(new):
        name = partner.name.casefold()
        if name in names:
            errors.append(FieldError(f"{field}.{position}.name", "names a partner already listed", "duplicate"))
        names.add(name)
    return errors


def _partners(new: Sequence[PartnerIn]) -> tuple[Partner, ...]:
    return tuple(Partner(**partner.model_dump()) for partner in new)


def create_problem(tenant_id: str, principal: Principal | None, request: ProblemIn) -> ProblemOut:
    """Open a problem (in diagnosis) on the cells, category and reports of a hotspot or emerging alert."""
    principal = require_staff(principal, tenant_id, CHANGE_REPORTS)
    tenant = get_tenant(tenant_id)
    errors: list[FieldError] = []
    if get_category(tenant, request.category) is None:
        errors.append(FieldError("category", f"'{request.category}' is not a category of {tenant.id}", "unknown"))
    errors.extend(_duplicates("cells", request.cells) or _overlapping_cells(request.cells))
    errors.extend(_duplicates("report_ids", request.report_ids))
    errors.extend(_partner_errors("partners", (), request.partners))
    if not errors and request.report_ids:
        errors = _unknown_reports(tenant, request.report_ids)
    if errors:
        raise ValidationFailed(errors)
    now = _now()
    problem = Problem(
        tenant=tenant.id,
        id=new_id(),
        title=request.title,
        description=request.description,
        category=request.category,
        cells=tuple(request.cells),
        report_ids=tuple(request.report_ids),
        history=(StageChange(at=now, actor=principal.subject, to_stage=Stage.DIAGNOSIS),),
        partners=_partners(request.partners),
        created_by=principal.subject,
        created_at=now,
        updated_by=principal.subject,
        updated_at=now,
    )
    problem_repository().create(problem)
    metrics.add_metric(name="ProblemsCreated", unit="Count", value=1)
    logger.info("problem created", extra={"tenant": tenant.id, "problem_id": problem.id})
    return _out(tenant, problem)


def list_problems(
    tenant_id: str, principal: Principal | None, stage: Stage | None, limit: int, cursor: str | None
) -> ProblemListOut:
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    problems, next_cursor = problem_repository().page(tenant.id, stage, limit, cursor)
    today = _today(tenant)
    return ProblemListOut(
        items=[
            ProblemSummaryOut(
                **problem.model_dump(
                    include={"id", "title", "category", "stage", "created_at", "updated_at", "version"}
                ),
                cells=list(problem.cells),
                reports=len(problem.report_ids),
                open_actions=sum(action.status is ActionStatus.OPEN for action in problem.actions),
                overdue_actions=sum(_overdue(action, today) for action in problem.actions),
            )
            for problem in problems
        ],
        next_cursor=next_cursor,
    )


def get_problem(tenant_id: str, problem_id: str, principal: Principal | None) -> ProblemOut:
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    return _out(tenant, _load(tenant, problem_id))


def _overdue(action: Action, today: date) -> bool:
    return action.status is ActionStatus.OPEN and action.due_on < today


def _out(tenant: Tenant, problem: Problem) -> ProblemOut:
    today = _today(tenant)
    return ProblemOut(
        **problem.model_dump(
            include={
                "id",
                "tenant",
                "title",
                "description",
                "category",
                "stage",
                "created_by",
                "created_at",
                "updated_by",
                "updated_at",
                "version",
            }
        ),
        cells=list(problem.cells),
        report_ids=list(problem.report_ids),
        allowed_stages=sorted(allowed_stages(problem.stage)),
        history=[StageChangeOut(**change.model_dump()) for change in problem.history],
        notes=[NoteOut(**note.model_dump()) for note in problem.notes],
        partners=[PartnerOut(**partner.model_dump()) for partner in problem.partners],
        actions=[ActionOut(**action.model_dump(), overdue=_overdue(action, today)) for action in problem.actions],
        feedback=[FeedbackOut(**entry.model_dump()) for entry in problem.feedback],
    )


def _check_open(problem: Problem) -> None:
    if problem.stage is Stage.CLOSED:
        raise Conflict("This problem is closed; it can no longer be changed.", code="problem_closed")


def _check_version(problem: Problem, version: int) -> None:
    if version != problem.version:
        raise Conflict(
            f"The problem is at version {problem.version}, not {version}: someone changed it meanwhile; reload it.",
            code="version_conflict",
        )


def _stage_errors(problem: Problem, change: ProblemChangeIn, principal: Principal) -> list[FieldError]:
    if change.stage is None:
        return []
    if change.stage not in allowed_stages(problem.stage):
        allowed = ", ".join(sorted(allowed_stages(problem.stage))) or "none"
        return [FieldError("stage", f"cannot go from '{problem.stage}' to '{change.stage}'; allowed: {allowed}")]
    if is_reopening(problem.stage, change.stage) and not principal.roles & REOPEN_ROLES:
        raise Forbidden("Sending a problem back from evaluation to action needs a supervisor.")
    if needs_note(problem.stage, change.stage) and change.note is None:
        return [FieldError("note", f"say why the problem goes to '{change.stage}'", "missing")]
    return []


def _owner_kind(tenant: Tenant, partners: Sequence[Partner], owner: str) -> OwnerKind | None:
    if tenant.unit(owner) is not None:
        return OwnerKind.UNIT
    wanted = owner.casefold()
    return OwnerKind.PARTNER if any(partner.name.casefold() == wanted for partner in partners) else None


def _removed_partners(problem: Problem, names: Sequence[str]) -> list[FieldError]:
    errors = _duplicates("remove_partners", names)
    for position, name in enumerate(names):
        field = f"remove_partners.{position}"
        if problem.partner(name) is None:
            errors.append(FieldError(field, "is not a partner of this problem", "unknown"))
        elif any(
            action.owner_kind is OwnerKind.PARTNER
            and action.owner.casefold() == name.casefold()
            and action.status is ActionStatus.OPEN
            for action in problem.actions
        ):
            errors.append(FieldError(field, "owns open actions; give them another owner first", "in_use"))
    return errors


def _check_feedback(tenant: Tenant, problem: Problem, met_on: date) -> list[FieldError]:
    if met_on > _today(tenant):
        return [FieldError("feedback.met_on", "lies in the future", "future")]
    if met_on < problem.created_at.astimezone(tenant.zone).date():
        return [FieldError("feedback.met_on", "is before the problem was opened", "too_early")]
    return []


def change_problem(tenant_id: str, problem_id: str, principal: Principal | None, change: ProblemChangeIn) -> ProblemOut:
    """Apply one change (stage, note, title, description, partners, feedback) made on `change.version`."""
    principal = require_staff(principal, tenant_id, CHANGE_REPORTS)
    tenant = get_tenant(tenant_id)
    before = _load(tenant, problem_id)
    _check_version(before, change.version)
    if change.stage is None:
        _check_open(before)
    errors = _stage_errors(before, change, principal)
    errors.extend(_partner_errors("add_partners", before.partners, change.add_partners))
    errors.extend(_removed_partners(before, change.remove_partners))
    if change.feedback is not None:
        errors.extend(_check_feedback(tenant, before, change.feedback.met_on))
    if errors:
        raise ValidationFailed(errors)
    now = _now()
    updates: dict[str, Any] = {"updated_by": principal.subject, "updated_at": now, "version": before.version + 1}
    if change.stage is not None:
        entry = StageChange(
            at=now, actor=principal.subject, from_stage=before.stage, to_stage=change.stage, note=change.note
        )
        updates.update(stage=change.stage, history=(*before.history, entry))
    elif change.note is not None:
        updates["notes"] = (*before.notes, Note(at=now, author=principal.subject, text=change.note))
    if change.title is not None:
        updates["title"] = change.title
    if change.description is not None:
        updates["description"] = change.description
    if change.add_partners or change.remove_partners:
        removed = {name.casefold() for name in change.remove_partners}
        kept = tuple(partner for partner in before.partners if partner.name.casefold() not in removed)
        updates["partners"] = (*kept, *_partners(change.add_partners))
    if change.feedback is not None:
        feedback = Feedback(**change.feedback.model_dump(), recorded_by=principal.subject, recorded_at=now)
        updates["feedback"] = (*before.feedback, feedback)
    after = before.model_copy(update=updates)
    problem_repository().save(before, after)
    if change.stage is not None:
        metrics.add_metric(name="ProblemStageChanges", unit="Count", value=1)
        logger.info(
            "problem stage changed",
            extra={"tenant": tenant.id, "problem_id": problem_id, "from": before.stage, "to": change.stage},
        )
    return _out(tenant, after)


def _check_due(tenant: Tenant, due_on: date) -> list[FieldError]:
    return [FieldError("due_on", "lies in the past", "past")] if due_on < _today(tenant) else []


def _check_owner(tenant: Tenant, problem: Problem, owner: str) -> tuple[OwnerKind | None, list[FieldError]]:
    kind = _owner_kind(tenant, problem.partners, owner)
    if kind is None:
        message = f"is neither a unit of {tenant.id} nor a partner of this problem"
        return None, [FieldError("owner", message, "unknown")]
    return kind, []


def add_action(tenant_id: str, problem_id: str, principal: Principal | None, request: ActionIn) -> ProblemOut:
    """Add an action with an owner and a due date; the problem with the new action last is returned."""
    principal = require_staff(principal, tenant_id, CHANGE_REPORTS)
    tenant = get_tenant(tenant_id)
    subject = principal.subject

    def with_action(problem: Problem, now: datetime) -> Problem:
        kind, errors = _check_owner(tenant, problem, request.owner)
        errors.extend(_check_due(tenant, request.due_on))
        if errors:
            raise ValidationFailed(errors)
        assert kind is not None  # no errors
        partner = problem.partner(request.owner)
        action = Action(
            id=new_id(),
            title=request.title,
            # A partner is named as the problem spells it, so later lookups by name find it.
            owner=partner.name if partner else request.owner,
            owner_kind=kind,
            due_on=request.due_on,
            created_by=subject,
            created_at=now,
        )
        return problem.model_copy(
            update={
                "actions": (*problem.actions, action),
                "updated_by": subject,
                "updated_at": now,
                "version": problem.version + 1,
            }
        )

    return _out(tenant, _append(tenant, problem_id, with_action))


def _append(tenant: Tenant, problem_id: str, change: Callable[[Problem, datetime], Problem]) -> Problem:
    """Apply an addition to the latest problem. A race with another change is retried on the fresh problem, as
    additions commute (each try validates against the problem it changes)."""
    attempts_left = APPEND_ATTEMPTS
    while True:
        before = _load(tenant, problem_id)
        _check_open(before)
        after = change(before, _now())
        try:
            problem_repository().save(before, after)
        except Conflict:
            attempts_left -= 1
            if not attempts_left:
                raise
            continue
        return after


def change_action(
    tenant_id: str, problem_id: str, action_id: str, principal: Principal | None, change: ActionChangeIn
) -> ProblemOut:
    """Change an action's status, title, owner or due date, made on the problem's `change.version`."""
    principal = require_staff(principal, tenant_id, CHANGE_REPORTS)
    tenant = get_tenant(tenant_id)
    before = _load(tenant, problem_id)
    _check_version(before, change.version)
    _check_open(before)
    action = before.action(action_id)
    if action is None:
        raise NotFound(f"There is no action '{action_id}' in this problem.", code="action_not_found")
    now = _now()
    updates: dict[str, Any] = {}
    errors: list[FieldError] = []
    if change.owner is not None:
        kind, errors = _check_owner(tenant, before, change.owner)
        partner = before.partner(change.owner)
        updates.update(owner=partner.name if partner else change.owner, owner_kind=kind)
    if change.due_on is not None:
        errors.extend(_check_due(tenant, change.due_on))
        updates["due_on"] = change.due_on
    if errors:
        raise ValidationFailed(errors)
    if change.title is not None:
        updates["title"] = change.title
    if change.status is not None and change.status is not action.status:
        updates["status"] = change.status
        updates["done_at"] = now if change.status is ActionStatus.DONE else None
    changed = action.model_copy(update=updates)
    after = before.model_copy(
        update={
            "actions": tuple(changed if other.id == action_id else other for other in before.actions),
            "updated_by": principal.subject,
            "updated_at": now,
            "version": before.version + 1,
        }
    )
    problem_repository().save(before, after)
    return _out(tenant, after)


def _resolution(cell: str) -> int:
    return next(resolution for resolution in RESOLUTIONS if is_cell(cell, resolution))


def _counts(tenant: Tenant, problem: Problem, first: date, last: date) -> dict[date, int]:
    """Reports of the problem's category in its cells per day: one counter read per resolution its cells use."""
    by_resolution: dict[int, set[str]] = {}
    for cell in problem.cells:
        by_resolution.setdefault(_resolution(cell), set()).add(cell)
    per_day: dict[date, int] = {}
    for resolution, cells in by_resolution.items():
        counts = cell_counts(tenant, Period(first=first, last=last), resolution, {problem.category})
        for (cell, _), days in counts.items():
            if cell in cells:
                for day, count in days.items():
                    per_day[day] = per_day.get(day, 0) + count
    return per_day


def _window(per_day: dict[date, int], first: date, days: int) -> WindowOut:
    last = first + timedelta(days=days - 1)
    count = sum(count for day, count in per_day.items() if first <= day <= last)
    return WindowOut(first=first, last=last, days=days, count=count)


def _windows(tenant: Tenant, problem: Problem, anchor: date, days: int, elapsed: int) -> tuple[WindowOut, WindowOut]:
    """The `days` before `anchor` and the `elapsed` days from it, read as one span of counters."""
    per_day = _counts(tenant, problem, anchor - timedelta(days=days), anchor + timedelta(days=elapsed - 1))
    return _window(per_day, anchor - timedelta(days=days), days), _window(per_day, anchor, elapsed)


def _per(window: WindowOut, days: int) -> float:
    """The window's count as a rate per `days` days, so that an after window still under way compares fairly."""
    return window.count * days / window.days


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _summary(
    windows: tuple[WindowOut, WindowOut, WindowOut, WindowOut], change: ChangeOut, since: str, category: str
) -> str:
    before, after, baseline_before, baseline_after = windows
    days = change.per_days
    sentences = [
        f"Since {since} there were {after.count} '{category}' reports in the problem's cells in {after.days} days, "
        f"against {before.count} in the {days} days before: {_signed(change.after_minus_before)} per {days} days."
    ]
    if after.days < days:
        sentences.append(
            f"The after window has run {after.days} of its {days} days: its rate is scaled up and settles as days pass."
        )
    if baseline_before.count + baseline_after.count == 0:
        sentences.append(
            "There were no such reports in the same weeks a year earlier, so the change is not adjusted for the season."
        )
    else:
        relative = f" ({change.relative:+.0%} of the before level)" if change.relative is not None else ""
        sentences.append(
            f"A year earlier the same weeks went from {baseline_before.count} to {baseline_after.count} "
            f"({_signed(change.a_year_earlier)} per {days} days); net of that seasonal change: "
            f"{_signed(change.difference_in_differences)} per {days} days{relative}."
        )
    if before.count + after.count < FEW_REPORTS:
        sentences.append("With so few reports, read this as an indication, not as proof.")
    return " ".join(sentences)


def evaluate_problem(tenant_id: str, problem_id: str, principal: Principal | None, days: int) -> EvaluationOut:
    """Reports before and after action began, beside the same weeks a year earlier (difference in differences),
    from the aggregate counters only, with residents' feedback beside them."""
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    problem = _load(tenant, problem_id)
    anchor, action_began = problem.action_began_on(tenant.zone)
    elapsed = min(days, (_today(tenant) - anchor).days + 1)
    before, after = _windows(tenant, problem, anchor, days, elapsed)
    baseline_before, baseline_after = _windows(tenant, problem, anchor - BASELINE_SHIFT, days, elapsed)
    difference = _per(after, days) - _per(before, days)
    a_year_earlier = _per(baseline_after, days) - _per(baseline_before, days)
    change = ChangeOut(
        per_days=days,
        after_minus_before=round(difference, 1),
        a_year_earlier=round(a_year_earlier, 1),
        difference_in_differences=round(difference - a_year_earlier, 1),
        relative=round((difference - a_year_earlier) / before.count, 3) if before.count else None,
    )
    category = get_category(tenant, problem.category)
    category_name = pick(category.name, ["en"]) if category else problem.category
    since = f"action began on {anchor}" if action_began else f"the problem was opened on {anchor}"
    satisfaction = [entry.satisfaction for entry in problem.feedback]
    return EvaluationOut(
        problem_id=problem.id,
        category=problem.category,
        cells=list(problem.cells),
        stage=problem.stage,
        window_days=days,
        anchor=anchor,
        anchor_kind="action_began" if action_began else "created",
        after_days_elapsed=elapsed,
        before=before,
        after=after,
        baseline_before=baseline_before,
        baseline_after=baseline_after,
        change=change,
        summary=_summary((before, after, baseline_before, baseline_after), change, since, category_name),
        method=(
            f"Reports of the category in the problem's cells (each cell at its own H3 resolution), counted by day of "
            f"incident: the {days} days before the anchor day against the days from it on (as far as elapsed, rates "
            f"scaled to {days} days); the same windows 52 weeks earlier (same season, same weekdays) give the "
            "seasonal change, which is subtracted (difference in differences)."
        ),
        feedback=[FeedbackOut(**entry.model_dump()) for entry in problem.feedback],
        mean_satisfaction=round(fmean(satisfaction), 2) if satisfaction else None,
    )
