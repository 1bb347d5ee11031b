"""The annual report under the NĐ 85 pack answers TT 12/2022/TT-BTTTT Điều 14 item by item
(the owner and units, the systems, the approved dossiers, the protection plan, the quy chế
and its observance, the checks, the per-criterion verdicts with the roadmap, the quy chế's
decision, other matters), each answer drawn from the signed report and the period's
history, and saying so where the data cannot answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.messages.catalogue import Messages
from auditor.report.model import Report
from auditor.report.official import dmy
from auditor.results import ReqStatus

ITEMS = 11


@dataclass(frozen=True)
class Item:
    number: int
    label: str
    answer: str


def _units(report: Report, rows: list[Any], t: Messages) -> str:
    """Item 1: the owner with its contacts, the security officer, the operators."""
    org = report.organisation
    docs = org.documents
    contacts = ", ".join(x for x in (docs.address, docs.phone, docs.email) if x)
    operators = sorted({r.system.operator for r in rows if r.system.operator})
    return t(
        "tt12.a1",
        org=org.name,
        contacts=contacts or t("tt12.not_declared"),
        officer=org.security_officer.name,
        operators=", ".join(operators) or t("tt12.not_declared"),
    )


def _systems(rows: list[Any], t: Messages) -> str:
    """Item 2: each system with its operator and proposed level."""
    return "; ".join(
        t("tt12.system", name=r.system.name, operator=r.system.operator or "—",
          level=r.system.level or "—")
        for r in rows
    )  # fmt: skip


def _approved(rows: list[Any], t: Messages) -> str:
    """Item 3: how many level dossiers are approved, and by which decisions."""
    approved = [r.system for r in rows if r.approval == "approved"]
    decisions = [
        t("doc.decision_value", number=s.decision_no, date=dmy(s.decision_date)) for s in approved
    ]
    return " ".join([t("tt12.a3", approved=len(approved), total=len(rows)), *decisions])


def _observance(report: Report, t: Messages) -> str:
    """Item 6: the rules observed, as the latest self-assessment found them."""
    summary = report.evaluation.summary.counts
    failing = summary.get("not_met", 0) + summary.get("partly_met", 0)
    return t(
        "tt12.a6",
        date=dmy(report.generated_at),
        met=summary.get("met", 0),
        total=sum(summary.values()),
        failing=failing,
    )


def _checks(history: Any, t: Messages) -> str:
    """Item 7: the self-assessments of the period."""
    audits = history.audits
    if not audits:
        return t("tt12.a7_none")
    first, last = dmy(audits[0].generated_at), dmy(audits[-1].generated_at)
    return t("tt12.a7", count=len(audits), first=first, last=last)


def _criteria(groups: list[Any], t: Messages) -> str:
    """Item 9: the criteria groups fully met and not, the roadmap being the plan."""

    def names(met: bool) -> str:
        chosen = [t(f"group.{g.group}") for g in groups if (g.status is ReqStatus.met) == met]
        return ", ".join(chosen) or "—"

    return t("tt12.a9", met=names(True), not_met=names(False))


def _rules(rules: tuple[str, Any] | None, key: str, t: Messages) -> str:
    """Items 5 and 10: the decision issuing the quy chế, or that none is recorded."""
    return t(key, number=rules[0], date=dmy(rules[1])) if rules else t("tt12.a5_no")


def tt12_items(
    report: Report,
    history: Any,  # PeriodHistory
    groups: list[Any],  # GroupRow
    form: dict[str, Any],  # what mau08() computes: approval, implementation, the quy chế
    proposals: list[str],
    t: Messages,
) -> list[Item]:
    rows = form["rows"]
    plan = {k: sum(1 for r in rows if r.implementation == k) for k in ("full", "partial", "none")}
    answers = [
        _units(report, rows, t),
        _systems(rows, t),
        _approved(rows, t),
        t("tt12.a4", **plan),
        _rules(form["rules"], "tt12.a5_yes", t),
        _observance(report, t),
        _checks(history, t),
        t("tt12.a8"),
        _criteria(groups, t),
        _rules(form["rules"], "tt12.a10", t),
        "; ".join(proposals) or t("tt12.a11_none"),
    ]
    return [Item(n, t(f"tt12.item{n}"), answer) for n, answer in enumerate(answers, start=1)]
