"""The live indicators of the capability model: pure computations over facts the platform already keeps.

Each indicator reads only `Facts` (gathered by `koban.capability.sources` from the aggregate counters, the
problems opened in the window and the priorities) and gives a `Measure`: a value, or None with the reason (a
phrase key) when there is nothing to measure, and the counts it was computed from. The definitions users read
are the model's texts (`indicators.<id>.definition`); these functions are the definitions' code, and the unit
tests check each against constructed data.

What each reads (the cost of a scorecard does not grow with the number of reports):
  DAYS#<tenant> counters (one item per day of both windows): reports, channels, languages, responses, response
  time bands, late responses, waiting reports by due day, reopened reports;
  CELLS#<tenant>#r7 counters (one item per day and H3 resolution-5 region of both windows): neighbourhoods reached;
  ProblemsTable PROBLEM#<tenant> from the first problem id of the previous window (problems opened in both
  windows, at most `MAX_PROBLEMS`): partners, partner actions, evaluation, residents' satisfaction;
  ProblemsTable PRIORITY#<tenant> (a tenant has tens): votes and published outcomes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from koban.aggregation.contributions import UNKNOWN_LANGUAGE
from koban.capability.spec import Better, IndicatorSpec
from koban.dashboard.service import median_hours
from koban.reports.models import STAFF_CHANNELS


class Unit(StrEnum):
    SHARE = "share"  # 0..1, shown as a percentage
    HOURS = "hours"
    SCORE = "score"  # 1..5
    COUNT = "count"
    PER_THOUSAND = "per_thousand"
    VOTES = "votes"


@dataclass(frozen=True)
class Window:
    first: date
    last: date

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class ProblemFacts:
    """What the indicators need of one problem."""

    opened_on: date
    partners: int
    partner_actions_done: int
    partner_actions_open: int
    evaluated: bool  # reached the evaluation stage (or was closed after it)
    satisfaction: tuple[int, ...] = ()  # residents' satisfaction (1-5) recorded at its meetings


@dataclass(frozen=True)
class PriorityFacts:
    status: str
    votes: int


@dataclass(frozen=True)
class Facts:
    """Everything the indicators read, for the current and the previous window."""

    main_language: str
    today: date
    days: Mapping[str, int]  # DAYS counters: '<day>#<counter>' → count
    cells: Mapping[str, int]  # CELLS r7 counters: '<day>#<cell>#<category>' → count
    area_cells: frozenset[str]
    problems: Sequence[ProblemFacts]
    priorities: Sequence[PriorityFacts]
    survey_trust: Mapping[date, tuple[int, int]] = field(default_factory=dict)  # day → (sum of scores, answers)


@dataclass(frozen=True)
class Measure:
    value: float | None
    reason: str | None = None  # phrase key saying why there is no value
    basis: dict[str, float] = field(default_factory=dict)  # the counts it was computed from


def _none(reason: str, **basis: float) -> Measure:
    return Measure(None, f"reason.{reason}", dict(basis))


def _share(part: float, whole: float, reason: str, **basis: float) -> Measure:
    if not whole:
        return _none(reason, **basis)
    return Measure(round(part / whole, 4), None, dict(basis))


class DayTotals:
    """The DAYS counters of one window, summed: by kind ('cat', 'channel', ...) and value."""

    def __init__(self, counters: Mapping[str, int], window: Window) -> None:
        self.by_kind: dict[str, Counter[str]] = {}
        self.single: Counter[str] = Counter()
        for key, count in counters.items():
            day_text, _, rest = key.partition("#")
            if date.fromisoformat(day_text) not in window:
                continue
            kind, _, value = rest.partition("#")
            if value:
                self.by_kind.setdefault(kind, Counter())[value] += count
            else:
                self.single[kind] += count

    def kind(self, name: str) -> Counter[str]:
        return self.by_kind.get(name, Counter())

    @property
    def volume(self) -> int:
        return sum(self.kind("cat").values())


def _days(facts: Facts, window: Window) -> DayTotals:
    return DayTotals(facts.days, window)


def _problems(facts: Facts, window: Window) -> list[ProblemFacts]:
    return [problem for problem in facts.problems if problem.opened_on in window]


# ---------------------------------------------------------------------------------------------- trust


def survey_trust(facts: Facts, window: Window) -> Measure:
    answers = [value for day, value in facts.survey_trust.items() if day in window]
    total, count = sum(a for a, _ in answers), sum(n for _, n in answers)
    if not count:
        return _none("survey_not_stored")
    return Measure(round(total / count, 2), None, {"answers": count})


def meeting_satisfaction(facts: Facts, window: Window) -> Measure:
    scores = [score for problem in _problems(facts, window) for score in problem.satisfaction]
    if not scores:
        return _none("no_feedback")
    return Measure(round(sum(scores) / len(scores), 2), None, {"meetings": len(scores)})


def languages_served(facts: Facts, window: Window) -> Measure:
    totals = _days(facts, window)
    languages = [code for code, count in totals.kind("lang").items() if count and code != UNKNOWN_LANGUAGE]
    if not totals.volume:
        return _none("no_reports")
    return Measure(float(len(languages)), None, {"reports": totals.volume})


def reopened_share(facts: Facts, window: Window) -> Measure:
    totals = _days(facts, window)
    reopened = totals.single["reopened"]
    return _share(reopened, totals.volume, "no_reports", reports=totals.volume, reopened=reopened)


# ---------------------------------------------------------------------------------------------- information


def median_hours_to_first_response(facts: Facts, window: Window) -> Measure:
    totals = _days(facts, window)
    buckets = Counter({int(band): count for band, count in totals.kind("resp").items()})
    median = median_hours(buckets)
    if median is None:
        return _none("no_responses" if totals.volume else "no_reports", reports=totals.volume)
    return Measure(median, None, {"responded": sum(buckets.values())})


def share_given_feedback(facts: Facts, window: Window) -> Measure:
    totals = _days(facts, window)
    responded = totals.single["responded"]
    return _share(responded, totals.volume, "no_reports", reports=totals.volume, responded=responded)


# ---------------------------------------------------------------------------------------------- accountability


def overdue_share(facts: Facts, window: Window) -> Measure:
    totals = _days(facts, window)
    late = totals.single["late"]
    waiting_past_due = sum(
        count for due, count in totals.kind("waiting").items() if date.fromisoformat(due) < facts.today
    )
    overdue = late + waiting_past_due
    return _share(
        overdue, totals.volume, "no_reports", reports=totals.volume, answered_late=late, waiting_late=waiting_past_due
    )


def outcomes_published(facts: Facts, window: Window) -> Measure:
    committed = [p for p in facts.priorities if p.status in ("adopted", "done")]
    done = sum(1 for p in committed if p.status == "done")
    return _share(done, len(committed), "no_commitments", committed=len(committed), published=done)


# ---------------------------------------------------------------------------------------------- cohesion


def assisted_channel_share(facts: Facts, window: Window) -> Measure:
    totals = _days(facts, window)
    assisted = sum(count for channel, count in totals.kind("channel").items() if channel in STAFF_CHANNELS)
    return _share(assisted, totals.volume, "no_reports", reports=totals.volume, assisted=assisted)


def other_language_share(facts: Facts, window: Window) -> Measure:
    languages = _days(facts, window).kind("lang")
    known = sum(count for code, count in languages.items() if code != UNKNOWN_LANGUAGE)
    other = sum(count for code, count in languages.items() if code not in (UNKNOWN_LANGUAGE, facts.main_language))
    return _share(other, known, "no_reports", reports_with_language=known, other_languages=other)


def area_coverage(facts: Facts, window: Window) -> Measure:
    if not facts.area_cells:
        return _none("no_area")
    reached = {
        key.split("#", 2)[1]
        for key, count in facts.cells.items()
        if count and date.fromisoformat(key.partition("#")[0]) in window
    }
    inside = reached & facts.area_cells
    return _share(
        len(inside), len(facts.area_cells), "no_area", neighbourhoods=len(facts.area_cells), reached=len(inside)
    )


# ---------------------------------------------------------------------------------------------- partnership


def partner_actions_done(facts: Facts, window: Window) -> Measure:
    problems = _problems(facts, window)
    done = sum(problem.partner_actions_done for problem in problems)
    still_open = sum(problem.partner_actions_open for problem in problems)
    return _share(done, done + still_open, "no_partner_actions", done=done, open=still_open)


def votes_per_priority(facts: Facts, window: Window) -> Measure:
    if not facts.priorities:
        return _none("no_priorities")
    votes = sum(priority.votes for priority in facts.priorities)
    return Measure(round(votes / len(facts.priorities), 2), None, {"priorities": len(facts.priorities), "votes": votes})


def problems_with_partners(facts: Facts, window: Window) -> Measure:
    problems = _problems(facts, window)
    with_partners = sum(1 for problem in problems if problem.partners)
    return _share(with_partners, len(problems), "no_problems", problems=len(problems), with_partners=with_partners)


# ---------------------------------------------------------------------------------------------- transformation


def problems_per_thousand_reports(facts: Facts, window: Window) -> Measure:
    volume = _days(facts, window).volume
    problems = len(_problems(facts, window))
    if not volume:
        return _none("no_reports", problems=problems)
    return Measure(round(1000 * problems / volume, 2), None, {"problems": problems, "reports": volume})


def problems_evaluated(facts: Facts, window: Window) -> Measure:
    problems = _problems(facts, window)
    evaluated = sum(1 for problem in problems if problem.evaluated)
    return _share(evaluated, len(problems), "no_problems", problems=len(problems), evaluated=evaluated)


# ---------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class IndicatorKind:
    unit: Unit
    better: Better
    compute: Callable[[Facts, Window], Measure]
    windowed: bool = True  # False: computed over all time (no previous window to compare with)


INDICATORS: dict[str, IndicatorKind] = {
    "survey_trust": IndicatorKind(Unit.SCORE, "higher", survey_trust),
    "meeting_satisfaction": IndicatorKind(Unit.SCORE, "higher", meeting_satisfaction),
    "languages_served": IndicatorKind(Unit.COUNT, "higher", languages_served),
    "reopened_share": IndicatorKind(Unit.SHARE, "lower", reopened_share),
    "median_hours_to_first_response": IndicatorKind(Unit.HOURS, "lower", median_hours_to_first_response),
    "share_given_feedback": IndicatorKind(Unit.SHARE, "higher", share_given_feedback),
    "overdue_share": IndicatorKind(Unit.SHARE, "lower", overdue_share),
    "outcomes_published": IndicatorKind(Unit.SHARE, "higher", outcomes_published, windowed=False),
    "assisted_channel_share": IndicatorKind(Unit.SHARE, "higher", assisted_channel_share),
    "other_language_share": IndicatorKind(Unit.SHARE, "higher", other_language_share),
    "area_coverage": IndicatorKind(Unit.SHARE, "higher", area_coverage),
    "partner_actions_done": IndicatorKind(Unit.SHARE, "higher", partner_actions_done),
    "votes_per_priority": IndicatorKind(Unit.VOTES, "higher", votes_per_priority, windowed=False),
    "problems_with_partners": IndicatorKind(Unit.SHARE, "higher", problems_with_partners),
    "problems_per_thousand_reports": IndicatorKind(Unit.PER_THOUSAND, "higher", problems_per_thousand_reports),
    "problems_evaluated": IndicatorKind(Unit.SHARE, "higher", problems_evaluated),
}
KNOWN_INDICATORS: dict[str, Better] = {name: kind.better for name, kind in INDICATORS.items()}


def level_of(value: float, spec: IndicatorSpec) -> int:
    """The maturity level (1-5) a value reaches: one more for each threshold it meets."""
    if INDICATORS[spec.id].better == "lower":
        return 1 + sum(1 for threshold in spec.thresholds if value <= threshold)
    return 1 + sum(1 for threshold in spec.thresholds if value >= threshold)
