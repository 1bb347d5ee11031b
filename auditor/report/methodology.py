"""The methodology appendix: for every check the report used, what its *pass* proves and
what it does not prove, so that an inspector can weigh each "met" (catalogue `proves.*`)."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.messages.catalogue import Messages
from auditor.report.model import Report


@dataclass(frozen=True)
class Method:
    check: str
    title: str
    proves: str
    not_proves: str


def methodology(report: Report, t: Messages) -> list[Method]:
    used = sorted({c.check for ar in report.evaluation.asset_results for c in ar.checks})
    return [
        Method(
            check=cid,
            title=t(f"check.{cid}.title"),
            proves=t(f"proves.{cid}.pass"),
            not_proves=t(f"proves.{cid}.not"),
        )
        for cid in used
    ]
