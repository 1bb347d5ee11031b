"""What the history store knows of one reporting period (15/12–14/12): its audits, the
findings fixed and opened, its incidents — read here, handed to the annual report, which
never reads the store itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from auditor.report.annual import AuditPoint, PeriodHistory, period_bounds
from auditor.sqlstore import from_store, to_store
from auditor.store.incidents import incidents_between
from auditor.store.models import AuditRow, EventRow, FindingRow


def period_history(session: Any, org: str, year: int) -> PeriodHistory:
    """Read organisation `org`'s audits, finding events and incidents of the period."""
    start, end = (to_store(moment) for moment in period_bounds(year))
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.org == org, AuditRow.generated_at >= start, AuditRow.generated_at < end)
        .order_by(AuditRow.generated_at)
    )
    audits = [
        AuditPoint(
            generated_at=from_store(r.generated_at),
            met=r.met,
            partly_met=r.partly_met,
            not_met=r.not_met,
            not_assessed=r.not_assessed,
            coverage=r.coverage,
            open_findings=r.open_findings,
        )
        for r in rows
    ]

    def events(*kinds: str) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(EventRow)
                .join(FindingRow, FindingRow.id == EventRow.finding_id)
                .where(
                    FindingRow.org == org,
                    EventRow.kind.in_(kinds),
                    EventRow.at >= start,
                    EventRow.at < end,
                )
            )
            or 0
        )

    return PeriodHistory(
        audits=audits,
        fixed=events("resolved"),
        opened=events("open", "reopened"),
        incidents=incidents_between(session, org, start, end),
    )
