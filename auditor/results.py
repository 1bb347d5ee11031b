"""What a judgement is made of: the status of a requirement, the result of each check on
each asset, a requirement's roll-up and the summary. Every layer may import these (the
report, the history store, the receiver); only the engine makes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.checking import Observed, Param, Status


class ReqStatus(StrEnum):
    met = "met"
    partly_met = "partly_met"
    not_met = "not_met"
    not_assessed = "not_assessed"
    not_applicable = "not_applicable"
    waived = "waived"  # accepted risk: shown as such, never as met


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(slots=True)
class CheckResult:
    """One check's outcome on one asset. A plain slotted class, as is `AssetRequirement`:
    a province's 10,000 hosts make a third of a million of them, so they are built without
    validation (the Outcome they copy is checked by `well_formed`) and validated only when
    a report is read back. Never changed once made; waiving makes a new one."""

    check: str
    status: Status
    observed: Observed = None
    expected: str | None = None
    note: str | None = None
    params: dict[str, Param] = field(default_factory=dict)


class Exemption(Model):
    """An officer's decision about one (asset, requirement): risk accepted until a date,
    or not applicable. Comes from the history store; the engine only applies it."""

    kind: Literal["waived", "not_applicable"]
    reason: str
    until: dt.date | None = None
    approved_by: str | None = None


@dataclass(slots=True)
class AssetRequirement:
    asset_id: str
    requirement: str
    status: ReqStatus
    checks: list[CheckResult]
    exemption: Exemption | None = None


class AttestationResult(Model):
    status: Status
    note: str
    decision_no: str | None = None
    date: dt.date | None = None
    signer: str | None = None
    valid_until: dt.date | None = None
    evidence: str | None = None
    evidence_sha256: str | None = None
    params: dict[str, str] = Field(default_factory=dict)  # for the catalogue text of `note`


class RequirementResult(Model):
    """`assets_met`/`assets_assessed` of `assets_total` (assets not out of scope) give the
    ratio behind *partly met* and "n of N assessed"; None without per-asset checks."""

    requirement: str
    status: ReqStatus
    assets: dict[str, ReqStatus]
    attestation: AttestationResult | None = None
    note: str | None = None
    assets_total: int | None = None
    assets_met: int | None = None
    assets_assessed: int | None = None


class Summary(Model):
    counts: dict[str, int]
    applicable: int
    assessed: int
    coverage: float
    checks_total: int
    checks_assessed: int
    collection_failures: int


class Evaluation(Model):
    requirements: list[RequirementResult]
    asset_results: list[AssetRequirement]
    summary: Summary


def combine(statuses: Iterable[ReqStatus]) -> ReqStatus:
    """Roll several statuses into one: a failure beside something fully met is *partly
    met*; without anything fully met it is *not met* (0 of 3 assets met, the rest unknown
    or themselves only partly met, is not "partly met"); unknowns never make *met*."""
    seen = set(statuses)
    seen.discard(ReqStatus.not_applicable)
    if not seen:
        return ReqStatus.not_applicable
    if seen == _ONLY_MET:
        return ReqStatus.met
    failing = not seen.isdisjoint(_FAILING)
    passing = not seen.isdisjoint(_PASSING)
    if failing:
        return ReqStatus.partly_met if passing else ReqStatus.not_met
    if seen <= _MET_OR_WAIVED:
        return ReqStatus.waived
    return ReqStatus.not_assessed


_ONLY_MET = {ReqStatus.met}
_FAILING = {ReqStatus.not_met, ReqStatus.partly_met}
_PASSING = {ReqStatus.met}
_MET_OR_WAIVED = {ReqStatus.met, ReqStatus.waived}


SYSTEM_NOTES = frozenset(
    {"outcome.systems_undecided", "outcome.systems_no_evidence", "outcome.systems_decided"}
)  # the notes of a requirement judged from the declared systems
