"""The scorecard without I/O: the two views and the live figures per dimension, the gaps named in plain words,
the trend over rounds, the weakest dimension and the training recommended for it, and the CSV and PDF files."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from koban.assistant.models import KnowledgeAudience, KnowledgeItem, KnowledgeKind, KnowledgeStatus
from koban.capability.export import FONTS, scorecard_csv, scorecard_pdf
from koban.capability.indicators import Measure, Unit
from koban.capability.models import (
    Assessment,
    PeriodOut,
    Rating,
    Round,
    ScorecardOut,
    View,
)
from koban.capability.registry import tenant_model
from koban.capability.scorecard import Measured, RoundData, dimension_score, display, recommendations, weakest
from koban.privacy.spreadsheet import safe_cell

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
MODEL = tenant_model("pilot-pl")


def assessment(view: View, author: str, *ratings: tuple[str, int], round_id: str = "r1") -> Assessment:
    return Assessment(
        tenant="pilot-pl",
        round_id=round_id,
        view=view,
        author=author,
        ratings=tuple(Rating(capability=c, level=level, evidence=f"because {level}") for c, level in ratings),
        submitted_at=NOW,
    )


def measured(values: dict[str, float | None]) -> list[Measured]:
    return [
        Measured(
            spec, Measure(values.get(spec.id), None if values.get(spec.id) is not None else "reason.no_reports"), None
        )
        for spec in MODEL.indicators
    ]


def round_(round_id: str, title: str, days_ago: int) -> Round:
    return Round(
        tenant="pilot-pl", id=round_id, title=title, created_by="admin", created_at=NOW - timedelta(days=days_ago)
    )


def score(dimension_id: str, assessments: list[Assessment], values: dict[str, float | None], languages: list[str]):  # type: ignore[no-untyped-def]
    dimension = next(d for d in MODEL.dimensions if d.id == dimension_id)
    return dimension_score(MODEL, dimension, assessments, measured(values), [], languages)


def test_the_views_are_means_over_rated_capabilities_and_a_whole_level_apart_is_named() -> None:
    ratings = [
        assessment(View.POLICE, "a", ("feedback_to_reporters", 4), ("information_sharing", 5)),
        assessment(View.POLICE, "b", ("feedback_to_reporters", 5)),
        assessment(View.PARTNERS, "c", ("feedback_to_reporters", 2)),
    ]
    # feedback 0.9 reaches level 4, median 30 h reaches level 2: live 3.0
    card = score(
        "information_exchange", ratings, {"share_given_feedback": 0.9, "median_hours_to_first_response": 30}, ["en"]
    )
    assert card.police == 4.75  # (mean 4.5 for feedback + 5 for sharing) / 2
    assert card.partners == 2.0
    assert card.live == 3.0
    assert card.score == round((4.75 + 2.0 + 3.0) / 3, 2)
    assert card.gaps[0] == (
        "The police rate this 4.8 and the community partners 2.0: talk about why you see it differently."
    )
    assert "Time to first response: 30.0 h, level 2 of 5." in card.gaps
    assert card.capabilities[0].police.count == 2


def test_the_self_assessment_above_or_below_the_live_figures_is_named_in_the_readers_language() -> None:
    police = [assessment(View.POLICE, "a", ("response_standards", 5), ("public_reporting", 5))]
    partners = [assessment(View.PARTNERS, "b", ("response_standards", 5), ("public_reporting", 5))]
    above = score("accountability", police + partners, {"overdue_share": 0.5, "outcomes_published": 0.1}, ["pl"])
    assert "Samoocena (5,0) jest wyższa, niż pokazują bieżące dane (1,0)" in above.gaps[0]
    low = [assessment(v, a, ("response_standards", 1)) for v, a in ((View.POLICE, "a"), (View.PARTNERS, "b"))]
    below = score("accountability", low, {"overdue_share": 0.01, "outcomes_published": 0.9}, ["en"])
    assert below.gaps[0].startswith("The live figures (5.0) are better than the self-assessment (1.0)")


def test_missing_views_and_missing_figures_are_said_not_hidden() -> None:
    nobody = score("cohesion", [], {}, ["en"])
    assert nobody.gaps == [
        "Nobody has rated this dimension in this round yet.",
        "There are no live figures for this dimension yet.",
    ]
    only_police = score("cohesion", [assessment(View.POLICE, "a", ("inclusive_access", 3))], {}, ["uk"])
    assert only_police.gaps[0].startswith("Поки що цей вимір оцінила лише поліція")
    survey = next(item for item in score("trust", [], {}, ["en"]).indicators if item.id == "survey_trust")
    assert (survey.value, survey.display, survey.level) == (None, "no data", None)


def test_the_trend_compares_the_last_two_rounds() -> None:
    rounds = [
        RoundData(round_("r1", "Spring", 180), [assessment(View.POLICE, "a", ("plain_language", 2), round_id="r1")]),
        RoundData(round_("r2", "Autumn", 10), [assessment(View.POLICE, "a", ("plain_language", 3), round_id="r2")]),
    ]
    trust = next(d for d in MODEL.dimensions if d.id == "trust")
    card = dimension_score(MODEL, trust, rounds[-1].assessments, measured({}), rounds, ["en"])
    assert [(point.title, point.police, point.partners) for point in card.trend] == [
        ("Spring", 2.0, None),
        ("Autumn", 3.0, None),
    ]
    assert card.trend_text == "Up 1.0 since the previous round."


def test_the_weakest_dimension_is_the_lowest_score_and_none_without_scores() -> None:
    cards = [
        score("trust", [assessment(View.POLICE, "a", ("plain_language", 4))], {}, ["en"]),
        score("cohesion", [assessment(View.POLICE, "a", ("inclusive_access", 2))], {}, ["en"]),
        score("partnership", [], {}, ["en"]),
    ]
    assert weakest(cards) == ["cohesion"]
    assert weakest([score("partnership", [], {}, ["en"])]) == []


def _item(
    item_id: str, language: str, tags: list[str], kind: KnowledgeKind, audience: list[KnowledgeAudience]
) -> KnowledgeItem:
    return KnowledgeItem(
        tenant="pilot-pl",
        id=item_id,
        language=language,
        kind=kind,
        title=f"Title {item_id}",
        body="First paragraph.\n\nSecond paragraph.",
        audience=audience,
        tags=tags,
        created_at=NOW,
        updated_at=NOW,
        updated_by="seed",
    )


def test_recommendations_are_items_tagged_for_the_weak_dimension_in_the_readers_language_training_first() -> None:
    police, residents = [KnowledgeAudience.POLICE], [KnowledgeAudience.RESIDENTS, KnowledgeAudience.MUNICIPALITY]
    items = [
        _item("doc-pl", "pl", ["less_heard_groups"], KnowledgeKind.DOCUMENT, residents),
        _item("training-residents-pl", "pl", ["cohesion"], KnowledgeKind.TRAINING, residents),
        _item("training-police-pl", "pl", ["cohesion", "training"], KnowledgeKind.TRAINING, police),
        _item("training-police-en", "en", ["cohesion"], KnowledgeKind.TRAINING, police),
        _item("other-dimension-pl", "pl", ["trust"], KnowledgeKind.TRAINING, police),
        _item("retired-pl", "pl", ["cohesion"], KnowledgeKind.TRAINING, police).model_copy(
            update={"status": KnowledgeStatus.RETIRED}
        ),
    ]
    polish = recommendations(MODEL, ["cohesion"], items, ["pl"])
    assert [r.item_id for r in polish] == ["training-police-pl", "training-residents-pl", "doc-pl"]
    assert polish[0].kind_name == "Moduł szkoleniowy"
    assert polish[1].audience_names == ["Mieszkańcy", "Gmina"]
    assert polish[0].summary == "First paragraph."
    # A reader whose language has none gets English, then any
    assert [r.item_id for r in recommendations(MODEL, ["cohesion"], items, ["fi"])] == ["training-police-en"]
    assert recommendations(MODEL, ["transformation"], items, ["pl"]) == []


def test_values_are_shown_with_their_unit_and_the_readers_decimal_sign() -> None:
    assert display(0.256, Unit.SHARE, MODEL, ["en"]) == "26%"
    assert display(3.25, Unit.HOURS, MODEL, ["de"]) == "3,2 Std."
    assert display(12.0, Unit.PER_THOUSAND, MODEL, ["en"]) == "12.0 per 1,000 reports"
    assert display(None, Unit.SCORE, MODEL, ["fi"]) == "ei tietoja"


# ---------------------------------------------------------------------------------------------- files


def _card(language: str) -> ScorecardOut:
    formula = Rating(capability="listening_to_residents", level=1, evidence="=cmd|' /C calc'!A0")
    ratings = [
        assessment(View.POLICE, "a", ("plain_language", 4)),
        assessment(View.PARTNERS, "b", ("plain_language", 2)),
        assessment(View.PARTNERS, "c").model_copy(update={"ratings": (formula,)}),
    ]
    dimensions = [
        dimension_score(MODEL, d, ratings, measured({"share_given_feedback": 0.4}), [], [language])
        for d in MODEL.dimensions
    ]
    return ScorecardOut(
        tenant="pilot-pl",
        language=language,
        generated_at=NOW,
        period=PeriodOut(first=NOW.date() - timedelta(days=89), last=NOW.date()),
        previous_period=PeriodOut(first=NOW.date() - timedelta(days=179), last=NOW.date() - timedelta(days=90)),
        round=None,
        dimensions=dimensions,
        weakest=weakest(dimensions),
        recommendations=[],
    )


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\r=1"])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_apostrophe(value: str) -> None:
    assert safe_cell(value) == "'" + value


def test_the_csv_has_localised_headers_a_row_per_figure_and_no_formula() -> None:
    text = scorecard_csv(_card("pl"), MODEL, ["pl"])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Wymiar",
        "Rodzaj",
        "Nazwa",
        "Policja",
        "Partnerzy lokalni",
        "Wartość",
        "Poziom",
        "Poprzedni okres",
        "Definicja",
    ]
    assert len({len(row) for row in rows}) == 1
    indicators = [row for row in rows if row[1] == "Wskaźnik"]
    assert len(indicators) == len(MODEL.indicators)
    assert rows[2][:5] == ["Zaufanie i wspólny język", "Wymiar", "Zaufanie i wspólny język", "4.0", "1.5"]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert any(cell == "'=cmd|' /C calc'!A0" for row in rows for cell in row)


def _page_text(document: bytes) -> bytes:
    """The decompressed content streams of a PDF (enough to find the glyph runs fpdf2 wrote)."""
    found = b""
    for chunk in document.split(b"stream\n")[1:]:
        body = chunk.split(b"\nendstream")[0]
        try:
            found += zlib.decompress(body)
        except zlib.error:
            continue
    return found


@pytest.mark.parametrize("language", ["uk", "fi", "de"])
def test_the_pdf_is_a_valid_document_with_its_fonts_embedded(language: str) -> None:
    document = scorecard_pdf(_card(language), MODEL, [language])
    assert document.startswith(b"%PDF-1.")
    assert document.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in document
    assert b"/ToUnicode" in document  # the text can be searched and copied in every language
    assert document.count(b"/Type /Page\n") + document.count(b"/Type /Page ") + document.count(b"/Type /Page/") >= 1
    assert len(_page_text(document)) > 1000


def test_the_function_packs_the_pdf_writer_with_the_same_pins_as_the_capability_extra() -> None:
    """fpdf2 (and its pure-Python dependencies) ship with the capability function only, pinned as in pyproject;
    the fonts ship in the layer beside the code that uses them, with their licence."""
    repo = Path(__file__).resolve().parents[2]
    extra = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["optional-dependencies"]["capability"]
    lines = (repo / "functions" / "capability" / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert sorted(requirements) == sorted(extra)
    assert all(re.fullmatch(r"[a-z0-9_.-]+==[0-9][0-9.]*", requirement) for requirement in requirements)
    assert "fpdf2" not in (repo / "shared" / "requirements.txt").read_text()
    assert {path.name for path in FONTS.iterdir()} >= {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"}
