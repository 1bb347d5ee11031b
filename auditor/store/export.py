"""CSV and XLSX exports officers open in Excel or LibreOffice, with Vietnamese headers.

CSV is written as UTF-8 with a BOM so Excel shows the diacritics; XLSX through openpyxl.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.messages.catalogue import Messages
from auditor.results import ReqStatus, combine
from auditor.store.models import AuditRow, FindingRow, ResultRow
from auditor.tables import Cell

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
