"""WCAG 2.2 contrast as App Factory computes it: relative luminance and contrast ratio, checked against values
published by the W3C and WebAIM, and the AA threshold applied without rounding."""

from __future__ import annotations

import pytest

from koban.app_config.colours import (
    AA_NORMAL_TEXT,
    contrast_ratio,
    normalise_hex,
    passes_aa,
    relative_luminance,
)


@pytest.mark.parametrize(
    ("colour", "luminance"),
    [
        ("#000000", 0.0),
        ("#ffffff", 1.0),
        ("#ff0000", 0.2126),  # the channel weights of the definition
        ("#00ff00", 0.7152),
        ("#0000ff", 0.0722),
        ("#808080", 0.21586),  # 128/255 linearised: ((0.50196 + 0.055) / 1.055) ** 2.4
        ("#0a0a0a", 0.0030353),  # below the 0.04045 knee: 10/255 / 12.92
    ],
)
def test_given_a_colour_when_its_relative_luminance_is_computed_then_it_follows_the_definition(
    colour: str, luminance: float
) -> None:
    assert relative_luminance(colour) == pytest.approx(luminance, abs=5e-6)


@pytest.mark.parametrize(
    ("foreground", "background", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # WebAIM: the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # and the next one fails
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
    ],
)
def test_given_two_colours_when_their_contrast_is_computed_then_it_matches_published_values(
    foreground: str, background: str, ratio: float
) -> None:
    assert contrast_ratio(foreground, background) == pytest.approx(ratio, abs=0.005)
    assert contrast_ratio(background, foreground) == contrast_ratio(foreground, background)


def test_given_a_ratio_just_below_four_and_a_half_then_it_fails_aa_although_it_would_round_to_pass() -> None:
    # Given the darkest grey on white whose ratio still rounds to 4.50 but lies below it
    near = [f"#{value:02x}{value:02x}{value:02x}" for value in range(0x70, 0x80)]
    below = [colour for colour in near if 4.495 <= contrast_ratio(colour, "#ffffff") < AA_NORMAL_TEXT]
    above = [colour for colour in near if contrast_ratio(colour, "#ffffff") >= AA_NORMAL_TEXT]
    # Then the boundary lies between #767676 and #777777, and nothing below 4.5 passes
    assert above[-1] == "#767676"
    assert all(not passes_aa(colour, "#ffffff") for colour in below)
    assert passes_aa("#767676", "#ffffff")


@pytest.mark.parametrize(("given", "expected"), [("#ABC", "#aabbcc"), ("#0B4F9C", "#0b4f9c"), ("#fff", "#ffffff")])
def test_given_hex_colours_when_normalised_then_they_are_six_lower_case_digits(given: str, expected: str) -> None:
    assert normalise_hex(given) == expected


@pytest.mark.parametrize("bad", ["red", "#12345", "#1234567", "#ggg", "rgb(0,0,0)", "#ffffff80", "", "#"])
def test_given_anything_but_hex_when_normalised_then_it_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="hex colour"):
        normalise_hex(bad)
