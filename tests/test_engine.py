"""Roll-up rules: unknowns never become *met*; per-kind applicability; coverage."""

from __future__ import annotations

import pytest

from auditor.checking import discover
from auditor.engine import ReqStatus, combine, evaluate
from auditor.facts import AssetFacts, CollectionFailure, Declared
from auditor.inventory import Asset
from auditor.policy import load_policy
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
        ([P], P),
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
