"""Readiness for the successor regime: the same facts judged by the next policy pack."""

from __future__ import annotations

from auditor.policy import Pack
from auditor.report.model import Readiness, ReadinessItem
from auditor.results import Evaluation, ReqStatus

FAILING = (ReqStatus.not_met, ReqStatus.partly_met)


def readiness(
    current: Pack, now: Evaluation, successor: Pack, then: Evaluation, *, tailored: bool = False
) -> Readiness:
    """Requirements not met under `successor`, beside their status under `current`."""
    before = {r.requirement: r.status for r in now.requirements}
    ids = set(current.ids())
    failing = [
        ReadinessItem(
            requirement=r.requirement,
            title=successor.requirement(r.requirement).title,
            status=r.status.value,
            current_status=before[r.requirement].value if r.requirement in before else None,
        )
        for r in then.requirements
        if r.status in FAILING
    ]
    return Readiness(
        pack_id=successor.id,
        title=successor.title,
        deadline=current.successor_deadline,
        successor_from=successor.new_inventories_from,
        failing=failing,
        new_requirements=sorted(set(successor.ids()) - ids),
        tailoring_applied=tailored,
    )
