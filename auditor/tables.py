"""Tables as the files officers open in Excel or LibreOffice: CSV as UTF-8 with a BOM (so
Excel shows the diacritics), XLSX through openpyxl; formula-like text stays text. Shared
by the commune's exports and the province's, so neither imports the other's store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from auditor.fileio import atomic_write

Cell = str | int | float | dt.date
EXTENSIONS = (".xlsx", ".csv")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_formula_like(value: str) -> bool:
    """Text a spreadsheet would run as a formula (CSV injection): an owner named
    '=HYPERLINK(…)' must stay text."""
    return value.startswith(FORMULA_START)


def write_table(rows: list[list[Cell]], path: Path, sheet: str) -> None:
    """The table as `path`'s format (.xlsx or .csv), written atomically."""
    if path.suffix.lower() not in EXTENSIONS:
        raise ValueError(path.suffix)
    atomic_write(path, table_bytes(rows, path.suffix.lower(), sheet))


# the characters an XLSX cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, without its
# import cost on the CSV path)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _xlsx_text(value: Cell) -> Cell:
    """Text XLSX can hold: control characters (from a commune's or a certificate's name)
    shown as \\uXXXX, which openpyxl would otherwise refuse for the whole file."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    return value


def table_bytes(rows: list[list[Cell]], suffix: str, sheet: str) -> bytes:
    """XLSX: a frozen, filterable header, columns sized to their text, dates as dates;
    formula-like text stays text (CSV prefixes it with an apostrophe)."""
    if suffix == ".xlsx":
        from openpyxl import Workbook  # a quarter second to import; only the XLSX path needs it
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        ws = book.active
        assert ws is not None
        ws.title = sheet[:31]
        for row in rows:
            ws.append([_xlsx_text(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and _is_formula_like(cell.value):
                    cell.data_type = "s"  # openpyxl would store "=…" as a formula
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for index, column in enumerate(zip(*rows, strict=False), start=1):
            width = max(len(str(value)) for value in column)
            ws.column_dimensions[get_column_letter(index)].width = min(max(width, 8) + 2, 60)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows(
        [
            [
                "'" + v
                if isinstance(v, str) and _is_formula_like(v)
                else (v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v)
                for v in row
            ]
            for row in rows
        ]
    )
    return text.getvalue().encode("utf-8-sig")
