"""Emergency first: the lexicon's cues (danger, present time, past, habitual, negation, hypothetical) and how they
combine with the classifier's probability. These tests use no model: the lexicon must stand on its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from koban.assistant.emergency import CUE_KINDS, MODEL_SUPPORT, MODEL_THRESHOLD, Cues, assess, decide, find_cues

LEXICON = Path(__file__).resolve().parents[2] / "shared" / "koban" / "assistant" / "data" / "emergency.json"

# (language, happening now: an emergency, told as over: not one)
PAIRS = [
    ("en", "Someone is breaking into my house right now", "Someone broke into my house last week"),
    ("en", "My grandmother is not breathing", "My grandmother was not breathing well yesterday, now she is fine"),
    ("nl", "Er wordt nu ingebroken in de woning naast ons", "Er is vorige week ingebroken in de woning naast ons"),
    ("pl", "Pali się dom sąsiadów", "Wczoraj w nocy był pożar u sąsiadów, nikt nie został ranny"),
    ("fi", "Joku puukottaa miestä kadulla", "Miestä puukotettiin kadulla viime viikolla, tekijä on kiinni"),
    ("es", "Están apuñalando a un hombre en la plaza", "Hace dos semanas apuñalaron a un hombre en la plaza"),
    ("pt", "Está a arder o carro do vizinho", "O carro do vizinho ardeu ontem à noite"),
    ("fr", "Un homme est en train de frapper une femme dehors", "Hier un homme a frappé une femme devant chez moi"),
    ("de", "Mein Vater ist bewusstlos", "Mein Vater war letzte Woche kurz bewusstlos"),
]


@pytest.mark.parametrize(("language", "now", "over"), PAIRS)
def test_given_a_danger_happening_now_or_over_when_assessed_by_the_lexicon_then_only_now_is_an_emergency(
    language: str, now: str, over: str
) -> None:
    """Given the same danger told as happening and as past, when assessed without any model, then only the
    present one is an emergency."""
    assert assess(now, language, None).emergency, find_cues(now, language)
    assert not assess(over, language, None).emergency, find_cues(over, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "What should I do if a fire breaks out in my flat?"),
        ("en", "When should I call 112?"),
        ("nl", "Wat moet ik doen als er brand is in het trappenhuis?"),
        ("de", "Was soll ich tun, wenn ein Einbrecher im Haus ist?"),
        ("es", "¿Qué debo hacer si alguien me amenaza con un cuchillo?"),
        ("fr", "Que faire si quelqu'un ne respire plus ?"),
    ],
)
def test_given_a_hypothetical_question_when_assessed_then_it_is_no_emergency_even_with_model_support(
    language: str, text: str
) -> None:
    assessment = assess(text, language, 0.99)

    assert not assessment.emergency
    assert assessment.cues.hypothetical


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "There was a small fire in the bin, nobody was hurt and it is out"),
        ("nl", "Er was een vechtpartij maar niemand is gewond, het is geen spoed"),
        ("fr", "Un accident de vélo, personne n'est blessé, ce n'est pas urgent"),
    ],
)
def test_given_a_negation_when_assessed_then_it_is_no_emergency(language: str, text: str) -> None:
    assert not assess(text, language, 0.9).emergency


def test_given_recurring_noise_with_shouting_when_assessed_then_habit_rules_it_out_but_now_restores_it() -> None:
    assert not assess("Every night the neighbours are shouting and fighting", "en", 0.7).emergency
    assert assess("Every night they fight, and right now he has a knife", "en", 0.1).emergency


def test_given_weak_danger_when_assessed_then_it_needs_a_present_cue_a_second_cue_or_the_model() -> None:
    """'a knife' alone is no emergency (a found knife); with 'now', with 'help!', or with some model support it is."""
    assert not decide(Cues(weak=("knife",)), 0.0).emergency
    assert decide(Cues(weak=("knife",), now=("now",)), 0.0).emergency
    assert decide(Cues(weak=("knife", "help!")), 0.0).emergency
    assert decide(Cues(weak=("knife",)), MODEL_SUPPORT).emergency
    assert not decide(Cues(weak=("knife",)), MODEL_SUPPORT - 0.01).emergency


def test_given_no_cue_when_the_model_is_sure_then_the_model_decides_unless_ruled_out() -> None:
    assert decide(Cues(), MODEL_THRESHOLD).emergency
    assert decide(Cues(), MODEL_THRESHOLD).reason == "model"
    assert not decide(Cues(), MODEL_THRESHOLD - 0.01).emergency
    assert not decide(Cues(past=("yesterday",)), 0.99).emergency
    assert decide(Cues(past=("yesterday",), now=("now",), strong=("fire",)), None).reason == "lexicon"


def test_given_a_language_without_a_lexicon_when_assessed_then_english_cues_and_the_model_still_work() -> None:
    assert find_cues("Help! fire fire", "sv").strong
    assert assess("Hjälp, det brinner i köket", "sv", 0.8).emergency


def test_given_typographic_apostrophes_and_capitals_when_assessed_then_they_match_like_plain_text() -> None:
    assert assess("MY SON ISN\u2019T BREATHING", "en", None).emergency


def test_given_the_lexicon_file_then_every_language_has_every_cue_kind_and_every_pattern_compiles() -> None:
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    languages = {key for key in data if not key.startswith("_")}

    assert {"en", "nl", "pl", "fi", "es", "pt", "fr", "de"} <= languages
    for language in languages:
        assert set(data[language]) == set(CUE_KINDS), language
        for kind, patterns in data[language].items():
            # Only the progressive aspect may be absent: Polish, Finnish and German have none.
            assert patterns or kind == "ongoing", (language, kind)
            for pattern in patterns:
                re.compile(pattern)
