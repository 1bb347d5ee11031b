"""Verdicts per information system: a requirement checked on assets is judged on the
system's own assets; an organisation-wide one (a document, an officer) holds for every
system. A system whose approved level is above the pack's gets a warning instead of a
silent level-2 verdict."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.engine import ReqStatus, combine
from auditor.report.model import Report
from auditor.systems import SystemInfo


@dataclass(frozen=True)
class SystemVerdict:
    system: SystemInfo
    status: ReqStatus
    counts: dict[str, int]  # requirement status → how many
    above_pack_level: bool


def system_verdicts(report: Report) -> list[SystemVerdict]:
    verdicts = []
    for system in report.systems:
        members = set(system.assets)
        statuses: list[ReqStatus] = []
        for result in report.evaluation.requirements:
            if result.assets:
                own = [s for a, s in result.assets.items() if a in members]
                if own:
                    statuses.append(combine(own))
            else:
                statuses.append(result.status)
        counts = {s.value: sum(1 for x in statuses if x is s) for s in ReqStatus}
        above = system.level is not None and system.level > report.policy.level
        verdicts.append(SystemVerdict(system, combine(statuses), counts, above))
    return verdicts
