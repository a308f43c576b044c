"""CSV files for spreadsheets: UTF-8 with a byte-order mark, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"
# A cell a spreadsheet would run as a formula starts with one of these; such text gets a leading apostrophe.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value` as a CSV cell no spreadsheet runs as a formula (CSV injection: free text from the public)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Text starting with a byte-order mark (spreadsheets then read it as UTF-8), CRLF line ends. Text, not
    bytes: API Gateway passes a text body as it is, where bytes would need the client to ask for a binary type."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()
