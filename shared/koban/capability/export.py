"""The scorecard as CSV (a table for spreadsheets) and as PDF (made here, without any network: fpdf2, with the
DejaVu Sans fonts shipped in `fonts/`, which cover every pilot language including Ukrainian), in the reader's
language. fpdf2 is imported only when a PDF is asked for (it takes ~0.5 s to import)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from koban.capability.models import DimensionScoreOut, ScorecardOut
from koban.capability.scorecard import number
from koban.capability.spec import CapabilityModel
from koban.privacy.spreadsheet import csv_text

FONTS: Final = Path(__file__).with_name("fonts")
FONT_FAMILY: Final = "KobanSans"
PDF_CONTENT_TYPE: Final = "application/pdf"


def _meta(card: ScorecardOut, model: CapabilityModel, languages: Sequence[str]) -> list[str]:
    lines = [
        model.phrase(
            "export.period",
            languages,
            first=card.period.first.isoformat(),
            last=card.period.last.isoformat(),
            previous_first=card.previous_period.first.isoformat(),
            previous_last=card.previous_period.last.isoformat(),
        ),
        model.phrase("export.round", languages, round=card.round.title)
        if card.round
        else model.phrase("export.no_round", languages),
        model.phrase("export.generated", languages, at=card.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return lines


def _csv_rows(card: ScorecardOut, model: CapabilityModel, languages: Sequence[str]) -> Iterator[list[object]]:
    phrase = model.phrase
    yield [
        phrase("export.dimension", languages),
        phrase("export.kind", languages),
        phrase("export.name", languages),
        phrase("view.police", languages),
        phrase("view.partners", languages),
        phrase("export.value", languages),
        phrase("export.level", languages),
        phrase("export.previous", languages),
        phrase("export.definition", languages),
    ]
    yield [
        "",
        phrase("export.title", languages),
        card.tenant,
        "",
        "",
        "",
        "",
        "",
        " · ".join(_meta(card, model, languages)),
    ]
    for dimension in card.dimensions:
        name = dimension.name
        yield [name, phrase("export.dimension", languages), name, dimension.police, dimension.partners,
               dimension.live, dimension.score, "", dimension.description]  # fmt: skip
        for capability in dimension.capabilities:
            yield [name, phrase("export.capability", languages), capability.name, capability.police.mean,
                   capability.partners.mean, "", "", "", ""]  # fmt: skip
            for evidence in capability.evidence:
                yield [name, phrase("export.evidence", languages), capability.name,
                       evidence.level if evidence.view == "police" else "",
                       evidence.level if evidence.view == "partners" else "", "", "", "", evidence.note]  # fmt: skip
        for indicator in dimension.indicators:
            text = indicator.definition if indicator.no_data is None else f"{indicator.definition} {indicator.no_data}"
            yield [name, phrase("export.indicator", languages), indicator.name, "", "", indicator.display,
                   indicator.level, indicator.previous_display or "", text]  # fmt: skip
        for gap in dimension.gaps:
            yield [name, phrase("export.gaps", languages), "", "", "", "", "", "", gap]
        if dimension.trend_text:
            yield [name, phrase("export.trend", languages), "", "", "", "", "", "", dimension.trend_text]
    names = {dimension.id: dimension.name for dimension in card.dimensions}
    for item in card.recommendations:
        yield [names.get(item.dimension, item.dimension), phrase("export.recommended", languages), item.title, "", "",
               ", ".join(item.audience_names), "", item.kind_name, item.summary]  # fmt: skip


def scorecard_csv(card: ScorecardOut, model: CapabilityModel, languages: Sequence[str]) -> str:
    """One row per figure (see `csv_text`: UTF-8 with a byte-order mark, no cell runs as a formula)."""
    return csv_text(_csv_rows(card, model, languages))


def _score(value: float | None, model: CapabilityModel, languages: Sequence[str]) -> str:
    language = languages[0] if languages else "en"
    return number(value, language) if value is not None else model.phrase("indicator.no_data", languages)


def _dimension_line(dimension: DimensionScoreOut, model: CapabilityModel, languages: Sequence[str]) -> str:
    return " · ".join(
        [
            f"{model.phrase('view.police', languages)}: {_score(dimension.police, model, languages)}",
            f"{model.phrase('view.partners', languages)}: {_score(dimension.partners, model, languages)}",
            f"{model.phrase('export.live_figures', languages)}: {_score(dimension.live, model, languages)}",
        ]
    )


def scorecard_pdf(card: ScorecardOut, model: CapabilityModel, languages: Sequence[str]) -> bytes:
    """An A4 report: per dimension the two views beside the live figures, the gaps, the trend; then the
    recommended training. Every text in the reader's language."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_creation_date(card.generated_at)
    pdf.set_title(model.phrase("export.title", languages))
    pdf.set_creator("KOBAN")
    pdf.set_lang(card.language)
    pdf.add_font(FONT_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def write(text: str, size: float = 9, style: str = "", height: float = 4.6) -> None:
        pdf.set_font(FONT_FAMILY, style, size)
        pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    write(f"{model.phrase('export.title', languages)} · {card.tenant}", 16, "B", 8)
    for line in _meta(card, model, languages):
        write(line, 9)
    for dimension in card.dimensions:
        pdf.ln(3)
        weakest = f"  ({model.phrase('export.weakest', languages)})" if dimension.id in card.weakest else ""
        write(dimension.name + weakest, 12, "B", 6)
        write(dimension.description, 8.5)
        write(f"{model.phrase('export.self_assessment', languages)} · {_dimension_line(dimension, model, languages)}")
        pdf.set_font(FONT_FAMILY, "", 8.5)
        with pdf.table(col_widths=(50, 20, 12, 20), line_height=4.6, text_align="LEFT", padding=1) as table:
            table.row(
                [
                    model.phrase("export.indicator", languages),
                    model.phrase("export.value", languages),
                    model.phrase("export.level", languages),
                    model.phrase("export.previous", languages),
                ]
            )
            for indicator in dimension.indicators:
                level = str(indicator.level) if indicator.level is not None else "–"
                table.row([indicator.name, indicator.display, level, indicator.previous_display or "–"])
        for indicator in dimension.indicators:
            note = f" {indicator.no_data}" if indicator.no_data else ""
            write(f"{indicator.name}: {indicator.definition}{note}", 7.5, height=3.8)
        if dimension.gaps:
            write(model.phrase("export.gaps", languages), 9.5, "B", 5.5)
            for gap in dimension.gaps:
                write(f"• {gap}")
        if dimension.trend_text:
            write(f"{model.phrase('export.trend', languages)}: {dimension.trend_text}")
    pdf.ln(3)
    write(model.phrase("export.recommended", languages), 12, "B", 6)
    if not card.recommendations:
        write(model.phrase("export.no_recommendations", languages))
    for item in card.recommendations:
        write(item.title, 10, "B", 5)
        write(f"{item.kind_name} · {', '.join(item.audience_names)}", 8.5)
        write(item.summary, 9)
    return bytes(pdf.output())
