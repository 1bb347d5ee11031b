"""Roll-up rules: unknowns never become *met*; per-kind applicability; coverage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.attest import AttestationEntry, Recorded
from auditor.checking import Outcome, Registry, Status, check, discover
from auditor.engine import add_months, evaluate
from auditor.facts import AssetFacts, CollectionFailure, Declared, Firewall
from auditor.inventory import Asset
from auditor.policy import load_policy
from auditor.results import Evaluation, Exemption, ReqStatus, RequirementResult, combine
from tests.helpers import host
from tests.reportkit import TODAY

M, P, N, U, X = (
    ReqStatus.met,
    ReqStatus.partly_met,
    ReqStatus.not_met,
    ReqStatus.not_assessed,
    ReqStatus.not_applicable,
)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([M, M], M),
        ([M, N], P),
        ([N, N], N),
        ([N, U], N),
        ([M, U], U),
        ([U], U),
        ([X, M], M),
        ([X], X),
        ([], X),
        ([P, M], P),
        ([P], N),  # near miss: partly, but nothing fully met
        ([P, U, U], N),  # 0 of 3 met, the rest unknown: not met, never "partly"
        ([P, N], N),
        ([M, P, N, U], P),
    ],
)
def test_combine(statuses: list[ReqStatus], expected: ReqStatus) -> None:
    assert combine(statuses) is expected


def test_failed_collection_is_error_everywhere_and_coverage_drops() -> None:
    registry = discover()
    pack = load_policy("nd85-level2", registry)
    asset = Asset(id="pc", name="PC", kind="linux", connection="local")  # type: ignore[arg-type]
    facts = {
        "pc": AssetFacts(
            asset_id="pc",
            declared=Declared(kind="linux"),
            failures=[CollectionFailure(source="local", code="collect.timeout", detail="60s")],
        )
    }
    result = evaluate(pack, [asset], facts, {}, registry, TODAY)
    checks = [c for ar in result.asset_results for c in ar.checks]
    assert checks and all(c.status.value == "error" for c in checks)
    host_checks = [c for c in checks if not c.check.startswith("scan.")]
    assert all(c.note == "outcome.collection_failed" for c in host_checks)
    assert all(c.params["code"] == "collect.timeout" for c in host_checks)
    assert not any(r.status is ReqStatus.met for r in result.requirements)
    assert result.summary.assessed == 0 and result.summary.coverage == 0.0
    assert result.summary.collection_failures == 1


# ---------------------------------------------------------------- roll-up, with near misses
REGISTRY = discover()
PACK = load_policy("nd85-level2", REGISTRY)


def _attested(req: str, day: str) -> dict[str, Recorded]:
    entry = AttestationEntry(
        requirement=req, decision_no="1/QĐ-UBND", date=dt.date.fromisoformat(day), signer="CT"
    )
    return {req: Recorded(entry=entry, evidence_path=Path("qd.pdf"), evidence_sha256="0" * 64)}


def _status(result: Evaluation, req: str) -> RequirementResult:
    return next(r for r in result.requirements if r.requirement == req)


def test_add_months_is_exact() -> None:
    assert add_months(dt.date(2025, 11, 30), 12) == dt.date(2026, 11, 30)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_review_expires_exactly_and_decisions_do_not() -> None:
    today = dt.date(2026, 11, 30)
    fresh = evaluate(PACK, [], {}, _attested("L2-MGMT-HR-01", "2025-11-30"), REGISTRY, today)
    assert _status(fresh, "L2-MGMT-HR-01").status is ReqStatus.met  # 30/11 → 30/11: still valid
    stale = evaluate(PACK, [], {}, _attested("L2-MGMT-HR-01", "2025-11-29"), REGISTRY, today)
    assert _status(stale, "L2-MGMT-HR-01").status is ReqStatus.not_met  # the near miss
    old_decision = _attested("L2-MGMT-ORG-01", "2019-03-01")  # an assignment from 2019
    result = evaluate(PACK, [], {}, old_decision, REGISTRY, today)
    org = _status(result, "L2-MGMT-ORG-01")
    assert org.status is ReqStatus.met and org.attestation and org.attestation.valid_until is None


def test_organisation_not_applicable_is_never_waived_and_mandatory_cannot_be_waived() -> None:
    na = {("*", "L2-MGMT-DEV-01"): Exemption(kind="not_applicable", reason="Không thuê ngoài")}
    result = evaluate(PACK, [], {}, {}, REGISTRY, TODAY, na)
    dev = _status(result, "L2-MGMT-DEV-01")
    assert dev.status is ReqStatus.not_applicable and dev.note == "Không thuê ngoài"
    waive = {
        ("*", "L2-MGMT-ORG-01"): Exemption(kind="waived", reason="x", until=dt.date(2030, 1, 1)),
        ("*", "L2-MGMT-HR-01"): Exemption(kind="waived", reason="x", until=dt.date(2030, 1, 1)),
    }
    result = evaluate(PACK, [], {}, {}, REGISTRY, TODAY, waive)
    assert _status(result, "L2-MGMT-ORG-01").status is ReqStatus.not_assessed  # waivable: false
    assert _status(result, "L2-MGMT-HR-01").status is ReqStatus.waived  # the near miss


def test_organisation_attestation_counts_without_an_asset_of_the_kind() -> None:
    """The ISP manages the router: its written firewall commitment still counts."""
    pc = Asset(id="pc", name="PC", kind="linux", connection="local")  # type: ignore[arg-type]
    facts = {"pc": AssetFacts(asset_id="pc", declared=Declared(kind="linux"))}
    without = evaluate(PACK, [pc], facts, {}, REGISTRY, TODAY)
    assert _status(without, "L2-NET-FW-01").status is ReqStatus.not_assessed
    attested = _attested("L2-NET-FW-01", "2026-06-01")
    result = evaluate(PACK, [pc], facts, attested, REGISTRY, TODAY)
    assert _status(result, "L2-NET-FW-01").status is ReqStatus.met


def test_partly_met_carries_its_ratio_and_assessed_count() -> None:
    assets = [
        Asset(id=f"pc{i}", name="PC", kind="linux", connection="local")  # type: ignore[arg-type]
        for i in range(3)
    ]
    facts = {
        "pc0": AssetFacts(
            asset_id="pc0",
            declared=Declared(kind="linux"),
            host=host(firewall=Firewall(enabled=True)),
        ),
        "pc1": AssetFacts(
            asset_id="pc1",
            declared=Declared(kind="linux"),
            host=host(firewall=Firewall(enabled=False)),
        ),
        "pc2": AssetFacts(
            asset_id="pc2",
            declared=Declared(kind="linux"),
            failures=[CollectionFailure(source="ssh", code="collect.timeout")],
        ),
    }
    result = evaluate(PACK, assets, facts, {}, REGISTRY, TODAY)
    fw = _status(result, "L2-CFG-FW-01")
    assert fw.status is ReqStatus.partly_met
    assert (fw.assets_met, fw.assets_assessed, fw.assets_total) == (1, 2, 3)


# ---------------------------------------------------------------- plug-in checks
def _with_plugin(result: object) -> tuple[list[str], list[str | None]]:
    """The host firewall requirement judged by a plug-in that returns `result` in place of
    the built-in check: what statuses and notes its check results get."""
    req = next(r for r in PACK.requirements if r.id == "L2-CFG-FW-01")
    check_id = next(c.id for c in req.checks if c.kinds is None or "linux" in c.kinds)

    @check(check_id, needs="host")
    def plugin(facts: object, p: object) -> Outcome:
        return result  # type: ignore[return-value]

    specs = [REGISTRY[i] for i in REGISTRY.ids() if i != check_id]
    registry = Registry([*specs, plugin.__check__])  # type: ignore[attr-defined]
    asset = Asset(id="pc", name="PC", kind="linux", connection="local")  # type: ignore[arg-type]
    facts = {"pc": AssetFacts(asset_id="pc", declared=Declared(kind="linux"), host=host())}
    evaluation = evaluate(PACK, [asset], facts, {}, registry, TODAY)
    pair = next(r for r in evaluation.asset_results if r.requirement == "L2-CFG-FW-01")
    mine = [c for c in pair.checks if c.check == check_id]
    return [c.status.value for c in mine], [c.note for c in mine]


@pytest.mark.parametrize(
    "bad",
    [
        Outcome(status=Status.passed, observed={"on"}),  # type: ignore[arg-type]
        Outcome(status=Status.passed, observed=[1, 2]),  # type: ignore[list-item]
        Outcome(status="pass"),  # type: ignore[arg-type]
        Outcome(status=Status.passed, params={"k": object()}),  # type: ignore[dict-item]
        {"status": "pass"},
        None,
    ],
)
def test_a_plugin_returning_a_malformed_outcome_is_a_crash_never_a_pass(bad: object) -> None:
    """Outcomes are plain classes now: the engine checks a plug-in's by shape, so a value the
    signed report could not hold becomes an error on that asset instead of a failed audit."""
    assert _with_plugin(bad) == (["error"], ["outcome.check_crashed"])


def test_a_plugin_with_a_well_formed_outcome_is_judged() -> None:
    """The near miss: the same plug-in with a proper list of strings passes."""
    good = Outcome(status=Status.passed, observed=["nftables"], params={"n": 1})
    assert _with_plugin(good) == (["pass"], [None])


def test_a_pack_entry_whose_parameters_do_not_validate_crashes_on_every_asset() -> None:
    """Parameters are validated once per run; when they do not fit the check's model the
    check reports a crash on each asset (never a pass). The near miss: the same entry with
    its parameters as the pack gives them is judged."""
    from auditor.engine import PlannedCheck, run_check

    req = next(r for r in PACK.requirements if r.id == "L2-ACC-PWD-01")
    ref = next(c for c in req.checks if c.params)
    asset = Asset(id="pc", name="PC", kind="linux", connection="local")  # type: ignore[arg-type]
    af = AssetFacts(asset_id="pc", declared=Declared(kind="linux"), host=host())
    broken = ref.model_copy(update={"params": {**ref.params, "unknown_limit": 3}})
    crashed = run_check(PlannedCheck.of(REGISTRY, broken), asset, af)
    assert (crashed.status, crashed.note) == (Status.error, "outcome.check_crashed")
    judged = run_check(PlannedCheck.of(REGISTRY, ref), asset, af)
    assert judged.note != "outcome.check_crashed"
