"""Verdicts per information system: a requirement checked on assets is judged on the
system's own assets; one judged from the declared systems (the level decision) on the
system's own decision, so one undecided system fails itself and not the others; an
organisation-wide one (a document, an officer) holds for every system. A system that says
it is made of a kind of asset (a web portal: a website) without any asset of that kind has
that kind's requirements "chưa đánh giá: chưa khai báo", never left out of its verdict. A
system whose approved level is above the pack's gets a warning instead of a silent level-2
verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.report.model import Report
from auditor.results import SYSTEM_NOTES, ReqStatus, RequirementResult, combine
from auditor.systems import SystemInfo


@dataclass(frozen=True)
class SystemVerdict:
    system: SystemInfo
    status: ReqStatus
    counts: dict[str, int]  # requirement status → how many
    above_pack_level: bool
    missing_kinds: list[str] = field(default_factory=list)  # declared, with no asset of it


def system_verdicts(report: Report) -> list[SystemVerdict]:
    kind_of = {a.id: a.kind for a in report.assets}
    applies = {r.id: set(r.applies_to) for r in report.requirements}
    verdicts = []
    for system in report.systems:
        members = set(system.assets)
        present = {kind_of[a] for a in members if a in kind_of}
        missing = [k for k in system.asset_kinds if k not in present]
        statuses: list[ReqStatus] = []
        for result in report.evaluation.requirements:
            own = [s for a, s in result.assets.items() if a in members]
            if applies.get(result.requirement, set()).intersection(missing):
                # part of what it must cover was never declared: unknown, whatever else says
                statuses.append(combine([*own, ReqStatus.not_assessed]))
            elif result.assets:
                if own:
                    statuses.append(combine(own))
            elif _judged_per_system(result):
                statuses.append(_own_decision(result, system))
            else:
                statuses.append(result.status)
        counts = {s.value: sum(1 for x in statuses if x is s) for s in ReqStatus}
        above = system.level is not None and system.level > report.policy.level
        verdicts.append(SystemVerdict(system, combine(statuses), counts, above, missing))
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
