"""Record audits and follow findings: open → resolved → reopened, waivers and N/A.

A finding is one (asset, requirement) of one organisation: a store may hold several
communes' histories, and a `Store` reads and writes only its own organisation's rows.
Every audit is recorded in one transaction together with the lifecycle changes it causes,
so a killed process leaves the audit fully recorded or not at all. Every state change is an
event with who and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from auditor.deadlines import overdue
from auditor.errors import StoreError
from auditor.report.model import Change, Changes, History, PlanItem, TrendPoint
from auditor.results import Evaluation, Exemption, ReqStatus
from auditor.runtime import ORG_ASSET as ORG
from auditor.sqlstore import open_engine, session_factory
from auditor.store.models import (
    AuditRow,
    EventRow,
    FindingRow,
    IncidentRow,
    NotApplicableRow,
    ResultRow,
)

if TYPE_CHECKING:
    from auditor.inventory import Organisation

OWNED = (AuditRow, FindingRow, NotApplicableRow, IncidentRow)  # the tables keyed by `org`

# Everything that is not met enters the plan: failed, partly met, and not assessed (a missing
# document, an asset that could not be collected) — each gets an owner and a due date.
FAILING = {
    ReqStatus.not_met.value,
    ReqStatus.partly_met.value,
    ReqStatus.not_assessed.value,
    ReqStatus.waived.value,
}
ACTIVE = ("open", "reopened", "waived")


@dataclass(frozen=True)
class AuditMeta:
    report_id: str
    generated_at: dt.datetime
    organisation: str
    policy_id: str
    policy_digest: str


def result_rows(evaluation: Evaluation) -> dict[tuple[str, str], str]:
    """(asset or "*", requirement) → status, the unit findings are kept for."""
    rows: dict[tuple[str, str], str] = {}
    for result in evaluation.requirements:
        for asset_id, status in result.assets.items():
            rows[(asset_id, result.requirement)] = status.value
        if not result.assets or result.attestation is not None:
            attested = result.attestation
            org_status = result.status.value
            if attested is not None and result.assets:
                org_status = {"pass": "met", "fail": "not_met", "waived": "waived"}.get(
                    attested.status.value, "not_assessed"
                )
            rows[(ORG, result.requirement)] = org_status
    return rows


class Store:
    """One organisation's history in the history database; sessions per operation.
    Findings, events and audits are also reachable by their own id (a finding number the
    officer typed), whose organisation they carry."""

    def __init__(self, url: str | None = None, engine: Engine | None = None, *, org: str) -> None:
        self.engine = engine or open_engine(url)
        self.org = org
        self._sessions = session_factory(self.engine)

    @classmethod
    def for_organisation(
        cls, organisation: Organisation, url: str | None = None, engine: Engine | None = None
    ) -> Store:
        """The store of the inventory's organisation. Rows a store made before histories
        were kept apart carry their organisation's bare name (or nothing, when no audit
        had been recorded yet): they become this organisation's on its first use."""
        store = cls(url, engine, org=organisation.history_key)
        with store.transaction() as session:
            for table in OWNED:
                legacy = or_(table.org == organisation.name, table.org == "")
                # looked for first: an UPDATE takes the write lock even when it changes
                # nothing, and most opens (a `findings list`) only read
                if session.scalar(select(table.org).where(legacy).limit(1)) is not None:
                    session.execute(update(table).where(legacy).values(org=store.org))
        return store

    def organisations(self) -> dict[str, str]:
        """Every organisation with a history in this database (an audit, an incident, a
        not-applicable mark): its key → its latest name (the key, which holds the name and
        the province, for one that has not been audited yet)."""
        with self._sessions() as session:
            rows = session.execute(
                select(AuditRow.org, AuditRow.organisation).order_by(AuditRow.generated_at)
            )
            found = {org: name for org, name in rows}
            for table in (IncidentRow, NotApplicableRow):
                for org in session.scalars(select(table.org).distinct()):
                    found.setdefault(org, org)
            return found

    def scoped(self, org: str) -> Store:
        """The same database, seen as organisation `org`'s history."""
        return Store(engine=self.engine, org=org)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Everything inside is committed together or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    # ------------------------------------------------------------- reading
    def exemptions(self, today: dt.date) -> dict[tuple[str, str], Exemption]:
        with self._sessions() as session:
            out = {
                (row.asset_id, row.requirement): Exemption(kind="not_applicable", reason=row.reason)
                for row in session.scalars(
                    select(NotApplicableRow).where(NotApplicableRow.org == self.org)
                )
            }
            waived = select(FindingRow).where(
                FindingRow.org == self.org, FindingRow.status == "waived"
            )
            for f in session.scalars(waived):
                if f.waiver_until is not None and f.waiver_until >= today:
                    out[(f.asset_id, f.requirement)] = Exemption(
                        kind="waived",
                        reason=f.waiver_reason or "",
                        until=f.waiver_until,
                        approved_by=f.waiver_approved_by,
                    )
            return out

    def finding(self, session: Session, finding_id: int) -> FindingRow:
        row = session.get(FindingRow, finding_id)
        if row is None:
            raise StoreError("store.no_finding", str(finding_id))
        return row

    # ------------------------------------------------------------- recording
    def record(
        self,
        session: Session,
        meta: AuditMeta,
        evaluation: Evaluation,
        severity: dict[str, str],
        sla_days: dict[str, int],
        actor: str,
    ) -> None:
        """Add the audit and move every finding it touches; caller owns the transaction."""
        today = meta.generated_at.date()
        rows = result_rows(evaluation)
        counts = evaluation.summary.counts
        session.add(
            AuditRow(
                id=meta.report_id,
                org=self.org,
                generated_at=meta.generated_at,
                organisation=meta.organisation,
                policy_id=meta.policy_id,
                policy_digest=meta.policy_digest,
                report_sha256=None,
                met=counts.get("met", 0),
                partly_met=counts.get("partly_met", 0),
                not_met=counts.get("not_met", 0),
                not_assessed=counts.get("not_assessed", 0),
                coverage=evaluation.summary.coverage,
                open_findings=0,
            )
        )
        session.flush()
        session.add_all(
            ResultRow(audit_id=meta.report_id, asset_id=a, requirement=r, status=s)
            for (a, r), s in rows.items()
        )
        existing = {
            (f.asset_id, f.requirement): f
            for f in session.scalars(select(FindingRow).where(FindingRow.org == self.org))
        }
        for (asset_id, requirement), status in sorted(rows.items()):
            finding = existing.get((asset_id, requirement))
            event = _transition(finding, status, today)
            if event is None:
                if finding is not None and status in FAILING:
                    finding.last_audit = meta.report_id
                continue
            level = severity.get(requirement, "medium")
            if finding is None:
                finding = FindingRow(
                    org=self.org,
                    asset_id=asset_id,
                    requirement=requirement,
                    status="open",
                    severity=level,
                    first_audit=meta.report_id,
                    last_audit=meta.report_id,
                    due=today + dt.timedelta(days=sla_days.get(level, 30)),
                    updated_at=meta.generated_at,
                )
                session.add(finding)
                session.flush()
            else:
                finding.status = event
                finding.last_audit = meta.report_id
                finding.updated_at = meta.generated_at
                if event == "reopened":
                    finding.due = today + dt.timedelta(days=sla_days.get(level, 30))
                    finding.waiver_until = None
            _log(session, finding, event, actor, meta.generated_at, audit_id=meta.report_id)
        session.flush()
        audit = session.get(AuditRow, meta.report_id)
        assert audit is not None
        audit.open_findings = (
            session.scalar(
                select(func.count())
                .select_from(FindingRow)
                .where(FindingRow.org == self.org, FindingRow.status.in_(ACTIVE))
            )
            or 0
        )

    def set_report_digest(self, session: Session, report_id: str, sha256: str) -> None:
        audit = session.get(AuditRow, report_id)
        assert audit is not None
        audit.report_sha256 = sha256

    # ------------------------------------------------------------- officer actions
    def assign(
        self, finding_id: int, owner: str, due: dt.date | None, actor: str, now: dt.datetime
    ) -> FindingRow:
        with self.transaction() as session:
            row = self.finding(session, finding_id)
            row.owner = owner
            if due is not None:
                row.due = due
            row.updated_at = now
            _log(
                session,
                row,
                "assigned",
                actor,
                now,
                f"{owner}{f' → {due.isoformat()}' if due else ''}",
            )
            return row

    def note(self, finding_id: int, text: str, actor: str, now: dt.datetime) -> FindingRow:
        with self.transaction() as session:
            row = self.finding(session, finding_id)
            _log(session, row, "note", actor, now, text)
            return row

    def accept(
        self,
        finding_id: int,
        reason: str,
        until: dt.date,
        approved_by: str,
        actor: str,
        now: dt.datetime,
    ) -> FindingRow:
        if until <= now.date():
            raise StoreError("store.until_in_past", until.isoformat())
        with self.transaction() as session:
            row = self.finding(session, finding_id)
            if row.status == "resolved":
                raise StoreError("store.already_resolved", str(finding_id))
            row.status = "waived"
            row.waiver_reason, row.waiver_until, row.waiver_approved_by = reason, until, approved_by
            row.updated_at = now
            _log(
                session,
                row,
                "waived",
                actor,
                now,
                f"{reason} | {approved_by} | {until.isoformat()}",
            )
            return row

    def mark_not_applicable(
        self, asset_id: str, requirement: str, reason: str, actor: str, now: dt.datetime
    ) -> None:
        with self.transaction() as session:
            session.merge(
                NotApplicableRow(
                    org=self.org,
                    asset_id=asset_id,
                    requirement=requirement,
                    reason=reason,
                    marked_by=actor,
                    at=now,
                )
            )

    def expire_waivers(self, today: dt.date, actor: str, now: dt.datetime) -> int:
        """Waivers past their date reopen their findings (also done by every audit)."""
        with self.transaction() as session:
            rows = list(
                session.scalars(
                    select(FindingRow).where(
                        FindingRow.status == "waived", FindingRow.waiver_until < today
                    )
                )
            )
            for row in rows:
                row.status = "reopened"
                row.updated_at = now
                _log(session, row, "waiver_expired", actor, now)
            return len(rows)


def _log(
    session: Session,
    finding: FindingRow,
    kind: str,
    actor: str,
    at: dt.datetime,
    detail: str = "",
    audit_id: str | None = None,
) -> None:
    """One entry in a finding's history: what happened, who did it, when."""
    session.add(
        EventRow(
            finding_id=finding.id, at=at, actor=actor, kind=kind, detail=detail, audit_id=audit_id
        )
    )


def plan(session: Session, org: str, today: dt.date) -> list[PlanItem]:
    """The organisation's active findings, overdue first, then by due date, severity and
    requirement."""
    rank = {"high": 0, "medium": 1, "low": 2}
    items = [
        PlanItem(
            id=f.id,
            asset_id=f.asset_id,
            requirement=f.requirement,
            severity=f.severity,
            status=f.status,
            owner=f.owner,
            due=f.due,
            overdue=overdue(f.due, f.status, today),
            waiver_reason=f.waiver_reason,
            waiver_until=f.waiver_until,
            approved_by=f.waiver_approved_by,
        )
        for f in session.scalars(
            select(FindingRow).where(FindingRow.org == org, FindingRow.status.in_(ACTIVE))
        )
    ]
    return sorted(
        items,
        key=lambda i: (
            not i.overdue,
            i.due or dt.date.max,
            rank.get(i.severity, 3),
            i.requirement,
            i.asset_id,
        ),
    )


def _statuses(session: Session, report_id: str) -> dict[tuple[str, str], str]:
    return {
        (r.asset_id, r.requirement): r.status
        for r in session.scalars(select(ResultRow).where(ResultRow.audit_id == report_id))
    }


def compare(session: Session, older: str | None, newer: str) -> Changes:
    """New, fixed and regressed (asset, requirement) pairs between two audits."""
    after = _statuses(session, newer)
    before = _statuses(session, older) if older else {}
    failing_now = {k for k, s in after.items() if s in FAILING - {"waived"}}
    failing_before = {k for k, s in before.items() if s in FAILING - {"waived"}}
    fixed = {k for k in failing_before if after.get(k) == ReqStatus.met.value}
    reopened = set()
    if older is not None:
        reopened = {
            (f.asset_id, f.requirement)
            for f, e in session.execute(
                select(FindingRow, EventRow)
                .join(EventRow, EventRow.finding_id == FindingRow.id)
                .where(EventRow.audit_id == newer, EventRow.kind == "reopened")
            )
        }
    new = failing_now - failing_before - reopened
    changed = new | fixed | reopened
    return Changes(
        previous_report_id=older,
        new=[Change(asset_id=a, requirement=r) for a, r in sorted(new)],
        fixed=[Change(asset_id=a, requirement=r) for a, r in sorted(fixed)],
        regressed=[Change(asset_id=a, requirement=r) for a, r in sorted(reopened)],
        unchanged=len([k for k in after if k not in changed]),
    )


def previous_audit(session: Session, report_id: str) -> str | None:
    current = session.get(AuditRow, report_id)
    if current is None:
        return None
    return session.scalar(
        select(AuditRow.id)
        .where(AuditRow.org == current.org, AuditRow.generated_at < current.generated_at)
        .order_by(AuditRow.generated_at.desc())
        .limit(1)
    )


def trend(session: Session, org: str, limit: int = 12) -> list[TrendPoint]:
    rows = list(
        session.scalars(
            select(AuditRow)
            .where(AuditRow.org == org)
            .order_by(AuditRow.generated_at.desc())
            .limit(limit)
        )
    )
    return [
        TrendPoint(
            report_id=r.id, generated_at=r.generated_at, met=r.met, open_findings=r.open_findings
        )
        for r in reversed(rows)
    ]


def history_for(session: Session, report_id: str, today: dt.date) -> History:
    """The plan, changes and trend of the organisation the audit `report_id` belongs to."""
    audit = session.get(AuditRow, report_id)
    if audit is None:
        raise StoreError("store.unknown_audit", report_id)
    return History(
        plan=plan(session, audit.org, today),
        changes=compare(session, previous_audit(session, report_id), report_id),
        trend=trend(session, audit.org),
    )


def _transition(finding: FindingRow | None, status: str, today: dt.date) -> str | None:
    """The lifecycle event this audit's status causes for a finding, or None."""
    failing = status in FAILING and status != ReqStatus.waived.value
    if finding is None:
        return "open" if failing else None
    current = finding.status
    if status == ReqStatus.met.value:
        return "resolved" if current in ACTIVE else None
    if not failing:
        if (
            status == ReqStatus.waived.value
            and current == "waived"
            and finding.waiver_until
            and finding.waiver_until < today
        ):
            return "reopened"
        return None
    if current == "resolved":
        return "reopened"
    if current == "waived" and (finding.waiver_until is None or finding.waiver_until < today):
        return "reopened"
    return None
