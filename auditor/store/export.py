"""CSV and XLSX exports officers open in Excel or LibreOffice, with Vietnamese headers.

CSV is written as UTF-8 with a BOM so Excel shows the diacritics; XLSX through openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.engine import ReqStatus, combine
from auditor.fileio import atomic_write
from auditor.messages.catalogue import Messages
from auditor.store.models import AuditRow, FindingRow, ResultRow

FINDING_COLUMNS = (
    "id",
    "asset",
    "requirement",
    "requirement_title",
    "severity",
    "state",
    "owner",
    "due",
    "waiver_reason",
    "waiver_until",
    "approved_by",
)
REQUIREMENT_COLUMNS = ("requirement", "requirement_title", "status", "met_assets", "failing_assets")
Cell = str | int | float | dt.date
EXTENSIONS = (".xlsx", ".csv")


def requirement_titles(lang: str) -> dict[str, str]:
    """Requirement id → title in `lang`, from the shipped packs (the store keeps ids only)."""
    from auditor.checking import discover
    from auditor.policy import builtin_requirements

    titles: dict[str, str] = {}
    for requirement in builtin_requirements(discover()):
        titles.setdefault(requirement.id, requirement.title(lang))
    return titles


def findings_table(session: Session, org: str, t: Messages) -> list[list[Cell]]:
    titles = requirement_titles(t.lang)
    rows: list[list[Cell]] = [[t(f"export.{c}") for c in FINDING_COLUMNS]]
    for f in session.scalars(
        select(FindingRow).where(FindingRow.org == org).order_by(FindingRow.id)
    ):
        rows.append(
            [
                f.id,  # a number in XLSX, so it sorts as one
                f.asset_id,
                f.requirement,
                titles.get(f.requirement, ""),
                t(f"severity.{f.severity}"),
                t(f"finding.{f.status}"),
                f.owner or "",
                f.due or "",
                f.waiver_reason or "",
                f.waiver_until or "",
                f.waiver_approved_by or "",
            ]
        )
    return rows


def requirements_table(
    session: Session, org: str, t: Messages, audit_id: str | None
) -> list[list[Cell]]:
    """Per-requirement status of one of organisation `org`'s audits (the newest by
    default), rolled up over assets."""
    if audit_id is None:
        audit_id = session.scalar(
            select(AuditRow.id).where(AuditRow.org == org).order_by(AuditRow.generated_at.desc())
        )
    elif session.scalar(select(AuditRow.org).where(AuditRow.id == audit_id)) != org:
        audit_id = None  # another organisation's audit: nothing of it is shown
    by_req: dict[str, list[tuple[str, str]]] = {}
    for r in session.scalars(select(ResultRow).where(ResultRow.audit_id == audit_id)):
        by_req.setdefault(r.requirement, []).append((r.asset_id, r.status))
    titles = requirement_titles(t.lang)
    rows: list[list[Cell]] = [[t(f"export.{c}") for c in REQUIREMENT_COLUMNS]]
    for req, pairs in sorted(by_req.items()):
        assets = [(a, s) for a, s in pairs if a != "*"] or pairs
        status = combine(ReqStatus(s) for _, s in assets)
        rows.append(
            [
                req,
                titles.get(req, ""),
                t(f"status.{status.value}"),
                ", ".join(a for a, s in assets if s == "met"),
                ", ".join(a for a, s in assets if s in ("not_met", "partly_met")),
            ]
        )
    return rows


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
