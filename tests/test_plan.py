"""The remediation plan in report.json on every recorded fixture: concrete steps for each
platform with the observed and required values, one row per requirement and asset, and what
could not be judged kept apart as "to collect"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from auditor.cards import check_cards
from auditor.checking import Status
from auditor.messages.catalogue import Messages
from auditor.report.html import render_html, word
from auditor.report.model import PlanRow, Report
from tests.golden import golden_report

OLD_GENERIC = ("Khắc phục để đạt", "Xây dựng, trình ký ban hành")


@pytest.fixture(scope="module")
def report() -> Report:
    return golden_report()


def test_no_requirement_and_asset_in_two_rows(report: Report) -> None:
    seen: set[tuple[str | None, str]] = set()
    for row in report.plan:
        for asset in row.assets:
            assert (row.requirement, asset) not in seen, (row.requirement, asset)
            seen.add((row.requirement, asset))


def test_every_failed_check_has_platform_steps_with_its_values(report: Report) -> None:
    platform = {
        "win-win11-24h2-av-disabled": "windows",
        "lnx-rocky9-dnf": "rhel",
        "lnx-ubuntu2204-hardened": "debian",
        "net-mikrotik-weak": "routeros",
        "net-cisco-ios-weak": "cisco-ios",
        "net-pfsense-weak": "pfsense",
    }
    rows = {(r.requirement, a): r for r in report.plan for a in r.assets}
    cards = check_cards()
    checked = 0
    for ar in report.evaluation.asset_results:
        if ar.asset_id not in platform:
            continue
        for result in ar.checks:
            if result.status is not Status.failed:
                continue
            row = rows[(ar.requirement, ar.asset_id)]
            assert row.kind == "fix"
            steps = [a for a in row.actions if a.check == result.check and ar.asset_id in a.assets]
            assert steps, (ar.asset_id, result.check)
            assert {a.platform for a in steps} <= {platform[ar.asset_id], "any"}
            card_texts = [s.text.vi for s in cards[result.check].remediation]
            for action in steps:
                assert not action.text.vi.startswith(OLD_GENERIC)
                assert "{" not in action.text.vi and "{" not in action.text.en
                if any("{observed}" in t for t in card_texts) and result.observed is not None:
                    shown = result.observed if not isinstance(result.observed, list) else None
                    if shown is not None and not isinstance(shown, bool):
                        said = word(Messages("vi"), shown)  # "off" is said "tắt"
                        assert said in action.text.vi, (result.check, action.text.vi)
            checked += 1
    assert checked > 30


def test_what_could_not_be_judged_is_to_collect_never_a_failure(report: Report) -> None:
    for row in report.plan:
        if row.kind == "collect":
            assert "chưa đạt" not in row.gap.vi
    uncollected = {a.id for a in report.assets if a.failures}
    assert {"lnx-unreachable", "lnx-garbage"} <= uncollected
    for asset in uncollected:  # said once, with how to collect it, not once per requirement
        rows = [r for r in report.plan if asset in r.assets and r.kind == "collect"]
        assert [r.requirement for r in rows] == [None], asset
    for ar in report.evaluation.asset_results:  # what it was still seen to fail stays a fix
        if ar.asset_id in uncollected and any(c.status is Status.failed for c in ar.checks):
            row = next(
                r
                for r in report.plan
                if ar.asset_id in r.assets and r.requirement == ar.requirement
            )
            assert row.kind == "fix"
    unknown = {
        (ar.requirement, ar.asset_id)
        for ar in report.evaluation.asset_results
        if ar.asset_id not in uncollected
        and any(c.status is Status.error for c in ar.checks)
        and not any(c.status is Status.failed for c in ar.checks)
    }
    collect = {(r.requirement, a) for r in report.plan if r.kind == "collect" for a in r.assets}
    assert unknown and unknown <= collect


def test_documents_say_who_issues_what_and_name_their_template(report: Report) -> None:
    expired = next(r for r in report.plan if r.requirement == "L2-MGMT-IR-02")
    assert expired.kind == "document"
    action = expired.actions[0]
    assert action.template == "ke-hoach-ung-pho"
    assert "Chủ tịch" in action.text.vi
    unrecorded = next(r for r in report.plan if r.requirement == "L2-MGMT-ORG-01")
    assert unrecorded.kind == "collect"


def test_due_dates_follow_the_pack_and_rows_are_ordered(report: Report) -> None:
    today = report.generated_at.date()
    sla = report.policy.sla_days
    for row in report.plan:
        assert row.responsible == "Nguyễn Văn An"
        if row.requirement is not None:
            assert row.due == today + timedelta(days=sla[row.severity])
    order = {"high": 0, "medium": 1, "low": 2}
    keys = [(order[r.severity], r.due) for r in report.plan]
    assert keys == sorted(keys)


def test_html_shows_the_steps_and_their_commands(report: Report) -> None:
    html = render_html(report, "vi")
    row: PlanRow = next(r for r in report.plan if r.kind == "fix" and r.actions[0].command)
    assert row.actions[0].text.vi.split("(")[0].strip()[:40] in html
    assert "<pre>" in html
    assert "Cần thu thập / bổ sung" in html


def test_html_prints_each_assets_collection_time(report: Report) -> None:
    html = render_html(report, "vi")
    assert html.count("Thời điểm thu thập") == len(report.assets)
    assert "20/11/2026 19:00" in html  # NOW (12:00 UTC) in Vietnam time
