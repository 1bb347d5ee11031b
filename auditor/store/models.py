"""Tables of the history store (SQLAlchemy 2). Changed only through Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def org_column() -> Mapped[str]:
    """Whose history a row belongs to (`Organisation.history_key`): one store may hold
    several communes, and no row is ever read across them."""
    return mapped_column(String(400), index=True, default="", server_default="")


class AuditRow(Base):
    __tablename__ = "audits"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the report id
    org: Mapped[str] = org_column()
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    organisation: Mapped[str] = mapped_column(String(300))
    policy_id: Mapped[str] = mapped_column(String(64))
    policy_digest: Mapped[str] = mapped_column(String(64))
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    met: Mapped[int] = mapped_column(Integer)
    partly_met: Mapped[int] = mapped_column(Integer)
    not_met: Mapped[int] = mapped_column(Integer)
    not_assessed: Mapped[int] = mapped_column(Integer)
    coverage: Mapped[float] = mapped_column(Float)
    open_findings: Mapped[int] = mapped_column(Integer)


class ResultRow(Base):
    __tablename__ = "results"

    audit_id: Mapped[str] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requirement: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint(
            "org", "asset_id", "requirement", name="uq_findings_org_asset_requirement"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = org_column()
    asset_id: Mapped[str] = mapped_column(String(64), index=True)
    requirement: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    owner: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    first_audit: Mapped[str] = mapped_column(String(64))
    last_audit: Mapped[str] = mapped_column(String(64))
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waiver_until: Mapped[date | None] = mapped_column(Date)
    waiver_approved_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    audit_id: Mapped[str | None] = mapped_column(String(64))


class NotApplicableRow(Base):
    __tablename__ = "not_applicable"

    org: Mapped[str] = mapped_column(String(400), primary_key=True, server_default="")
    asset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requirement: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentRow(Base):
    """An incident the commune handled (the fields of the incident report forms: what, when,
    where, how bad, what was done); who was told and when are its `incident_sent` rows,
    every later change an `incident_events` row (the register is append-only)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = org_column()
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    system: Mapped[str | None] = mapped_column(String(64))
    asset_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IncidentSentRow(Base):
    """A notice or report sent about an incident (to whom, when, how, its number)."""

    __tablename__ = "incident_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_to: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(100))


class IncidentEventRow(Base):
    """One entry of an incident's history: recorded, updated, a report sent, closed."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="")
