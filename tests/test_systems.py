"""Information systems in the inventory: validation with file and line, the gaps
`inventory validate` explains, and the level requirement judged from the declared
approval decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.inventory import load_inventory
from auditor.results import ReqStatus
from auditor.systems import IMPLICIT_ID, gaps, systems_of
from tests.helpers import ORG, auditor_cli
from tests.reportkit import build

ASSET = """  - id: {id}
    name: Máy {id}
    kind: linux
    connection: local
{extra}"""


def write(tmp_path: Path, systems: str, *assets: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(ORG + systems + "assets:\n" + "".join(assets), encoding="utf-8")
    return path


SYSTEMS = """systems:
  - id: lan
    name: Mạng nội bộ
    level: 2
    decision_no: 12/QĐ-UBND
    decision_date: 2025-03-10
    operator: Văn phòng
"""


def problems(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InputError) as caught:
        load_inventory(path)
    return [(p.line, p.field, p.code) for p in caught.value.problems]


def test_unknown_system_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, SYSTEMS, ASSET.format(id="pc1", extra="    systems: [lan, mot-cua]\n"))
    found = problems(path)
    assert found == [(19, "assets[0].systems[1]", "inventory.unknown_system")]


def test_asset_outside_every_declared_system_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SYSTEMS,
        ASSET.format(id="pc1", extra="    systems: [lan]\n"),
        ASSET.format(id="pc2", extra=""),
    )
    assert [code for _, _, code in problems(path)] == ["inventory.asset_without_system"]


def test_duplicate_system_and_decision_outside_the_folder(tmp_path: Path) -> None:
    doubled = SYSTEMS + "    decision_file: ../qd.pdf\n" + SYSTEMS.removeprefix("systems:\n")
    path = write(tmp_path, doubled, ASSET.format(id="pc1", extra="    systems: [lan]\n"))
    codes = sorted(code for _, _, code in problems(path))
    assert codes == ["inventory.duplicate_system", "inventory.evidence_outside"]


def test_no_systems_is_one_implicit_system_and_said_so(tmp_path: Path) -> None:
    inventory = load_inventory(write(tmp_path, "", ASSET.format(id="pc1", extra="")))
    (system,) = systems_of(inventory)
    assert system.implicit and system.id == IMPLICIT_ID and system.assets == ["pc1"]
    assert [code for code, _ in gaps(inventory)] == [
        "inventory.gap_no_systems",
        "inventory.gap_signatory",
        "inventory.gap_recipients",
    ]


def test_validate_explains_what_is_missing(tmp_path: Path) -> None:
    undecided = SYSTEMS.replace("    decision_no: 12/QĐ-UBND\n", "")
    path = write(tmp_path, undecided, ASSET.format(id="pc1", extra="    systems: [lan]\n"))
    result = auditor_cli("inventory", "validate", str(path), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Hệ thống 'Mạng nội bộ' chưa có số và ngày quyết định" in result.stdout
    assert "Chưa khai báo người ký văn bản" in result.stdout
    as_json = auditor_cli("inventory", "validate", str(path), "--json", home=tmp_path)
    codes = [g["code"] for g in json.loads(as_json.stdout)["gaps"]]
    assert codes == [
        "inventory.gap_decision",
        "inventory.gap_signatory",
        "inventory.gap_recipients",
    ]


@pytest.mark.parametrize(
    ("commune", "place"),
    [("xã Mường La", "Mường La"), ("Phường Tô Hiệu", "Tô Hiệu"), ("Mường Bú", "Mường Bú")],
)
def test_place_name_drops_the_unit_word(tmp_path: Path, commune: str, place: str) -> None:
    text = ORG.replace("commune: xã Thử", f"commune: {commune}")
    path = tmp_path / "inventory.yaml"
    path.write_text(text + "assets:\n" + ASSET.format(id="pc1", extra=""), encoding="utf-8")
    assert load_inventory(path).organisation.place == place


def level_result(report: object) -> object:
    return next(
        r
        for r in report.evaluation.requirements  # type: ignore[attr-defined]
        if r.requirement == "L2-MGMT-LVL-01"
    )


def test_level_requirement_is_not_met_while_one_system_has_no_decision(tmp_path: Path) -> None:
    report, _, _ = build(tmp_path, commune=True)
    result = level_result(report)
    assert result.status is ReqStatus.not_met  # type: ignore[attr-defined]
    assert result.attestation.note == "outcome.systems_undecided"  # type: ignore[attr-defined]
    assert result.attestation.params == {"systems": "Hệ thống một cửa điện tử"}  # type: ignore[attr-defined]
    by_id = {s.id: s for s in report.systems}
    assert by_id["lan"].assets == ["fs1"] and by_id["motcua"].assets == ["fs1", "fs2"]
    assert by_id["lan"].decision_sha256 is not None


def test_level_requirement_met_when_every_system_has_its_scanned_decision(
    tmp_path: Path,
) -> None:
    report, _, out = build(tmp_path, commune=True, decide_all=True)
    result = level_result(report)
    assert result.status is ReqStatus.met  # type: ignore[attr-defined]
    assert result.attestation.decision_no == "12/QĐ-UBND; 7/QĐ-UBND"  # type: ignore[attr-defined]
    assert (out / "evidence" / "systems" / "lan-qd-12.pdf").is_file()


def test_near_miss_decision_number_without_its_scan_is_not_met(tmp_path: Path) -> None:
    report, _, _ = build(tmp_path, commune=True, decide_all=True, scan_all=False)
    result = level_result(report)
    assert result.status is ReqStatus.not_met  # type: ignore[attr-defined]
    assert result.attestation.note == "outcome.systems_no_evidence"  # type: ignore[attr-defined]


def test_an_oversized_decision_scan_is_refused_when_the_inventory_is_read(
    tmp_path: Path,
) -> None:
    """Refused with its line before any collection, not found too large while the report is
    being written (the evidence limit of attestations applies)."""
    with (tmp_path / "qd.pdf").open("wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)  # sparse: one byte over the limit
    scanned = SYSTEMS + "    decision_file: qd.pdf\n"
    path = write(tmp_path, scanned, ASSET.format(id="pc1", extra="    systems: [lan]\n"))
    assert problems(path) == [(14, "systems[0].decision_file", "inventory.evidence_too_large")]
    with (tmp_path / "qd.pdf").open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # near miss: exactly the limit is accepted
    assert load_inventory(path).systems[0].decision_file == tmp_path / "qd.pdf"


def test_a_system_missing_a_kind_it_declares_is_not_assessed_for_it(tmp_path: Path) -> None:
    """A web portal declared as made of a website, with only its server listed: the
    website requirements are "chưa đánh giá" for that system (not left out of its verdict)
    and validation names the gap; the near miss, the same system declaring only linux,
    keeps them out as before; the other system is untouched."""
    from auditor.report.by_system import system_verdicts

    report, _, _ = build(tmp_path, commune=True)
    web_only = {r.id for r in report.requirements if r.applies_to == ["website"]}
    assert web_only  # the pack has requirements only a website answers

    def verdicts(kinds: list[str]) -> dict[str, object]:
        first, *rest = report.systems
        declared = [first.model_copy(update={"asset_kinds": kinds}), *rest]
        return {
            v.system.id: v for v in system_verdicts(report.model_copy(update={"systems": declared}))
        }

    plain = verdicts(["linux"])
    portal = verdicts(["linux", "website"])
    first_id, second_id = report.systems[0].id, report.systems[1].id
    assert portal[first_id].missing_kinds == ["website"]  # type: ignore[attr-defined]
    assert plain[first_id].missing_kinds == []  # type: ignore[attr-defined]
    before = plain[first_id].counts["not_assessed"]  # type: ignore[attr-defined]
    after = portal[first_id].counts["not_assessed"]  # type: ignore[attr-defined]
    assert after >= before + len(web_only)
    assert portal[second_id].counts == plain[second_id].counts  # type: ignore[attr-defined]

    declared = SYSTEMS + "    asset_kinds: [linux, website]\n"
    path = write(tmp_path, declared, ASSET.format(id="srv", extra="    systems: [lan]\n"))
    assert ("inventory.gap_kind", {"name": "Mạng nội bộ", "kind": "website"}) in gaps(
        load_inventory(path)
    )
    shown = auditor_cli("inventory", "validate", str(path), home=tmp_path)
    assert "khai báo asset_kinds có 'website' nhưng chưa có tài sản loại này" in shown.stdout
