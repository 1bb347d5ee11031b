"""What the province's pages show, computed from the stored reports' digests (never their
content): one row per commune (latest report, counts, overdue, high-severity gaps, trend),
the requirement × commune heat map and the province's charts. A report is parsed in full
only to be shown, and a few parsed reports are cached by id (reports never change)."""

from __future__ import annotations

import bisect
import calendar
import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, TypeVar

from cryptography import x509
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from auditor.checking import discover
from auditor.policy import Text, builtin_packs, load_policy
from auditor.receiver.digest import Digest, digest_of
from auditor.receiver.store import Commune, Received, ReportDigest
from auditor.report.model import Report, parse_report
from auditor.report.official import vn_date
from auditor.report.signing import PerAnchors, fingerprint, verify_detached
from auditor.sqlstore import from_store

_CACHE: OrderedDict[str, Report] = OrderedDict()  # report id → parsed, for the pages showing one
_CACHE_SIZE = 16
_LOCK = threading.Lock()
_BUSY = threading.Lock()


def report_of(row: Received) -> Report:
    """A stored report parsed, for a page that shows it."""
    with _LOCK:
        cached = _CACHE.get(row.report_id)
    if cached is not None:
        return cached
    report = parse_report(row.content)
    with _LOCK:
        _CACHE[row.report_id] = report
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return report


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
    policy: str | None = None  # the pack the latest report was judged under


@dataclass(frozen=True)
class Stored:
    """What the pages need of a stored report without its content."""

    report_id: str
    generated_at: datetime
    signer: str
    digest: Digest


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


@cache
def _province_pack(pack_id: str) -> dict[str, tuple[Text, str]] | None:
    """Titles and severities of a pack the province itself ships, never what a commune's
    report declares about it; None for a pack the province does not know."""
    if pack_id not in builtin_packs():
        return None
    pack = load_policy(pack_id, discover())
    return {r.id: (r.title, r.severity.value) for r in pack.requirements}


def _high_gaps(digest: Digest) -> int:
    """Failing requirements of high severity, as the province's own pack grades them (the
    report's grading only for a pack the province does not ship)."""
    own = _province_pack(digest.policy) or {}
    return sum(
        1
        for req, declared in digest.failing.items()
        if (own[req][1] if req in own else declared) == "high"
    )


def _row(name: str, reports: list[Stored], now: datetime) -> CommuneRow:
    if not reports:
        return CommuneRow(name, None, None, "", True, {}, 0.0, 0, None, 0, frozenset())
    latest = reports[-1].digest
    before = reports[-2].digest.met if len(reports) > 1 else latest.met
    when = reports[-1].generated_at
    return CommuneRow(
        name=name,
        report_id=reports[-1].report_id,
        generated_at=when,
        signer=reports[-1].signer,
        overdue=quarter_overdue(when, latest.due_day, vn_date(now)),
        counts=latest.counts,
        coverage=latest.coverage,
        high_gaps=_high_gaps(latest),
        level=latest.level,
        trend=latest.met - before,
        failing=frozenset(latest.failing),
        policy=latest.policy,
    )


def _fill_digests(session: Session) -> None:
    """Digest the reports received before digests were kept, a few at a time (each parsed
    once, then dropped); a report that cannot be parsed any more is marked, not retried."""
    undigested = (
        select(Received.report_id)
        .outerjoin(ReportDigest, ReportDigest.report_id == Received.report_id)
        .where(ReportDigest.report_id.is_(None))
    )
    while missing := list(session.scalars(undigested.limit(50))):
        contents = select(Received.report_id, Received.content).where(
            Received.report_id.in_(missing)
        )
        for report_id, content in session.execute(contents):
            try:
                text = digest_of(parse_report(content)).model_dump_json()
            except (ValueError, RecursionError):
                text = "{}"  # not a digest: the listing leaves the report out
            session.add(ReportDigest(report_id=report_id, digest=text))
        session.commit()


_DIGESTS: dict[str, Digest | None] = {}  # report id → its digest, read once (never changes)


def _digest(report_id: str, text: str) -> Digest | None:
    if report_id not in _DIGESTS:
        try:
            _DIGESTS[report_id] = Digest.model_validate_json(text)
        except ValueError:
            _DIGESTS[report_id] = None
    return _DIGESTS[report_id]


T = TypeVar("T")

_LISTING: dict[str, Any] = {}  # the last listing and the store state it was read at


def _listing(session: Session) -> dict[str, list[Stored]]:
    """Every commune's reports (four columns and the digest), oldest first; read again only
    when the store changed (another report, another commune)."""
    state = (
        str(session.get_bind().engine.url),
        session.scalar(select(func.count()).select_from(Received)),
        session.scalar(select(func.max(Received.received_at))),
        # one commune revoked and another added keep the count: the names are compared
        hashlib.sha256("\n".join(session.scalars(select(Commune.name))).encode()).hexdigest(),
    )
    if _LISTING.get("state") == state:
        listing: dict[str, list[Stored]] = _LISTING["by_commune"]
        return listing
    _fill_digests(session)
    by_commune: dict[str, list[Stored]] = {}
    for (name,) in session.execute(select(Commune.name)):
        by_commune.setdefault(name, [])
    query = (
        select(
            Received.organisation,
            Received.report_id,
            Received.generated_at,
            Received.signer,
            ReportDigest.digest,
        )
        .join(ReportDigest, ReportDigest.report_id == Received.report_id)
        .order_by(Received.organisation, Received.generated_at)
    )
    for org, report_id, generated_at, signer, text in session.execute(query):
        reports = by_commune.setdefault(org, [])
        digest = _digest(report_id, text)
        if digest is not None:
            reports.append(Stored(report_id, from_store(generated_at), signer, digest))
    with _LOCK:
        _LISTING.update(state=state, by_commune=by_commune)
    return by_commune


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


def province_view(
    engine: Engine, trust: list[x509.Certificate] | None = None, quarters: int = 8
) -> tuple[list[CommuneRow], list[Quarter]]:
    """The communes page's figures from one read of the store: every commune's row (given
    `trust`, whether its latest signature holds) and the last `quarters` quarters."""
    now = datetime.now(UTC)
    # one reader does the heavy first pass (digests, signatures); the others wait for it
    with _BUSY, Session(engine) as session:
        by_commune = _listing(session)
        latest = [reports[-1].report_id for reports in by_commune.values() if reports]
        anchors = _signatures(session, latest, trust) if trust is not None else None
        query = select(Commune.name, Commune.area).where(Commune.area.is_not(None))
        area = {name: place for name, place in session.execute(query)}  # admins edit it
    today = vn_date(now)
    rows = _per_listing("rows", by_commune, (today,), lambda: _figures(by_commune, now))
    rows = [
        replace(
            row,
            area=area.get(row.name),
            signature_ok=_VERIFIED.get((row.report_id, anchors))
            if anchors and row.report_id
            else None,
        )
        for row in rows
    ]
    figures = _per_listing(
        "quarters",
        by_commune,
        (today, quarters),
        lambda: _quarter_figures(by_commune, today, quarters),
    )
    return rows, figures


def commune_rows(engine: Engine, trust: list[x509.Certificate] | None = None) -> list[CommuneRow]:
    """Every registered commune (and every organisation that reported), with the latest
    report's figures and, given `trust`, whether its signature holds; overdue is judged as
    of today (Vietnam time), on every call."""
    return province_view(engine, trust, quarters=0)[0]


def province_quarters(engine: Engine, count: int = 8) -> list[Quarter]:
    """The province's compliance over the last `count` quarters (from the first with a
    report): what every commune's latest report said at each quarter's end, and how many
    communes reported within it."""
    return province_view(engine, None, count)[1]


_PER_LISTING: dict[str, tuple[object, tuple[Any, ...], Any]] = {}  # what → (listing, key, value)


def _per_listing(what: str, listing: object, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """`make()` once per listing and key (the day: overdue and the quarters change with
    it): 2,000 communes' rows cost 0.15 s, and every page view needs them."""
    kept = _PER_LISTING.get(what)
    if kept is not None and kept[0] is listing and kept[1] == key:
        value: T = kept[2]
        return value
    value = make()
    _PER_LISTING[what] = (listing, key, value)
    return value


def _figures(by_commune: dict[str, list[Stored]], now: datetime) -> list[CommuneRow]:
    """The rows of a listing, as of `now`."""
    return [_row(name, reports, now) for name, reports in sorted(by_commune.items())]


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


def heat_map(rows: list[CommuneRow], lang: str) -> list[HeatRow]:
    """Requirements by how many communes fail them, most first; titles and severities from
    the province's own copy of each pack the reports were judged under."""
    titles: dict[str, tuple[str, str]] = {}
    reporting = [r for r in rows if r.report_id]
    for pack_id in sorted({r.policy for r in reporting if r.policy}):
        for req_id, (title, severity) in (_province_pack(pack_id) or {}).items():
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


@dataclass(frozen=True)
class Quarter:
    """The province at the end of one quarter (today, for the current one)."""

    quarter: int
    year: int
    counts: dict[str, int]  # requirement verdicts in every commune's latest report by then
    reported: int  # communes with a report made within the quarter
    communes: int  # communes known then (registered or reporting)

    def share(self, part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    @property
    def met_share(self) -> int:
        """Requirements met, in % of every verdict of every commune's latest report."""
        return self.share(self.counts.get("met", 0), sum(self.counts.values()))

    @property
    def reported_share(self) -> int:
        return self.share(self.reported, self.communes)


def _quarters(today: date, count: int) -> list[tuple[int, int, date, date]]:
    """The last `count` quarters up to today's, oldest first: number, year, first day, last
    day (today, for the quarter under way)."""
    start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    found = []
    for _ in range(count):
        last_month = start.month + 2
        end = date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
        found.append(((start.month - 1) // 3 + 1, start.year, start, min(end, today)))
        start = date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1)
    return found[::-1]


def _quarter_figures(by_commune: dict[str, list[Stored]], today: date, count: int) -> list[Quarter]:
    """Each quarter's counts (from the first with a report): every commune's latest report
    at the quarter's end, and the communes that reported within it."""
    days = {name: [vn_date(s.generated_at) for s in stored] for name, stored in by_commune.items()}
    quarters: list[Quarter] = []
    for number, year, first, last in _quarters(today, count):
        counts: Counter[str] = Counter()
        reported = 0
        for name, reports in by_commune.items():
            index = bisect.bisect_right(days[name], last) - 1
            if index >= 0:
                counts.update(reports[index].digest.counts)
                reported += days[name][index] >= first
        if counts or quarters:
            quarters.append(Quarter(number, year, dict(counts), reported, len(by_commune)))
    return quarters


def area_totals(rows: list[CommuneRow], unassigned: str) -> list[tuple[str, dict[str, int]]]:
    """Requirement verdicts of the latest reports summed per area (`unassigned` names the
    communes without one), areas in name order, the unassigned last."""
    totals: dict[str, Counter[str]] = {}
    for row in rows:
        if row.report_id:
            totals.setdefault(row.area or unassigned, Counter()).update(row.counts)
    order = sorted(totals, key=lambda a: (a == unassigned, a))
    return [(area, dict(totals[area])) for area in order]


def commune_trend(engine: Engine, name: str, count: int = 12) -> list[tuple[datetime, Digest]]:
    """A commune's last `count` reports' digests, oldest first, for its trend chart."""
    query = (
        select(Received.report_id, Received.generated_at, ReportDigest.digest)
        .join(ReportDigest, ReportDigest.report_id == Received.report_id)
        .where(Received.organisation == name)
        .order_by(Received.generated_at.desc())
        .limit(count)
    )
    with Session(engine) as session:
        found = [
            (from_store(generated_at), digest)
            for report_id, generated_at, text in session.execute(query)
            if (digest := _digest(report_id, text)) is not None
        ]
    return found[::-1]
