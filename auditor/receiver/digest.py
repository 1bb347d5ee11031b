"""What the province's pages need of a received report, kept beside it: its figures, its
failing requirements and its calendar. The list, the heat map and the charts read these few
hundred bytes instead of parsing every report (a parsed report weighs about 300 kB of Python
objects; 4,000 of them held a 2,000-commune dashboard at 1.3 GB)."""

from __future__ import annotations

import sys

from pydantic import BaseModel, ConfigDict, field_validator

from auditor.report.model import Report
from auditor.results import ReqStatus

FAILING = (ReqStatus.not_met, ReqStatus.partly_met)


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: str  # the pack the report was judged under
    counts: dict[str, int]  # requirements by status
    coverage: float
    failing: dict[str, str]  # requirement id → severity the report gives it
    level: int | None  # the highest declared system level
    due_day: int  # the commune's quarterly reporting day

    @field_validator("failing")
    @classmethod
    def _shared(cls, failing: dict[str, str]) -> dict[str, str]:
        """The same few dozen ids and words in 16,000 digests: one string object each."""
        return {sys.intern(k): sys.intern(v) for k, v in failing.items()}

    @property
    def met(self) -> int:
        return self.counts.get("met", 0)


def digest_of(report: Report) -> Digest:
    severity = {r.id: r.severity.value for r in report.requirements}
    levels = [s.level for s in report.systems if s.level is not None]
    return Digest(
        policy=report.policy.id,
        counts=report.evaluation.summary.counts,
        coverage=report.evaluation.summary.coverage,
        failing={
            r.requirement: severity.get(r.requirement, "")
            for r in report.evaluation.requirements
            if r.status in FAILING
        },
        level=max(levels) if levels else None,
        due_day=report.organisation.reporting.quarterly_due_day,
    )
