"""Unit tests of report domain pieces: lifecycle, answers, ids, text hygiene, languages."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from koban.i18n import negotiate, parse_accept_language, pick
from koban.ids import hash_token, new_id, new_tracking_token, token_matches
from koban.reports import lifecycle
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import Status
from koban.tenants.models import AssistantGroup, Category, Option, Question, QuestionType
from koban.text import CLEAN, NOT_BLANK

CATEGORY = Category(
    code="noise_test",
    group=AssistantGroup.NUISANCE,
    name={"en": "Noise"},
    questions=(
        Question(code="ongoing", type=QuestionType.BOOLEAN, label={"en": "Now?"}, required=True),
        Question(code="nights", type=QuestionType.INTEGER, label={"en": "Nights"}, minimum=1, maximum=7),
        Question(
            code="source",
            type=QuestionType.SINGLE_CHOICE,
            label={"en": "Source"},
            options=(
                Option(code="music", label={"en": "Music"}),
                Option(code="party", label={"en": "Party"}),
            ),
        ),
        Question(
            code="kinds",
            type=QuestionType.MULTI_CHOICE,
            label={"en": "Kinds"},
            options=(Option(code="glass", label={"en": "A"}), Option(code="paper", label={"en": "B"})),
        ),
        Question(code="when", type=QuestionType.DATETIME, label={"en": "When"}),
    ),
)


def fields(answers: dict[str, object]) -> list[str]:
    return [error.field for error in validate_answers(CATEGORY, answers)]


def test_valid_answers_pass() -> None:
    assert (
        fields(
            {
                "ongoing": False,
                "nights": 3,
                "source": "music",
                "kinds": ["glass", "paper"],
                "when": "2026-11-20T23:00:00+01:00",
            }
        )
        == []
    )


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "answers.ongoing"),
        ({"ongoing": 1}, "answers.ongoing"),
        ({"ongoing": True, "nights": 8}, "answers.nights"),
        ({"ongoing": True, "nights": 2.5}, "answers.nights"),
        ({"ongoing": True, "nights": True}, "answers.nights"),
        ({"ongoing": True, "source": "drums"}, "answers.source"),
        ({"ongoing": True, "kinds": []}, "answers.kinds"),
        ({"ongoing": True, "kinds": ["glass", "glass"]}, "answers.kinds"),
        ({"ongoing": True, "when": "2026-11-20T23:00:00"}, "answers.when"),
        ({"ongoing": True, "colour": "red"}, "answers.colour"),
    ],
)
def test_each_wrong_answer_is_named(answers: dict[str, object], field: str) -> None:
    assert field in fields(answers)


def test_lifecycle_follows_kmzb() -> None:
    assert lifecycle.is_allowed(Status.NEW, Status.VERIFYING)
    assert lifecycle.is_allowed(Status.IN_PROGRESS, Status.RESOLVED)
    assert not lifecycle.is_allowed(Status.NEW, Status.RESOLVED)
    assert not lifecycle.is_allowed(Status.RESOLVED, Status.NEW)
    assert lifecycle.needs_supervisor(Status.REJECTED, Status.VERIFYING)
    assert not lifecycle.needs_supervisor(Status.NEW, Status.VERIFYING)
    assert set(lifecycle.TRANSITIONS) == set(Status)


def test_ids_sort_by_time_and_tokens_only_match_their_hash() -> None:
    assert new_id(1_000) < new_id(2_000)
    assert len(new_id()) == 20
    token = new_tracking_token()
    assert token_matches(token, hash_token(token))
    assert not token_matches(token + "x", hash_token(token))
    assert hash_token(token) != token


class Text(BaseModel):
    value: Annotated[str, Field(max_length=20), CLEAN, NOT_BLANK]


@pytest.mark.parametrize("bad", ["", "   ", "a" * 21, "a\x00b", "a\u202eb", "a\x1bb"])
def test_text_hygiene_refuses_what_cannot_be_shown_safely(bad: str) -> None:
    with pytest.raises(ValidationError):
        Text(value=bad)


def test_text_is_normalised_and_trimmed() -> None:
    assert Text(value="  Cafe\u0301 \n").value == "Café"


def test_language_negotiation() -> None:
    assert parse_accept_language("nl-BE,fr;q=0.8,en;q=0.9") == ["nl", "en", "fr"]
    assert parse_accept_language("*, ;;, 12, fr;q=abc, de;q=0") == []
    assert negotiate(["de", "fr"], ["nl", "fr"]) == "fr"
    assert negotiate(["de"], ["nl", "fr"]) == "nl"
    assert pick({"nl": "Geluid", "en": "Noise"}, ["pl"]) == "Noise"
