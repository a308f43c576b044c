"""Emerging problems: the cells × categories whose recent reports stand significantly above their own baseline.

"Dozens of night-noise complaints from one block must not disappear into the totals." This module is the pure
statistics behind the dashboard's `emerging` endpoint: it reads the per-day counters of the cells asked for (no
I/O here; the caller reads them), so its cost is linear in the (cell, category, day) entries it is given plus
one neighbour look-up per cell, never in the number of reports behind them.

Method
------
Windows. The recent window is the `recent_days` local days ending with `today` (inclusive); the baseline is the
`baseline_days` days just before it. Days outside both are ignored; a missing day counts 0.

Expected rate and its uncertainty (empirical Bayes). For a pair (cell c, category k) with B reports over the
T baseline days, and N̄ the mean baseline total of category k over c's neighbours (the H3 ring at distance 1:
six cells), the daily rate has two Gamma posteriors:

    own        Gamma(shape B + a,        rate T)             the cell's own history under Jeffreys' prior
    smoothed   Gamma(shape B + a + w·N̄,  rate T·(1 + w))     the neighbours' rate as w·T extra pseudo-days

and the one with the higher mean is used; the expected recent count is λ = recent_days × shape / rate.

- a = 0.5 (`PRIOR_COUNT`, Jeffreys' prior for a Poisson rate): a cell never seen before among quiet neighbours
  still expects 0.5 / 28 a day (about 0.13 a week with the defaults), so its first burst gets a finite, very
  small p-value, never a division by zero.
- w = 0.5 (`NEIGHBOUR_WEIGHT`): the six neighbours together weigh as half of the cell's own history. Enough
  that a cell with little history next to a busy street is judged against what is normal around it, small
  enough that a cell's own four weeks dominate.
- One-sided (the higher mean): neighbours may explain reports away, never manufacture a signal. Symmetric
  shrinkage would pull every steadily busy cell between quiet ones (a nightlife street, a station) towards its
  neighbours, e.g. a steady 10 a day would be expected at 6.7 a day and flagged every week for nothing new. The
  issue asks for counts "above their own baseline": the cell's history is the baseline; neighbours temper it.

Test. Given the rate, the recent count is Poisson(recent_days × rate); integrated over the rate's Gamma
posterior it is negative binomial with mean λ and size = the posterior shape (the Poisson-Gamma predictive),
and p = P(X ≥ observed recent). For a well-observed pair the shape is large and this is the Poisson test
P(Poisson(λ) ≥ observed); for a pair with 0–4 baseline reports it adds the uncertainty of a rate estimated
from so few. Measured on synthetic cities (331 cells × 4 categories, pure Poisson background, one true burst,
about 860 pairs tested per run, 700 runs): the plain plug-in Poisson(λ) test raised 42 false signals, one run in
17, where alpha = 0.01 allows about one in 50, all in pairs whose rate had been underestimated by chance; the
predictive raised 1. The price is a little power: 10 reports in 3 days in a random cell are found 76% of the
time instead of 89%; 15 are found 97% of the time.

Tails are computed exactly in log space: `poisson_log_sf` sums pmf terms outward from the first, scaled by it;
`nbinom_log_sf` uses the regularised incomplete beta function, P(X ≥ k) = I_x(k, size) with x = λ / (λ + size),
by its continued fraction. Nothing overflows or underflows for λ from 1e-3 to beyond 1e4 and counts beyond 1e5.

Over-dispersion (`model="negative_binomial"`). Real report counts vary more than Poisson (weather, events, a
week with a campaign). NB counts with size s have variance λ + λ²/s; the dispersion φ = 1/s is estimated by the
method of moments from the baseline of all pairs at once. The baseline is cut into blocks as long as the recent
window (the quantity tested is a window total, so day-of-week patterns, which cancel in a weekly total, must not
count as dispersion), ending where the recent window starts; for each pair with block totals of mean m and
unbiased variance v over n blocks, E[v − m] = φ·μ² and E[m² − v/n] = μ², so the pooled estimate is

    φ = max(0, Σ (v − m) / Σ (m² − v/n))

(a ratio of sums: stable when single pairs are noisy, and busy pairs, which carry the information, weigh most).
With fewer than two such blocks the blocks are single days, and a total of `recent_days` independent days has
size recent_days / φ. The predictive then mixes both sources of variance: NB counts around a Gamma rate have
variance λ + λ²·(1/shape + 1/s + 1/(shape·s)), matched by an NB with that size. φ = 0 is the Poisson model;
φ > 0 gives heavier upper tails, so well above the expectation, where signals are, larger p-values.

Multiple testing. Every pair present in `counts` is one test (pairs with few or no recent reports included:
leaving them out because their count is low would select tests on their outcome); the p-values are corrected
with Benjamini–Hochberg, which controls the expected share of false alarms among the signals shown at `alpha`.

Decision (`find_emerging`; `assess` gives every pair as tested). A pair is emerging when its adjusted p-value
< `alpha`, its recent count ≥ `min_recent` (fewer is too little to act on, however unusual) and it is above its
expectation. Score = −log10(adjusted p), capped at `SCORE_CAP` (300: beyond that the model's own assumptions,
not the data, limit what the number means; p-values are floored at 10^−300 accordingly, so every number is a
finite float).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

Model = Literal["poisson", "negative_binomial"]
Area = Literal["block", "neighbourhood"]
Neighbours = Callable[[str], Iterable[str]]

NEIGHBOUR_WEIGHT: Final = 0.5
"""Weight w of the neighbours' mean baseline relative to the cell's own (w·T pseudo-days of prior observation)."""
PRIOR_COUNT: Final = 0.5
"""Pseudo-count a of Jeffreys' prior for a Poisson rate, so no expectation is ever zero."""
SCORE_CAP: Final = 300.0
"""Largest score (−log10 of the adjusted p-value); p-values are floored at 10^−SCORE_CAP."""
_LOG_P_FLOOR: Final = -SCORE_CAP * math.log(10.0)
_REL_TOL: Final = 1e-17
# Below this excess variance per unit mean (λ / size) the negative binomial is the Poisson to within rounding.
_NB_POISSON_LIMIT: Final = 1e-10
BLOCK_RESOLUTION: Final = 9
"""The coarsest H3 resolution whose cells an explanation calls blocks; coarser cells are neighbourhoods."""


def cell_resolution(cell: str) -> int:
    """The resolution of an H3 cell index (bits 52-55), read without importing h3."""
    return (int(cell, 16) >> 52) & 0xF


# ---------------------------------------------------------------------------------------------------------------
# Tail probabilities


def poisson_log_sf(k: int, lam: float) -> float:
    """Natural log of P(X ≥ k) for X ~ Poisson(lam), exact to rounding and finite whenever the tail is non-zero.

    For k > lam the tail is summed upward from the pmf at k; otherwise it is one minus the lower tail summed
    downward from k − 1. Terms are scaled by the first one and the sum stops when a geometric bound on what is
    left falls below 1e-17 of it, so the cost is O(1) far in the tail and O(√lam) near the mean.
    """
    if not math.isfinite(lam) or lam < 0:
        raise ValueError(f"the Poisson mean must be finite and non-negative, got {lam}")
    if k <= 0:
        return 0.0
    if lam == 0:
        return -math.inf
    if k > lam:
        log_first = k * math.log(lam) - lam - math.lgamma(k + 1)
        total = term = 1.0
        j = k
        while True:
            j += 1
            ratio = lam / j
            term *= ratio
            total += term
            next_ratio = lam / (j + 1)
            if term * next_ratio / (1.0 - next_ratio) <= total * _REL_TOL:
                break
        return log_first + math.log(total)
    # k <= lam: P(X >= k) = 1 - P(X <= k - 1), the lower tail being at most about one half.
    log_first = (k - 1) * math.log(lam) - lam - math.lgamma(k)
    total = term = 1.0
    for j in range(k - 1, 0, -1):
        term *= j / lam
        total += term
        next_ratio = (j - 1) / lam
        if term * next_ratio / (1.0 - next_ratio) <= total * _REL_TOL:
            break
    return math.log1p(-math.exp(log_first + math.log(total)))


def poisson_sf(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam) (may underflow to 0.0 far in the tail; use `poisson_log_sf` there)."""
    return math.exp(poisson_log_sf(k, lam))


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz), for x < (a+1)/(a+b+2)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    max_iterations = 1000 + int(20.0 * math.sqrt(max(a, b)))
    for m in range(1, max_iterations + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < 1e-15:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def _log_betainc(a: float, b: float, x: float, y: float) -> float:
    """Natural log of the regularised incomplete beta I_x(a, b), with y = 1 − x given separately."""
    if x <= 0.0:
        return -math.inf
    if y <= 0.0:
        return 0.0
    log_front = a * math.log(x) + b * math.log(y) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    if x < (a + 1.0) / (a + b + 2.0):
        return log_front + math.log(_betacf(a, b, x)) - math.log(a)
    # The other side of the mode: I_x(a, b) = 1 − I_y(b, a), and here I_x(a, b) is not small.
    return math.log1p(-math.exp(log_front + math.log(_betacf(b, a, y)) - math.log(b)))


def nbinom_log_sf(k: int, mean: float, size: float) -> float:
    """Natural log of P(X ≥ k) for a negative binomial X with this mean and size (variance mean + mean²/size).

    P(X ≥ k) = I_x(k, size) with x = mean / (mean + size). A size of `math.inf` (or one so large that the
    excess variance is negligible) is the Poisson distribution.
    """
    if not math.isfinite(mean) or mean < 0:
        raise ValueError(f"the mean must be finite and non-negative, got {mean}")
    if not size > 0:
        raise ValueError(f"the size must be positive, got {size}")
    if k <= 0:
        return 0.0
    if mean == 0:
        return -math.inf
    if math.isinf(size) or mean / size < _NB_POISSON_LIMIT:
        return poisson_log_sf(k, mean)
    return _log_betainc(float(k), size, mean / (mean + size), size / (mean + size))


def nbinom_sf(k: int, mean: float, size: float) -> float:
    """P(X ≥ k) for a negative binomial X with this mean and size."""
    return math.exp(nbinom_log_sf(k, mean, size))


# ---------------------------------------------------------------------------------------------------------------
# Multiple testing


def _log_benjamini_hochberg(log_p: Sequence[float]) -> list[float]:
    m = len(log_p)
    order = sorted(range(m), key=lambda i: log_p[i])
    adjusted = [0.0] * m
    running = 0.0  # log 1: an adjusted p-value never exceeds 1
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, log_p[i] + math.log(m / rank))
        adjusted[i] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (step-up, capped at 1), in the order given."""
    for p in p_values:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"a p-value must lie in [0, 1], got {p}")
    logs = [math.log(p) if p > 0 else -math.inf for p in p_values]
    return [math.exp(value) for value in _log_benjamini_hochberg(logs)]


# ---------------------------------------------------------------------------------------------------------------
# Over-dispersion


def _pooled_dispersion(moments: Iterable[tuple[float, float, int]]) -> float:
    """φ = max(0, Σ (v − m) / Σ (m² − v/n)) over (mean m, unbiased variance v, n ≥ 2 blocks) per pair."""
    numerator = denominator = 0.0
    for mean, variance, n in moments:
        numerator += variance - mean
        denominator += mean * mean - variance / n
    return max(0.0, numerator / denominator) if denominator > 0.0 else 0.0


def estimate_dispersion(block_totals: Iterable[Sequence[int]]) -> float:
    """Pooled method-of-moments NB dispersion φ (variance μ + φμ²) from per-pair series of block totals.

    Series with fewer than two blocks carry no information on variance and are skipped.
    """
    moments: list[tuple[float, float, int]] = []
    for series in block_totals:
        n = len(series)
        if n >= 2:
            mean = sum(series) / n
            moments.append((mean, sum((x - mean) ** 2 for x in series) / (n - 1), n))
    return _pooled_dispersion(moments)


# ---------------------------------------------------------------------------------------------------------------
# Result and its plain-language explanation


@dataclass(frozen=True, slots=True)
class _Phrases:
    sentence: str
    reports: Mapping[str, str]
    recent: Mapping[str, str]
    baseline_weeks: Mapping[str, str]
    baseline_days: Mapping[str, str]
    here: Mapping[Area, str]  # "in this block" / "in this neighbourhood"
    around: Mapping[Area, str]  # "the surrounding blocks" / "... neighbourhoods"
    quotes: tuple[str, str]
    decimal: str
    group: str
    min_grouping: int  # CLDR minimum grouping digits: 2 writes 1000 but 10 000


_NBSP = "\u00a0"
_NNBSP = "\u202f"

_PHRASES: Final[Mapping[str, _Phrases]] = {
    "en": _Phrases(
        sentence="{reports} {recent} {here}, where about {expected} would be expected from {baseline} and {around} "
        "(about {ratio} times as many; the chance of this happening by coincidence is below 1 in {odds}).",
        reports={"one": "{n} report of {category}", "other": "{n} reports of {category}"},
        recent={"one": "in the last day", "other": "in the last {n} days"},
        baseline_weeks={"one": "the previous week", "other": "the previous {n} weeks"},
        baseline_days={"one": "the previous day", "other": "the previous {n} days"},
        here={"block": "in this block", "neighbourhood": "in this neighbourhood"},
        around={"block": "the surrounding blocks", "neighbourhood": "the surrounding neighbourhoods"},
        quotes=("“", "”"),
        decimal=".",
        group=",",
        min_grouping=1,
    ),
    "nl": _Phrases(
        sentence="{reports} {recent} {here}, terwijl de verwachting op basis van {baseline} en {around} ongeveer "
        "{expected} was (ongeveer {ratio} keer zoveel; de kans dat dit toeval is, is kleiner dan 1 op {odds}).",
        reports={"one": "{n} melding over {category}", "other": "{n} meldingen over {category}"},
        recent={"one": "in het afgelopen etmaal", "other": "in de afgelopen {n} dagen"},
        baseline_weeks={"one": "de week daarvoor", "other": "de {n} weken daarvoor"},
        baseline_days={"one": "de dag daarvoor", "other": "de {n} dagen daarvoor"},
        here={"block": "in dit blok", "neighbourhood": "in deze buurt"},
        around={"block": "de omliggende blokken", "neighbourhood": "de omliggende buurten"},
        quotes=("“", "”"),
        decimal=",",
        group=".",
        min_grouping=1,
    ),
    "pl": _Phrases(
        sentence="{reports} {recent} {here}, podczas gdy na podstawie {baseline} i {around} "
        "można było spodziewać się około {expected} (około {ratio} razy więcej; prawdopodobieństwo, że to "
        "przypadek, jest mniejsze niż 1 na {odds}).",
        reports={
            "one": "{n} zgłoszenie w kategorii {category}",
            "few": "{n} zgłoszenia w kategorii {category}",
            "other": "{n} zgłoszeń w kategorii {category}",
        },
        recent={"one": "w ciągu ostatniego dnia", "other": "w ciągu ostatnich {n} dni"},
        baseline_weeks={"one": "poprzedniego tygodnia", "other": "poprzednich {n} tygodni"},
        baseline_days={"one": "poprzedniego dnia", "other": "poprzednich {n} dni"},
        here={"block": "w tym kwartale", "neighbourhood": "na tym osiedlu"},
        around={"block": "sąsiednich kwartałów", "neighbourhood": "sąsiednich osiedli"},
        quotes=("„", "”"),
        decimal=",",
        group=_NBSP,
        min_grouping=2,
    ),
    "fi": _Phrases(
        sentence="{reports} {recent} {here}, kun {baseline} ja {around} perusteella "
        "odotettavissa olisi ollut noin {expected} (noin {ratio} kertaa niin paljon; todennäköisyys, että tämä "
        "johtuu sattumasta, on alle 1:{odds}).",
        reports={"one": "{n} ilmoitus aiheesta {category}", "other": "{n} ilmoitusta aiheesta {category}"},
        recent={"one": "viimeisen päivän aikana", "other": "viimeisten {n} päivän aikana"},
        baseline_weeks={"one": "edeltävän viikon", "other": "edeltävien {n} viikon"},
        baseline_days={"one": "edeltävän päivän", "other": "edeltävien {n} päivän"},
        here={"block": "tässä korttelissa", "neighbourhood": "tällä asuinalueella"},
        around={"block": "ympäröivien korttelien", "neighbourhood": "ympäröivien asuinalueiden"},
        quotes=("”", "”"),
        decimal=",",
        group=_NBSP,
        min_grouping=1,
    ),
    "es": _Phrases(
        sentence="{reports} {recent} {here}, cuando, según {baseline} y {around}, cabría "
        "esperar unos {expected} (unas {ratio} veces más; la probabilidad de que esto ocurra por casualidad es "
        "inferior a 1 entre {odds}).",
        reports={"one": "{n} aviso de {category}", "other": "{n} avisos de {category}"},
        recent={"one": "en el último día", "other": "en los últimos {n} días"},
        baseline_weeks={"one": "la semana anterior", "other": "las {n} semanas anteriores"},
        baseline_days={"one": "el día anterior", "other": "los {n} días anteriores"},
        here={"block": "en esta manzana", "neighbourhood": "en este barrio"},
        around={"block": "las manzanas de alrededor", "neighbourhood": "los barrios de alrededor"},
        quotes=("«", "»"),
        decimal=",",
        group=".",
        min_grouping=2,
    ),
    "pt": _Phrases(  # European Portuguese: the pilot is in Portugal
        sentence="{reports} {recent} {here}, quando, com base {baseline} e {around}, seria "
        "de esperar cerca de {expected} (cerca de {ratio} vezes mais; a probabilidade de isto acontecer por acaso "
        "é inferior a 1 em {odds}).",
        reports={"one": "{n} participação de {category}", "other": "{n} participações de {category}"},
        recent={"one": "no último dia", "other": "nos últimos {n} dias"},
        baseline_weeks={"one": "na semana anterior", "other": "nas {n} semanas anteriores"},
        baseline_days={"one": "no dia anterior", "other": "nos {n} dias anteriores"},
        here={"block": "neste quarteirão", "neighbourhood": "neste bairro"},
        around={"block": "nos quarteirões vizinhos", "neighbourhood": "nos bairros vizinhos"},
        quotes=("«", "»"),
        decimal=",",
        group=_NBSP,
        min_grouping=2,
    ),
    "fr": _Phrases(
        sentence="{reports} {recent} {here}, alors que, d’après {baseline} et {around}, on en "
        f"attendrait environ {{expected}} (environ {{ratio}} fois plus{_NNBSP}; la probabilité que cela arrive par "
        "hasard est inférieure à 1 sur {odds}).",
        reports={"one": "{n} signalement {category}", "other": "{n} signalements {category}"},
        recent={"one": "au cours du dernier jour", "other": "au cours des {n} derniers jours"},
        baseline_weeks={"one": "la semaine précédente", "other": "les {n} semaines précédentes"},
        baseline_days={"one": "le jour précédent", "other": "les {n} jours précédents"},
        here={"block": "dans cet îlot", "neighbourhood": "dans ce quartier"},
        around={"block": "les îlots voisins", "neighbourhood": "les quartiers voisins"},
        quotes=(f"«{_NBSP}", f"{_NBSP}»"),
        decimal=",",
        group=_NNBSP,
        min_grouping=1,
    ),
    "de": _Phrases(
        sentence="{reports} {recent} {here}, während ausgehend von {baseline} und {around} "
        "mit etwa {expected} zu rechnen war (etwa {ratio}-mal so viele; die Wahrscheinlichkeit, "
        "dass dies zufällig geschieht, liegt unter 1 zu {odds}).",
        reports={"one": "{n} Meldung zu {category}", "other": "{n} Meldungen zu {category}"},
        recent={"one": "am letzten Tag", "other": "in den letzten {n} Tagen"},
        baseline_weeks={"one": "der Woche davor", "other": "den {n} Wochen davor"},
        baseline_days={"one": "dem Tag davor", "other": "den {n} Tagen davor"},
        here={"block": "in diesem Häuserblock", "neighbourhood": "in diesem Viertel"},
        around={"block": "den umliegenden Häuserblöcken", "neighbourhood": "den umliegenden Vierteln"},
        quotes=("„", "“"),
        decimal=",",
        group=".",
        min_grouping=1,
    ),
}
EXPLANATION_LANGUAGES: Final = tuple(_PHRASES)
_FALLBACK_LANGUAGE: Final = "en"


def _plural(language: str, n: int) -> str:
    """CLDR plural category of a whole number (the subset these phrases need)."""
    if language == "pl":
        if n == 1:
            return "one"
        return "few" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "other"
    if language == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def _pick(forms: Mapping[str, str], language: str, n: int) -> str:
    return forms.get(_plural(language, n), forms["other"])


def _format_number(value: float, phrases: _Phrases) -> str:
    """A rounded number in the language's style: whole from 10, one decimal from 1, one significant digit below."""
    if value >= 10 or value == 0:
        decimals = 0
    elif value >= 1:
        decimals = 1
    else:
        decimals = -math.floor(math.log10(value))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    if len(whole) >= 3 + phrases.min_grouping:
        head = len(whole) % 3 or 3
        whole = phrases.group.join([whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)])
    return whole + (phrases.decimal + fraction if fraction else "")


def _odds(p: float) -> int:
    """The largest 1-2-5 step N (at most 10^9) with p ≤ 1/N, for "below 1 in N"."""
    if p <= 0:
        return 10**9
    best = 1
    for exponent in range(10):
        for step in (1, 2, 5):
            candidate = step * 10**exponent
            if candidate <= 10**9 and candidate * p <= 1.0:
                best = candidate
    return best


@dataclass(frozen=True, slots=True)
class EmergingSignal:
    """One (cell, category) as tested; those `find_emerging` returns stand significantly above expectation."""

    cell: str
    category: str
    recent_count: int
    recent_days: int
    baseline_count: int
    baseline_days: int
    expected_recent: float
    ratio: float
    p_value: float
    adjusted_p_value: float
    score: float
    neighbour_recent: int

    @property
    def area(self) -> Area:
        """What the cell is to a reader: a block (H3 resolution 9 and finer) or a neighbourhood (coarser)."""
        return "block" if cell_resolution(self.cell) >= BLOCK_RESOLUTION else "neighbourhood"

    def explanation(self, language: str, category_name: str | None = None) -> str:
        """A plain sentence about an emerging signal, in `language` (a BCP 47 tag; English if not offered).

        `category_name` is the category's localised name (the code if not given). Numbers are rounded and written
        the language's way (CLDR separators; Portuguese as in Portugal, the pilot).
        """
        code = language.replace("_", "-").split("-", 1)[0].lower()
        if code not in _PHRASES:
            code = _FALLBACK_LANGUAGE
        phrases = _PHRASES[code]
        category = phrases.quotes[0] + (category_name or self.category) + phrases.quotes[1]
        if self.baseline_days % 7 == 0:
            weeks = self.baseline_days // 7
            baseline = _pick(phrases.baseline_weeks, code, weeks).format(n=weeks)
        else:
            baseline = _pick(phrases.baseline_days, code, self.baseline_days).format(n=self.baseline_days)
        return phrases.sentence.format(
            reports=_pick(phrases.reports, code, self.recent_count).format(
                n=_format_number(self.recent_count, phrases), category=category
            ),
            recent=_pick(phrases.recent, code, self.recent_days).format(n=self.recent_days),
            here=phrases.here[self.area],
            around=phrases.around[self.area],
            baseline=baseline,
            expected=_format_number(self.expected_recent, phrases),
            ratio=_format_number(self.ratio, phrases),
            odds=_format_number(_odds(self.adjusted_p_value), phrases),
        )


# ---------------------------------------------------------------------------------------------------------------
# Detection


def h3_neighbours(cell: str) -> list[str]:
    """The cells at grid distance 1 from an H3 cell (six, five around a pentagon); `h3` is imported on use."""
    import h3  # lazy: importing this module must stay cheap (h3 is only needed here)

    return [other for other in h3.grid_disk(cell, 1) if other != cell]


@dataclass(slots=True)
class _Pair:
    recent: int = 0
    baseline: int = 0
    block_sum: float = 0.0
    block_squares: float = 0.0


def find_emerging(
    counts: Mapping[tuple[str, str], Mapping[date, int]],
    today: date,
    *,
    recent_days: int = 7,
    baseline_days: int = 28,
    alpha: float = 0.01,
    min_recent: int = 5,
    neighbours: Neighbours = h3_neighbours,
    model: Model = "poisson",
) -> list[EmergingSignal]:
    """The emerging (cell, category) pairs in `counts`, highest score first (see the module docstring).

    `counts` maps (H3 cell, category code) to {local day: count} for the days read; `today` is the last day of
    the recent window. Every pair in `counts` is tested; `neighbours(cell)` gives the cells around a cell.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    if min_recent < 0:
        raise ValueError(f"min_recent must not be negative, got {min_recent}")
    tested = assess(
        counts, today, recent_days=recent_days, baseline_days=baseline_days, neighbours=neighbours, model=model
    )
    signals = [
        s
        for s in tested
        if s.adjusted_p_value < alpha and s.recent_count >= min_recent and s.recent_count > s.expected_recent
    ]
    signals.sort(key=lambda s: (-s.score, -s.ratio, -s.recent_count, s.cell, s.category))
    return signals


def assess(
    counts: Mapping[tuple[str, str], Mapping[date, int]],
    today: date,
    *,
    recent_days: int = 7,
    baseline_days: int = 28,
    neighbours: Neighbours = h3_neighbours,
    model: Model = "poisson",
) -> list[EmergingSignal]:
    """Every pair of `counts` as tested, emerging or not, in the order of `counts` (what `find_emerging` filters).

    For a map layer of every cell's score, or to answer "why is my block not flagged?". The explanation sentence
    is written for emerging pairs.
    """
    if recent_days < 1 or baseline_days < 1:
        raise ValueError("recent_days and baseline_days must be at least 1")
    if model not in ("poisson", "negative_binomial"):
        raise ValueError(f"unknown model {model!r}")

    recent_start = today - timedelta(days=recent_days - 1)
    # Dispersion blocks: as long as the recent window when the baseline holds two of them, else single days.
    block_days = recent_days if baseline_days >= 2 * recent_days else 1
    n_blocks = baseline_days // block_days

    pairs: dict[tuple[str, str], _Pair] = {}
    for key, series in counts.items():
        pair = _Pair()
        blocks: dict[int, int] = {}
        for day, count in series.items():
            if count < 0:
                raise ValueError(f"negative count {count} for {key} on {day}")
            if not count:
                continue
            offset = (recent_start - day).days  # recent window: ≤ 0, baseline: 1..baseline_days
            if -recent_days < offset <= 0:
                pair.recent += count
            elif 0 < offset <= baseline_days:
                pair.baseline += count
                block = (offset - 1) // block_days
                if block < n_blocks:
                    blocks[block] = blocks.get(block, 0) + count
        pair.block_sum = float(sum(blocks.values()))
        pair.block_squares = float(sum(value * value for value in blocks.values()))
        pairs[key] = pair

    size = math.inf
    if model == "negative_binomial":
        # Moments from Σx and Σx² per pair: the many zero blocks need not be visited.
        dispersion = (
            _pooled_dispersion(
                (p.block_sum / n_blocks, (p.block_squares - p.block_sum**2 / n_blocks) / (n_blocks - 1), n_blocks)
                for p in pairs.values()
            )
            if n_blocks >= 2
            else 0.0
        )
        if dispersion > 0:
            size = (recent_days / block_days) / dispersion

    around: dict[str, list[str]] = {}
    keys = list(pairs)
    log_p: list[float] = []
    expectations: list[tuple[float, int]] = []
    for cell, category in keys:
        if cell not in around:
            around[cell] = [other for other in dict.fromkeys(neighbours(cell)) if other != cell]
        cells_around = around[cell]
        pair = pairs[(cell, category)]
        neighbour_baseline = neighbour_recent = 0
        for other in cells_around:
            found = pairs.get((other, category))
            if found is not None:
                neighbour_baseline += found.baseline
                neighbour_recent += found.recent
        # Two Gamma posteriors for the daily rate: the cell's own (Jeffreys) and the neighbour-informed one;
        # the one expecting more is used (neighbours may explain reports away, never manufacture a signal).
        shape, pseudo_days = pair.baseline + PRIOR_COUNT, float(baseline_days)
        if cells_around:
            neighbour_mean = neighbour_baseline / len(cells_around)
            smoothed_shape = shape + NEIGHBOUR_WEIGHT * neighbour_mean
            smoothed_days = baseline_days * (1.0 + NEIGHBOUR_WEIGHT)
            if smoothed_shape / smoothed_days > shape / pseudo_days:
                shape, pseudo_days = smoothed_shape, smoothed_days
        expected = shape / pseudo_days * recent_days
        # Predictive of the recent count: Poisson (or NB) counts at a Gamma-distributed rate, an NB whose
        # 1/size adds the rate's uncertainty (1/shape) to the counts' own over-dispersion (1/size).
        predictive_size = 1.0 / (1.0 / shape + 1.0 / size + 1.0 / (shape * size))
        log_p.append(nbinom_log_sf(pair.recent, expected, predictive_size))
        expectations.append((expected, neighbour_recent))

    log_adjusted = _log_benjamini_hochberg(log_p)
    results: list[EmergingSignal] = []
    for (cell, category), raw, adjusted, (expected, neighbour_recent) in zip(
        keys, log_p, log_adjusted, expectations, strict=True
    ):
        pair = pairs[(cell, category)]
        adjusted = max(adjusted, _LOG_P_FLOOR)
        results.append(
            EmergingSignal(
                cell=cell,
                category=category,
                recent_count=pair.recent,
                recent_days=recent_days,
                baseline_count=pair.baseline,
                baseline_days=baseline_days,
                expected_recent=expected,
                ratio=pair.recent / expected,
                p_value=math.exp(max(raw, _LOG_P_FLOOR)),
                adjusted_p_value=math.exp(adjusted),
                score=min(SCORE_CAP, max(0.0, -adjusted / math.log(10.0))),
                neighbour_recent=neighbour_recent,
            )
        )
    return results
