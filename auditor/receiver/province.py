"""What the province's pages show, computed from the stored signed reports: one row per
commune (latest report, counts, overdue, high-severity gaps, trend) and the requirement ×
commune heat map. Reports are immutable once stored, so a parsed report is cached by id."""

from __future__ import annotations

import gc
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from cryptography import x509
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from auditor.checking import discover
from auditor.engine import ReqStatus
from auditor.policy import Text, builtin_packs, load_policy
from auditor.receiver.store import Commune, Received
from auditor.report.model import Report, parse_report
from auditor.report.official import vn_date
from auditor.report.signing import PerAnchors, fingerprint, verify_detached
from auditor.store.db import from_store

FAILING = (ReqStatus.not_met, ReqStatus.partly_met)


_CACHE: OrderedDict[str, Report] = OrderedDict()  # report id → parsed; reports never change
_CACHE_SIZE = 8192
_LOCK = threading.Lock()
_BUSY = threading.Lock()


def _remember(report_id: str, report: Report) -> Report:
    with _LOCK:
        _CACHE[report_id] = report
        _CACHE.move_to_end(report_id)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return report


def report_of(row: Received) -> Report:
    cached = _CACHE.get(row.report_id)
    return cached if cached is not None else _remember(row.report_id, parse_report(row.content))


def _reports(session: Session, ids: list[str]) -> dict[str, Report]:
    """Parsed reports by id: from the cache, else one query for the missing contents."""
    found = {i: _CACHE[i] for i in ids if i in _CACHE}
    missing = [i for i in ids if i not in found]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        query = select(Received.report_id, Received.content).where(Received.report_id.in_(chunk))
        for report_id, content in session.execute(query):
            found[report_id] = _remember(report_id, parse_report(content))
    return found


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
    signature_ok: bool | None = None  # the latest report's signature, as of its receipt
    area: str | None = None  # the province's grouping, from the registry


@dataclass(frozen=True)
class Stored:
    """What the list needs of a stored report without its content."""

    report_id: str
    generated_at: datetime
    signer: str


def quarter_overdue(latest: datetime, due_day: int, today: date) -> bool:
    """The commune's reporting calendar: the report due on `due_day` of the month after each
    quarter must come from that quarter or later. Overdue when the last due date has passed
    and the latest report is older than the quarter it covers."""
    due = max(
        date(year, month, min(due_day, 28))
        for year in (today.year - 1, today.year)
        for month in (1, 4, 7, 10)
        if date(year, month, min(due_day, 28)) <= today
    )
    start_month = due.month - 3
    quarter_start = date(due.year - (start_month < 1), (start_month - 1) % 12 + 1, 1)
    return vn_date(latest) < quarter_start


def _row(name: str, reports: list[Stored], parsed: dict[str, Report], now: datetime) -> CommuneRow:
    if not reports:
        return CommuneRow(name, None, None, "", True, {}, 0.0, 0, None, 0, frozenset())
    latest = parsed[reports[-1].report_id]
    severity = {r.id: r.severity.value for r in latest.requirements}
    failing = frozenset(
        r.requirement for r in latest.evaluation.requirements if r.status in FAILING
    )
    met = latest.evaluation.summary.counts.get("met", 0)
    previous = parsed[reports[-2].report_id] if len(reports) > 1 else latest
    before = previous.evaluation.summary.counts.get("met", 0)
    levels = [s.level for s in latest.systems if s.level is not None]
    when = from_store(reports[-1].generated_at)
    return CommuneRow(
        name=name,
        report_id=reports[-1].report_id,
        generated_at=when,
        signer=reports[-1].signer,
        overdue=quarter_overdue(
            when, latest.organisation.reporting.quarterly_due_day, vn_date(now)
        ),
        counts=latest.evaluation.summary.counts,
        coverage=latest.evaluation.summary.coverage,
        high_gaps=sum(1 for req in failing if severity.get(req) == "high"),
        level=max(levels) if levels else None,
        trend=met - before,
        failing=failing,
    )


_LISTING: dict[str, Any] = {}  # the last listing and the store state it was read at


def _listing(
    session: Session,
) -> tuple[dict[str, list[Stored]], dict[str, Report]]:
    """Four columns of every report and the latest two per commune, parsed; read again only
    when the store changed (another report, another commune)."""
    state = (
        str(session.get_bind().engine.url),
        session.scalar(select(func.count()).select_from(Received)),
        session.scalar(select(func.max(Received.received_at))),
        # one commune revoked and another added keep the count: the names are compared
        hashlib.sha256("\n".join(session.scalars(select(Commune.name))).encode()).hexdigest(),
    )
    if _LISTING.get("state") == state:
        return _LISTING["by_commune"], _LISTING["parsed"]
    by_commune: dict[str, list[Stored]] = {}
    for (name,) in session.execute(select(Commune.name)):
        by_commune.setdefault(name, [])
    query = select(
        Received.organisation, Received.report_id, Received.generated_at, Received.signer
    ).order_by(Received.organisation, Received.generated_at)
    for org, report_id, generated_at, signer in session.execute(query):
        by_commune.setdefault(org, []).append(Stored(report_id, from_store(generated_at), signer))
    wanted = [s.report_id for reports in by_commune.values() for s in reports[-2:]]
    parsed = _reports(session, wanted)
    with _LOCK:
        _LISTING.update(state=state, by_commune=by_commune, parsed=parsed)
    # millions of long-lived objects (4,000 parsed reports for 2,000 communes): left to the
    # cyclic collector, each full pass rescans them all, two seconds during some page view
    gc.freeze()
    return by_commune, parsed


# (report id, digest of the trust anchors) → signature valid and trusted when received
_VERIFIED: dict[tuple[str, str], bool] = {}


def _trust_digest(trust: list[x509.Certificate]) -> str:
    """One short key for a trust set (a digest of its sorted fingerprints): a tuple of 2,000
    fingerprints as part of a dictionary key would be hashed again at every lookup."""
    prints = sorted(fingerprint(c) for c in trust)
    return hashlib.sha256("\n".join(prints).encode()).hexdigest()


_anchors_key = PerAnchors(_trust_digest)  # 2,000 anchors cost 0.1 s to fingerprint


def _signatures(session: Session, ids: list[str], trust: list[x509.Certificate]) -> str:
    """Check the signatures not checked yet (against `trust`, as of each receipt); the key
    of `trust` under which the results are kept."""
    anchors = _anchors_key(trust)
    missing = [i for i in ids if (i, anchors) not in _VERIFIED]
    for start in range(0, len(missing), 200):
        chunk = missing[start : start + 200]
        query = select(
            Received.report_id, Received.content, Received.signature, Received.received_at
        ).where(Received.report_id.in_(chunk))
        for report_id, content, signature, received_at in session.execute(query):
            check = verify_detached(content, signature, trust, at=from_store(received_at))
            _VERIFIED[(report_id, anchors)] = check.intact and check.trusted
    return anchors


def commune_rows(engine: Engine, trust: list[x509.Certificate] | None = None) -> list[CommuneRow]:
    """Every registered commune (and every organisation that reported), with the latest
    report's figures and, given `trust`, whether its signature holds; overdue is judged as
    of today (Vietnam time), on every call."""
    now = datetime.now(UTC)
    # one reader does the heavy first pass (parse, verify); the others wait for its result
    with _BUSY, Session(engine) as session:
        by_commune, parsed = _listing(session)
        latest = [reports[-1].report_id for reports in by_commune.values() if reports]
        anchors = _signatures(session, latest, trust) if trust is not None else None
        query = select(Commune.name, Commune.area).where(Commune.area.is_not(None))
        area = {name: place for name, place in session.execute(query)}  # admins edit it
        rows = _figures(by_commune, parsed, now)
    return [
        replace(
            row,
            area=area.get(row.name),
            signature_ok=_VERIFIED.get((row.report_id, anchors))
            if anchors and row.report_id
            else None,
        )
        for row in rows
    ]


_FIGURES: dict[str, Any] = {}  # the rows of the last listing, and the day they were judged


def _figures(
    by_commune: dict[str, list[Stored]], parsed: dict[str, Report], now: datetime
) -> list[CommuneRow]:
    """The rows of a listing, computed once per listing and per day (overdue changes with
    the date): 2,000 communes cost 0.15 s to compute, and every page view needs them."""
    today = vn_date(now)
    if _FIGURES.get("listing") is by_commune and _FIGURES.get("day") == today:
        rows: list[CommuneRow] = _FIGURES["rows"]
        return rows
    rows = [_row(name, reports, parsed, now) for name, reports in sorted(by_commune.items())]
    _FIGURES.update(listing=by_commune, day=today, rows=rows)
    return rows


@dataclass(frozen=True)
class ReportEntry:
    """One received report as a commune's page lists it: never its content, signature or
    PDF (a page loaded every stored report's bytes before, hundreds of MB per view)."""

    report_id: str
    generated_at: datetime
    received_at: datetime
    signer: str
    pdf: bool


def reports_of(engine: Engine, name: str) -> list[ReportEntry]:
    """A commune's reports, newest first."""
    query = (
        select(
            Received.report_id,
            Received.generated_at,
            Received.received_at,
            Received.signer,
            Received.pdf.is_not(None),
        )
        .where(Received.organisation == name)
        .order_by(Received.generated_at.desc())
    )
    with Session(engine) as session:
        return [ReportEntry(*row) for row in session.execute(query)]


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


@cache
def _province_pack(pack_id: str) -> dict[str, tuple[Text, str]] | None:
    """Titles and severities of a pack the province itself ships, never what a commune's
    report declares about it; None for a pack the province does not know."""
    if pack_id not in builtin_packs():
        return None
    pack = load_policy(pack_id, discover())
    return {r.id: (r.title, r.severity.value) for r in pack.requirements}


def heat_map(rows: list[CommuneRow], engine: Engine, lang: str) -> list[HeatRow]:
    """Requirements by how many communes fail them, most first; titles and severities from
    the province's own copy of each pack the reports were judged under."""
    titles: dict[str, tuple[str, str]] = {}
    reporting = [r for r in rows if r.report_id]
    with Session(engine) as session:
        parsed = _reports(session, [r.report_id for r in reporting if r.report_id])
    for report in parsed.values():
        for req_id, (title, severity) in (_province_pack(report.policy.id) or {}).items():
            titles.setdefault(req_id, (title(lang), severity))
    failing: dict[str, list[str]] = {req: [] for req in titles}
    for row in reporting:
        for req in row.failing:
            if req in failing:  # a requirement no pack of the province has is not shown
                failing[req].append(row.name)
    heat = [
        HeatRow(req, title, severity, sorted(failing[req]), len(reporting))
        for req, (title, severity) in titles.items()
    ]
    return sorted(heat, key=lambda h: (-len(h.failing), h.requirement))


@dataclass(frozen=True)
class HeatCell:
    failing: int  # communes of the area failing the requirement
    reporting: int  # communes of the area with a latest report

    @property
    def share(self) -> float:
        return self.failing / self.reporting if self.reporting else 0.0

    @property
    def status(self) -> str:
        """The colour the cell takes: none failing, some, every one (or nothing to show)."""
        if not self.reporting:
            return "none"
        return (
            "met"
            if not self.failing
            else ("not_met" if self.failing == self.reporting else "partly_met")
        )


def heat_matrix(
    heat: list[HeatRow], rows: list[CommuneRow], unassigned: str
) -> tuple[list[str], list[tuple[HeatRow, list[HeatCell]]]]:
    """The heat map as its name says: requirements × areas, each cell how many of the
    area's reporting communes fail the requirement (`unassigned` names communes without an
    area)."""
    area_of = {r.name: r.area or unassigned for r in rows if r.report_id}
    areas = sorted(set(area_of.values()), key=lambda a: (a == unassigned, a))
    reporting = {a: sum(1 for v in area_of.values() if v == a) for a in areas}
    matrix = []
    for line in heat:
        failing = [area_of[name] for name in line.failing if name in area_of]
        matrix.append((line, [HeatCell(failing.count(a), reporting[a]) for a in areas]))
    return areas, matrix
