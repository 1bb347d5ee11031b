"""What the province's pages show, computed from the stored signed reports: one row per
commune (latest report, counts, overdue, high-severity gaps, trend) and the requirement ×
commune heat map. Reports are immutable once stored, so a parsed report is cached by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from auditor.engine import ReqStatus
from auditor.receiver.store import Commune, Received
from auditor.report.model import Report, parse_report

FAILING = (ReqStatus.not_met, ReqStatus.partly_met)


@lru_cache(maxsize=4096)
def _parsed(report_id: str, content: bytes) -> Report:
    return parse_report(content)


def report_of(row: Received) -> Report:
    return _parsed(row.report_id, row.content)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CommuneRow:
    name: str
    report_id: str | None
    generated_at: datetime | None
    signer: str
    overdue: bool
    counts: dict[str, int]
    coverage: float
    high_gaps: int  # high-severity requirements not met or partly met
    level: int | None  # the highest declared system level
    trend: int  # met requirements since the previous report (+/-), 0 without one
    failing: frozenset[str]  # requirement ids not met or partly met


def _row(name: str, reports: list[Received], now: datetime, overdue_days: int) -> CommuneRow:
    if not reports:
        return CommuneRow(name, None, None, "", True, {}, 0.0, 0, None, 0, frozenset())
    latest = report_of(reports[-1])
    severity = {r.id: r.severity.value for r in latest.requirements}
    failing = frozenset(
        r.requirement for r in latest.evaluation.requirements if r.status in FAILING
    )
    met = latest.evaluation.summary.counts.get("met", 0)
    before = (
        report_of(reports[-2]).evaluation.summary.counts.get("met", 0) if len(reports) > 1 else met
    )
    levels = [s.level for s in latest.systems if s.level is not None]
    when = aware(reports[-1].generated_at)
    return CommuneRow(
        name=name,
        report_id=reports[-1].report_id,
        generated_at=when,
        signer=reports[-1].signer,
        overdue=when < now - timedelta(days=overdue_days),
        counts=latest.evaluation.summary.counts,
        coverage=latest.evaluation.summary.coverage,
        high_gaps=sum(1 for req in failing if severity.get(req) == "high"),
        level=max(levels) if levels else None,
        trend=met - before,
        failing=failing,
    )


def commune_rows(engine: Engine, overdue_days: int) -> list[CommuneRow]:
    """Every registered commune (and every organisation that reported), oldest report first
    within each, the latest two parsed."""
    now = datetime.now(UTC)
    by_commune: dict[str, list[Received]] = {}
    with Session(engine) as session:
        for (name,) in session.execute(select(Commune.name)):
            by_commune.setdefault(name, [])
        query = select(Received).order_by(Received.organisation, Received.generated_at)
        for row in session.scalars(query):
            by_commune.setdefault(row.organisation, []).append(row)
        return [
            _row(name, reports, now, overdue_days) for name, reports in sorted(by_commune.items())
        ]


def reports_of(engine: Engine, name: str) -> list[Received]:
    with Session(engine, expire_on_commit=False) as session:
        query = (
            select(Received)
            .where(Received.organisation == name)
            .order_by(Received.generated_at.desc())
        )
        return list(session.scalars(query))


def received(engine: Engine, report_id: str) -> Received | None:
    if len(report_id) > 36:
        return None
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Received, report_id)


@dataclass(frozen=True)
class HeatRow:
    requirement: str
    title: str
    severity: str
    failing: list[str]  # communes whose latest report has it not met or partly met
    reporting: int  # communes with a latest report


def heat_map(rows: list[CommuneRow], engine: Engine, lang: str) -> list[HeatRow]:
    """Requirements by how many communes fail them, most first."""
    titles: dict[str, tuple[str, str]] = {}
    reporting = [r for r in rows if r.report_id]
    with Session(engine) as session:
        for row in reporting:
            stored = session.get(Received, row.report_id)
            if stored is None:
                continue
            for info in report_of(stored).requirements:
                titles.setdefault(info.id, (info.title(lang), info.severity.value))
    heat = [
        HeatRow(
            req,
            title,
            severity,
            sorted(r.name for r in reporting if req in r.failing),
            len(reporting),
        )
        for req, (title, severity) in titles.items()
    ]
    return sorted(heat, key=lambda h: (-len(h.failing), h.requirement))
