"""Emerging problems (issue 4): a burst in one block stands out of a whole city's background, while steady busy
cells, bursts too small to act on and busy neighbourhoods do not; the tail probabilities, Benjamini–Hochberg,
the dispersion estimate and the plain-language explanations in the eight pilot languages."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta

import h3
import pytest

from koban.dashboard.emerging import (
    EXPLANATION_LANGUAGES,
    SCORE_CAP,
    EmergingSignal,
    Model,
    assess,
    benjamini_hochberg,
    estimate_dispersion,
    find_emerging,
    h3_neighbours,
    nbinom_log_sf,
    nbinom_sf,
    poisson_log_sf,
    poisson_sf,
)
from koban.i18n import SUPPORTED_LANGUAGES

Counts = dict[tuple[str, str], dict[date, int]]

TODAY = date(2026, 11, 15)
DAYS = 35  # 28 baseline days + 7 recent days
CENTRE = h3.latlng_to_cell(52.37, 4.89, 9)  # Amsterdam, Dam square
CITY = sorted(h3.grid_disk(CENTRE, 10))  # 331 cells of about 0.1 km²
SHARES = {"noise_night": 0.4, "dumping": 0.3, "speeding": 0.2, "burglary": 0.1}
MODELS: tuple[Model, ...] = ("poisson", "negative_binomial")


def poisson_days(rng: random.Random, rate: float, days: int = DAYS, end: date = TODAY) -> dict[date, int]:
    """Reports of a Poisson process at `rate` a day over the `days` days ending with `end`, counted per day."""
    series: dict[date, int] = {}
    if rate <= 0:
        return series
    t = rng.expovariate(rate)
    while t < days:
        day = end - timedelta(days=days - 1 - int(t))
        series[day] = series.get(day, 0) + 1
        t += rng.expovariate(rate)
    return series


def synthetic_city(seed: int, dispersion: float = 0.0) -> Counts:
    """Every cell of CITY × four categories with log-normal activity (median 0.15 reports a day, busy streets up
    to a few a day); with `dispersion` > 0 each week's rate is drawn around it from a Gamma of that dispersion."""
    rng = random.Random(seed)
    counts: Counts = {}
    for cell in CITY:
        activity = rng.lognormvariate(math.log(0.15), 1.0)
        for category, share in SHARES.items():
            series: dict[date, int] = {}
            for week in range(DAYS // 7):
                factor = rng.gammavariate(1 / dispersion, dispersion) if dispersion else 1.0
                end = TODAY - timedelta(days=7 * (DAYS // 7 - 1 - week))
                series.update(poisson_days(rng, activity * share * factor, 7, end))
            if series:
                counts[(cell, category)] = series
    return counts


def add_reports(counts: Counts, key: tuple[str, str], days: Iterable[date]) -> None:
    series = counts.setdefault(key, {})
    for day in days:
        series[day] = series.get(day, 0) + 1


def recent(n: int) -> list[date]:
    """n days of the recent window, one report each, cycling over the last 3 days."""
    return [TODAY - timedelta(days=i % 3) for i in range(n)]


def everything(counts: Counts, model: Model = "poisson") -> dict[tuple[str, str], EmergingSignal]:
    """Every pair as tested, emerging or not."""
    return {(s.cell, s.category): s for s in assess(counts, TODAY, model=model)}


# ---------------------------------------------------------------------------------------------------------------
# (a) a burst in one block among 331 cells × 4 categories


@pytest.mark.parametrize("model", MODELS)
def test_a_burst_in_one_block_is_the_top_signal_and_nothing_else_passes(model: Model) -> None:
    """Given a synthetic city with Poisson background rates (20 seeds), and one cell × category with 30 extra
    reports over the last 3 days, when emerging problems are sought, then the burst is the top signal in every
    run, and false signals are rare: at most 1 across all 20 runs of about 860 pairs (measured: 0 in 300 runs)."""
    false_positives: list[tuple[int, EmergingSignal]] = []
    for seed in range(20):
        counts = synthetic_city(seed)
        burst = (random.Random(1000 + seed).choice(CITY), "noise_night")
        add_reports(counts, burst, recent(30))

        signals = find_emerging(counts, TODAY, model=model)

        assert signals, f"seed {seed}: the burst was not found"
        top = signals[0]
        assert (top.cell, top.category) == burst, f"seed {seed}"
        assert top.recent_count >= 30
        assert top.recent_count > top.expected_recent
        assert top.ratio == pytest.approx(top.recent_count / top.expected_recent)
        assert top.adjusted_p_value < 0.01
        assert top.p_value <= top.adjusted_p_value
        assert top.score == pytest.approx(-math.log10(top.adjusted_p_value))
        assert (top.recent_days, top.baseline_days) == (7, 28)
        assert [s.score for s in signals] == sorted((s.score for s in signals), reverse=True)
        false_positives += [(seed, s) for s in signals[1:]]
    assert len(false_positives) <= 1, false_positives


def test_over_dispersed_city_needs_the_negative_binomial_model() -> None:
    """Given a city whose weekly rates wander (Gamma, dispersion 1) around each cell's level (10 seeds), when both
    models run, then the Poisson model raises many false signals and the negative binomial few, both finding the
    burst."""
    false_positives = dict.fromkeys(MODELS, 0)
    for seed in range(10):
        counts = synthetic_city(seed, dispersion=1.0)
        burst = (random.Random(1000 + seed).choice(CITY), "noise_night")
        add_reports(counts, burst, recent(30))
        for model in MODELS:
            signals = find_emerging(counts, TODAY, model=model)
            assert burst in {(s.cell, s.category) for s in signals}
            false_positives[model] += len(signals) - 1
    assert false_positives["negative_binomial"] <= 2
    assert false_positives["poisson"] >= 5 * max(1, false_positives["negative_binomial"])


# ---------------------------------------------------------------------------------------------------------------
# (b) steady, (c) too small, (d) neighbours


@pytest.mark.parametrize("model", MODELS)
def test_b_a_steadily_busy_cell_is_not_emerging(model: Model) -> None:
    """Given a cell drawn at 10 reports a day throughout (a nightlife street) among quiet neighbours, and one with
    exactly 10 every day, when emerging problems are sought, then neither is emerging: a cell's own history is
    its baseline, and quiet neighbours do not lower it (the steady one expects its own 70 a week)."""
    for seed in range(5):
        counts = synthetic_city(seed)
        rng = random.Random(seed)
        for cell in h3_neighbours(CENTRE):
            counts.pop((cell, "noise_night"), None)
        counts[(CENTRE, "noise_night")] = poisson_days(rng, 10.0)
        counts[(CITY[0], "noise_night")] = {TODAY - timedelta(days=i): 10 for i in range(DAYS)}

        flagged = {(s.cell, s.category) for s in find_emerging(counts, TODAY, model=model)}

        assert (CENTRE, "noise_night") not in flagged
        assert (CITY[0], "noise_night") not in flagged
        steady = everything(counts)[(CITY[0], "noise_night")]
        assert steady.expected_recent == pytest.approx(280.5 / 28 * 7)  # Jeffreys: (B + ½) / T a day


def test_c_a_burst_below_min_recent_is_not_reported() -> None:
    """Given a cell never seen before, among quiet neighbours, with 4 reports this week, when emerging problems
    are sought, then it is not reported (too few to act on), though it would be with min_recent=4."""
    counts: Counts = {(CENTRE, "dumping"): {TODAY: 4}}
    counts |= {(cell, "dumping"): {TODAY - timedelta(days=20): 1} for cell in h3_neighbours(CENTRE)[:2]}

    assert find_emerging(counts, TODAY) == []
    lowered = find_emerging(counts, TODAY, min_recent=4)
    assert [(s.cell, s.recent_count) for s in lowered] == [(CENTRE, 4)]


def test_d_busy_neighbours_make_a_new_cell_less_extreme() -> None:
    """Given a brand-new cell with 8 reports this week, when its neighbours are busy (3 a day each in the same
    category) rather than quiet, then it is expected to see more, its p-value is larger and it is not emerging,
    while among quiet neighbours it is; the neighbours' own recent reports are given as context."""
    rng = random.Random(7)
    new_cell = {(CENTRE, "noise_night"): {TODAY: 3, TODAY - timedelta(days=1): 3, TODAY - timedelta(days=2): 2}}
    quiet: Counts = dict(new_cell)
    busy: Counts = dict(new_cell)
    for cell in h3_neighbours(CENTRE):
        quiet[(cell, "noise_night")] = poisson_days(rng, 0.05)
        busy[(cell, "noise_night")] = poisson_days(rng, 3.0)

    among_quiet = everything(quiet)[(CENTRE, "noise_night")]
    among_busy = everything(busy)[(CENTRE, "noise_night")]

    assert among_quiet.baseline_count == among_busy.baseline_count == 0
    assert among_busy.expected_recent > 10 * among_quiet.expected_recent
    assert among_busy.p_value > 1000 * among_quiet.p_value
    assert among_busy.neighbour_recent == sum(
        busy[(c, "noise_night")].get(d, 0)
        for c in h3_neighbours(CENTRE)
        for d in (TODAY - timedelta(days=i) for i in range(7))
    )
    assert (CENTRE, "noise_night") in {(s.cell, s.category) for s in find_emerging(quiet, TODAY)}
    assert (CENTRE, "noise_night") not in {(s.cell, s.category) for s in find_emerging(busy, TODAY)}


def test_windows_neighbours_and_inputs() -> None:
    """Given counts on days outside both windows, a custom neighbour function, or bad parameters, then old and
    future days are ignored, the custom neighbours are used once per cell, `assess` gives every pair tested in
    input order, and bad input is a ValueError."""
    cell, other = CITY[0], CITY[1]
    counts: Counts = {
        (cell, "speeding"): {TODAY: 6, TODAY + timedelta(days=1): 50, TODAY - timedelta(days=40): 50},
        (other, "speeding"): {TODAY - timedelta(days=10): 2, TODAY - timedelta(days=3): 3},
    }
    calls: list[str] = []

    def around(c: str) -> list[str]:
        calls.append(c)
        return [other, c] if c == cell else []

    (signal,) = find_emerging(counts, TODAY, neighbours=around, alpha=0.05)
    assert (signal.recent_count, signal.baseline_count, signal.neighbour_recent) == (6, 0, 3)
    assert sorted(calls) == sorted([cell, other])  # one look-up per cell
    assert find_emerging({}, TODAY) == []
    tested = assess(counts, TODAY, neighbours=around)
    assert [(t.cell, t.recent_count, t.baseline_count) for t in tested] == [(cell, 6, 0), (other, 3, 2)]
    assert tested[1].expected_recent == pytest.approx(2.5 / 28 * 7)  # no neighbours: its own history
    with pytest.raises(ValueError, match="alpha"):
        find_emerging(counts, TODAY, alpha=0.0)
    with pytest.raises(ValueError, match="at least 1"):
        find_emerging(counts, TODAY, recent_days=0)
    with pytest.raises(ValueError, match="unknown model"):
        assess(counts, TODAY, model="zero_inflated")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative count"):
        find_emerging({(cell, "speeding"): {TODAY: -1}}, TODAY)
    with pytest.raises(FrozenInstanceError):
        signal.score = 0.0  # type: ignore[misc]


def test_an_enormous_burst_has_a_finite_capped_score() -> None:
    """Given 100,000 reports in a week in a cell never seen before, then the p-values are floored at 1e-300 and
    the score is capped at SCORE_CAP, all finite."""
    (signal,) = find_emerging({(CENTRE, "noise_night"): {TODAY: 100_000}}, TODAY)
    assert signal.score == SCORE_CAP
    assert signal.p_value == pytest.approx(1e-300)
    assert math.isfinite(signal.ratio)


def test_default_neighbours_are_the_h3_ring_and_h3_is_imported_lazily() -> None:
    """Given an H3 cell, then the default neighbours are grid_disk(cell, 1) without the cell; and importing the
    module does not import h3."""
    assert set(h3_neighbours(CENTRE)) == set(h3.grid_disk(CENTRE, 1)) - {CENTRE}
    assert len(h3_neighbours(CENTRE)) == 6
    code = "import sys, koban.dashboard.emerging; assert 'h3' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------------------------
# (e) tail probabilities


def brute_poisson_sf(k: int, lam: float) -> float:
    terms = [math.exp(j * math.log(lam) - lam - math.lgamma(j + 1)) for j in range(k, k + int(lam) + 400)]
    return math.fsum(terms)


def brute_nbinom_sf(k: int, mean: float, size: float) -> float:
    """The pmf summed upward from k above the mean, one minus the sum below k otherwise (no cancellation)."""
    p = size / (size + mean)

    def pmf(j: int) -> float:
        return math.exp(
            math.lgamma(j + size) - math.lgamma(size) - math.lgamma(j + 1) + size * math.log(p) + j * math.log1p(-p)
        )

    if k > mean:
        return math.fsum(pmf(j) for j in range(k, k + 20_000))
    return 1.0 - math.fsum(pmf(j) for j in range(k))


@pytest.mark.parametrize("lam", [1e-3, 0.05, 0.7, 2.5, 9.0, 40.0])
def test_e_poisson_tail_matches_brute_force_and_is_monotone(lam: float) -> None:
    """Given small means, then P(X ≥ k) agrees with summing the pmf, is 1 at k = 0 and decreases in k."""
    values = [poisson_sf(k, lam) for k in range(60)]
    assert values[0] == 1.0
    for k in range(1, 60):
        expected = brute_poisson_sf(k, lam)
        assert values[k] == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert values == sorted(values, reverse=True)
    assert poisson_sf(5, lam) <= poisson_sf(5, lam * 1.1)  # increasing in the mean


def test_e_poisson_tail_is_accurate_for_large_means_without_overflow() -> None:
    """Given Poisson(1000) ≥ 1100, then it is close to the continuity-corrected normal (the Poisson tail being a
    little heavier, skewed right); given λ = 1e4 and k = 1e5, or λ = 1e-3, then the log tail is finite and equals
    the leading term times its geometric series."""
    exact = poisson_sf(1100, 1000.0)
    normal = 0.5 * math.erfc((1099.5 - 1000.0) / math.sqrt(1000.0) / math.sqrt(2.0))
    assert normal < exact < 1.25 * normal
    assert exact == pytest.approx(brute_poisson_sf(1100, 1000.0), rel=1e-9)
    assert poisson_sf(1000, 1000.0) == pytest.approx(0.5, abs=0.02)
    for k, lam in [(100_000, 1e4), (100_000, 1e-3), (10_001, 1e4)]:
        value = poisson_log_sf(k, lam)
        assert math.isfinite(value)
        if k > 2 * lam:
            leading = k * math.log(lam) - lam - math.lgamma(k + 1) - math.log1p(-lam / (k + 1))
            assert value == pytest.approx(leading, rel=1e-9)
    assert poisson_log_sf(100_000, 1e4) == pytest.approx(-140_265.08, abs=0.01)
    assert poisson_sf(100_000, 1e4) == 0.0  # the log is the usable form out there
    assert poisson_log_sf(0, 0.0) == 0.0
    assert poisson_log_sf(1, 0.0) == -math.inf
    with pytest.raises(ValueError, match="mean"):
        poisson_log_sf(3, -1.0)


@pytest.mark.parametrize(("mean", "size"), [(0.1, 0.5), (2.0, 1.0), (5.0, 3.0), (30.0, 0.2), (300.0, 50.0)])
def test_e_negative_binomial_tail_matches_brute_force(mean: float, size: float) -> None:
    """Given NB parameters, then P(X ≥ k) agrees with summing the pmf (continued fraction, both sides of the
    mode), and with size 1 it is the geometric tail (mean / (1 + mean))^k."""
    for k in [1, 2, 3, 5, int(mean), int(mean) + 1, int(2 * mean) + 3, int(5 * mean) + 10]:
        expected = brute_nbinom_sf(k, mean, size)
        assert nbinom_sf(k, mean, size) == pytest.approx(expected, rel=1e-8, abs=1e-15)
    assert nbinom_sf(7, 2.0, 1.0) == pytest.approx((2.0 / 3.0) ** 7, rel=1e-12)


def test_e_negative_binomial_tends_to_poisson_and_stays_finite() -> None:
    """Given a growing size, then the NB tail tends to the Poisson tail; far in the tail a smaller size gives a
    larger tail; extreme arguments give finite logs."""
    gaps = [abs(nbinom_sf(30, 12.0, size) / poisson_sf(30, 12.0) - 1.0) for size in (1e2, 1e4, 1e7, 1e12, math.inf)]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[2] < 1e-4  # ≈ ((k − mean)² − k) / (2 size): real, not rounding
    assert gaps[3] < 1e-8
    assert gaps[4] == 0.0
    tails = [nbinom_log_sf(40, 10.0, size) for size in (0.5, 2.0, 10.0, 100.0, math.inf)]
    assert tails == sorted(tails, reverse=True)
    for k, mean, size in [(100_000, 1e4, 0.1), (100_000, 1e4, 1e6), (100_000, 1e-3, 0.01), (10_001, 1e4, 1e9)]:
        assert math.isfinite(nbinom_log_sf(k, mean, size))
    with pytest.raises(ValueError, match="size"):
        nbinom_log_sf(3, 1.0, 0.0)


# ---------------------------------------------------------------------------------------------------------------
# (f) Benjamini–Hochberg, (h) over-dispersion


def test_f_benjamini_hochberg_matches_a_hand_computed_example() -> None:
    """Given p = (0.01, 0.04, 0.03, 0.005), then sorted 0.005, 0.01, 0.03, 0.04 times m/rank = 0.02, 0.02, 0.04,
    0.04, with the running minimum from the largest, back in the input order; R's p.adjust agrees on (0.01, 0.02,
    0.03, 0.04, 0.05) → all 0.05; adjusted values never exceed 1."""
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05] * 5)
    assert benjamini_hochberg([0.9, 0.8, 0.001]) == pytest.approx([0.9, 0.9, 0.003])
    assert benjamini_hochberg([1.0, 0.0]) == [1.0, 0.0]
    assert benjamini_hochberg([]) == []
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([1.5])


def test_h_dispersion_estimate_and_negative_binomial_is_more_conservative() -> None:
    """Given block totals, then the pooled moment estimate is hand-checkable, near 0 for Poisson data and near
    the truth for Gamma-mixed data; given an over-dispersed city, then for every pair well above its expectation
    the negative binomial p-value is larger than the Poisson one (near the mean its tail can be the lighter)."""
    # (4, 0): m = 2, v = 8 → (8 − 2) / (4 − 8/2 ...) ; with (2, 2) added: Σ(v − m) = 6 − 2, Σ(m² − v/n) = 0 + 4.
    assert estimate_dispersion([[4, 0], [2, 2]]) == pytest.approx((6.0 - 2.0) / (0.0 + 4.0))
    assert estimate_dispersion([[3], [0, 0]]) == 0.0
    rng = random.Random(3)
    poisson_blocks = [[sum(poisson_days(rng, 1.0, 7).values()) for _ in range(4)] for _ in range(300)]
    gamma_blocks = [
        [sum(poisson_days(rng, rng.gammavariate(2.0, 0.5), 7).values()) for _ in range(4)] for _ in range(300)
    ]
    assert estimate_dispersion(poisson_blocks) < 0.1
    assert estimate_dispersion(gamma_blocks) == pytest.approx(0.5, abs=0.2)

    counts = synthetic_city(11, dispersion=0.5)
    poisson = everything(counts, "poisson")
    negative_binomial = everything(counts, "negative_binomial")
    compared = 0
    for key, signal in poisson.items():
        if signal.recent_count >= 1.5 * signal.expected_recent + 2:
            assert negative_binomial[key].p_value > signal.p_value, key
            compared += 1
    assert compared >= 15


# ---------------------------------------------------------------------------------------------------------------
# (g) explanations


SIGNAL = EmergingSignal(
    cell=CENTRE,
    category="noise_night",
    recent_count=34,
    recent_days=7,
    baseline_count=7,
    baseline_days=28,
    expected_recent=2.0,
    ratio=17.0,
    p_value=1e-7,
    adjusted_p_value=8e-5,
    score=-math.log10(8e-5),
    neighbour_recent=5,
)
NAMES = {
    "en": "night noise",
    "nl": "nachtelijk geluid",
    "pl": "hałas nocny",
    "fi": "yömelu",
    "es": "ruido nocturno",
    "pt": "ruído noturno",
    "fr": "tapage nocturne",
    "de": "nächtlicher Lärm",
}


def test_g_explanations_exist_in_all_eight_languages_with_the_counts() -> None:
    """Given a signal, then each of the eight pilot languages has its own sentence naming the category, the 34
    reports, the expected 2, the ratio 17 and the odds in that language's number format; anything else falls
    back to English."""
    assert set(EXPLANATION_LANGUAGES) == set(SUPPORTED_LANGUAGES)
    odds = {
        "en": "10,000",
        "nl": "10.000",
        "de": "10.000",
        "es": "10.000",
        "pl": "10\u00a0000",
        "fi": "10\u00a0000",
        "pt": "10\u00a0000",
        "fr": "10\u202f000",
    }
    sentences = {}
    for language in SUPPORTED_LANGUAGES:
        text = SIGNAL.explanation(language, NAMES[language])
        sentences[language] = text
        assert text.startswith("34 ")
        assert NAMES[language] in text
        assert " 2 " in text
        assert "17" in text
        assert odds[language] in text
        assert "{" not in text
        assert text.endswith(").")
    assert len(set(sentences.values())) == 8
    assert sentences["en"] == (
        "34 reports of “night noise” in the last 7 days in this block, where about 2 would be expected from the "
        "previous 4 weeks and the surrounding blocks (about 17 times as many; the chance of this happening by "
        "coincidence is below 1 in 10,000)."
    )
    assert SIGNAL.explanation("xx", "night noise") == sentences["en"]
    assert SIGNAL.explanation("pt-BR", "ruído noturno") == sentences["pt"]
    assert SIGNAL.explanation("de_AT", "nächtlicher Lärm") == sentences["de"]
    assert "“noise_night”" in SIGNAL.explanation("en")  # no name given: the code


def test_g_a_neighbourhood_is_never_called_a_block() -> None:
    """Given the same signal in a resolution-7 cell (a neighbourhood), then no language calls it a block, and each
    sentence differs from the block's."""
    neighbourhood = replace(SIGNAL, cell=h3.cell_to_parent(CENTRE, 7))
    assert (SIGNAL.area, neighbourhood.area) == ("block", "neighbourhood")
    blocks = {"en": "block", "nl": "blok", "pl": "kwarta", "fi": "kortteli", "es": "manzana", "pt": "quarteir"}
    blocks |= {"fr": "îlot", "de": "Häuserbl"}
    for language in SUPPORTED_LANGUAGES:
        text = neighbourhood.explanation(language, NAMES[language])
        assert blocks[language] in SIGNAL.explanation(language, NAMES[language])
        assert blocks[language] not in text, text
        assert "{" not in text
    assert neighbourhood.explanation("en", "night noise") == (
        "34 reports of “night noise” in the last 7 days in this neighbourhood, where about 2 would be expected from "
        "the previous 4 weeks and the surrounding neighbourhoods (about 17 times as many; the chance of this "
        "happening by coincidence is below 1 in 10,000)."
    )


def test_g_explanations_follow_plurals_and_number_formats() -> None:
    """Given other counts and windows, then singular and Polish plural forms, decimals and small expectations are
    written the way each language writes them."""
    one_day = replace(SIGNAL, recent_count=1, recent_days=1, baseline_days=30, expected_recent=0.083, ratio=12.05)
    assert one_day.explanation("en", "dumping").startswith("1 report of “dumping” in the last day")
    assert "the previous 30 days" in one_day.explanation("en", "dumping")
    assert "about 0.08 would" in one_day.explanation("en", "dumping")
    assert "ongeveer 0,08 was" in one_day.explanation("nl", "afval")
    assert "viimeisen päivän aikana" in one_day.explanation("fi", "roskaaminen")
    polish = {n: replace(SIGNAL, recent_count=n).explanation("pl", "hałas") for n in (22, 12, 35, 1234)}
    assert polish[22].startswith("22 zgłoszenia ")
    assert polish[12].startswith("12 zgłoszeń ")
    assert polish[35].startswith("35 zgłoszeń ")
    assert polish[1234].startswith("1234 zgłoszenia ")  # Polish groups from five digits
    assert replace(SIGNAL, recent_count=12_345).explanation("pl", "hałas").startswith("12\u00a0345 zgłoszeń ")
    assert "etwa 2,5-mal so viele" in replace(SIGNAL, ratio=2.5).explanation("de", "Lärm")
    assert "below 1 in 1,000,000,000" in replace(SIGNAL, adjusted_p_value=1e-300).explanation("en", "noise")
    assert "below 1 in 200)" in replace(SIGNAL, adjusted_p_value=0.004).explanation("en", "noise")
