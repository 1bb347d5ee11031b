"""The history store's read queries the commands need, in one place (the CLI never writes
SQL): findings, a finding's events, audits by a start of their id, an asset's results."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditor.store.models import AuditRow, EventRow, FindingRow, ResultRow


def findings_of(session: Session, org: str) -> list[FindingRow]:
    """Organisation `org`'s findings by due date, then number."""
    query = select(FindingRow).where(FindingRow.org == org)
    return list(session.scalars(query.order_by(FindingRow.due, FindingRow.id)))


def finding_events(session: Session, finding_id: int) -> list[EventRow]:
    """Every change of one finding, oldest first."""
    query = select(EventRow).where(EventRow.finding_id == finding_id)
    return list(session.scalars(query.order_by(EventRow.at, EventRow.id)))


def audits_starting(session: Session, prefix: str) -> list[str]:
    """Up to two audit ids that start with `prefix` (two means it is ambiguous)."""
    query = select(AuditRow.id).where(AuditRow.id.startswith(prefix, autoescape=True)).limit(2)
    return list(session.scalars(query))


def owners_of(session: Session, audit_ids: list[str]) -> set[str]:
    """The organisations the audits belong to."""
    return set(session.scalars(select(AuditRow.org).where(AuditRow.id.in_(audit_ids))))


def asset_results(
    session: Session, org: str, asset_id: str
) -> list[tuple[str, dt.datetime, str, int]]:
    """(audit id, when, status, how many requirements) for one asset, oldest audit first."""
    query = (
        select(AuditRow.id, AuditRow.generated_at, ResultRow.status, func.count())
        .join(ResultRow, ResultRow.audit_id == AuditRow.id)
        .where(AuditRow.org == org, ResultRow.asset_id == asset_id)
        .group_by(AuditRow.id, AuditRow.generated_at, ResultRow.status)
        .order_by(AuditRow.generated_at)
    )
    return [(a, when, status, count) for a, when, status, count in session.execute(query)]


def latest_audit(session: Session, org: str) -> AuditRow | None:
    query = select(AuditRow).where(AuditRow.org == org).order_by(AuditRow.generated_at.desc())
    return session.scalars(query).first()


def open_findings(session: Session, org: str) -> int:
    query = (
        select(func.count())
        .select_from(FindingRow)
        .where(FindingRow.org == org, FindingRow.status.in_(["open", "reopened"]))
    )
    return int(session.scalar(query) or 0)
