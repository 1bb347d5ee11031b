"""The annual report of the system owner (TT 12/2022 Đ13–14; under the 2026 pack NĐ 331
Đ35–36, Mẫu 08), as an administrative document. It covers the reporting period (15/12 of
the previous year to 14/12) from the history store — audits run, verdicts at the start and
the end, gaps fixed, gaps still open with their plan, incidents — and the signed report of
the latest audit for the per-group verdicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from auditor.incidents import Incident
from auditor.messages.catalogue import Messages
from auditor.report.by_system import SystemVerdict, system_verdicts
from auditor.report.charts import STATUS_COLOURS, Series, line_chart, stacked_bars
from auditor.report.html import environment, moment_labels
from auditor.report.model import Report
from auditor.report.official import VIETNAM, letterhead, vn_date
from auditor.report.pdf import document_context
from auditor.report.tt12 import tt12_items
from auditor.results import SYSTEM_NOTES, ReqStatus, combine
from auditor.systems import SystemInfo


def reporting_year(day: dt.date) -> int:
    """The year whose report is due around `day`: the period always ends on 14/12 of the
    run's year, so a run between 15/12 and 31/12 prepares the report of the period that
    has just ended (due 20/12 and 25/12), not next year's."""
    return day.year


def reporting_period(year: int) -> tuple[dt.date, dt.date]:
    """Data period 15/12 of the previous year to 14/12 of `year`, both included."""
    return dt.date(year - 1, 12, 15), dt.date(year, 12, 14)


def data_cutoff(year: int, data_date: dt.date) -> dt.date | None:
    """The day the figures stop when they were taken before the period's last day (14/12):
    the report then says "số liệu tính đến ngày …"; None once the period is complete."""
    end = reporting_period(year)[1]
    return data_date if data_date < end else None


def period_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The period as [start, end) instants on Vietnamese clocks, for store queries."""
    start, end = reporting_period(year)
    return (
        dt.datetime.combine(start, dt.time(), VIETNAM),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), VIETNAM),
    )


@dataclass(frozen=True)
class AuditPoint:
    """One audit of the period, as the history store recorded it."""

    generated_at: dt.datetime
    met: int
    partly_met: int
    not_met: int
    not_assessed: int
    coverage: float
    open_findings: int


@dataclass(frozen=True)
class PeriodHistory:
    """What the history store knows of the period."""

    audits: list[AuditPoint] = field(default_factory=list)
    fixed: int = 0  # findings resolved during the period
    opened: int = 0  # findings opened or reopened during the period
    incidents: list[Incident] = field(default_factory=list)


@dataclass(frozen=True)
class GroupRow:
    group: str
    status: ReqStatus
    counts: dict[str, int]
    evidence: int  # evidence files behind the group's verdicts


def _evidenced_verdicts(report: Report) -> dict[str, int]:
    """How many of each requirement's verdicts rest on evidence kept with the report: an
    asset judged (pass or fail) from facts collected from it, a document recorded with its
    scan, or the systems' scanned level decisions (one each). A group's count is then what
    its own verdicts rest on, not every file of every asset."""
    collected = {
        entry.path.split("/")[1] for entry in report.evidence if entry.path.count("/") >= 2
    }
    found: dict[str, int] = {}
    for ar in report.evaluation.asset_results:
        judged = any(c.status.value in ("pass", "fail", "waived") for c in ar.checks)
        if judged and ar.asset_id in collected:
            found[ar.requirement] = found.get(ar.requirement, 0) + 1
    for result in report.evaluation.requirements:
        attestation = result.attestation
        if attestation is None:
            continue
        if attestation.note in SYSTEM_NOTES:
            scans = [s for s in report.systems if s.decision_sha256]
            found[result.requirement] = found.get(result.requirement, 0) + len(scans)
        elif attestation.evidence_sha256:
            found[result.requirement] = found.get(result.requirement, 0) + 1
    return found


def group_rows(report: Report) -> list[GroupRow]:
    groups: dict[str, list[str]] = {}
    for info in report.requirements:
        groups.setdefault(info.group, []).append(info.id)
    results = {r.requirement: r for r in report.evaluation.requirements}
    evidence = _evidenced_verdicts(report)
    rows = []
    for group, ids in groups.items():
        statuses = [results[i].status for i in ids if i in results]
        counts = {s.value: sum(1 for x in statuses if x is s) for s in ReqStatus}
        rows.append(
            GroupRow(group, combine(statuses), counts, sum(evidence.get(i, 0) for i in ids))
        )
    return rows


@dataclass(frozen=True)
class IncidentLine:
    """An incident as the annual report lists it: the reports sent, and whether those it
    owed under the text in force on its day went out in time."""

    incident: Incident
    state: str  # incidents.reporting_state
    basis: str  # the text whose deadlines applied ("" when none did)


def incident_lines(incidents: Sequence[Incident], at: dt.datetime, lang: str) -> list[IncidentLine]:
    from auditor.incidents import reporting_state, rule_for

    lines = []
    for incident in incidents:
        rule = rule_for(incident.detected_at)
        basis = (rule.basis.vi if lang == "vi" else rule.basis.en) if rule else ""
        lines.append(IncidentLine(incident, reporting_state(incident, at), basis))
    return lines


def annual_context(
    report: Report,
    lang: str,
    history: PeriodHistory,
    *,
    year: int | None = None,
    number: str | None = None,
    proposals: Sequence[str] = (),
    report_sha256: str = "",
) -> dict[str, Any]:
    t = Messages(lang)
    year = year or reporting_year(vn_date(report.generated_at))
    start, end = reporting_period(year)
    abstract = (
        report.policy.annual_abstract(lang).format(year=year)
        if report.policy.annual_abstract
        else t("annual.title", year=year)
    )
    results = {r.requirement: r for r in report.evaluation.requirements}
    documents = [(info, results[info.id]) for info in report.requirements if info.has_attestation]
    groups, systems = group_rows(report), system_verdicts(report)
    form = mau08(report, history, systems)
    context = document_context(report, lang, number, abstract, proposals, report_sha256)
    return {
        **context,
        "year": year,
        "start": start,
        "end": end,
        "cutoff": data_cutoff(year, vn_date(report.generated_at)),
        "period": history,
        "incidents": incident_lines(history.incidents, report.generated_at, lang),
        "first": history.audits[0] if history.audits else None,
        "last": history.audits[-1] if history.audits else None,
        "groups": groups,
        "systems": systems,
        "documents": documents,
        "mau08": form,
        "tt12": tt12_items(report, history, groups, form, list(context["proposals"]), t),
        **annual_charts(groups, history, t),
        "letter": letterhead(
            report.organisation,
            t,
            number=number,
            day=vn_date(report.generated_at),
            citations=[],
            symbol=report.organisation.documents.letter_symbol,
        ),
    }


def annual_charts(groups: list[GroupRow], history: PeriodHistory, t: Messages) -> dict[str, Markup]:
    """The period's trend (requirements met and not met at each audit) and the status by
    criteria group, as inline SVG with their numbers."""
    audits = history.audits
    trend = line_chart(
        moment_labels([a.generated_at for a in audits]),
        [
            Series(t("status.met"), STATUS_COLOURS["met"], [a.met for a in audits]),
            Series(
                t("annual.not_met_series"),
                STATUS_COLOURS["not_met"],
                [a.not_met + a.partly_met for a in audits],
            ),
        ],
        t("annual.trend_chart"),
    )
    statuses = ("met", "partly_met", "not_met", "not_assessed")
    bars = stacked_bars(
        [(t(f"group.{g.group}"), {s: g.counts.get(s, 0) for s in statuses}) for g in groups],
        {s: t(f"status.{s}") for s in statuses},
        t("annual.groups"),
    )
    return {"trend_chart": trend, "groups_chart": bars}


TEMPLATES = {"tt12": "annual.html.j2", "mau08": "annual-mau08.html.j2"}


def annual_template(report: Report) -> str:
    """The form the report's pack prescribes: TT 12/2022 Đ14, or NĐ 331's Mẫu 08 công văn."""
    return TEMPLATES.get(report.policy.annual_form, "annual.html.j2")


@dataclass(frozen=True)
class Mau08Row:
    """One line of Mẫu 08's table: a system, its approval and its implementation."""

    system: SystemInfo
    approval: str  # drafting, submitted, appraised, approved
    implementation: str  # none, partial, full — from this audit's verdict on the system
    expected_full: dt.date | None  # the system's own date, else the plan's last due date


def _mau08_row(system: SystemInfo, verdict: SystemVerdict | None, last_due: Any) -> Mau08Row:
    """One system's line: its approval stage, how far its protection is implemented (from
    this audit's verdict on it) and when it expects to be fully implemented."""
    decided = bool(system.decision_no and system.decision_date)
    approval = "approved" if decided else (system.approval_status or "drafting")
    met = verdict.counts.get("met", 0) if verdict else 0
    full = verdict is not None and verdict.status is ReqStatus.met
    implementation = "full" if full else ("partial" if met else "none")
    expected = system.expected_full_implementation or (None if full else last_due)
    return Mau08Row(system, approval, implementation, expected)


def _security_rules(report: Report) -> tuple[str, Any] | None:
    """The organisation's own security rules (quy chế) as recorded for L2-MGMT-POL-01:
    they stand for every system that does not name its own."""
    policy = next(
        (
            r.attestation
            for r in report.evaluation.requirements
            if r.requirement == "L2-MGMT-POL-01" and r.attestation and r.attestation.decision_no
        ),
        None,
    )
    return (str(policy.decision_no), policy.date) if policy is not None else None


def mau08(report: Report, history: PeriodHistory, systems: list[SystemVerdict]) -> dict[str, Any]:
    """Mẫu 08 (NĐ 331): the counts of part 1 and the rows of part 3, from the systems the
    signed report carries (with their verdicts) and the audits of the period."""
    verdicts = {v.system.id: v for v in systems}
    last_due = max((row.due for row in report.plan), default=None)
    rows = [_mau08_row(s, verdicts.get(s.id), last_due) for s in report.systems]
    pending = [r.system.expected_approval for r in rows if r.approval != "approved"]
    checked = [r for r in rows if r.system.check_kind == "periodic" and history.audits]
    dated = [d for d in pending if d]
    return {
        "rows": rows,
        "count": {
            "in_scope": len(rows),
            "classified": sum(1 for r in rows if r.system.level),
            **{state: sum(1 for r in rows if r.approval == state) for state in APPROVAL},
            "checked": len(checked),
        },
        "all_approved_by": max(dated) if pending and dated else None,
        "rules": _security_rules(report),
        "pending": len(pending),
    }


APPROVAL = ("drafting", "submitted", "appraised", "approved")


def render_annual(report: Report, lang: str, history: PeriodHistory, **options: Any) -> str:
    context = annual_context(report, lang, history, **options)
    return environment().get_template(annual_template(report)).render(**context)
