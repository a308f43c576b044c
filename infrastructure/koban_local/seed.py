"""Realistic synthetic history for the embedded default: tens of thousands of reports with their lifecycles.

Per tenant, reports cluster in space and time the way nuisance does (`hotspots`): nightlife blocks near the
centre (night noise, antisocial behaviour, drugs; Thursday to Saturday nights), schools (speeding and
dangerous parking at the school run), the edge of town (illegal dumping, evenings and weekends), the station
area (bike theft), a diffuse background for everything else, online crime from the reporters' homes, and one
or two *emerging* blocks where night-noise reports ramp up sharply in the last ten days. Times are drawn in
the tenant's own time zone, with weekly seasonality and slight growth; texts are short phrases (`seed_data/`) in the
report's language; priority, unit and deadline come from the tenant's own rules (`triage`); every status
change follows `lifecycle.TRANSITIONS` and is an audited `ReportEvent`.

`generate_reports` is pure (no I/O) and deterministic for a given `random.Random`; `seed_all` writes what it
generates with `batch_write_item` over a few threads, each with its own boto3 client, using the item layout
of `koban.reports.storage`.
"""

from __future__ import annotations

import base64
import json
import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

from koban.dynamo import encode_json, serialize
from koban.i18n import pick, translate
from koban.ids import hash_token
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import TERMINAL, TRANSITIONS, Status
from koban.reports.models import STAFF_CHANNELS, Channel, EventKind, GeoPoint, Priority, Report, ReportEvent
from koban.reports.storage import event_to_item, report_to_item
from koban.reports.triage import triage
from koban.settings import get_settings
from koban.tenants.models import Category, Question, QuestionType, Tenant
from koban.tenants.service import list_categories, list_tenants

__all__ = [
    "EMERGING",
    "Hotspot",
    "SeedData",
    "SeedDataError",
    "generate_reports",
    "hotspots",
    "parse_seed_data",
    "seed_all",
    "seed_data",
    "seeded_id",
    "tenant_random",
]

# ================================================================================================ texts
# Short texts as residents and officers write them and the answers that go with them are data, in
# `seed_data/` (read once, checked against what the code expects). Every text comes in every PHRASE_LANGUAGES
# language; a description has VARIANTS variants per category, and the variant's answers keep the report
# consistent with the variant chosen. A tenant language without texts falls back to English.

PHRASE_LANGUAGES: Final = ("en", "nl", "pl", "fi", "es", "pt", "fr", "de")
VARIANTS: Final = 2
# Appended to some reports of these groups, for variety.
RECURRING_GROUPS: Final = frozenset({"nuisance", "traffic", "environment", "municipal"})
# Questions whose answer the generator draws from weighted options (for the places where they matter).
WEIGHTED_ANSWERS: Final = ("noise_source", "group_size", "bike_type")
SEED_DATA: Final = Path(__file__).with_name("seed_data")
SEED_DATA_FILES: Final = ("descriptions.json", "notes.json", "answers.json")

Texts = Mapping[str, tuple[str, ...]]  # language → texts


class SeedDataError(ValueError):
    """A file of `seed_data/` cannot be read or does not have the shape the generator expects."""


@dataclass(frozen=True)
class SeedData:
    """The contents of `seed_data/`, checked."""

    descriptions: Mapping[str, Texts]  # category → its VARIANTS descriptions per language
    suffixes: Texts  # sentences appended to reports of RECURRING_GROUPS
    public_notes: Mapping[Status, Texts]  # what officers tell the reporter, per status reached
    internal_notes: Texts  # officers' own notes, in the tenant's first language
    variant_answers: Mapping[str, tuple[Mapping[str, Any], ...]]  # category → answers per description variant
    items_stolen: Texts  # a burglary's free-text answer, per description variant
    answer_weights: Mapping[str, Mapping[str, float]]  # question (WEIGHTED_ANSWERS) → option → weight
    bike_values: Mapping[str, float]  # median value of a stolen bike per bike type
    other_bike_value: float
    data_shared: tuple[str, ...]  # the options of a phishing victim's shared data ("none" aside)
    marketplaces: Mapping[str, tuple[str, ...]]  # country → where stolen goods turn up for sale
    other_marketplaces: tuple[str, ...]
    plates: Mapping[str, str]  # country → licence plate shape: L a letter, D a digit
    other_plate: str


class _Checker:
    """Reads one file's parsed JSON, raising SeedDataError that names the file and the place."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, problem: str) -> SeedDataError:
        return SeedDataError(f"seed_data/{self.file}: {where or 'the top level'} {problem}")

    def mapping(self, value: object, where: str, keys: Sequence[str] | None = None) -> dict[str, Any]:
        """A JSON object (with exactly `keys`, if given)."""
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        if keys is not None:
            missing = [key for key in keys if key not in value]
            unknown = [key for key in value if key not in keys]
            if missing or unknown:
                found = "; ".join(
                    f"{label} {', '.join(names)}"
                    for label, names in (("lacks", missing), ("has unknown", unknown))
                    if names
                )
                raise self.fail(where, f"must have exactly the keys {', '.join(keys)}: it {found}")
        return value

    def top(self, files: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
        """The file's top-level object, with exactly `keys`."""
        if self.file not in files:
            raise SeedDataError(f"seed_data/{self.file}: missing")
        return self.mapping(files[self.file], "", keys)

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        return value

    def texts(self, value: object, where: str, count: int | None = None) -> tuple[str, ...]:
        """A non-empty list of non-empty strings (exactly `count` of them, if given)."""
        if not isinstance(value, list) or not value or (count is not None and len(value) != count):
            raise self.fail(where, f"must be a list of {count if count is not None else 'one or more'} strings")
        return tuple(self.text(item, f"{where}[{index}]") for index, item in enumerate(value))

    def by_language(self, value: object, where: str, count: int | None = None) -> Texts:
        """Texts for every PHRASE_LANGUAGES language, no other."""
        languages = self.mapping(value, where, PHRASE_LANGUAGES)
        return {language: self.texts(languages[language], f"{where}.{language}", count) for language in languages}

    def number(self, value: object, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise self.fail(where, "must be a positive number")
        return value

    def weights(self, value: object, where: str) -> dict[str, float]:
        options = self.mapping(value, where)
        if not options:
            raise self.fail(where, "must name at least one option")
        return {option: self.number(weight, f"{where}.{option}") for option, weight in options.items()}

    def by_country(self, value: object, where: str) -> tuple[dict[str, Any], Any]:
        """An object of `by_country` values and the `other` one, for countries not named."""
        table = self.mapping(value, where, ("by_country", "other"))
        return self.mapping(table["by_country"], f"{where}.by_country"), table["other"]


def parse_seed_data(files: Mapping[str, Any]) -> SeedData:
    """SeedData from the parsed JSON of SEED_DATA_FILES (file name → contents); SeedDataError if misshapen."""
    check = _Checker("descriptions.json")
    top = check.top(files, ("descriptions", "suffixes"))
    descriptions = {
        category: check.by_language(bank, f"descriptions.{category}", VARIANTS)
        for category, bank in check.mapping(top["descriptions"], "descriptions").items()
    }
    suffixes = check.by_language(top["suffixes"], "suffixes")

    check = _Checker("notes.json")
    top = check.top(files, ("public", "internal"))
    statuses = [str(status) for status in Status if status is not Status.NEW]
    public = check.mapping(top["public"], "public", statuses)
    public_notes = {Status(status): check.by_language(public[status], f"public.{status}") for status in statuses}
    internal_notes = check.by_language(top["internal"], "internal")

    check = _Checker("answers.json")
    keys = ("variants", "items_stolen", "weights", "bike_value", "data_shared", "marketplaces", "plates")
    top = check.top(files, keys)
    variant_answers: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for category, variants in check.mapping(top["variants"], "variants").items():
        where = f"variants.{category}"
        if category not in descriptions:
            raise check.fail(where, "answers a description that descriptions.json does not have")
        if not isinstance(variants, list) or len(variants) != VARIANTS:
            raise check.fail(where, f"must be a list of {VARIANTS} objects")
        variant_answers[category] = tuple(check.mapping(item, f"{where}[{n}]") for n, item in enumerate(variants))
    weights = check.mapping(top["weights"], "weights", WEIGHTED_ANSWERS)
    bike_value = check.mapping(top["bike_value"], "bike_value", ("by_type", "other"))
    bike_values = check.mapping(bike_value["by_type"], "bike_value.by_type")
    marketplaces, other_marketplaces = check.by_country(top["marketplaces"], "marketplaces")
    plates, other_plate = check.by_country(top["plates"], "plates")
    data_shared = check.texts(top["data_shared"], "data_shared")
    if len(data_shared) < 2:
        raise check.fail("data_shared", "must name at least 2 options (a victim may have shared two)")
    return SeedData(
        descriptions=descriptions,
        suffixes=suffixes,
        public_notes=public_notes,
        internal_notes=internal_notes,
        variant_answers=variant_answers,
        items_stolen=check.by_language(top["items_stolen"], "items_stolen", VARIANTS),
        answer_weights={code: check.weights(weights[code], f"weights.{code}") for code in WEIGHTED_ANSWERS},
        bike_values={kind: check.number(value, f"bike_value.by_type.{kind}") for kind, value in bike_values.items()},
        other_bike_value=check.number(bike_value["other"], "bike_value.other"),
        data_shared=data_shared,
        marketplaces={
            country: check.texts(names, f"marketplaces.by_country.{country}") for country, names in marketplaces.items()
        },
        other_marketplaces=check.texts(other_marketplaces, "marketplaces.other"),
        plates={country: check.text(shape, f"plates.by_country.{country}") for country, shape in plates.items()},
        other_plate=check.text(other_plate, "plates.other"),
    )


@cache
def seed_data() -> SeedData:
    """The texts and answers of `seed_data/`, read and checked once (SeedDataError names what is wrong)."""
    files = {}
    for name in SEED_DATA_FILES:
        try:
            files[name] = json.loads((SEED_DATA / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SeedDataError(f"seed_data/{name}: cannot be read: {error}") from error
    return parse_seed_data(files)


# ================================================================================================ places

METRES_PER_DEGREE: Final = 111_320.0

NIGHTLIFE: Final = "nightlife"
SCHOOL: Final = "school"
EDGE: Final = "edge"
STATION: Final = "station"
EMERGING: Final = "emerging"
HOME: Final = "home"  # diffuse: online crime, reported from where people live
BACKGROUND: Final = "background"  # diffuse: everything else

# Which categories each kind of place produces (relative weights; a category the tenant lacks is skipped).
KIND_CATEGORIES: Final[dict[str, dict[str, float]]] = {
    NIGHTLIFE: {"noise_night": 0.5, "antisocial_behaviour": 0.3, "drug_nuisance": 0.2},
    SCHOOL: {"speeding": 0.45, "dangerous_parking": 0.4, "traffic_danger": 0.15},
    EDGE: {"illegal_dumping": 0.85, "graffiti_vandalism": 0.15},
    STATION: {
        "bike_theft": 0.75,
        "lost_property": 0.12,
        "graffiti_vandalism": 0.08,
        "antisocial_behaviour": 0.05,
    },
    EMERGING: {"noise_night": 1.0},
    HOME: {"online_fraud": 0.55, "phishing": 0.45},
}
# Share of a tenant's reports per kind (EMERGING: per emerging block); BACKGROUND takes the rest.
KIND_SHARES: Final[dict[str, float]] = {
    NIGHTLIFE: 0.20,
    SCHOOL: 0.13,
    EDGE: 0.07,
    STATION: 0.08,
    HOME: 0.10,
    EMERGING: 0.012,
}
# Diffuse reports: relative weights; a category of a city plugin not named here weighs DEFAULT_WEIGHT.
BACKGROUND_WEIGHTS: Final[dict[str, float]] = {
    "noise_night": 8,
    "antisocial_behaviour": 5,
    "drug_nuisance": 3,
    "speeding": 5,
    "dangerous_parking": 8,
    "traffic_danger": 4,
    "illegal_dumping": 4,
    "graffiti_vandalism": 7,
    "bike_theft": 5,
    "burglary_past": 5,
    "online_fraud": 0,
    "phishing": 0,
    "hate_incident": 1.5,
    "radicalisation_concern": 0.5,
    "vulnerable_person": 2.5,
    "domestic_concern": 2,
    "lost_property": 5,
    "street_lighting": 6,
    "road_damage": 6,
    "police_feedback": 2,
    "contact_neighbourhood_officer": 3,
}
DEFAULT_WEIGHT: Final = 2.0
# Spread of the diffuse kinds, as a share of the distance from the centre to the bbox edge.
DIFFUSE_SPREAD: Final = {BACKGROUND: 0.28, HOME: 0.35}
# Reports without a location (online or general matters); other categories: MISSING_LOCATION_SHARE.
NO_LOCATION_SHARES: Final[dict[str, float]] = {
    "online_fraud": 0.25,
    "phishing": 0.35,
    "radicalisation_concern": 0.5,
    "police_feedback": 0.5,
    "contact_neighbourhood_officer": 0.4,
}
MISSING_LOCATION_SHARE: Final = 0.02


@dataclass(frozen=True)
class Hotspot:
    """A place where reports cluster; `kind` decides their categories and rhythm (see KIND_CATEGORIES)."""

    kind: str
    name: str
    lat: float
    lon: float
    spread_m: float  # standard deviation of the reports' offset from the centre, per axis, in metres


class _Frame:
    """Metres east/north of the tenant's centre ↔ latitude/longitude, and its bbox in those metres."""

    def __init__(self, tenant: Tenant) -> None:
        west, south, east, north = tenant.area.bbox
        self.bbox = (west, south, east, north)
        centre = tenant.area.centre
        if centre is None or not tenant.area.contains(*centre):
            centre = ((south + north) / 2, (west + east) / 2)
        self.lat0, self.lon0 = centre
        self.m_lat = METRES_PER_DEGREE
        self.m_lon = METRES_PER_DEGREE * math.cos(math.radians(self.lat0))
        self.west_m = (self.lon0 - west) * self.m_lon
        self.east_m = (east - self.lon0) * self.m_lon
        self.south_m = (self.lat0 - south) * self.m_lat
        self.north_m = (north - self.lat0) * self.m_lat

    def to_point(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.m_lat, self.lon0 + x / self.m_lon

    def to_metres(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.m_lon, (lat - self.lat0) * self.m_lat

    def reach(self, angle: float) -> float:
        """Distance from the centre to the bbox edge in direction `angle` (radians, 0 = east)."""
        dx, dy = math.cos(angle), math.sin(angle)
        along_x = self.east_m / dx if dx > 1e-9 else self.west_m / -dx if dx < -1e-9 else math.inf
        along_y = self.north_m / dy if dy > 1e-9 else self.south_m / -dy if dy < -1e-9 else math.inf
        return min(along_x, along_y)

    def inside(self, x: float, y: float, margin: float = 0.0) -> bool:
        return (
            -self.west_m + margin <= x <= self.east_m - margin and -self.south_m + margin <= y <= self.north_m - margin
        )

    def clip(self, lat: float, lon: float) -> tuple[float, float]:
        """Rounded to 6 decimals (~0.1 m) and inside the bbox."""
        west, south, east, north = self.bbox
        return round(min(max(lat, south), north), 6), round(min(max(lon, west), east), 6)


# (kind, how many, distance from the centre as a share of the reach in that direction, spread in metres)
_LAYOUT: Final = (
    (NIGHTLIFE, 2, (0.02, 0.12), (150.0, 250.0)),
    (STATION, 1, (0.05, 0.18), (120.0, 180.0)),
    (SCHOOL, 3, (0.2, 0.55), (100.0, 160.0)),
    (EDGE, 2, (0.72, 0.86), (220.0, 300.0)),
)
_MIN_GAP_M: Final = 900.0
_EMERGING_GAP_M: Final = 1500.0


def hotspots(tenant: Tenant) -> tuple[Hotspot, ...]:
    """The tenant's hotspots: the same for every seed (derived from the tenant id), inside its bbox."""
    rng = random.Random(f"koban-seed-places:{tenant.id}")
    frame = _Frame(tenant)
    placed: list[tuple[str, float, float, float]] = []  # kind, x, y, spread

    def place(kind: str, reach: tuple[float, float], spread_range: tuple[float, float], gap: float) -> None:
        spread = rng.uniform(*spread_range)
        best: tuple[float, float] | None = None
        for _ in range(300):
            angle = rng.uniform(0.0, 2 * math.pi)
            if kind == EDGE and frame.reach(angle) < 0.5 * max(frame.reach(a / 8 * math.pi) for a in range(16)):
                continue  # the edge of town lies where the area reaches far (not across a river or the sea)
            distance = rng.uniform(*reach) * frame.reach(angle)
            x, y = distance * math.cos(angle), distance * math.sin(angle)
            if not frame.inside(x, y, margin=2 * spread):
                continue
            best = (x, y)
            if all(math.hypot(x - px, y - py) >= gap for _, px, py, _ in placed):
                break
        x, y = best if best is not None else (0.0, 0.0)
        placed.append((kind, x, y, spread))

    for kind, how_many, reach, spread_range in _LAYOUT:
        for _ in range(how_many):
            place(kind, reach, spread_range, _MIN_GAP_M)
    for _ in range(1 + (rng.random() < 0.5)):
        place(EMERGING, (0.15, 0.45), (90.0, 130.0), _EMERGING_GAP_M)

    numbers: dict[str, int] = {}
    spots = []
    for kind, x, y, spread in placed:
        numbers[kind] = numbers.get(kind, 0) + 1
        lat, lon = frame.clip(*frame.to_point(x, y))
        spots.append(Hotspot(kind, f"{kind}-{numbers[kind]}", lat, lon, round(spread, 1)))
    return tuple(spots)


# ================================================================================================ rhythms

ALL_DAYS: Final = frozenset(range(1, 8))
WORKDAYS: Final = frozenset(range(1, 6))
WEEKEND: Final = frozenset({6, 7})
GROWTH: Final = 0.25  # the last day of the period sees this much more than the first
RECENT_DAYS: Final = 10  # the emerging blocks ramp up within these last days
EMERGING_RECENT_SHARE: Final = 0.8
# Reports per emerging block at small counts (so that the ramp stays visible in a small demo seed).
EMERGING_MINIMUM: Final = 12


def _hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


@dataclass(frozen=True)
class _Window:
    weight: float
    start: int  # minutes after the local midnight that begins the drawn day; past 1440 is the next morning
    end: int
    peak: int | None = None  # a triangular distribution's mode; None = uniform
    days: frozenset[int] = ALL_DAYS  # ISO weekdays of the drawn day on which the window applies


@dataclass(frozen=True)
class _Rhythm:
    weekdays: tuple[float, ...]  # Monday .. Sunday: how busy the day (or the night that starts on it) is
    windows: tuple[_Window, ...]
    by_weekday: dict[int, tuple[tuple[_Window, ...], tuple[float, ...]]] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        table = {}
        for weekday in ALL_DAYS:
            windows = tuple(window for window in self.windows if weekday in window.days)
            table[weekday] = (windows, tuple(window.weight for window in windows))
        object.__setattr__(self, "by_weekday", table)


_NIGHT_WINDOWS: Final = (
    _Window(0.8, _hm(22), _hm(28), peak=_hm(24, 30)),  # 22:00–04:00, peak around half past midnight
    _Window(0.12, _hm(19), _hm(22)),
    _Window(0.08, _hm(10), _hm(19)),
)
RHYTHMS: Final[dict[str, _Rhythm]] = {
    # Nightlife: the nights that start on Thursday, Friday and Saturday.
    "night": _Rhythm((0.55, 0.6, 0.8, 1.4, 2.1, 2.3, 0.9), _NIGHT_WINDOWS),
    # An emerging block (a new party flat) is loud any night of the week.
    "night_every_day": _Rhythm((1.0, 1.0, 1.0, 1.1, 1.3, 1.3, 1.0), _NIGHT_WINDOWS),
    "school": _Rhythm(
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.12, 0.08),
        (
            _Window(0.5, _hm(7, 30), _hm(9), days=WORKDAYS),
            _Window(0.35, _hm(14, 30), _hm(16, 30), days=WORKDAYS),
            _Window(0.15, _hm(7), _hm(19), days=WORKDAYS),
            _Window(1.0, _hm(10), _hm(18), days=WEEKEND),
        ),
    ),
    # Dumping at the edge of town: evenings and weekends.
    "edge": _Rhythm(
        (0.7, 0.7, 0.7, 0.8, 1.0, 1.9, 1.7),
        (
            _Window(0.45, _hm(18), _hm(23)),
            _Window(0.35, _hm(8), _hm(18), days=WEEKEND),
            _Window(0.1, _hm(8), _hm(18), days=WORKDAYS),
            _Window(0.1, _hm(23), _hm(29)),
        ),
    ),
    # Bike theft at the station: commuters leave bikes in the morning and find them gone in the evening.
    "station": _Rhythm(
        (1.0, 1.0, 1.0, 1.0, 1.15, 1.1, 0.8),
        (
            _Window(0.25, _hm(7), _hm(9, 30)),
            _Window(0.35, _hm(17), _hm(23, 30), peak=_hm(18, 30)),
            _Window(0.3, _hm(9, 30), _hm(17)),
            _Window(0.1, _hm(23, 30), _hm(26)),
        ),
    ),
    "evening": _Rhythm(
        (0.8, 0.8, 0.9, 1.0, 1.3, 1.4, 1.0),
        (_Window(0.6, _hm(18), _hm(26), peak=_hm(22)), _Window(0.4, _hm(10), _hm(18))),
    ),
    "day": _Rhythm(
        (1.05, 1.05, 1.0, 1.0, 1.0, 0.8, 0.6),
        (_Window(0.85, _hm(7), _hm(22), peak=_hm(13)), _Window(0.15, _hm(22), _hm(31))),
    ),
    "online": _Rhythm(
        (1.1, 1.1, 1.05, 1.0, 0.95, 0.75, 0.8),
        (_Window(0.8, _hm(8), _hm(22)), _Window(0.2, _hm(22), _hm(25))),
    ),
}
KIND_RHYTHMS: Final = {
    NIGHTLIFE: "night",
    SCHOOL: "school",
    EDGE: "edge",
    STATION: "station",
    EMERGING: "night_every_day",
    HOME: "online",
}
BACKGROUND_RHYTHMS: Final = {
    "noise_night": "night",
    "antisocial_behaviour": "evening",
    "drug_nuisance": "evening",
    "domestic_concern": "evening",
    "street_lighting": "evening",
}
# Typical minutes between the incident and the report (the median of a log-normal delay).
DELAY_MINUTES: Final[dict[str, float]] = {
    "noise_night": 8,
    "antisocial_behaviour": 10,
    "drug_nuisance": 30,
    "speeding": 60,
    "dangerous_parking": 20,
    "traffic_danger": 120,
    "illegal_dumping": 240,
    "graffiti_vandalism": 300,
    "bike_theft": 180,
    "burglary_past": 600,
    "online_fraud": 1440,
    "phishing": 120,
    "hate_incident": 240,
    "radicalisation_concern": 2880,
    "vulnerable_person": 30,
    "domestic_concern": 20,
    "lost_property": 360,
    "street_lighting": 600,
    "road_damage": 480,
    "police_feedback": 2880,
    "contact_neighbourhood_officer": 1440,
}
DEFAULT_DELAY_MINUTES: Final = 60.0


class _Clock:
    """Draws moments of the last `days` days in the tenant's zone, following a rhythm, with slight growth."""

    def __init__(self, tenant: Tenant, now: datetime, days: int) -> None:
        self.zone = tenant.zone
        self.now = now
        self.start = now - timedelta(days=days)
        today = now.astimezone(self.zone).date()
        # One day more than asked: a night that starts the evening before the period ends inside it.
        self.dates: list[date] = [today - timedelta(days=days - index) for index in range(days + 1)]
        last = len(self.dates) - 1
        self.growth = [1.0 + GROWTH * index / last for index in range(len(self.dates))]
        self.recent_from = max(0, len(self.dates) - RECENT_DAYS)
        self._cumulative: dict[tuple[str, str], list[float]] = {}

    def _weights(self, rhythm: str, span: str) -> list[float]:
        key = (rhythm, span)
        if key not in self._cumulative:
            weekdays = RHYTHMS[rhythm].weekdays
            weights = []
            for index, day in enumerate(self.dates):
                weight = self.growth[index] * weekdays[day.isoweekday() - 1]
                if span == "recent":  # a sharp ramp over the last days
                    weight = (index - self.recent_from + 1) ** 2 if index >= self.recent_from else 0.0
                elif span == "early" and index >= self.recent_from and self.recent_from > 0:
                    weight = 0.0
                weights.append(weight)
            total = 0.0
            cumulative = []
            for weight in weights:
                total += weight
                cumulative.append(total)
            self._cumulative[key] = cumulative
        return self._cumulative[key]

    def draw(self, rhythm_name: str, rng: random.Random, span: str = "all") -> datetime:
        """A local, aware moment within the period (seconds precision)."""
        rhythm = RHYTHMS[rhythm_name]
        cumulative = self._weights(rhythm_name, span)
        indexes = range(len(self.dates))
        for _ in range(40):
            day = self.dates[rng.choices(indexes, cum_weights=cumulative)[0]]
            windows, weights = rhythm.by_weekday[day.isoweekday()]
            window = rng.choices(windows, weights=weights)[0]
            if window.peak is None:
                minute = rng.uniform(window.start, window.end)
            else:
                minute = rng.triangular(window.start, window.end, window.peak)
            moment = datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(seconds=int(minute * 60))
            if self.start <= moment <= self.now:
                return moment
        return (self.now - timedelta(minutes=rng.uniform(10, 600))).astimezone(self.zone).replace(microsecond=0)


# ================================================================================================ lifecycle

V, C, IP = Status.VERIFYING, Status.CONFIRMED, Status.IN_PROGRESS
RES, REF, UNC, REJ, DUP = (
    Status.RESOLVED,
    Status.REFERRED,
    Status.UNCONFIRMED,
    Status.REJECTED,
    Status.DUPLICATE,
)

# The paths a report takes after `new`, per handling profile, with their weights; () = never picked up.
PATHS: Final[dict[str, tuple[tuple[float, tuple[Status, ...]], ...]]] = {
    "police": (
        (0.30, (V, C, IP, RES)),
        (0.14, (C, RES)),
        (0.14, (V, C, RES)),
        (0.08, (C, IP, RES)),
        (0.10, (V, UNC)),
        (0.04, (V, C, REF)),
        (0.02, (REF,)),
        (0.05, (DUP,)),
        (0.02, (REJ,)),
        (0.02, (V, REJ)),
        (0.01, (V, C, RES, V, C, RES)),
        (0.015, ()),
    ),
    "nuisance": (
        (0.22, (V, C, RES)),
        (0.16, (V, C, IP, RES)),
        (0.12, (C, RES)),
        (0.20, (V, UNC)),
        (0.03, (V, C, REF)),
        (0.08, (DUP,)),
        (0.02, (V, DUP)),
        (0.03, (REJ,)),
        (0.01, (V, C, RES, V, C, RES)),
        (0.015, ()),
    ),
    "municipal": (
        (0.62, (REF,)),
        (0.18, (V, REF)),
        (0.05, (V, UNC)),
        (0.08, (DUP,)),
        (0.04, (REJ,)),
        (0.01, (REF, V, REF)),
        (0.015, ()),
    ),
    "cyber": (
        (0.35, (V, C, IP, REF)),
        (0.20, (V, C, IP, RES)),
        (0.15, (C, RES)),
        (0.10, (V, UNC)),
        (0.08, (REF,)),
        (0.05, (DUP,)),
        (0.04, (REJ,)),
        (0.015, ()),
    ),
    "care": (
        (0.35, (V, C, IP, REF)),
        (0.30, (V, C, IP, RES)),
        (0.12, (V, C, RES)),
        (0.12, (V, UNC)),
        (0.03, (DUP,)),
        (0.02, (REJ,)),
        (0.01, ()),
    ),
    "lost_found": (
        (0.55, (C, RES)),
        (0.20, (V, C, RES)),
        (0.15, (V, UNC)),
        (0.05, (REJ,)),
        (0.03, (DUP,)),
        (0.015, ()),
    ),
    "service": (
        (0.60, (C, RES)),
        (0.25, (C, IP, RES)),
        (0.08, (V, C, RES)),
        (0.04, (REJ,)),
        (0.015, ()),
    ),
}
# Where the group alone does not decide the profile (municipal units are decided by the route).
GROUP_PROFILES: Final = {
    "municipal": "municipal",
    "cybercrime": "cyber",
    "hate_crime": "care",
    "radicalisation": "care",
    "vulnerable_person": "care",
    "lost_found": "lost_found",
    "police_feedback": "service",
    "contact_officer": "service",
    "general_info": "service",
    "nuisance": "nuisance",
}
# Crowded places are reported by many people at once: extra duplicates there.
EXTRA_DUPLICATE_SHARE: Final = {NIGHTLIFE: 0.06, EMERGING: 0.08}
DUPLICATE_WINDOW: Final = timedelta(days=3)
# Median hours of each step (log-normal); the first step's median is a share of the deadline.
STEP_HOURS: Final[dict[tuple[Status, Status], float]] = {
    (V, C): 4,
    (V, UNC): 3,
    (V, REF): 12,
    (V, REJ): 6,
    (V, DUP): 2,
    (C, IP): 10,
    (C, RES): 30,
    (C, REF): 24,
    (IP, RES): 72,
    (IP, REF): 48,
    (RES, V): 96,
    (REF, V): 72,
}
DEFAULT_STEP_HOURS: Final = 12.0
FIRST_RESPONSE_SHARE: Final = 0.22  # median first response, as a share of the deadline
LATE_SHARE: Final = 0.08  # first responses that miss the deadline on purpose (on top of the log-normal tail)
INTERNAL_NOTE_SHARE: Final = 0.25
OFFICERS_PER_TENANT: Final = 12
DESK_STAFF_PER_TENANT: Final = 4
SUPERVISORS_PER_TENANT: Final = 3


def _check_paths() -> None:
    for profile, paths in PATHS.items():
        for _, path in paths:
            current = Status.NEW
            for target in path:
                if target not in TRANSITIONS[current]:
                    raise ValueError(f"seed path {profile}: {current} → {target} is not an allowed transition")
                current = target


_check_paths()

# ================================================================================================ channels

CHANNEL_WEIGHTS: Final[dict[Channel, float]] = {
    Channel.WEB: 0.44,
    Channel.APP: 0.30,
    Channel.PHONE: 0.12,
    Channel.EMAIL: 0.05,
    Channel.IN_PERSON: 0.04,
    Channel.SMS: 0.03,
    Channel.SOCIAL: 0.02,
}
# Multipliers per group: people phone about people, and write about online crime.
CHANNEL_BIAS: Final[dict[str, dict[Channel, float]]] = {
    "vulnerable_person": {Channel.PHONE: 2.5, Channel.IN_PERSON: 2.0},
    "hate_crime": {Channel.PHONE: 1.5, Channel.IN_PERSON: 2.0},
    "radicalisation": {Channel.PHONE: 2.0, Channel.IN_PERSON: 2.5, Channel.SOCIAL: 0.2},
    "cybercrime": {Channel.WEB: 1.4, Channel.EMAIL: 2.0, Channel.APP: 0.7},
    "nuisance": {Channel.APP: 1.3, Channel.PHONE: 1.3},
}
# A locale of the tenant's first language is most common; the others (with a phrase bank) share the rest.
FIRST_LANGUAGE_WEIGHT: Final = 0.78
OTHER_LANGUAGES_WEIGHT: Final = 0.14
ENGLISH_WEIGHT: Final = 0.08
OPTIONAL_ANSWER_SHARE: Final = 0.55
SUFFIX_SHARE: Final = 0.4

# ================================================================================================ generation

_CROCKFORD: Final = "0123456789abcdefghjkmnpqrstvwxyz"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def seeded_id(millis: int, rng: random.Random) -> str:
    """An id in `koban.ids.new_id`'s format (48-bit ms clock + 50 random bits, 20 chars), from `rng`."""
    number = (millis << 50) | rng.getrandbits(50)
    chars = []
    for _ in range(20):
        number, remainder = divmod(number, 32)
        chars.append(_CROCKFORD[remainder])
    return "".join(reversed(chars))


def tenant_random(seed: int, tenant_id: str) -> random.Random:
    """The generator `seed_all` gives `generate_reports` for one tenant (independent of the other tenants)."""
    return random.Random(f"koban-seed:{seed}:{tenant_id}")


@dataclass
class _Draft:
    """Where and when one report happened, before its texts, answers and history are made."""

    kind: str
    category: Category
    occurred_at: datetime  # local
    received_at: datetime  # UTC
    x: float | None  # metres from the centre; None = no location
    y: float | None


@dataclass(frozen=True)
class _Earlier:
    received_at: datetime
    id: str
    x: float | None
    y: float | None


def _staff(tenant: Tenant, role: str, count: int) -> tuple[str, ...]:
    return tuple(str(uuid.uuid5(uuid.NAMESPACE_URL, f"koban-seed:{tenant.id}:{role}:{n}")) for n in range(count))


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _lognormal(rng: random.Random, median: float, sigma: float = 0.8) -> float:
    return median * rng.lognormvariate(0.0, sigma)


class _TenantGenerator:
    """Everything that is fixed per tenant: places, categories, staff, locales, and triage results so far."""

    def __init__(self, tenant: Tenant, now: datetime, days: int) -> None:
        self.tenant = tenant
        self.now = now
        self.data = seed_data()
        self.frame = _Frame(tenant)
        self.clock = _Clock(tenant, now, days)
        self.spots = hotspots(tenant)
        self.categories = {category.code: category for category in list_categories(tenant)}
        if not self.categories:
            raise ValueError(f"tenant {tenant.id} has no categories to seed")
        self.officers = _staff(tenant, "officer", OFFICERS_PER_TENANT)
        self.desk = _staff(tenant, "desk", DESK_STAFF_PER_TENANT)
        self.supervisors = _staff(tenant, "supervisor", SUPERVISORS_PER_TENANT)
        self.locales = self._locale_weights()
        self.staff_language = next((lang for lang in tenant.languages if lang in PHRASE_LANGUAGES), "en")
        self.received_notes = {locale: translate("report.received_note", locale) for locale in self.locales}
        self.unit_kinds = {unit.code: unit.kind for unit in tenant.units}
        self._triage: dict[tuple[str, str, int, int, str], tuple[Priority, str, int]] = {}
        background = {code: BACKGROUND_WEIGHTS.get(code, DEFAULT_WEIGHT) for code in self.categories}
        self.background = {code: weight for code, weight in background.items() if weight > 0} or {
            code: 1.0 for code in self.categories
        }

    def _locale_weights(self) -> dict[str, float]:
        spoken = [lang for lang in self.tenant.languages if lang in PHRASE_LANGUAGES and lang != "en"]
        weights: dict[str, float] = {}
        if spoken:
            weights[spoken[0]] = FIRST_LANGUAGE_WEIGHT
            others = spoken[1:]
            for position, lang in enumerate(others):  # geometric: 2/3, 2/9, ... of the others' share
                weights[lang] = OTHER_LANGUAGES_WEIGHT * (2 / 3) * (1 / 3) ** position
        weights["en"] = ENGLISH_WEIGHT + (0.0 if spoken else FIRST_LANGUAGE_WEIGHT)
        return weights

    # ------------------------------------------------------------------------------------------ drafts

    def drafts(self, count: int, rng: random.Random) -> list[_Draft]:
        """`count` drafts, sorted by the moment they were received."""
        plan: list[tuple[str, Hotspot | None, dict[str, float]]] = []
        for kind in (NIGHTLIFE, SCHOOL, EDGE, STATION, EMERGING, HOME):
            weights = {code: weight for code, weight in KIND_CATEGORIES[kind].items() if code in self.categories}
            if not weights:
                continue
            spots: list[Hotspot | None] = [spot for spot in self.spots if spot.kind == kind]
            if kind == HOME:
                spots = [None]
            if not spots:
                continue
            if kind == EMERGING:  # each emerging block on its own
                size = max(round(count * KIND_SHARES[kind]), min(EMERGING_MINIMUM, count // 20))
                for spot in spots:
                    plan.extend((kind, spot, weights) for _ in range(size))
                continue
            # The first place of a kind is the busiest: weights 1, 0.7, 0.49, ...
            spot_weights = [0.7**position for position in range(len(spots))]
            for _ in range(round(count * KIND_SHARES[kind])):
                plan.append((kind, rng.choices(spots, weights=spot_weights)[0], weights))
        del plan[count:]
        plan.extend((BACKGROUND, None, self.background) for _ in range(count - len(plan)))
        drafts = [self._draft(kind, spot, weights, rng) for kind, spot, weights in plan]
        drafts.sort(key=lambda draft: draft.received_at)
        return drafts

    def _draft(self, kind: str, spot: Hotspot | None, weights: Mapping[str, float], rng: random.Random) -> _Draft:
        category = self.categories[_weighted(rng, weights)]
        if kind == EMERGING:
            span = "recent" if rng.random() < EMERGING_RECENT_SHARE else "early"
            occurred = self.clock.draw(KIND_RHYTHMS[kind], rng, span)
        elif kind == BACKGROUND:
            occurred = self.clock.draw(BACKGROUND_RHYTHMS.get(category.code, "day"), rng)
        else:
            occurred = self.clock.draw(KIND_RHYTHMS[kind], rng)
        delay = timedelta(minutes=_lognormal(rng, DELAY_MINUTES.get(category.code, DEFAULT_DELAY_MINUTES), 0.9))
        received = occurred.astimezone(UTC) + max(delay, timedelta(seconds=30))
        if received > self.now:
            received = occurred.astimezone(UTC) + (self.now - occurred.astimezone(UTC)) * rng.random()
        x: float | None = None
        y: float | None = None
        if rng.random() >= NO_LOCATION_SHARES.get(category.code, MISSING_LOCATION_SHARE):
            x, y = self._place(kind, spot, rng)
        return _Draft(kind, category, occurred, received, x, y)

    def _place(self, kind: str, spot: Hotspot | None, rng: random.Random) -> tuple[float, float]:
        frame = self.frame
        if spot is not None:
            cx, cy = frame.to_metres(spot.lat, spot.lon)
            sx = sy = spot.spread_m
        else:
            cx = cy = 0.0
            share = DIFFUSE_SPREAD[kind]
            sx = share * (frame.west_m + frame.east_m) / 2
            sy = share * (frame.south_m + frame.north_m) / 2
        for _ in range(8):
            x, y = rng.gauss(cx, sx), rng.gauss(cy, sy)
            if frame.inside(x, y):
                return x, y
        return (
            min(max(x, -frame.west_m), frame.east_m),
            min(max(y, -frame.south_m), frame.north_m),
        )

    # ------------------------------------------------------------------------------------------ reports

    def build(
        self, draft: _Draft, rng: random.Random, earlier: dict[str, deque[_Earlier]]
    ) -> tuple[Report, list[ReportEvent]]:
        category = draft.category
        received = draft.received_at
        report_id = seeded_id((received - _EPOCH) // timedelta(milliseconds=1), rng)
        locale = _weighted(rng, self.locales)
        variant = 0 if draft.kind == EMERGING and rng.random() < 0.75 else rng.randrange(VARIANTS)
        answers = self._answers(category, variant, draft, locale, rng)
        description = self._description(category, variant, locale, rng)
        channel = self._channel(category, rng)
        taken_by = rng.choice(self.desk) if channel in STAFF_CHANNELS else None
        priority, unit, deadline_hours = self._triage_result(category, answers, channel, draft.occurred_at, received)
        token = base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big")).rstrip(b"=").decode()
        events = [
            ReportEvent(
                at=received,
                kind=EventKind.RECEIVED,
                actor=taken_by or "anonymous",
                to_status=Status.NEW,
                public_note=self.received_notes[locale],
            )
        ]
        path = self._path(category, unit, draft, rng, earlier)
        duplicate_of = self._original(draft, earlier) if DUP in path else None
        events.extend(self._history(path, received, deadline_hours, locale, rng))
        transitions = events[1:]
        location = None
        if draft.x is not None and draft.y is not None:
            lat, lon = self.frame.clip(*self.frame.to_point(draft.x, draft.y))
            location = GeoPoint(lat=lat, lon=lon)
        status = transitions[-1].to_status if transitions else Status.NEW
        assert status is not None
        report = Report(
            tenant=self.tenant.id,
            id=report_id,
            category=category.code,
            group=category.group,
            sensitive=category.sensitive,
            description=description,
            location=location,
            address=None,
            occurred_at=draft.occurred_at,
            received_at=received,
            updated_at=events[-1].at,
            locale=locale,
            answers=answers,
            attachments=(),
            channel=channel,
            status=status,
            priority=priority,
            unit=unit,
            expected_response_at=received + timedelta(hours=deadline_hours),
            tracking_hash=hash_token(token),
            has_contact=False,
            taken_by=taken_by,
            duplicate_of=duplicate_of if status is DUP else None,
            first_response_at=transitions[0].at if transitions else None,
            reopened=sum(1 for event in transitions if event.from_status in TERMINAL and event.to_status is V),
            version=1 + len(transitions),
        )
        earlier.setdefault(category.code, deque(maxlen=40)).append(_Earlier(received, report_id, draft.x, draft.y))
        return report, events

    def _triage_result(
        self,
        category: Category,
        answers: dict[str, Any],
        channel: Channel,
        occurred: datetime,
        received: datetime,
    ) -> tuple[Priority, str, int]:
        """`triage` on the tenant's rules, remembered by every fact the rules see (exact)."""
        local = occurred.astimezone(self.tenant.zone)
        key = (category.code, str(channel), local.hour, local.isoweekday(), encode_json(answers))
        found = self._triage.get(key)
        if found is None:
            decision = triage(self.tenant, category, answers, channel, occurred, received)
            found = (decision.priority, decision.unit, decision.deadline_hours)
            self._triage[key] = found
        return found

    def _description(self, category: Category, variant: int, locale: str, rng: random.Random) -> str:
        bank = self.data.descriptions.get(category.code)
        # A category without a bank (a city plugin's own): its description in the reporter's language.
        fallback = category.description or category.name
        text = bank[locale][variant] if bank is not None else pick(fallback, [locale, "en"])
        if str(category.group) in RECURRING_GROUPS and rng.random() < SUFFIX_SHARE:
            text = f"{text} {rng.choice(self.data.suffixes[locale])}"
        return text

    def _channel(self, category: Category, rng: random.Random) -> Channel:
        bias = CHANNEL_BIAS.get(str(category.group), {})
        channels = list(CHANNEL_WEIGHTS)
        return rng.choices(channels, weights=[CHANNEL_WEIGHTS[c] * bias.get(c, 1.0) for c in channels])[0]

    # ------------------------------------------------------------------------------------------ answers

    def _answers(
        self, category: Category, variant: int, draft: _Draft, locale: str, rng: random.Random
    ) -> dict[str, Any]:
        presets = self.data.variant_answers.get(category.code)
        preset = presets[variant] if presets else {}
        answers: dict[str, Any] = {}
        for question in category.questions:
            if question.code in preset:
                answers[question.code] = preset[question.code]
            elif question.required or rng.random() < OPTIONAL_ANSWER_SHARE:
                answers[question.code] = self._answer(question, category, variant, draft, locale, answers, rng)
        # A city plugin may have changed a question: whatever does not fit gets a plain valid answer.
        for error in validate_answers(category, answers):
            code = error.field.removeprefix("answers.")
            asked = category.question(code)
            if asked is None:
                answers.pop(code, None)
            else:
                answers[code] = _plain_answer(asked, category, draft, locale, rng)
        return answers

    def _answer(
        self,
        question: Question,
        category: Category,
        variant: int,
        draft: _Draft,
        locale: str,
        answers: Mapping[str, Any],
        rng: random.Random,
    ) -> Any:
        code = question.code
        local = draft.occurred_at
        delay_minutes = (draft.received_at - local.astimezone(UTC)).total_seconds() / 60
        match code:
            case "time_of_day":
                return (
                    "morning"
                    if 6 <= local.hour < 12
                    else "afternoon"
                    if 12 <= local.hour < 18
                    else "evening"
                    if 18 <= local.hour < 22
                    else "night"
                )
            case "ongoing":
                return rng.random() < (0.75 if delay_minutes < 45 else 0.15)
            case "near_school":
                return draft.kind == SCHOOL or rng.random() < 0.1
            case "noise_source" if draft.kind in (NIGHTLIFE, EMERGING):
                return _weighted(rng, self.data.answer_weights[code])
            case "nights_per_week":
                return rng.randint(3, 7) if draft.kind == EMERGING else rng.randint(1, 4)
            case "group_size" if draft.kind == NIGHTLIFE:
                return _weighted(rng, self.data.answer_weights[code])
            case "bike_type":
                return _weighted(rng, self.data.answer_weights[code])
            case "value" if category.code == "bike_theft":
                base = self.data.bike_values.get(str(answers.get("bike_type")), self.data.other_bike_value)
                return round(_lognormal(rng, base, 0.4))
            case "value":
                return round(_lognormal(rng, 80, 0.8))
            case "amount_lost":
                return round(min(20000.0, _lognormal(rng, 160, 1.0)), 2)
            case "locked":
                return rng.random() < 0.8
            case "recurring":
                return rng.random() < 0.6
            case "frame_number":
                return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(10))
            case "licence_plate":
                return _plate(self.data.plates.get(self.tenant.country, self.data.other_plate), rng)
            case "platform":
                return rng.choice(self.data.marketplaces.get(self.tenant.country, self.data.other_marketplaces))
            case "pole_number":
                return f"{rng.choice('ABCLM')}-{rng.randint(100, 9999)}"
            case "lamps_affected":
                return rng.randint(1, 4)
            case "satisfaction" if category.code == "police_feedback":
                return rng.randint(4, 5) if variant == 0 else rng.randint(1, 2)
            case "items_stolen":
                return self.data.items_stolen[locale][variant]
            case "data_shared":
                if rng.random() < 0.5:
                    return ["none"]
                return rng.sample(self.data.data_shared, k=rng.randint(1, 2))
        return _plain_answer(question, category, draft, locale, rng)

    # ------------------------------------------------------------------------------------------ history

    def _profile(self, category: Category, unit: str) -> str:
        if self.unit_kinds.get(unit) == "municipality":
            return "municipal"
        return GROUP_PROFILES.get(str(category.group), "police")

    def _path(
        self,
        category: Category,
        unit: str,
        draft: _Draft,
        rng: random.Random,
        earlier: dict[str, deque[_Earlier]],
    ) -> tuple[Status, ...]:
        paths = PATHS[self._profile(category, unit)]
        if rng.random() < EXTRA_DUPLICATE_SHARE.get(draft.kind, 0.0):
            path: tuple[Status, ...] = (DUP,)
        else:
            path = rng.choices([p for _, p in paths], weights=[w for w, _ in paths])[0]
        if DUP in path and self._original(draft, earlier) is None:
            path = paths[0][1]  # nothing to be a duplicate of: handled like most reports
        return path

    @staticmethod
    def _original(draft: _Draft, earlier: dict[str, deque[_Earlier]]) -> str | None:
        """The earlier report of the same category this one repeats: the nearest of the last few days."""
        candidates = earlier.get(draft.category.code)
        if not candidates:
            return None
        recent = [item for item in candidates if item.received_at >= draft.received_at - DUPLICATE_WINDOW]
        if not recent:
            return candidates[-1].id
        if draft.x is None or draft.y is None:
            return recent[-1].id

        def distance(item: _Earlier) -> float:
            if item.x is None or item.y is None or draft.x is None or draft.y is None:
                return math.inf
            return math.hypot(item.x - draft.x, item.y - draft.y)

        return min(recent, key=distance).id

    def _history(
        self, path: Sequence[Status], received: datetime, deadline_hours: int, locale: str, rng: random.Random
    ) -> list[ReportEvent]:
        """The transitions of `path` that have happened by now, each an audited event."""
        events: list[ReportEvent] = []
        officer = rng.choice(self.officers)
        current = Status.NEW
        at = received
        for step, target in enumerate(path):
            if step == 0:
                if rng.random() < LATE_SHARE:
                    hours = deadline_hours * rng.uniform(1.05, 2.5)
                else:
                    hours = _lognormal(rng, deadline_hours * FIRST_RESPONSE_SHARE)
            else:
                hours = _lognormal(rng, STEP_HOURS.get((current, target), DEFAULT_STEP_HOURS))
            at = at + max(timedelta(hours=hours), timedelta(minutes=5))
            if at > self.now:
                break
            if current is not Status.NEW and target is V:  # reopening a closed report
                actor = rng.choice(self.supervisors)
            elif step == 0 and target is V and rng.random() < 0.5:
                actor = rng.choice(self.desk)
            else:
                actor = officer
            internal = None
            if rng.random() < INTERNAL_NOTE_SHARE:
                internal = rng.choice(self.data.internal_notes[self.staff_language])
            events.append(
                ReportEvent(
                    at=at,
                    kind=EventKind.STATUS_CHANGED,
                    actor=actor,
                    from_status=current,
                    to_status=target,
                    public_note=rng.choice(self.data.public_notes[target][locale]),
                    internal_note=internal,
                )
            )
            current = target
        return events


def _plate(shape: str, rng: random.Random) -> str:
    letters = "BDFGHJKLNPRSTVXZ"
    return "".join(
        rng.choice(letters) if char == "L" else str(rng.randrange(10)) if char == "D" else char for char in shape
    )


def _plain_answer(question: Question, category: Category, draft: _Draft, locale: str, rng: random.Random) -> Any:
    """A valid answer of the question's type, within its bounds."""
    kind = question.type
    if kind is QuestionType.BOOLEAN:
        return rng.random() < 0.5
    if kind is QuestionType.INTEGER:
        low = math.ceil(question.minimum) if question.minimum is not None else 0
        if question.maximum is not None and question.maximum < low:
            low = math.floor(question.maximum)
        high = math.floor(question.maximum) if question.maximum is not None else low + 10
        return rng.randint(low, max(low, high))
    if kind is QuestionType.NUMBER:
        low_value = question.minimum if question.minimum is not None else 0.0
        high_value = question.maximum if question.maximum is not None else low_value + 500.0
        return round(rng.uniform(low_value, max(low_value, high_value)), 2) if high_value > low_value else low_value
    if kind in (QuestionType.STRING, QuestionType.TEXT):
        return pick(category.name, [locale, "en"])[: question.max_length]
    if kind is QuestionType.DATETIME:
        return draft.occurred_at.isoformat()
    codes = [option.code for option in question.options]
    if kind is QuestionType.SINGLE_CHOICE:
        return rng.choice(codes)
    return rng.sample(codes, k=2 if len(codes) > 2 and rng.random() < 0.3 else 1)


def generate_reports(
    tenant: Tenant, count: int, rng: random.Random, now: datetime, days: int
) -> Iterator[tuple[Report, list[ReportEvent]]]:
    """`count` reports of `tenant` received in the `days` before `now`, oldest first, each with its history.

    Pure: no I/O, and the same `rng` state, `now` and `days` give the same reports (ids included).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if days < 1:
        raise ValueError("days must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    generator = _TenantGenerator(tenant, now.astimezone(UTC), days)
    drafts = generator.drafts(count, rng)

    def build_all() -> Iterator[tuple[Report, list[ReportEvent]]]:
        earlier: dict[str, deque[_Earlier]] = {}
        for draft in drafts:
            yield generator.build(draft, rng, earlier)

    return build_all()


# ================================================================================================ writing

BATCH_SIZE: Final = 25  # DynamoDB's limit for BatchWriteItem
# moto runs in this process: its work and botocore's share one GIL with the generator, so more threads only
# add contention (measured: 1 thread 6.98 s, 2: 7.2 s, 4: 7.34 s, 8: 8.91 s for the same 8,800 items).
WRITER_THREADS: Final = 2
PENDING_BATCHES_PER_THREAD: Final = 4  # bounds memory: generation waits when the writers fall behind
MAX_WRITE_ATTEMPTS: Final = 12


def _event_item(report: Report, position: int, event: ReportEvent) -> dict[str, Any]:
    """The storage layout's event item; its random tie-breaker becomes the event's position, so that seeding
    the same history twice writes the same keys."""
    return event_to_item(report.tenant, report.id, event, sensitive=report.sensitive, tie_breaker=f"{position:06x}")


class _TenantJob:
    """The batches of one tenant: counted down by the writers, reported by the seeding thread."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.started = time.perf_counter()
        self.finished = self.started
        self.reports = 0
        self.events = 0
        self.error: BaseException | None = None
        self._pending = 0
        self._closed = False
        self._lock = threading.Lock()
        self._done = threading.Event()

    def add(self) -> None:
        with self._lock:
            self._pending += 1

    def finish_one(self, error: BaseException | None) -> None:
        with self._lock:
            self._pending -= 1
            if error is not None and self.error is None:
                self.error = error
            self._settle()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._settle()

    def _settle(self) -> None:
        if self._closed and self._pending == 0 and not self._done.is_set():
            self.finished = time.perf_counter()
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self) -> None:
        self._done.wait()


class _BatchWriter:
    """BatchWriteItem over a few threads, each with its own client; UnprocessedItems are retried."""

    def __init__(self, table: str, threads: int) -> None:
        self.table = table
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="koban-seed")
        self._slots = threading.BoundedSemaphore(threads * PENDING_BATCHES_PER_THREAD)

    def submit(self, job: _TenantJob, items: list[dict[str, Any]]) -> None:
        self._slots.acquire()
        job.add()
        try:
            future = self._pool.submit(self._write, items)
        except BaseException:
            self._slots.release()
            job.finish_one(None)
            raise

        def finished(done: Future[None]) -> None:
            self._slots.release()
            job.finish_one(done.exception())

        future.add_done_callback(finished)

    def shutdown(self, cancel: bool) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"max_attempts": 8, "mode": "standard"},
                connect_timeout=5,
                read_timeout=120,
                # The items come from `serialize`; botocore's own check of every attribute costs ~8 % here.
                parameter_validation=False,
            )
            client = boto3.session.Session().client("dynamodb", config=config)
            self._local.client = client
        return client

    def _write(self, items: list[dict[str, Any]]) -> None:
        client = self._client()
        request: dict[str, Any] = {self.table: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(MAX_WRITE_ATTEMPTS):
            response = client.batch_write_item(RequestItems=request)
            unprocessed = response.get("UnprocessedItems") or {}
            if not unprocessed.get(self.table):
                return
            request = unprocessed
            time.sleep(min(2.0, 0.05 * 2**attempt))
        left = len(request.get(self.table, ()))
        raise RuntimeError(f"DynamoDB left {left} seed items unprocessed after {MAX_WRITE_ATTEMPTS} attempts")


def _report_finished(jobs: deque[_TenantJob], progress: Callable[[str], None], wait: bool) -> None:
    while jobs and (wait or jobs[0].done()):
        job = jobs.popleft()
        job.wait()
        if job.error is not None:
            raise RuntimeError(f"seeding {job.tenant_id} failed: {job.error}") from job.error
        progress(
            f"seeded {job.tenant_id}: {job.reports} reports, {job.events} events in {job.finished - job.started:.1f} s"
        )


def seed_all(
    report_count_per_tenant: int = 6000,
    progress: Callable[[str], None] = print,
    *,
    days: int = 90,
    seed: int = 2026,
    now: datetime | None = None,
    tenants: Collection[str] | None = None,
) -> dict[str, int]:
    """Write `report_count_per_tenant` synthetic reports (with their histories) for every tenant (or those named).

    Table names come from the settings (`REPORTS_TABLE`), the endpoint from boto3's environment
    (`AWS_ENDPOINT_URL` locally). Deterministic for `seed` and `now`; returns the reports written per tenant.
    """
    if report_count_per_tenant < 0:
        raise ValueError("report_count_per_tenant must not be negative")
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    table = get_settings().reports_table
    started = time.perf_counter()
    counts: dict[str, int] = {}
    jobs: deque[_TenantJob] = deque()
    writer = _BatchWriter(table, WRITER_THREADS)
    failed = True
    try:
        for tenant in list_tenants():
            if tenants is not None and tenant.id not in tenants:
                continue
            job = _TenantJob(tenant.id)
            jobs.append(job)
            batch: list[dict[str, Any]] = []
            history = generate_reports(tenant, report_count_per_tenant, tenant_random(seed, tenant.id), moment, days)
            for report, events in history:
                batch.append(serialize(report_to_item(report)))
                batch.extend(serialize(_event_item(report, position, event)) for position, event in enumerate(events))
                job.reports += 1
                job.events += len(events)
                while len(batch) >= BATCH_SIZE:
                    writer.submit(job, batch[:BATCH_SIZE])
                    del batch[:BATCH_SIZE]
                    _report_finished(jobs, progress, wait=False)
            if batch:
                writer.submit(job, batch)
            job.close()
            counts[tenant.id] = job.reports
            _report_finished(jobs, progress, wait=False)
        _report_finished(jobs, progress, wait=True)
        failed = False
    finally:
        writer.shutdown(cancel=failed)
    total_reports = sum(counts.values())
    progress(f"seeded {total_reports} reports for {len(counts)} tenants in {time.perf_counter() - started:.1f} s")
    return counts
