"""The remediation list: every failed or unassessed item with what to do about it."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.checking import Status
from auditor.report.model import Report

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
