"""The language of residents' messages: detected offline; the app's locale decides for short or unsure texts."""

from __future__ import annotations

import pytest

from koban.assistant.language import DETECTABLE_LANGUAGES, detect_language, locale_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Someone stole my bicycle from the station this morning", "en"),
        ("Mijn fiets is vanochtend gestolen bij het station", "nl"),
        ("Ktoś ukradł mi rower spod dworca dziś rano", "pl"),
        ("Polkupyöräni varastettiin aseman edestä tänä aamuna", "fi"),
        ("Esta mañana me robaron la bicicleta en la estación", "es"),
        ("Roubaram-me a bicicleta na estação hoje de manhã", "pt"),
        ("On m'a volé mon vélo à la gare ce matin", "fr"),
        ("Heute Morgen wurde mein Fahrrad am Bahnhof gestohlen", "de"),
        ("Någon stal min cykel vid stationen i morse", "sv"),
        ("Сьогодні вранці в мене вкрали велосипед біля вокзалу", "uk"),
    ],
)
def test_given_a_sentence_when_detected_without_locale_then_its_language_is_found(text: str, language: str) -> None:
    detection = detect_language(text)

    assert detection.language == language
    assert detection.source == "text"


def test_given_a_two_word_text_and_a_locale_when_detected_then_the_locale_decides() -> None:
    """Given 'Hallo daar' (too short for byte n-grams to tell), when the app says nl-BE, then nl."""
    detection = detect_language("Hallo daar", locale="nl-BE")

    assert (detection.language, detection.source) == ("nl", "locale")


def test_given_a_long_text_and_a_contradicting_locale_when_detected_then_the_text_wins() -> None:
    """A Polish resident whose phone is set to English writes Polish: the answer must be Polish."""
    detection = detect_language("Sąsiedzi z góry hałasują każdej nocy do trzeciej nad ranem", locale="en-GB")

    assert detection.language == "pl"


def test_given_no_letters_when_detected_then_the_locale_or_the_tenant_language_stands_in() -> None:
    assert detect_language("112 !!!", locale="fi").language == "fi"
    assert detect_language("???", tenant_languages=("pt", "en")) == detect_language("???", None, ("pt",))
    assert detect_language("???", tenant_languages=("pt", "en")).source == "tenant"


@pytest.mark.parametrize(
    ("locale", "language"), [("pt-PT", "pt"), ("nl_BE", "nl"), ("FR", "fr"), ("xx-YY", None), (None, None), ("", None)]
)
def test_given_a_locale_when_read_then_its_language_is_kept_only_if_detectable(
    locale: str | None, language: str | None
) -> None:
    assert locale_language(locale) == language


def test_given_the_detectable_languages_then_the_eight_served_ones_are_among_them() -> None:
    assert {"en", "nl", "pl", "fi", "es", "pt", "fr", "de"} <= set(DETECTABLE_LANGUAGES)


def test_given_a_short_text_without_locale_when_detected_then_one_of_the_tenants_languages_is_chosen() -> None:
    """'Hilfe!!' alone is read as Turkish by byte n-grams; for a Belgian force (fr, nl, de, en) it is German."""
    assert detect_language("Hilfe!!", tenant_languages=("fr", "nl", "de", "en")).language == "de"
    assert detect_language("Pomocy!", tenant_languages=("pl", "en", "uk")).language == "pl"
