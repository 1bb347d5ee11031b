"""The 2026 regime pack: inheritance, different verdicts on the same facts, `policy diff`,
the "ready for 2027" section and the annual report view."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.checking import Registry, discover
from auditor.engine import evaluate
from auditor.errors import InputError
from auditor.facts import AssetFacts, Declared
from auditor.inventory import Asset
from auditor.policy import diff_packs, load_policy
from auditor.report.annual import (
    PeriodHistory,
    group_rows,
    render_annual,
    reporting_period,
    reporting_year,
)
from auditor.results import ReqStatus
from tests.helpers import raw
from tests.reportkit import build


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


def test_inheritance_applies_overrides_and_keeps_the_parent(registry: Registry) -> None:
    old = load_policy("nd85-level2", registry)
    new = load_policy("nd331-level2", registry)
    assert set(old.ids()) < set(new.ids())  # nothing of the parent lost
    assert {"L2-AST-SWREG-01", "L2-AST-INFO-01", "L2-MAL-MEDIA-01"} <= set(new.ids())
    params = {c.id: c.params for c in new.requirement("L2-ACC-PWD-01").checks}
    assert params == {"pwd.min_length": {"min_length": 14}, "pwd.complexity": {"min_classes": 4}}
    lock = {c.id: c.params for c in new.requirement("L2-ACC-LOCK-01").checks}
    assert lock["lockout.duration"] == {"min_seconds": 43200}
    assert lock["lockout.threshold"] == {"max_attempts": 10}  # inherited unchanged
    kinds = {c.id: c.kinds for c in new.requirement("L2-ACC-PWD-02").checks}
    assert kinds["acct.password_expires"] == ["windows"]  # parent's detail kept
    assert new.requirement("L2-ACC-PWD-01").title == old.requirement("L2-ACC-PWD-01").title
    assert old.successor == "nd331-level2" and new.successor is None
    assert new.sla_days == old.sla_days


def test_cycles_and_unknown_parents_are_errors(tmp_path: Path, registry: Registry) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(f"id: a\nversion: '1'\nextends: {b}\n")
    b.write_text(f"id: b\nversion: '1'\nextends: {a}\n")
    with pytest.raises(InputError) as caught:
        load_policy(str(a), registry)
    assert caught.value.problems[0].code == "policy.extends_cycle"
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text("id: orphan\nversion: '1'\n\nextends: nd99-level7\n")
    with pytest.raises(InputError) as caught:
        load_policy(str(orphan), registry)
    problem = caught.value.problems[0]
    assert (problem.code, problem.line, problem.file) == ("policy.unknown_pack", 4, str(orphan))


def test_same_facts_different_verdicts(registry: Registry) -> None:
    from auditor.collect.linux.sections import split_sections
    from auditor.collect.linux_parse import parse_host

    host = parse_host(split_sections(raw("ubuntu2204-hardened.txt")), backup_path="/mnt/backup")
    asset = Asset.model_validate(
        {"id": "fs1", "name": "FS", "kind": "linux", "connection": "local", "admins": ["quantri"]}
    )
    facts = {
        "fs1": AssetFacts(
            asset_id="fs1",
            declared=Declared(kind="linux", admins=["quantri"], backup_configured=True),
            host=host,
        )
    }
    today = dt.date(2025, 11, 24)
    verdicts = {}
    for pack_id in ("nd85-level2", "nd331-level2"):
        pack = load_policy(pack_id, registry)
        result = evaluate(pack, [asset], facts, {}, registry, today)
        verdicts[pack_id] = {r.requirement: r.assets.get("fs1") for r in result.requirements}
    old, new = verdicts["nd85-level2"], verdicts["nd331-level2"]
    # minlen 12 and 3 classes: enough for NĐ 85 (8/3), not for TCVN 14423 (14/4)
    assert (old["L2-ACC-PWD-01"], new["L2-ACC-PWD-01"]) == (ReqStatus.met, ReqStatus.not_met)
    # PASS_MAX_DAYS 60: within 90 and within 60
    assert (old["L2-ACC-PWD-02"], new["L2-ACC-PWD-02"]) == (ReqStatus.met, ReqStatus.met)
    # unlock after 900 s: ≥ 15 min (NĐ 85 practice) but < 12 h (14423-r)
    assert (old["L2-ACC-LOCK-01"], new["L2-ACC-LOCK-01"]) == (ReqStatus.met, ReqStatus.partly_met)
    same = [r for r in old if r in new and old[r] != new[r]]
    assert sorted(same) == ["L2-ACC-LOCK-01", "L2-ACC-PWD-01"]


def test_policy_diff_lists_the_changes(registry: Registry) -> None:
    changes = diff_packs(
        load_policy("nd85-level2", registry), load_policy("nd331-level2", registry), "en"
    )
    kinds = {(r, k) for r, k, _ in changes}
    assert ("L2-AST-SWREG-01", "added") in kinds
    assert ("L2-ACC-PWD-01", "params") in kinds
    assert ("L2-ACC-LOCK-01", "threshold") in kinds
    details = {(r, d) for r, _, d in changes}
    assert ("L2-ACC-PWD-01", "pwd.min_length min_length: 8 → 14") in details  # old → new
    lock = next(d for r, k, d in changes if (r, k) == ("L2-ACC-LOCK-01", "threshold"))
    assert lock.startswith("Lock after ≤ 10 failures, for ≥ 15 min (practice) → ")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "policy",
            "diff",
            "nd85-level2",
            "nd331-level2",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = json.loads(run.stdout)
    assert {
        "requirement": "L2-ACC-PWD-01",
        "kind": "params",
        "detail": "pwd.min_length min_length: 8 → 14",
    } in listed
    assert len(listed) == len(changes)


def test_report_has_readiness_section_and_annual_view(tmp_path: Path) -> None:
    report, _, _ = build(tmp_path)
    from auditor.readiness import readiness

    registry = discover()
    old = load_policy("nd85-level2", registry)
    new = load_policy("nd331-level2", registry)
    later = evaluate(new, [], {}, {}, registry, dt.date(2026, 11, 20))
    ready = readiness(old, report.evaluation, new, later)
    assert ready.pack_id == "nd331-level2" and ready.deadline == dt.date(2027, 7, 1)
    assert "L2-AST-SWREG-01" in ready.new_requirements
    from auditor.report.html import render_html

    # after 01/07/2026 the report says its pack serves history and transition only
    vn = dt.timezone(dt.timedelta(hours=7))
    with_ready = report.model_copy(
        update={"readiness": ready, "generated_at": dt.datetime(2026, 12, 6, 9, tzinfo=vn)}
    )
    transition = "Từ ngày 01/07/2026, hệ thống thông tin đánh giá theo"
    assert transition in render_html(with_ready, "vi")
    before = with_ready.model_copy(update={"generated_at": dt.datetime(2026, 6, 30, 9, tzinfo=vn)})
    assert transition not in render_html(before, "vi")  # near miss: the day before
    html = render_annual(report, "vi", PeriodHistory(), year=2026)
    assert "Tình hình bảo đảm an toàn hệ thống thông tin theo cấp độ năm 2026" in html
    assert "từ ngày 15/12/2025 đến ngày 14/12/2026" in html
    rows = {g.group: g for g in group_rows(report)}
    assert rows["management"].counts["met"] >= 1  # the attested security policy
    assert rows["management"].evidence >= 1
    # a run on 20/12 prepares the report of the period that has just ended
    assert reporting_period(reporting_year(dt.date(2026, 12, 20))) == (
        dt.date(2025, 12, 15),
        dt.date(2026, 12, 14),
    )


def test_annual_report_made_before_the_period_ends_says_its_cut_off(tmp_path: Path) -> None:
    """Near miss: made on 10/12 the figures stop before 14/12 and the report says so; made
    on 15/12 the period is complete and no such line appears."""
    report, _, _ = build(tmp_path)
    vn = dt.timezone(dt.timedelta(hours=7))
    early = report.model_copy(update={"generated_at": dt.datetime(2026, 12, 10, 9, tzinfo=vn)})
    html = render_annual(early, "vi", PeriodHistory(), year=2026)
    assert "Số liệu tính đến ngày 10/12/2026; kỳ báo cáo đầy đủ kết thúc ngày 14/12/2026." in html
    done = report.model_copy(update={"generated_at": dt.datetime(2026, 12, 15, 9, tzinfo=vn)})
    assert "Số liệu tính đến ngày" not in render_annual(done, "vi", PeriodHistory(), year=2026)
    last_day = report.model_copy(update={"generated_at": dt.datetime(2026, 12, 14, 23, tzinfo=vn)})
    assert "Số liệu tính đến ngày" not in render_annual(last_day, "vi", PeriodHistory(), year=2026)


def test_annual_cli_writes_html_and_signed_pdf(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    import os

    from cryptography import x509

    from auditor.report.pades import verify_pdf

    _, _, out = build(tmp_path)
    env = {**os.environ, "AUDITOR_HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "annual", str(out), "--pdf"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "trong kỳ báo cáo từ ngày" in (out / "annual-report.html").read_text(encoding="utf-8")
    cert = x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())
    assert verify_pdf(out / "annual-report.pdf", [cert]).ok


def test_readiness_applies_the_communes_tailoring_to_the_successor(
    tmp_path: Path, registry: Registry
) -> None:
    """The "ready for 2027" view judges by the successor pack as the commune will run it —
    with its tailoring file — and says when the tailoring could not be carried over."""
    from auditor.audit import _successor

    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n"
        "  - requirement: L2-ACC-PWD-01\n"
        "    check: pwd.min_length\n"
        "    params: {min_length: 16}\n"
        "    justification: Quyết định 15/QĐ-UBND yêu cầu mật khẩu dài hơn\n"
        "    approved_by: Chủ tịch UBND xã\n",
        encoding="utf-8",
    )
    successor, tailored = _successor("nd331-level2", registry, path)
    ref = next(c for c in successor.requirement("L2-ACC-PWD-01").checks if c.id == "pwd.min_length")
    assert tailored and ref.params == {"min_length": 16}
    # near miss: a tailoring entry for a check the successor does not run there
    path.write_text(
        "overrides:\n"
        "  - requirement: L2-ACC-PWD-02\n"
        "    check: svc.insecure_listeners\n"
        "    params: {ports: {}}\n"
        "    justification: Quyết định 15/QĐ-UBND về cổng dịch vụ\n",
        encoding="utf-8",
    )
    untailored, tailored = _successor("nd331-level2", registry, path)
    assert not tailored and untailored.tailoring == []


def test_a_missing_level_decision_counts_against_its_own_system_only(tmp_path: Path) -> None:
    """Two systems, one without its level decision: the level requirement fails the
    undecided system, not the decided one (the organisation's verdict still fails)."""
    from auditor.report.by_system import system_verdicts

    report, _, _ = build(tmp_path, commune=True)
    level = next(r for r in report.evaluation.requirements if r.requirement == "L2-MGMT-LVL-01")
    assert level.status is ReqStatus.not_met
    # the same assets in both systems: their verdicts can differ only by their decisions
    same = report.model_copy(
        update={"systems": [s.model_copy(update={"assets": ["fs1"]}) for s in report.systems]}
    )
    by_id = {v.system.id: v for v in system_verdicts(same)}
    decided, undecided = by_id["lan"], by_id["motcua"]
    assert undecided.counts["not_met"] == decided.counts["not_met"] + 1
    assert decided.counts["met"] == undecided.counts["met"] + 1


def test_each_group_counts_the_evidence_its_own_verdicts_rest_on(tmp_path: Path) -> None:
    """Not the total of every file for every group: the verdicts of the group's own
    requirements that rest on collected facts or a recorded document."""
    report, _, _ = build(tmp_path, commune=True)
    rows = {g.group: g for g in group_rows(report)}
    groups = {r.id: r.group for r in report.requirements}
    judged = [
        ar
        for ar in report.evaluation.asset_results
        if groups[ar.requirement] == "accounts"
        and any(c.status.value in ("pass", "fail") for c in ar.checks)
    ]
    assert judged and rows["accounts"].evidence == len(judged)
    assert len({g.evidence for g in rows.values()}) > 2  # groups differ
    assert rows["network"].evidence == 0  # nothing judged there, nothing counted


def test_not_assessed_with_every_asset_met_says_what_is_missing(tmp_path: Path) -> None:
    """'Chưa đánh giá — 1/1 tài sản đạt' read as a contradiction: the line says the
    document part is what is not recorded."""
    from auditor.report.html import render_html
    from auditor.results import RequirementResult

    report, _, _ = build(tmp_path)
    zone = RequirementResult(
        requirement="L2-NET-ZONE-01",
        status=ReqStatus.not_assessed,
        assets={"fs1": ReqStatus.met},
        assets_total=1,
        assets_met=1,
        assets_assessed=1,
    )
    others = [r for r in report.evaluation.requirements if r.requirement != "L2-NET-ZONE-01"]
    evaluation = report.evaluation.model_copy(update={"requirements": [*others, zone]})
    html = render_html(report.model_copy(update={"evaluation": evaluation}), "vi")
    assert "1/1 tài sản đạt; nhưng phần văn bản (hoặc quyết định) của yêu cầu chưa được" in html
    assert html.count("chưa được ghi nhận, nên yêu cầu chưa đánh giá được") == 1


def test_the_annual_report_draws_its_trend_and_groups_with_their_numbers(tmp_path: Path) -> None:
    """Pictures people would rather look at than read: the period's trend (a line per
    series, every point's number beside it) and the status by criteria group (stacked bars
    with their counts), as inline SVG without scripts."""
    import re

    from auditor.report.annual import AuditPoint

    report, _, _ = build(tmp_path, commune=True)
    vn = dt.timezone(dt.timedelta(hours=7))
    audits = [
        AuditPoint(dt.datetime(2026, m, 3, 9, tzinfo=vn), met, 1, 29 - met, 2, 0.8, 30 - met)
        for m, met in ((1, 20), (6, 24), (11, 27))
    ]
    html = render_annual(report, "vi", PeriodHistory(audits=audits), year=2026)
    trend = html.split('aria-label="Số yêu cầu đạt và chưa đạt', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'<text class="x"[^>]*>([^<]+)<', trend) == ["03/01", "03/06", "03/11"]
    values = re.findall(r'<text class="v"[^>]*>(\d+)<', trend)
    assert values == ["20", "24", "27", "10", "6", "3"]  # met; not met + partly met
    groups = html.split('aria-label="Kết quả theo nhóm tiêu chí"', 1)[1].split("</svg>", 1)[0]
    rows = {g.group: g for g in group_rows(report)}
    counted = ("met", "partly_met", "not_met", "not_assessed")
    total = sum(rows["accounts"].counts.get(s, 0) for s in counted)
    assert f">{total}</text>" in groups and "<rect" in groups  # the total beside the bar
    assert "<script" not in html
