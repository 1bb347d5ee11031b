"""The remediation list: every failed or unassessed item with what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from auditor.checking import Status
from auditor.messages.catalogue import Messages
from auditor.report.model import PlanItem, Report
from auditor.report.official import vn_date
from auditor.runtime import ORG_ASSET as ORG_ID

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Item:
    requirement: str
    severity: str
    asset_id: str | None  # None: organisation-level (attestation)
    check: str | None
    status: Status
    observed: object
    expected: str | None
    note: str | None
    params: dict[str, object]


def remediation_items(report: Report) -> list[Item]:
    """Failed checks first, then unknowns, each ordered by severity then requirement."""
    severity = {r.id: r.severity.value for r in report.requirements}
    items: list[Item] = []
    for ar in report.evaluation.asset_results:
        for c in ar.checks:
            if c.status in (Status.failed, Status.error):
                items.append(
                    Item(
                        ar.requirement,
                        severity[ar.requirement],
                        ar.asset_id,
                        c.check,
                        c.status,
                        c.observed,
                        c.expected,
                        c.note,
                        dict(c.params),
                    )
                )
    for rr in report.evaluation.requirements:
        att = rr.attestation
        if att is not None and att.status in (Status.failed, Status.manual):
            items.append(
                Item(
                    rr.requirement,
                    severity[rr.requirement],
                    None,
                    None,
                    att.status,
                    None,
                    None,
                    att.note,
                    {},
                )
            )
    rank = {Status.failed: 0, Status.error: 1, Status.manual: 2}
    return sorted(
        items,
        key=lambda i: (
            rank[i.status],
            _SEVERITY_ORDER[i.severity],
            i.requirement,
            i.asset_id or "",
        ),
    )


@dataclass(frozen=True)
class Fix:
    """One remediation action and every asset it concerns (a compact plan for print)."""

    requirement: str
    severity: str
    check: str | None
    assets: list[str]


def grouped_fixes(report: Report) -> list[Fix]:
    """Remediation items grouped by (requirement, check), in the order of remediation_items."""
    groups: dict[tuple[str, str | None], Fix] = {}
    for item in remediation_items(report):
        key = (item.requirement, item.check)
        fix = groups.setdefault(key, Fix(item.requirement, item.severity, item.check, []))
        if item.asset_id is not None and item.asset_id not in fix.assets:
            fix.assets.append(item.asset_id)
    return list(groups.values())


@dataclass(frozen=True)
class PlanRow:
    """One line of the official remediation plan: the gap, the action in words, who is
    responsible and by when (NĐ 30 text, no tool commands)."""

    gap: str
    action: str
    responsible: str
    due: date


def plan_rows(report: Report, t: Messages) -> list[PlanRow]:
    """Failed checks, missing documents and assets that could not be audited, each with a
    responsible person (the owner assigned in the history store, else the security
    officer) and a due date (assigned, else the report's date plus the pack's days for the
    requirement's severity)."""
    titles = {r.id: r.title(t.lang) for r in report.requirements}
    names = {a.id: a.name for a in report.assets}
    officer = report.organisation.security_officer.name
    today = vn_date(report.generated_at)
    assigned = {
        (p.asset_id, p.requirement): p for p in (report.history.plan if report.history else [])
    }

    def when(severity: str, planned: list[PlanItem]) -> date:
        dues = [p.due for p in planned if p.due is not None]
        return (
            min(dues) if dues else today + timedelta(days=report.policy.sla_days.get(severity, 30))
        )

    rows = []
    for fix in grouped_fixes(report):
        keys = [(a, fix.requirement) for a in fix.assets] or [(ORG_ID, fix.requirement)]
        planned = [assigned[k] for k in keys if k in assigned]
        owners = sorted({p.owner for p in planned if p.owner}) or [officer]
        if fix.check is None:
            gap = t("plan.gap_document", title=titles[fix.requirement])
            action = t("plan.action_document", title=titles[fix.requirement])
        else:
            assets = ", ".join(names.get(a, a) for a in fix.assets)
            check = t(f"check.{fix.check}.title")
            gap = t("plan.gap_check", title=titles[fix.requirement], check=check, assets=assets)
            action = t("plan.action_check", check=check)
        rows.append(PlanRow(gap, action, ", ".join(owners), when(fix.severity, planned)))
    for asset in report.assets:
        if asset.failures:
            reason = t(asset.failures[0].code, detail=asset.failures[0].detail)
            rows.append(
                PlanRow(
                    t("plan.gap_unaudited", asset=asset.name, reason=reason),
                    t("plan.action_unaudited", asset=asset.name),
                    officer,
                    today + timedelta(days=report.policy.sla_days.get("medium", 30)),
                )
            )
    return rows
