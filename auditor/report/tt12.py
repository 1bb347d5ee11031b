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


def tt12_items(
    report: Report,
    history: Any,  # PeriodHistory
    groups: list[Any],  # GroupRow
    form: dict[str, Any],  # what mau08() computes: approval, implementation, the quy chế
    proposals: list[str],
    t: Messages,
) -> list[Item]:
    org = report.organisation
    docs, officer = org.documents, org.security_officer
    rows = form["rows"]
    contacts = ", ".join(x for x in (docs.address, docs.phone, docs.email) if x)
    operators = sorted({r.system.operator for r in rows if r.system.operator})
    systems = "; ".join(
        t(
            "tt12.system",
            name=r.system.name,
            operator=r.system.operator or "—",
            level=r.system.level or "—",
        )
        for r in rows
    )
    approved = [r for r in rows if r.approval == "approved"]
    plan = {k: sum(1 for r in rows if r.implementation == k) for k in ("full", "partial", "none")}
    rules = form["rules"]
    summary = report.evaluation.summary.counts
    audits = history.audits
    failing = [g for g in groups if g.status is not ReqStatus.met]
    answers = [
        t(
            "tt12.a1",
            org=org.name,
            contacts=contacts or t("tt12.not_declared"),
            officer=officer.name,
            operators=", ".join(operators) or t("tt12.not_declared"),
        ),
        systems,
        t("tt12.a3", approved=len(approved), total=len(rows))
        + "".join(
            " "
            + t("doc.decision_value", number=r.system.decision_no, date=dmy(r.system.decision_date))
            for r in approved
        ),
        t("tt12.a4", **plan),
        t("tt12.a5_yes", number=rules[0], date=dmy(rules[1])) if rules else t("tt12.a5_no"),
        t(
            "tt12.a6",
            date=dmy(report.generated_at),
            met=summary.get("met", 0),
            total=sum(summary.values()),
            failing=summary.get("not_met", 0) + summary.get("partly_met", 0),
        ),
        t(
            "tt12.a7",
            count=len(audits),
            first=dmy(audits[0].generated_at),
            last=dmy(audits[-1].generated_at),
        )
        if audits
        else t("tt12.a7_none"),
        t("tt12.a8"),
        t(
            "tt12.a9",
            met=", ".join(t(f"group.{g.group}") for g in groups if g.status is ReqStatus.met)
            or "—",
            not_met=", ".join(t(f"group.{g.group}") for g in failing) or "—",
        ),
        t("tt12.a10", number=rules[0], date=dmy(rules[1])) if rules else t("tt12.a5_no"),
        "; ".join(proposals) if proposals else t("tt12.a11_none"),
    ]
    return [Item(n, t(f"tt12.item{n}"), answer) for n, answer in enumerate(answers, start=1)]
