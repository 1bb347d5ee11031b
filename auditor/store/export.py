"""CSV and XLSX exports officers open in Excel or LibreOffice, with Vietnamese headers.

CSV is written as UTF-8 with a BOM so Excel shows the diacritics; XLSX through openpyxl.
"""

from __future__ import annotations

import csv
import io
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
    "severity",
    "state",
    "owner",
    "due",
    "waiver_reason",
    "waiver_until",
    "approved_by",
)
REQUIREMENT_COLUMNS = ("requirement", "status", "met_assets", "failing_assets")


def findings_table(session: Session, t: Messages) -> list[list[str]]:
    rows = [[t(f"export.{c}") for c in FINDING_COLUMNS]]
    for f in session.scalars(select(FindingRow).order_by(FindingRow.id)):
        rows.append(
            [
                str(f.id),
                f.asset_id,
                f.requirement,
                t(f"severity.{f.severity}"),
                t(f"finding.{f.status}"),
                f.owner or "",
                f.due.isoformat() if f.due else "",
                f.waiver_reason or "",
                f.waiver_until.isoformat() if f.waiver_until else "",
                f.waiver_approved_by or "",
            ]
        )
    return rows


def requirements_table(session: Session, t: Messages, audit_id: str | None) -> list[list[str]]:
    """Per-requirement status of one audit (the newest by default), rolled up over assets."""
    if audit_id is None:
        audit_id = session.scalar(select(AuditRow.id).order_by(AuditRow.generated_at.desc()))
    by_req: dict[str, list[tuple[str, str]]] = {}
    for r in session.scalars(select(ResultRow).where(ResultRow.audit_id == audit_id)):
        by_req.setdefault(r.requirement, []).append((r.asset_id, r.status))
    rows = [[t(f"export.{c}") for c in REQUIREMENT_COLUMNS]]
    for req, pairs in sorted(by_req.items()):
        assets = [(a, s) for a, s in pairs if a != "*"] or pairs
        status = combine(ReqStatus(s) for _, s in assets)
        rows.append(
            [
                req,
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


def write_table(rows: list[list[str]], path: Path, sheet: str) -> None:
    """XLSX keeps formula-like cells as text cells; CSV prefixes them with an apostrophe."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # a quarter second to import; only the XLSX path needs it
        from openpyxl.styles import Font

        book = Workbook()
        ws = book.active
        assert ws is not None
        ws.title = sheet[:31]
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and _is_formula_like(cell.value):
                    cell.data_type = "s"  # openpyxl would store "=…" as a formula
        for cell in ws[1]:
            cell.font = Font(bold=True)
        buffer = io.BytesIO()
        book.save(buffer)
        atomic_write(path, buffer.getvalue())
        return
    text = io.StringIO()
    csv.writer(text).writerows(
        [["'" + v if _is_formula_like(v) else v for v in row] for row in rows]
    )
    atomic_write(path, text.getvalue().encode("utf-8-sig"))
