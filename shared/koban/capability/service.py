"""Capability model logic: the model, assessment rounds, each person's assessment, the scorecard and its export.

Who may do what: the tenant's police staff (officer, supervisor, admin) and community partners (role `partner`)
read the model and the scorecard and give their own assessment in an open round, the police's view and the
partners' view kept apart; supervisors and admins open and close rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Literal, NamedTuple

from koban.assistant.knowledge import knowledge_repository
from koban.assistant.models import KnowledgeItem
from koban.auth import Principal, Role, require_staff
from koban.capability.indicators import INDICATORS, Window
from koban.capability.models import (
    Assessment,
    AssessmentIn,
    AssessmentOut,
    CapabilityModelOut,
    CapabilityOut,
    DimensionOut,
    IndicatorDefinitionOut,
    LevelOut,
    PeriodOut,
    Rating,
    RatingOut,
    Round,
    RoundChangeIn,
    RoundIn,
    RoundListOut,
    RoundOut,
    RoundStatus,
    ScorecardOut,
    View,
)
from koban.capability.registry import tenant_model
from koban.capability.scorecard import Measured, RoundData, dimension_score, recommendations, weakest
from koban.capability.sources import gather_facts
from koban.capability.spec import LEVELS, CapabilityModel
from koban.capability.storage import CapabilityRepository
from koban.dashboard.service import period
from koban.errors import Conflict, FieldError, NotFound, ValidationFailed
from koban.i18n import pick
from koban.ids import new_id
from koban.settings import get_settings
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant

POLICE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
READ_CAPABILITY = POLICE_ROLES | {Role.PARTNER}
MANAGE_ROUNDS = frozenset({Role.SUPERVISOR, Role.ADMIN})
DEFAULT_PERIOD_DAYS = 90
# The rounds a scorecard's trend shows (each is one Query of its assessments).
TREND_ROUNDS = 8
MAX_ROUNDS_LISTED = 100


class Export(NamedTuple):
    body: bytes | str  # a PDF's bytes (sent base64-encoded; clients ask with Accept: application/pdf), CSV text
    content_type: str
    filename: str


@cache
def capability_repository() -> CapabilityRepository:
    return CapabilityRepository(get_settings().capability_table)


def view_of(principal: Principal) -> View:
    """Police staff give the police's view; a partner (without a police role) the community partners'."""
    return View.POLICE if principal.roles & POLICE_ROLES else View.PARTNERS


def reading_languages(tenant: Tenant, model: CapabilityModel, accepted: Sequence[str]) -> list[str]:
    """The reader's languages that the model has texts in, then the tenant's, then English."""
    known = set(model.dimensions[0].name) if model.dimensions else {"en"}
    return [language for language in dict.fromkeys([*accepted, *tenant.languages, "en"]) if language in known]


def _round_out(round_: Round) -> RoundOut:
    return RoundOut(**round_.model_dump(include=set(RoundOut.model_fields)))


def _load_round(tenant: Tenant, round_id: str) -> Round:
    found = capability_repository().get_round(tenant.id, round_id)
    if found is None:
        raise NotFound(f"There is no assessment round '{round_id}' in {tenant.id}.", code="round_not_found")
    return found


# ---------------------------------------------------------------------------------------------- the model


def capability_model(tenant_id: str, principal: Principal | None, accepted: Sequence[str]) -> CapabilityModelOut:
    require_staff(principal, tenant_id, READ_CAPABILITY)
    tenant = get_tenant(tenant_id)
    model = tenant_model(tenant.id)
    languages = reading_languages(tenant, model, accepted)
    return CapabilityModelOut(
        tenant=tenant.id,
        language=languages[0],
        levels=[LevelOut(level=level, name=model.level_name(level, languages)) for level in LEVELS],
        dimensions=[
            DimensionOut(
                id=dimension.id,
                name=pick(dimension.name, languages),
                description=pick(dimension.description, languages),
                capabilities=[
                    CapabilityOut(
                        id=capability.id,
                        name=pick(capability.name, languages),
                        description=pick(capability.description, languages),
                        levels=[
                            LevelOut(
                                level=level,
                                name=model.level_name(level, languages),
                                description=pick(capability.levels[level - 1], languages),
                            )
                            for level in LEVELS
                        ],
                    )
                    for capability in model.capabilities_of(dimension.id)
                ],
                indicators=[
                    IndicatorDefinitionOut(
                        id=indicator.id,
                        name=pick(indicator.name, languages),
                        definition=pick(indicator.definition, languages),
                        unit=INDICATORS[indicator.id].unit,
                        better=INDICATORS[indicator.id].better,
                        thresholds=list(indicator.thresholds),
                    )
                    for indicator in model.indicators_of(dimension.id)
                ],
            )
            for dimension in model.dimensions
        ],
    )


# ---------------------------------------------------------------------------------------------- rounds


def open_round(tenant_id: str, principal: Principal | None, request: RoundIn) -> RoundOut:
    principal = require_staff(principal, tenant_id, MANAGE_ROUNDS)
    tenant = get_tenant(tenant_id)
    round_ = Round(
        tenant=tenant.id, id=new_id(), title=request.title, created_by=principal.subject, created_at=datetime.now(UTC)
    )
    capability_repository().add_round(round_)
    return _round_out(round_)


def list_rounds(tenant_id: str, principal: Principal | None) -> RoundListOut:
    require_staff(principal, tenant_id, READ_CAPABILITY)
    tenant = get_tenant(tenant_id)
    rounds = capability_repository().rounds(tenant.id, MAX_ROUNDS_LISTED)
    return RoundListOut(tenant=tenant.id, items=[_round_out(round_) for round_ in rounds])


def close_round(tenant_id: str, round_id: str, principal: Principal | None, change: RoundChangeIn) -> RoundOut:
    require_staff(principal, tenant_id, MANAGE_ROUNDS)
    before = _load_round(get_tenant(tenant_id), round_id)
    if change.version != before.version:
        raise Conflict(f"The round is at version {before.version}, not {change.version}; reload it.")
    if before.status is RoundStatus.CLOSED:
        raise Conflict("The round is closed already.")
    after = before.model_copy(
        update={"status": RoundStatus.CLOSED, "closed_at": datetime.now(UTC), "version": before.version + 1}
    )
    capability_repository().close_round(before, after)
    return _round_out(after)


# ---------------------------------------------------------------------------------------------- assessments


def _assessment_out(assessment: Assessment) -> AssessmentOut:
    return AssessmentOut(
        round_id=assessment.round_id,
        view=assessment.view,
        ratings=[RatingOut(**rating.model_dump()) for rating in assessment.ratings],
        submitted_at=assessment.submitted_at,
        version=assessment.version,
    )


def _rating_errors(model: CapabilityModel, request: AssessmentIn) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, rating in enumerate(request.ratings):
        field = f"ratings.{position}.capability"
        if model.capability(rating.capability) is None:
            errors.append(FieldError(field, f"'{rating.capability}' is not a capability of this model", "unknown"))
        elif rating.capability in seen:
            errors.append(FieldError(field, f"'{rating.capability}' is rated twice", "duplicate"))
        seen.add(rating.capability)
    return errors


def submit_assessment(
    tenant_id: str, round_id: str, principal: Principal | None, request: AssessmentIn
) -> AssessmentOut:
    """The caller's ratings in an open round, replacing any they gave before in it."""
    principal = require_staff(principal, tenant_id, READ_CAPABILITY)
    tenant = get_tenant(tenant_id)
    errors = _rating_errors(tenant_model(tenant.id), request)
    if errors:
        raise ValidationFailed(errors)
    round_ = _load_round(tenant, round_id)
    if round_.status is not RoundStatus.OPEN:
        raise Conflict("The round is closed: open a new round to assess again.")
    view = view_of(principal)
    repository = capability_repository()
    before = repository.get_assessment(tenant.id, round_.id, view, principal.subject)
    assessment = Assessment(
        tenant=tenant.id,
        round_id=round_.id,
        view=view,
        author=principal.subject,
        ratings=tuple(Rating(**rating.model_dump()) for rating in request.ratings),
        submitted_at=datetime.now(UTC),
        version=before.version + 1 if before else 1,
    )
    repository.save_assessment(assessment, before.version if before else None)
    return _assessment_out(assessment)


def my_assessment(tenant_id: str, round_id: str, principal: Principal | None) -> AssessmentOut:
    principal = require_staff(principal, tenant_id, READ_CAPABILITY)
    round_ = _load_round(get_tenant(tenant_id), round_id)
    found = capability_repository().get_assessment(round_.tenant, round_.id, view_of(principal), principal.subject)
    if found is None:
        raise NotFound("You have not given an assessment in this round yet.", code="assessment_not_found")
    return _assessment_out(found)


# ---------------------------------------------------------------------------------------------- scorecard


def windows(first: date | None, last: date | None, today: date) -> tuple[Window, Window]:
    """The period asked for (default: the last 90 days; checked as the dashboard's periods are) and the previous
    period of the same length."""
    last = last or today
    span = period(first or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1), last, today)
    length = timedelta(days=span.days)
    return Window(span.first, span.last), Window(span.first - length, span.last - length)


def _knowledge_items(tenant: Tenant) -> list[KnowledgeItem]:
    """The tenant's knowledge items as the index lists them (the passages and vectors are not looked at)."""
    data, _ = knowledge_repository().read_index(tenant.id)
    return [KnowledgeItem.model_validate(item) for item in (data or {}).get("items", [])]


def _rounds(tenant: Tenant, round_id: str | None) -> tuple[RoundData | None, list[RoundData]]:
    """The chosen round (default: the newest) and the last `TREND_ROUNDS` rounds, oldest first."""
    repository = capability_repository()
    recent = repository.rounds(tenant.id, TREND_ROUNDS)
    trend = [RoundData(round_, repository.assessments(tenant.id, round_.id)) for round_ in reversed(recent)]
    if round_id is None:
        return (trend[-1] if trend else None), trend
    chosen = next((data for data in trend if data.round.id == round_id), None)
    if chosen is None:
        round_ = _load_round(tenant, round_id)
        chosen = RoundData(round_, repository.assessments(tenant.id, round_.id))
    return chosen, trend


def scorecard(
    tenant_id: str,
    principal: Principal | None,
    round_id: str | None,
    first: date | None,
    last: date | None,
    accepted: Sequence[str],
    now: datetime,
) -> ScorecardOut:
    require_staff(principal, tenant_id, READ_CAPABILITY)
    tenant = get_tenant(tenant_id)
    model = tenant_model(tenant.id)
    languages = reading_languages(tenant, model, accepted)
    today = now.astimezone(tenant.zone).date()
    current, previous = windows(first, last, today)
    chosen, trend = _rounds(tenant, round_id)
    facts = gather_facts(tenant, current, previous, today)
    measured = [
        Measured(
            spec=spec,
            current=INDICATORS[spec.id].compute(facts, current),
            previous=INDICATORS[spec.id].compute(facts, previous) if INDICATORS[spec.id].windowed else None,
        )
        for spec in model.indicators
    ]
    assessments = chosen.assessments if chosen else []
    dimensions = [dimension_score(model, d, assessments, measured, trend, languages) for d in model.dimensions]
    weak = weakest(dimensions)
    return ScorecardOut(
        tenant=tenant.id,
        language=languages[0],
        generated_at=now,
        period=PeriodOut(first=current.first, last=current.last),
        previous_period=PeriodOut(first=previous.first, last=previous.last),
        round=_round_out(chosen.round) if chosen else None,
        dimensions=dimensions,
        weakest=weak,
        recommendations=recommendations(model, weak, _knowledge_items(tenant), languages) if weak else [],
    )


def export_scorecard(
    tenant_id: str,
    principal: Principal | None,
    export_format: Literal["csv", "pdf"],
    round_id: str | None,
    first: date | None,
    last: date | None,
    accepted: Sequence[str],
    now: datetime,
) -> Export:
    """The scorecard as a CSV or PDF file, in the reader's language."""
    from koban.capability.export import PDF_CONTENT_TYPE, scorecard_csv, scorecard_pdf
    from koban.privacy.spreadsheet import CSV_CONTENT_TYPE

    card = scorecard(tenant_id, principal, round_id, first, last, accepted, now)
    model = tenant_model(card.tenant)
    languages = reading_languages(get_tenant(card.tenant), model, [card.language, *accepted])
    name = f"koban-scorecard-{card.tenant}-{card.period.last.isoformat()}.{export_format}"
    if export_format == "csv":
        return Export(scorecard_csv(card, model, languages), CSV_CONTENT_TYPE, name)
    return Export(scorecard_pdf(card, model, languages), PDF_CONTENT_TYPE, name)
