"""The annual self-assessment report view (NĐ 331 Đ35–36, Form 08 as reported): the same
signed report.json rendered per criteria group as met / partly met / not met, with the
evidence count, the remediation plan and a signature block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from auditor.engine import ReqStatus, combine
from auditor.messages.catalogue import Messages
from auditor.report.html import environment, load_resource
from auditor.report.model import Report
from auditor.report.remediation import grouped_fixes


def reporting_period(when: dt.date) -> tuple[dt.date, dt.date]:
    """Data period 15/12 of one year to 14/12 of the next, containing `when`."""
    end_year = when.year if when <= dt.date(when.year, 12, 14) else when.year + 1
    return dt.date(end_year - 1, 12, 15), dt.date(end_year, 12, 14)


@dataclass(frozen=True)
class GroupRow:
    group: str
    status: ReqStatus
    counts: dict[str, int]
    evidence: int


def group_rows(report: Report) -> list[GroupRow]:
    groups: dict[str, list[str]] = {}
    for info in report.requirements:
        groups.setdefault(info.group, []).append(info.id)
    results = {r.requirement: r for r in report.evaluation.requirements}
    per_asset: dict[str, int] = {}
    for ar in report.evaluation.asset_results:
        assessed = [c for c in ar.checks if c.status.value in ("pass", "fail", "waived")]
        per_asset[ar.requirement] = per_asset.get(ar.requirement, 0) + len(assessed)
    rows = []
    for group, ids in groups.items():
        statuses = [results[i].status for i in ids if i in results]
        counts = {s.value: sum(1 for x in statuses if x is s) for s in ReqStatus}
        attested = 0
        for req_id in ids:
            attestation = results[req_id].attestation if req_id in results else None
            if attestation is not None and attestation.evidence_sha256:
                attested += 1
        evidence = sum(per_asset.get(req_id, 0) for req_id in ids) + attested
        rows.append(GroupRow(group, combine(statuses), counts, evidence))
    return rows


def render_annual(report: Report, lang: str) -> str:
    return environment().get_template("annual.html.j2").render(**annual_context(report, lang))


def annual_context(report: Report, lang: str) -> dict[str, Any]:
    t = Messages(lang)
    start, end = reporting_period(report.generated_at.date())
    org = report.organisation
    when = report.generated_at
    return dict(
        report=report,
        t=t,
        lang=lang,
        ReqStatus=ReqStatus,
        start=start,
        end=end,
        groups=group_rows(report),
        reqs={r.id: r for r in report.requirements},
        fixes=grouped_fixes(report),
        parent=t("pdf.parent", province=org.province),
        org_upper=org.name.upper(),
        place_date=t(
            "pdf.place_date",
            place=org.commune[:1].upper() + org.commune[1:],
            day=when.day,
            month=when.month,
            year=when.year,
        ),
        css=Markup(load_resource("report-pdf.css") or ""),
    )
