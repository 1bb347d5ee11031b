"""Verdicts per information system: a requirement checked on assets is judged on the
system's own assets; one judged from the declared systems (the level decision) on the
system's own decision, so one undecided system fails itself and not the others; an
organisation-wide one (a document, an officer) holds for every system. A system whose
approved level is above the pack's gets a warning instead of a silent level-2 verdict."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.engine import SYSTEM_NOTES, ReqStatus, RequirementResult, combine
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
            elif _judged_per_system(result):
                statuses.append(_own_decision(result, system))
            else:
                statuses.append(result.status)
        counts = {s.value: sum(1 for x in statuses if x is s) for s in ReqStatus}
        above = system.level is not None and system.level > report.policy.level
        verdicts.append(SystemVerdict(system, combine(statuses), counts, above))
    return verdicts


def _judged_per_system(result: RequirementResult) -> bool:
    attestation = result.attestation
    return attestation is not None and attestation.note in SYSTEM_NOTES


def _own_decision(result: RequirementResult, system: SystemInfo) -> ReqStatus:
    """The system-judged requirement for one system: failed only if this system is among
    those the verdict names (undecided, or its decision not scanned)."""
    assert result.attestation is not None
    if result.status is not ReqStatus.not_met:
        return result.status
    named = str(result.attestation.params.get("systems", "")).split("; ")
    return ReqStatus.not_met if system.name in named else ReqStatus.met
