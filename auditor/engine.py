"""policy × facts → results, per check, per asset × requirement, and for the organisation.

The engine never collects: it judges facts it is given. A check that cannot see its fact
is `error`, and an `error` never rolls up into `met`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from auditor.attest import Recorded
from auditor.checking import (
    BUILTIN_CHECKS,
    Outcome,
    Registry,
    Status,
    well_formed,
)
from auditor.facts import AssetFacts
from auditor.incidents import Incident, deadlines
from auditor.inventory import Asset
from auditor.logs import event
from auditor.perf import gc_paused
from auditor.policy import CheckRef, Pack, Requirement
from auditor.results import (
    AssetRequirement,
    AttestationResult,
    CheckResult,
    Evaluation,
    Exemption,
    ReqStatus,
    RequirementResult,
    Summary,
    combine,
)
from auditor.systems import SystemInfo

log = logging.getLogger("auditor.engine")

_FROM_CHECK = {
    Status.passed: ReqStatus.met,
    Status.waived: ReqStatus.waived,
    Status.failed: ReqStatus.not_met,
    Status.error: ReqStatus.not_assessed,
    Status.manual: ReqStatus.not_assessed,
    Status.not_applicable: ReqStatus.not_applicable,
}


def _facts_for(needs: str, af: AssetFacts) -> Any:
    if needs == "asset":
        return af if (af.host or af.netdev or af.web) else None
    return getattr(af, needs)


@dataclass(slots=True, frozen=True)
class PlannedCheck:
    """One check of a requirement with its pack parameters validated once per run, not
    once per asset (on error they stay the raw dict, and the check reports a crash).
    `guarded`: a plug-in's outcomes are checked for shape at run time; the built-in
    checks' are proven by mypy --strict in CI."""

    id: str
    needs: str
    run: Callable[[Any, Any], Outcome]  # the check, or its validating wrapper
    params: dict[str, Any] | BaseModel
    guarded: bool

    @classmethod
    def of(cls, registry: Registry, ref: CheckRef) -> PlannedCheck:
        spec = registry[ref.id]
        try:
            params: dict[str, Any] | BaseModel = spec.params.model_validate(ref.params)
            run = spec.func
        except ValidationError:
            params, run = ref.params, spec.run  # raises on every asset: the pack is wrong
        builtin = spec.func.__module__.startswith(BUILTIN_CHECKS)
        return cls(ref.id, spec.needs, run, params, guarded=not builtin)


def _cut_short(af: AssetFacts, needs: str) -> bool:
    return any(
        f.code == "collect.truncated" and (f.source == "nmap") == (needs == "scan")
        for f in af.failures
    )


def _not_seen(needs: str, asset: Asset, af: AssetFacts) -> Outcome:
    """Why a check had no facts to judge: never a pass."""
    if needs == "scan" and asset.scan_address is None:
        return Outcome.unknown(
            "outcome.scan_disabled" if not asset.scan else "outcome.no_scan_address"
        )
    failure = next((f for f in af.failures if (f.source == "nmap") == (needs == "scan")), None)
    if failure:
        return Outcome.unknown(
            "outcome.collection_failed", code=failure.code, detail=failure.detail
        )
    return Outcome.unknown("outcome.not_collected", what=needs)


def run_check(planned: PlannedCheck, asset: Asset, af: AssetFacts) -> CheckResult:
    needs = planned.needs
    facts = _facts_for(needs, af)
    if facts is None:
        outcome = _not_seen(needs, asset, af)
    else:
        try:
            outcome = planned.run(facts, planned.params)
            if planned.guarded and not well_formed(outcome):
                raise TypeError(f"{planned.id} returned a malformed outcome")
        except Exception as exc:  # a check bug must not stop the audit or pass silently
            outcome = Outcome.unknown("outcome.check_crashed", detail=type(exc).__name__)
        if outcome.status is Status.passed and af.failures and _cut_short(af, needs):
            # facts from output cut short may lack the very line that would fail: no pass
            outcome = Outcome.unknown("outcome.truncated_no_pass")
    return CheckResult(
        planned.id,
        outcome.status,
        outcome.observed,
        outcome.expected,
        outcome.note,
        outcome.params,
    )


_VERDICTS: dict[frozenset[Status], ReqStatus] = {}


def _verdict(statuses: frozenset[Status]) -> ReqStatus:
    """`combine` of the checks' statuses, remembered: there are only 64 sets of them."""
    verdict = _VERDICTS.get(statuses)
    if verdict is None:
        verdict = _VERDICTS[statuses] = combine(_FROM_CHECK[s] for s in statuses)
    return verdict


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; only a day the target month lacks (31/01 + 1) becomes
    that month's last day. A decision of 30/11 is valid on 30/11 a year later."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def judge_attestation(
    req: Requirement, recorded: Recorded | None, today: dt.date
) -> AttestationResult:
    assert req.attestation is not None
    if recorded is None:
        return AttestationResult(status=Status.manual, note="outcome.awaiting_attestation")
    entry = recorded.entry
    valid_until = (
        None
        if req.attestation.kind == "decision"  # valid until a newer decision supersedes it
        else add_months(entry.date, req.attestation.review_months)
    )
    common: dict[str, Any] = {
        "decision_no": entry.decision_no,
        "date": entry.date,
        "signer": entry.signer,
        "valid_until": valid_until,
        "evidence": recorded.evidence_path.name if recorded.evidence_path else None,
        "evidence_sha256": recorded.evidence_sha256,
    }
    if req.attestation.evidence_required and recorded.evidence_sha256 is None:
        return AttestationResult(
            status=Status.failed, note="outcome.attestation_no_evidence", **common
        )
    if valid_until is not None and valid_until < today:
        return AttestationResult(status=Status.failed, note="outcome.attestation_expired", **common)
    if entry.date > today:
        return AttestationResult(status=Status.failed, note="outcome.attestation_future", **common)
    return AttestationResult(status=Status.passed, note="outcome.attested", **common)


def judge_incidents(
    req: Requirement, incidents: list[Incident], today: dt.date
) -> AttestationResult | None:
    """Incident reporting judged from the register: every report an incident of the review
    period owed under the text in force on its day (TT 20/2017 or NĐ 331/2026) went out in
    time, each with its number as evidence. A report sent without a number is the officer's
    word only: not assessed. None when no incident of the period owed a report (the written
    attestation then decides)."""
    assert req.attestation is not None
    since = add_months(today, -req.attestation.review_months)
    now = dt.datetime.combine(today, dt.time.max, tzinfo=dt.UTC)
    owed = {
        i.id: [d.state(now) for d in deadlines(i)[1]]
        for i in incidents
        if since <= i.detected_at.date() <= today
    }
    owed = {k: states for k, states in owed.items() if states and "pending" not in states}
    if not owed:
        return None

    def ids(state: str) -> str:
        return ", ".join(f"#{k}" for k, states in owed.items() if state in states)

    if late := ids("late"):
        return AttestationResult(
            status=Status.failed, note="outcome.incidents_late", params={"ids": late}
        )
    if unproven := ids("unproven"):
        return AttestationResult(
            status=Status.manual, note="outcome.incidents_no_evidence", params={"ids": unproven}
        )
    return AttestationResult(
        status=Status.passed, note="outcome.incidents_on_time", params={"count": str(len(owed))}
    )


def judge_systems(req: Requirement, systems: list[SystemInfo], today: dt.date) -> AttestationResult:
    """The level requirement against the declared systems: every system needs an approval
    decision (number and date, not in the future) and, where evidence is required, the
    scanned decision. One undecided system is enough for *not met*."""
    assert req.attestation is not None
    undecided = [s.name for s in systems if not s.decided]
    if undecided:
        return AttestationResult(
            status=Status.failed,
            note="outcome.systems_undecided",
            params={"systems": "; ".join(undecided)},
        )
    unscanned = [s.name for s in systems if s.decision_sha256 is None]
    if req.attestation.evidence_required and unscanned:
        return AttestationResult(
            status=Status.failed,
            note="outcome.systems_no_evidence",
            params={"systems": "; ".join(unscanned)},
        )
    common = _decisions(systems)
    if common["date"] > today:
        return AttestationResult(status=Status.failed, note="outcome.attestation_future", **common)
    return AttestationResult(status=Status.passed, note="outcome.systems_decided", **common)


def _decisions(systems: list[SystemInfo]) -> dict[str, Any]:
    """The systems' decisions as one attestation: numbers, the latest date, who approved,
    the scans and their hashes (each list in the systems' order)."""

    def joined(values: list[str | None]) -> str | None:
        return "; ".join(v or "" for v in values) or None

    signers = sorted({s.approved_by for s in systems if s.approved_by})
    return {
        "decision_no": "; ".join(s.decision_no or "" for s in systems),
        "date": max(s.decision_date for s in systems if s.decision_date is not None),
        "signer": "; ".join(signers) or None,
        "evidence": joined([s.decision_file for s in systems]),
        "evidence_sha256": joined([s.decision_sha256 for s in systems]),
    }


@gc_paused()
@dataclass
class _Judgement:
    """What judging one pack needs at hand, and what it has found so far: each step of
    `evaluate` is one of its methods (the assets, the documents, the roll-up)."""

    assets: list[Asset]
    facts: dict[str, AssetFacts]
    attestations: dict[str, Recorded]
    registry: Registry
    today: dt.date
    exemptions: dict[tuple[str, str], Exemption]
    declared: list[SystemInfo]
    incidents: list[Incident]
    asset_results: list[AssetRequirement] = field(default_factory=list)
    of_kinds: dict[frozenset[str], list[Asset]] = field(default_factory=dict)

    def relevant(self, req: Requirement) -> list[Asset]:
        """The assets of the kinds a requirement applies to (most share a few sets)."""
        kinds = frozenset(req.applies_to)
        found = self.of_kinds.get(kinds)
        if found is None:
            found = self.of_kinds[kinds] = [a for a in self.assets if a.kind in kinds]
        return found

    def exemption(self, asset_id: str, req: Requirement) -> Exemption | None:
        if not self.exemptions:
            return None
        return _allowed(req, _active(self.exemptions.get((asset_id, req.id)), self.today))

    def on_assets(self, req: Requirement, relevant: list[Asset]) -> dict[str, ReqStatus]:
        """Every check of `req` on every relevant asset; an asset's verdict each."""
        per_asset: dict[str, ReqStatus] = {}
        by_kind: dict[str, list[PlannedCheck]] = {}  # this requirement's checks, per kind
        for asset in relevant:
            exemption = self.exemption(asset.id, req)
            if exemption is not None and exemption.kind == "not_applicable":
                per_asset[asset.id] = ReqStatus.not_applicable
                self.asset_results.append(
                    AssetRequirement(asset.id, req.id, ReqStatus.not_applicable, [], exemption)
                )
                continue
            checks = by_kind.get(asset.kind)
            if checks is None:
                checks = by_kind[asset.kind] = [
                    PlannedCheck.of(self.registry, c)
                    for c in req.checks
                    if c.kinds is None or asset.kind in c.kinds
                ]
            af = self.facts[asset.id]
            results = [run_check(planned, asset, af) for planned in checks]
            if exemption is not None:
                results = [_waive(r) for r in results]
            status = (
                _verdict(frozenset([r.status for r in results]))
                if results
                else ReqStatus.not_assessed
            )
            per_asset[asset.id] = status
            self.asset_results.append(
                AssetRequirement(asset.id, req.id, status, results, exemption)
            )
        return per_asset

    def documents(self, req: Requirement, org: Exemption | None) -> AttestationResult | None:
        """The requirement's written part: the declared systems, the incident register or
        the recorded document; an organisation-wide decision waives or removes a failure."""
        if req.attestation is None:
            return None
        attestation = None
        if req.attestation.source == "systems" and self.declared:
            attestation = judge_systems(req, self.declared, self.today)
        elif req.attestation.source == "incidents" and self.incidents:
            attestation = judge_incidents(req, self.incidents, self.today)
        if attestation is None:
            attestation = judge_attestation(req, self.attestations.get(req.id), self.today)
        if org is not None and attestation.status is not Status.passed:
            status_for = {"waived": Status.waived, "not_applicable": Status.not_applicable}
            attestation = attestation.model_copy(
                update={"status": status_for[org.kind], "note": org.reason}
            )
        return attestation

    def requirement(self, req: Requirement) -> RequirementResult:
        if req.not_applicable is not None:
            return RequirementResult(
                requirement=req.id,
                status=ReqStatus.not_applicable,
                assets={},
                note="outcome.not_applicable_policy",
            )
        relevant = self.relevant(req)
        per_asset = self.on_assets(req, relevant) if req.checks else {}
        org = _allowed(req, _active(self.exemptions.get(("*", req.id)), self.today))
        attestation = self.documents(req, org)
        status, attestation, note = _roll_up(req, relevant, per_asset, attestation, org)
        return _requirement_result(req, status, per_asset, attestation, note)


def _roll_up(
    req: Requirement,
    relevant: list[Asset],
    per_asset: dict[str, ReqStatus],
    attestation: AttestationResult | None,
    org: Exemption | None,
) -> tuple[ReqStatus, AttestationResult | None, str | None]:
    """One status for the requirement from its assets and its written part."""
    if org is not None and org.kind == "not_applicable":
        # the organisation decided (with a reason) that this does not apply: never waived
        return ReqStatus.not_applicable, attestation, org.reason
    if req.applies_to and not relevant:
        if attestation is not None and attestation.status is not Status.manual:
            # an organisation-wide attestation counts without an asset of the kind (a router
            # the ISP manages is still covered by the ISP's written commitment)
            return _FROM_CHECK[attestation.status], attestation, None
        unknown = req.when_no_asset != "not_applicable"
        status = ReqStatus.not_assessed if unknown else ReqStatus.not_applicable
        return status, None, "outcome.no_asset_of_kind"
    statuses = list(per_asset.values())
    if attestation is not None:
        statuses.append(_FROM_CHECK[attestation.status])
    return combine(statuses), attestation, None


def _requirement_result(
    req: Requirement,
    status: ReqStatus,
    per_asset: dict[str, ReqStatus],
    attestation: AttestationResult | None,
    note: str | None,
) -> RequirementResult:
    """The result with its "n of N" counts (assets out of scope not counted)."""
    judged = [v for v in per_asset.values() if v is not ReqStatus.not_applicable]
    return RequirementResult(
        requirement=req.id,
        status=status,
        assets=per_asset,
        attestation=attestation,
        note=note,
        assets_total=len(judged) or None,
        assets_met=sum(v is ReqStatus.met for v in judged) if judged else None,
        assets_assessed=sum(v is not ReqStatus.not_assessed for v in judged) if judged else None,
    )


def evaluate(
    pack: Pack,
    assets: list[Asset],
    facts: dict[str, AssetFacts],
    attestations: dict[str, Recorded],
    registry: Registry,
    today: dt.date,
    exemptions: dict[tuple[str, str], Exemption] | None = None,
    systems: list[SystemInfo] | None = None,
    incidents: list[Incident] | None = None,
) -> Evaluation:
    """Judge every requirement of the pack against every asset it applies to.

    `exemptions` (asset id or "*" for the organisation, requirement id) turn failures into
    *waived* while a waiver runs, or take the pair out as *not applicable*. `systems` are
    the declared information systems and `incidents` the register, for requirements judged
    from them.
    """
    judgement = _Judgement(
        assets,
        facts,
        attestations,
        registry,
        today,
        exemptions or {},
        [s for s in systems or [] if not s.implicit],
        incidents or [],
    )
    requirements = [judgement.requirement(req) for req in pack.requirements]
    asset_results = judgement.asset_results
    summary = _summary(requirements, asset_results, facts)
    event(
        log,
        logging.INFO,
        "log.engine.judged",
        requirements=len(requirements),
        assets=len(assets),
        met=summary.counts.get("met", 0),
        failing=summary.counts.get("not_met", 0) + summary.counts.get("partly_met", 0),
        unknown=summary.counts.get("not_assessed", 0),
    )
    return Evaluation(requirements=requirements, asset_results=asset_results, summary=summary)


def _active(exemption: Exemption | None, today: dt.date) -> Exemption | None:
    """A waiver past its date no longer applies: the finding reopens."""
    if exemption is None or exemption.kind == "not_applicable":
        return exemption
    return exemption if exemption.until is None or exemption.until >= today else None


def _allowed(req: Requirement, exemption: Exemption | None) -> Exemption | None:
    """A waiver of a requirement the pack marks `waivable: false` does not apply."""
    if exemption is not None and exemption.kind == "waived" and not req.waivable:
        return None
    return exemption


def _waive(result: CheckResult) -> CheckResult:
    return replace(result, status=Status.waived) if result.status is Status.failed else result


def _summary(
    requirements: list[RequirementResult],
    asset_results: list[AssetRequirement],
    facts: dict[str, AssetFacts],
) -> Summary:
    counts = {s.value: 0 for s in ReqStatus}
    for r in requirements:
        counts[r.status.value] += 1
    applicable = sum(1 for r in requirements if r.status is not ReqStatus.not_applicable)
    assessed = sum(
        1
        for r in requirements
        if r.status not in (ReqStatus.not_applicable, ReqStatus.not_assessed)
    )
    unassessed = (Status.error, Status.manual)
    checks_total = sum(len(ar.checks) for ar in asset_results)
    checks_assessed = sum(
        1 for ar in asset_results for c in ar.checks if c.status not in unassessed
    )
    return Summary(
        counts=counts,
        applicable=applicable,
        assessed=assessed,
        coverage=round(assessed / applicable, 4) if applicable else 0.0,
        checks_total=checks_total,
        checks_assessed=checks_assessed,
        collection_failures=sum(len(f.failures) for f in facts.values()),
    )
