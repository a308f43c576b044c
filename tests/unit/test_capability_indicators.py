"""Each live indicator of the capability model on constructed data: the numbers its definition promises, the
reason it gives when there is nothing to measure, and the level its thresholds assign."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from koban.aggregation.contributions import response_bucket
from koban.capability.indicators import (
    INDICATORS,
    Facts,
    PriorityFacts,
    ProblemFacts,
    Window,
    level_of,
)
from koban.capability.registry import tenant_model

TODAY = date(2026, 11, 20)
CURRENT = Window(TODAY - timedelta(days=9), TODAY)
PREVIOUS = Window(TODAY - timedelta(days=19), TODAY - timedelta(days=10))
DAY = CURRENT.first.isoformat()
EARLIER = PREVIOUS.first.isoformat()


def days(**per_day: dict[str, int]) -> dict[str, int]:
    return {f"{day}#{counter}": count for day, counters in per_day.items() for counter, count in counters.items()}


def facts(
    counters: dict[str, int] | None = None,
    cells: dict[str, int] | None = None,
    area: frozenset[str] = frozenset(),
    problems: list[ProblemFacts] | None = None,
    priorities: list[PriorityFacts] | None = None,
) -> Facts:
    return Facts(
        main_language="nl",
        today=TODAY,
        days=counters or {},
        cells=cells or {},
        area_cells=area,
        problems=problems or [],
        priorities=priorities or [],
    )


def measure(indicator: str, data: Facts, window: Window = CURRENT) -> tuple[float | None, str | None]:
    result = INDICATORS[indicator].compute(data, window)
    return result.value, result.reason


def problem(opened_on: date = TODAY, **fields: object) -> ProblemFacts:
    values: dict[str, object] = {
        "partners": 0,
        "partner_actions_done": 0,
        "partner_actions_open": 0,
        "evaluated": False,
    }
    values.update(fields)
    return ProblemFacts(opened_on=opened_on, **values)  # type: ignore[arg-type]


# Ten reports on the first day of the current window, two on the first day of the previous one.
REPORTS = {
    "cat#noise_night": 7,
    "cat#illegal_dumping": 3,
    "channel#app": 6,
    "channel#phone": 2,
    "channel#in_person": 1,
    "channel#open311": 1,
    "lang#nl": 6,
    "lang#pl": 2,
    "lang#uk": 1,
    "lang#und": 1,
    "responded": 4,
    f"resp#{response_bucket(3):02d}": 3,
    f"resp#{response_bucket(30):02d}": 1,
    "late": 1,
    f"waiting#{(TODAY - timedelta(days=1)).isoformat()}": 2,
    f"waiting#{(TODAY + timedelta(days=2)).isoformat()}": 4,
    "reopened": 1,
}
COUNTERS = days(**{DAY: REPORTS, EARLIER: {"cat#noise_night": 2, "lang#nl": 2, "responded": 2}})


def test_share_given_feedback_is_reports_with_a_response_over_the_periods_reports() -> None:
    assert measure("share_given_feedback", facts(COUNTERS)) == (0.4, None)
    assert measure("share_given_feedback", facts(COUNTERS), PREVIOUS) == (1.0, None)
    assert measure("share_given_feedback", facts()) == (None, "reason.no_reports")


def test_median_time_to_first_response_is_read_from_the_response_bands() -> None:
    value, _ = measure("median_hours_to_first_response", facts(COUNTERS))
    # three of four answered in the 2-4 h band: the median (the 2nd of 4) lies in it
    assert value is not None
    assert 2 <= value <= 4
    no_answer = days(**{DAY: {"cat#noise_night": 3}})
    assert measure("median_hours_to_first_response", facts(no_answer)) == (None, "reason.no_responses")


def test_overdue_share_counts_late_answers_and_reports_still_waiting_past_their_date() -> None:
    # one answered late, two waiting since a date before today, four waiting for a later date: 3 of 10
    result = INDICATORS["overdue_share"].compute(facts(COUNTERS), CURRENT)
    assert result.value == 0.3
    assert result.basis == {"reports": 10, "answered_late": 1, "waiting_late": 2}


def test_outcomes_published_is_done_over_committed_priorities() -> None:
    priorities = [
        PriorityFacts("done", 3),
        PriorityFacts("adopted", 1),
        PriorityFacts("adopted", 0),
        PriorityFacts("proposed", 9),
        PriorityFacts("declined", 2),
    ]
    assert measure("outcomes_published", facts(priorities=priorities)) == (round(1 / 3, 4), None)
    proposed_only = [PriorityFacts("proposed", 4)]
    assert measure("outcomes_published", facts(priorities=proposed_only)) == (None, "reason.no_commitments")


def test_votes_per_priority_is_all_votes_over_all_priorities() -> None:
    priorities = [PriorityFacts("proposed", 9), PriorityFacts("done", 3)]
    assert measure("votes_per_priority", facts(priorities=priorities)) == (6.0, None)
    assert measure("votes_per_priority", facts()) == (None, "reason.no_priorities")


def test_assisted_channels_are_those_staff_enter_on_someones_behalf() -> None:
    # phone 2 + in person 1 of 10; the app and Open311 are residents' own channels
    assert measure("assisted_channel_share", facts(COUNTERS)) == (0.3, None)


def test_other_languages_are_known_languages_but_the_main_one() -> None:
    # pl 2 + uk 1 of the 9 reports with a known language (nl is the main language, und is unknown)
    assert measure("other_language_share", facts(COUNTERS)) == (round(3 / 9, 4), None)
    assert measure("languages_served", facts(COUNTERS)) == (3.0, None)


def test_reopened_share_is_reports_reopened_over_the_periods_reports() -> None:
    assert measure("reopened_share", facts(COUNTERS)) == (0.1, None)


def test_area_coverage_counts_the_areas_neighbourhoods_with_a_report() -> None:
    area = frozenset({"a", "b", "c", "d"})
    cells = {f"{DAY}#a#noise_night": 3, f"{DAY}#b#noise_night": 1, f"{DAY}#z#noise_night": 5, f"{EARLIER}#c#x": 1}
    assert measure("area_coverage", facts(cells=cells, area=area)) == (0.5, None)  # z lies outside the area
    assert measure("area_coverage", facts(cells=cells, area=area), PREVIOUS) == (0.25, None)
    assert measure("area_coverage", facts(cells=cells)) == (None, "reason.no_area")


def test_problem_indicators_read_the_problems_opened_in_the_window() -> None:
    problems = [
        problem(partners=2, partner_actions_done=3, partner_actions_open=1, evaluated=True, satisfaction=(4, 5)),
        problem(partners=1, partner_actions_open=2),
        problem(),
        problem(PREVIOUS.first, partners=1, partner_actions_done=5, satisfaction=(1,)),
    ]
    data = facts(COUNTERS, problems=problems)
    assert measure("problems_with_partners", data) == (round(2 / 3, 4), None)
    assert measure("partner_actions_done", data) == (0.5, None)  # 3 done of 6 done or open
    assert measure("problems_evaluated", data) == (round(1 / 3, 4), None)
    assert measure("problems_per_thousand_reports", data) == (300.0, None)  # 3 problems per 10 reports
    assert measure("meeting_satisfaction", data) == (4.5, None)
    assert measure("meeting_satisfaction", data, PREVIOUS) == (1.0, None)
    assert measure("problems_with_partners", facts()) == (None, "reason.no_problems")
    assert measure("partner_actions_done", facts(problems=[problem()])) == (None, "reason.no_partner_actions")
    assert measure("meeting_satisfaction", facts()) == (None, "reason.no_feedback")
    assert measure("problems_per_thousand_reports", facts(problems=problems)) == (None, "reason.no_reports")


def test_the_survey_trust_score_is_no_data_until_the_platform_stores_answers() -> None:
    assert measure("survey_trust", facts(COUNTERS)) == (None, "reason.survey_not_stored")
    stored = Facts(
        main_language="nl",
        today=TODAY,
        days={},
        cells={},
        area_cells=frozenset(),
        problems=[],
        priorities=[],
        survey_trust={TODAY: (14, 4), PREVIOUS.first: (5, 5)},
    )
    assert measure("survey_trust", stored) == (3.5, None)


@pytest.mark.parametrize(
    ("indicator", "value", "level"),
    [
        ("share_given_feedback", 0.49, 1),
        ("share_given_feedback", 0.5, 2),
        ("share_given_feedback", 0.96, 5),
        ("median_hours_to_first_response", 100, 1),
        ("median_hours_to_first_response", 24, 3),
        ("median_hours_to_first_response", 1.5, 5),
        ("overdue_share", 0.31, 1),
        ("overdue_share", 0.03, 5),
    ],
)
def test_thresholds_turn_a_value_into_a_level_in_the_direction_that_is_better(
    indicator: str, value: float, level: int
) -> None:
    spec = next(item for item in tenant_model("pilot-nl").indicators if item.id == indicator)
    assert level_of(value, spec) == level


def test_every_indicator_of_the_model_is_one_core_computes_and_every_computation_is_used() -> None:
    shown = [item.id for item in tenant_model("pilot-nl").indicators]
    assert sorted(shown) == sorted(INDICATORS)
    assert Counter(shown).most_common(1)[0][1] == 1
