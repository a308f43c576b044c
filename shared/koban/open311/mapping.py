"""KOBAN ↔ Open311 GeoReport v2: services from the taxonomy, answers from attributes, public request views.

Everything here is pure: the caller passes the tenant's categories, a report and its history, and renders the
returned dicts with `koban.open311.formats`. Dicts are built in the order the specification lists the
fields, which is the order of the XML elements.

Services
    `service_code` is the category code and `group` is the category's assistant group *code* (`nuisance`,
    `hate_crime`, …), not a localised name: it is a stable grouping key in every language (as the
    specification's own example `sanitation` is), the same value `/v1/…/categories` returns, and clients that
    group services need not re-group when the language changes. `keywords` are the category's keywords in the
    best language, comma separated.

Status mapping
    Open311 knows `open` and `closed`; FixMyStreet's update extension adds extended statuses. KOBAN's terminal
    statuses (`koban.reports.lifecycle.TERMINAL`) are `closed`, the others `open`:

    ===============  =======  ===========================
    KOBAN status     Open311  extended (FixMyStreet)
    ===============  =======  ===========================
    new              open     OPEN
    verifying        open     INVESTIGATING
    confirmed        open     ACTION_SCHEDULED
    in_progress      open     IN_PROGRESS
    resolved         closed   FIXED
    referred         closed   NOT_POLICE_RESPONSIBILITY
    unconfirmed      closed   NO_FURTHER_ACTION
    rejected         closed   NO_FURTHER_ACTION
    duplicate        closed   DUPLICATE
    ===============  =======  ===========================

    `rejected` (a joke or a mistake) is NO_FURTHER_ACTION, not CLOSED: FixMyStreet without its
    extended-statuses option turns CLOSED into "fixed - council", which would tell the public that a
    rejected report was fixed. `referred` uses the KOBAN name NOT_POLICE_RESPONSIBILITY that issue 3 asks
    for; FixMyStreet's own name for the same idea is NOT_COUNCILS_RESPONSIBILITY (it records an update with
    an unknown status but leaves the report's state as it was).

    In `servicerequestupdates` the update's `status` carries the extended status in lower case and
    `external_status_code` the KOBAN status code. That is how FixMyStreet reads the feed (its
    `GetServiceRequestUpdates` maps `status` onto its states; mySociety's schema for the feed lists the
    extended statuses, lower case, for `status`; `external_status_code` is the back end's own code, which
    FixMyStreet matches to response templates): an `open`/`closed` status there would turn every closed
    report into "fixed" on a FixMyStreet site. Requests (`GET requests`) keep the plain `open`/`closed`.

Privacy of public reads
    - Contact data is never part of a public view (the report does not even hold it).
    - `media_url` is always empty: photos are never public.
    - A report is sensitive when its category says so (`Category.sensitive`, set by the tenant's plugin) or
      the report was stored as sensitive (`is_sensitive`), so a category that later becomes sensitive
      hides its old reports too; `request_update` takes that decision from its caller. For a sensitive
      report: `description` is a neutral localised sentence instead of the resident's text, `status_notes`
      is empty, update descriptions are the same neutral sentence instead of the officer's note, `address`
      is empty, and `lat`/`long` are coarsened (below).
    - Coarsening snaps a point to the centre of a grid cell of about 1.1 km × 1.1 km: the latitude to a
      0.01° row (0.01° of latitude ≈ 1.11 km everywhere), the longitude to a column whose width in degrees is
      0.01° / cos(row centre latitude), so a cell is about as wide as it is high at any latitude. Every report
      in a cell gets the same published point, so a published position tells only the cell; the published
      point is at most ~0.8 km from the true one. The cell is a function of the point alone (no randomness),
      so repeated reads cannot be averaged to recover the true position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from koban.errors import FieldError, ValidationFailed
from koban.i18n import pick
from koban.privacy.redaction import redact
from koban.reports.lifecycle import TERMINAL, Status
from koban.reports.models import Report, ReportEvent
from koban.tenants.models import Category, Question, QuestionType

SERVICE_TYPE = "realtime"  # a POST answers with the service_request_id at once, never a token to poll

OPEN311_STATUS: dict[Status, str] = {status: "closed" if status in TERMINAL else "open" for status in Status}

EXTENDED_STATUS: dict[Status, str] = {
    Status.NEW: "OPEN",
    Status.VERIFYING: "INVESTIGATING",
    Status.CONFIRMED: "ACTION_SCHEDULED",
    Status.IN_PROGRESS: "IN_PROGRESS",
    Status.RESOLVED: "FIXED",
    Status.REFERRED: "NOT_POLICE_RESPONSIBILITY",
    Status.UNCONFIRMED: "NO_FURTHER_ACTION",
    Status.REJECTED: "NO_FURTHER_ACTION",
    Status.DUPLICATE: "DUPLICATE",
}

_DATATYPES: dict[QuestionType, str] = {
    QuestionType.STRING: "string",
    QuestionType.TEXT: "text",
    QuestionType.NUMBER: "number",
    QuestionType.INTEGER: "number",
    QuestionType.BOOLEAN: "singlevaluelist",
    QuestionType.DATETIME: "datetime",
    QuestionType.SINGLE_CHOICE: "singlevaluelist",
    QuestionType.MULTI_CHOICE: "multivaluelist",
}
_LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})

CELL_DEGREES = 0.01

# A decimal number as a person or a form sends it. Python's float() also takes '1_000', 'nan', 'inf' and
# non-ASCII digits, none of which is a number in an Open311 form.
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")

# The few sentences this layer writes itself, in the eight languages KOBAN serves (picked with the
# client's preference, English when none matches). Open311 clients show them to residents.
_TEXTS: dict[str, dict[str, str]] = {
    "yes": {
        "en": "Yes",
        "nl": "Ja",
        "pl": "Tak",
        "fi": "Kyllä",
        "es": "Sí",
        "pt": "Sim",
        "fr": "Oui",
        "de": "Ja",
    },
    "no": {
        "en": "No",
        "nl": "Nee",
        "pl": "Nie",
        "fi": "Ei",
        "es": "No",
        "pt": "Não",
        "fr": "Non",
        "de": "Nein",
    },
    "number": {
        "en": "A number",
        "nl": "Een getal",
        "pl": "Liczba",
        "fi": "Luku",
        "es": "Un número",
        "pt": "Um número",
        "fr": "Un nombre",
        "de": "Eine Zahl",
    },
    "integer": {
        "en": "A whole number",
        "nl": "Een geheel getal",
        "pl": "Liczba całkowita",
        "fi": "Kokonaisluku",
        "es": "Un número entero",
        "pt": "Um número inteiro",
        "fr": "Un nombre entier",
        "de": "Eine ganze Zahl",
    },
    "range": {
        "en": "from {low} to {high}",
        "nl": "van {low} tot en met {high}",
        "pl": "od {low} do {high}",
        "fi": "{low}–{high}",
        "es": "de {low} a {high}",
        "pt": "de {low} a {high}",
        "fr": "de {low} à {high}",
        "de": "von {low} bis {high}",
    },
    "minimum": {
        "en": "at least {low}",
        "nl": "minimaal {low}",
        "pl": "co najmniej {low}",
        "fi": "vähintään {low}",
        "es": "como mínimo {low}",
        "pt": "no mínimo {low}",
        "fr": "au moins {low}",
        "de": "mindestens {low}",
    },
    "maximum": {
        "en": "at most {high}",
        "nl": "maximaal {high}",
        "pl": "co najwyżej {high}",
        "fi": "enintään {high}",
        "es": "como máximo {high}",
        "pt": "no máximo {high}",
        "fr": "au plus {high}",
        "de": "höchstens {high}",
    },
    "datetime": {
        "en": "Date and time in ISO 8601 with a UTC offset, e.g. 2026-11-20T23:00:00+01:00",
        "nl": "Datum en tijd in ISO 8601 met UTC-verschil, bijv. 2026-11-20T23:00:00+01:00",
        "pl": "Data i godzina w ISO 8601 z przesunięciem od UTC, np. 2026-11-20T23:00:00+01:00",
        "fi": "Päivämäärä ja aika ISO 8601 -muodossa UTC-erotuksella, esim. 2026-11-20T23:00:00+01:00",
        "es": "Fecha y hora en ISO 8601 con desfase respecto a UTC, p. ej. 2026-11-20T23:00:00+01:00",
        "pt": "Data e hora em ISO 8601 com desvio em relação a UTC, p. ex. 2026-11-20T23:00:00+01:00",
        "fr": "Date et heure au format ISO 8601 avec décalage UTC, p. ex. 2026-11-20T23:00:00+01:00",
        "de": "Datum und Uhrzeit nach ISO 8601 mit UTC-Versatz, z. B. 2026-11-20T23:00:00+01:00",
    },
    "text": {
        "en": "At most {length} characters",
        "nl": "Maximaal {length} tekens",
        "pl": "Najwyżej {length} znaków",
        "fi": "Enintään {length} merkkiä",
        "es": "Como máximo {length} caracteres",
        "pt": "No máximo {length} caracteres",
        "fr": "Au plus {length} caractères",
        "de": "Höchstens {length} Zeichen",
    },
    "string": {
        "en": "One line, at most {length} characters",
        "nl": "Eén regel, maximaal {length} tekens",
        "pl": "Jeden wiersz, najwyżej {length} znaków",
        "fi": "Yksi rivi, enintään {length} merkkiä",
        "es": "Una sola línea, como máximo {length} caracteres",
        "pt": "Uma só linha, no máximo {length} caracteres",
        "fr": "Une seule ligne, au plus {length} caractères",
        "de": "Eine Zeile, höchstens {length} Zeichen",
    },
    "withheld": {
        "en": "The details of this report are not published, to protect the people involved.",
        "nl": "De details van deze melding worden niet gepubliceerd, om de betrokkenen te beschermen.",
        "pl": "Szczegóły tego zgłoszenia nie są publikowane, aby chronić osoby, których dotyczy.",
        "fi": "Tämän ilmoituksen yksityiskohtia ei julkaista asianosaisten suojelemiseksi.",
        "es": "Los detalles de este aviso no se publican, para proteger a las personas afectadas.",
        "pt": "Os detalhes desta participação não são publicados, para proteger as pessoas envolvidas.",
        "fr": "Les détails de ce signalement ne sont pas publiés, afin de protéger les personnes concernées.",
        "de": "Die Einzelheiten dieser Meldung werden zum Schutz der Betroffenen nicht veröffentlicht.",
    },
}


def _text(key: str, languages: Sequence[str], **params: object) -> str:
    template = pick(_TEXTS[key], languages)
    return template.format(**params) if params else template


# --- services -------------------------------------------------------------------------------------------


def service_list(categories: Iterable[Category], languages: Sequence[str]) -> list[dict[str, Any]]:
    """GET services: one Open311 service per category, localised for `languages` (best first)."""
    return [
        {
            "service_code": category.code,
            "service_name": pick(category.name, languages),
            "description": pick(category.description, languages) or None,
            "metadata": bool(category.questions),
            "type": SERVICE_TYPE,
            "keywords": _keywords(pick(category.keywords, languages)),
            "group": category.group.value,
        }
        for category in categories
    ]


def _keywords(text: str) -> str | None:
    # Plugins write keywords as prose lists; Open311 wants one comma-separated list without empty entries.
    words = [word.strip() for word in text.split(",") if word.strip()]
    return ", ".join(words) or None


def service_definition(category: Category, languages: Sequence[str]) -> dict[str, Any]:
    """GET services/{service_code}: the category's questions as Open311 attributes, in question order."""
    return {
        "service_code": category.code,
        "attributes": [_attribute(question, order, languages) for order, question in enumerate(category.questions, 1)],
    }


def _attribute(question: Question, order: int, languages: Sequence[str]) -> dict[str, Any]:
    datatype = _DATATYPES[question.type]
    attribute: dict[str, Any] = {
        "variable": True,
        "code": question.code,
        "datatype": datatype,
        "required": question.required,
        "datatype_description": _datatype_description(question, languages),
        "order": order,
        "description": pick(question.label, languages),
    }
    # `values` belongs to the list datatypes only (the specification: "only used for …valuelist").
    if datatype in _LIST_DATATYPES:
        attribute["values"] = _values(question, languages)
    return attribute


def _values(question: Question, languages: Sequence[str]) -> list[dict[str, str]]:
    if question.type is QuestionType.BOOLEAN:
        return [
            {"key": "true", "name": _text("yes", languages)},
            {"key": "false", "name": _text("no", languages)},
        ]
    return [{"key": option.code, "name": pick(option.label, languages)} for option in question.options]


def _datatype_description(question: Question, languages: Sequence[str]) -> str | None:
    kind = question.type
    if kind in (QuestionType.NUMBER, QuestionType.INTEGER):
        noun = _text("integer" if kind is QuestionType.INTEGER else "number", languages)
        low, high = question.minimum, question.maximum
        if low is not None and high is not None:
            bounds = _text("range", languages, low=_number(low), high=_number(high))
        elif low is not None:
            bounds = _text("minimum", languages, low=_number(low))
        elif high is not None:
            bounds = _text("maximum", languages, high=_number(high))
        else:
            return noun
        return f"{noun}, {bounds}"
    if kind is QuestionType.DATETIME:
        return _text("datetime", languages)
    if kind in (QuestionType.STRING, QuestionType.TEXT):
        return _text(kind.value, languages, length=question.max_length)
    return None  # the list datatypes are described by their values


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# --- answers --------------------------------------------------------------------------------------------


def answers_from_attributes(category: Category, attributes: Mapping[str, str | list[str]]) -> dict[str, Any]:
    """Open311 attribute strings converted to KOBAN typed answers, keyed by question code.

    Only conversion happens here (and unknown codes are refused); ranges, options, lengths and required
    questions are checked afterwards by `koban.reports.answers.validate_answers`, as for every channel.
    Blank values mean "not answered" (HTML forms send empty fields), so they are left out.
    Raises ValidationFailed with one FieldError per bad attribute, its field named `attribute[code]`.
    """
    answers: dict[str, Any] = {}
    errors: list[FieldError] = []
    for code, raw in attributes.items():
        field = f"attribute[{code}]"
        question = category.question(code)
        if question is None:
            errors.append(FieldError(field, f"'{category.code}' has no attribute '{code}'", "unknown_attribute"))
            continue
        values = [value.strip() for value in ([raw] if isinstance(raw, str) else raw) if value.strip()]
        if not values:
            continue
        try:
            answers[code] = _convert(question, values)
        except ValueError as exc:
            errors.append(FieldError(field, str(exc), "invalid_attribute"))
    if errors:
        raise ValidationFailed(errors)
    return answers


def _convert(question: Question, values: list[str]) -> Any:
    if question.type is QuestionType.MULTI_CHOICE:
        return values
    if len(values) > 1:
        raise ValueError("takes a single value")
    value = values[0]
    kind = question.type
    if kind is QuestionType.BOOLEAN:
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise ValueError("must be true or false")
        return lowered == "true"
    if kind in (QuestionType.NUMBER, QuestionType.INTEGER):
        number = float(value) if _DECIMAL.match(value) else math.nan
        if not math.isfinite(number):
            raise ValueError("must be a number")
        if kind is QuestionType.INTEGER:
            if not number.is_integer():
                raise ValueError("must be a whole number")
            return int(number)
        return number
    return value  # string, text, datetime and a single choice are text; validate_answers checks them


# --- requests and updates -------------------------------------------------------------------------------


def is_sensitive(report: Report, category: Category | None) -> bool:
    """Whether public views must hide the report's text and blur its place (see the module docstring)."""
    return report.sensitive or (category is not None and category.sensitive)


def coarsen(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~1.1 km grid cell holding (lat, lon); see the module docstring for the grid."""
    row = min(math.floor((lat + 90) / CELL_DEGREES), round(180 / CELL_DEGREES) - 1)
    centre_lat = -90 + (row + 0.5) * CELL_DEGREES
    width = min(CELL_DEGREES / math.cos(math.radians(centre_lat)), 360.0)
    column = min(math.floor((lon + 180) / width), math.ceil(360 / width) - 1)
    centre_lon = min(-180 + (column + 0.5) * width, 180.0)
    # Rounded so that two points of one cell publish the very same numbers, not float noise apart.
    return round(centre_lat, 6), round(centre_lon, 6)


def w3c_datetime(moment: datetime, zone: tzinfo = UTC) -> str:
    """ISO 8601 / W3C date-time with offset, whole seconds: '2010-04-14T06:37:38-08:00'."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def service_request(
    report: Report,
    category: Category | None,
    languages: Sequence[str],
    *,
    notes: str | None,
    agency: str | None,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """The public Open311 view of a report (GET requests, GET requests/{id}).

    `category` is the report's category in the tenant's taxonomy today (None if it was removed: the code
    stands in for the name); `notes` is the latest public note, `agency` the responsible unit's name and
    `zone` the tenant's time zone for the datetimes. Sensitive reports are withheld and coarsened; the text of
    the others is shown with phone numbers and e-mail addresses redacted (koban.privacy.redaction).
    """
    sensitive = is_sensitive(report, category)
    lat: float | None = None
    lon: float | None = None
    if report.location is not None:
        lat, lon = report.location.lat, report.location.lon
        if sensitive:
            lat, lon = coarsen(lat, lon)
    return {
        "service_request_id": report.id,
        "status": OPEN311_STATUS[report.status],
        "status_notes": None if sensitive or notes is None else redact(notes),
        "service_name": pick(category.name, languages) if category else report.category,
        "service_code": report.category,
        "description": _text("withheld", languages) if sensitive else redact(report.description),
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": w3c_datetime(report.received_at, zone),
        "updated_datetime": w3c_datetime(report.updated_at, zone),
        "expected_datetime": w3c_datetime(report.expected_response_at, zone),
        "address": None if sensitive or report.address is None else redact(report.address),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": None,
    }


def request_update(
    report_id: str,
    sensitive: bool,
    event: ReportEvent,
    *,
    languages: Sequence[str] = (),
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """One FixMyStreet `request_update` for a lifecycle event (one that sets a status) of a report.

    `sensitive` is the report's sensitivity (see `is_sensitive`); `languages` choose the language of the
    neutral sentence that replaces a sensitive report's note (English when empty). `update_id` is the
    report id and the event's UTC time to the microsecond: a report's history is append-only and two of
    its events never share a microsecond, so the same update has the same id on every read.
    Raises ValueError for an event that sets no status (e.g. a contact view): that is no public update.
    """
    if event.to_status is None:
        raise ValueError(f"an event of report {report_id} that sets no status is not an update")
    return {
        "update_id": f"{report_id}-{event.at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}",
        "service_request_id": report_id,
        "status": EXTENDED_STATUS[event.to_status].lower(),
        "updated_datetime": w3c_datetime(event.at, zone),
        "description": _text("withheld", languages) if sensitive else redact(event.public_note or ""),
        "media_url": "",
        "external_status_code": event.to_status.value,
    }


def statuses_for(open311_status: str) -> frozenset[Status]:
    """The KOBAN statuses behind an Open311 `status` filter value ('open' or 'closed', any case)."""
    wanted = open311_status.strip().lower()
    if wanted not in ("open", "closed"):
        raise ValueError(f"'{open311_status[:50]}' is not an Open311 status: use open or closed")
    return frozenset(status for status, value in OPEN311_STATUS.items() if value == wanted)
