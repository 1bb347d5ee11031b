"""The policy pack against the reference catalogue, the registry and the message catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.checking import Registry, discover
from auditor.errors import InputError
from auditor.messages.catalogue import catalogue
from auditor.policy import builtin_packs, load_policy
from tests.helpers import FIXTURES

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference/level2-requirements.md"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


def reference_ids() -> set[str]:
    """Ids of the reference table §6; the live file when present, else the recorded copy."""
    recorded = set((FIXTURES / "reference-ids.txt").read_text().split())
    if REFERENCE.exists():
        live = set(re.findall(r"^\| (L2-[A-Z0-9-]+)", REFERENCE.read_text(), re.M))
        assert live == recorded, "reference table changed: update tests/fixtures/reference-ids.txt"
    return recorded


def test_pack_has_every_reference_requirement(registry: Registry) -> None:
    pack = load_policy("nd85-level2", registry)
    ids = reference_ids()
    assert len(ids) >= 60
    assert ids <= set(pack.ids()), sorted(ids - set(pack.ids()))


def test_every_requirement_is_assessable_and_referenced(registry: Registry) -> None:
    pack = load_policy("nd85-level2", registry)
    for req in pack.requirements:
        assert req.checks or req.attestation or req.not_applicable, req.id
        assert req.refs.legacy and req.refs.current, req.id
        assert req.title.vi != req.title.en, req.id


def test_every_check_is_used_and_translated(registry: Registry) -> None:
    used = {
        c.id
        for pack in builtin_packs()
        for r in load_policy(pack, registry).requirements
        for c in r.checks
    }
    assert set(registry.ids()) == used
    for lang in ("vi", "en"):
        strings = catalogue(lang)
        for check_id in registry.ids():
            assert strings.get(f"check.{check_id}.title"), (lang, check_id)  # from its card


def test_requirement_groups_are_translated(registry: Registry) -> None:
    pack = load_policy("nd85-level2", registry)
    for req in pack.requirements:
        assert f"group.{req.group}" in catalogue("vi")


def test_overrides_change_threshold_with_justification(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n"
        "  - requirement: L2-ACC-PWD-01\n"
        "    check: pwd.min_length\n"
        "    params: {min_length: 12}\n"
        "    justification: Quyết định 15/QĐ-UBND yêu cầu mật khẩu dài hơn\n"
        "    approved_by: Chủ tịch UBND xã\n",
        encoding="utf-8",
    )
    pack = load_policy("nd85-level2", registry, path)
    ref = next(c for c in pack.requirement("L2-ACC-PWD-01").checks if c.id == "pwd.min_length")
    assert ref.params == {"min_length": 12}
    assert pack.tailoring[0].approved_by == "Chủ tịch UBND xã"
    assert pack.digest() != load_policy("nd85-level2", registry).digest()


def test_overrides_errors_name_line_and_field(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n"
        "  - requirement: L2-NOPE-01\n"
        "    justification: because we said so\n"
        "  - requirement: L2-ACC-PWD-01\n"
        "    check: pwd.min_length\n"
        "    params: {min_length: many}\n"
        "    justification: a long enough reason\n"
        "  - requirement: L2-ACC-PWD-02\n"
        "    check: pwd.max_age\n"
        "    params: {max_days: 120}\n"
        "    justification: short\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_policy("nd85-level2", registry, path)
    codes = {(p.code, p.line) for p in caught.value.problems}
    assert ("input.text_too_short", 11) in codes  # justification too short
    with pytest.raises(InputError):
        path.write_text(
            path.read_text().replace("justification: short", "justification: long enough now")
        )
        load_policy("nd85-level2", registry, path)


def test_pack_with_unknown_check_is_refused(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\nversion: '1'\ntitle: {vi: Thử, en: Test}\nlegal_basis: []\n"
        "sla_days: {high: 7}\nrequirements:\n"
        "  - id: L2-ACC-PWD-01\n    group: accounts\n    title: {vi: A, en: B}\n"
        "    refs: {legacy: x, current: y}\n    severity: high\n    applies_to: [linux]\n"
        "    checks:\n      - id: pwd.does_not_exist\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_policy(str(path), registry)
    assert [(p.code, p.line) for p in caught.value.problems] == [("policy.unknown_check", 14)]


def test_extends_overrides_parent_parameters(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(
        "id: child\nversion: '1'\nextends: nd85-level2\n"
        "requirements:\n  - id: L2-ACC-PWD-01\n    checks:\n"
        "      - id: pwd.min_length\n        params: {min_length: 14}\n"
        "      - id: pwd.complexity\n        params: {min_classes: 4}\n",
        encoding="utf-8",
    )
    pack = load_policy(str(path), registry)
    assert pack.id == "child" and len(pack.requirements) == 66
    params = {c.id: c.params for c in pack.requirement("L2-ACC-PWD-01").checks}
    assert params == {"pwd.min_length": {"min_length": 14}, "pwd.complexity": {"min_classes": 4}}
    assert pack.requirement("L2-ACC-PWD-01").title.vi.startswith("Độ dài")


def test_unknown_pack_name() -> None:
    with pytest.raises(InputError) as caught:
        load_policy("nd99", discover())
    assert caught.value.problems[0].code == "policy.unknown_pack"


def test_overrides_errors_are_translated_with_line_and_suggestion(tmp_path: Path) -> None:
    """pydantic's English ("Input should be a valid boolean") never reaches the officer."""
    from tests.helpers import auditor_cli

    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n"
        "  - requirement: L2-ACC-PWD-01\n"
        "    justificaton: Theo kế hoạch của tỉnh năm 2026\n"
        "  - requirement: L2-ACC-PWD-02\n"
        "    not_applicable: maybe\n"
        "    justification: ngắn\n",
        encoding="utf-8",
    )
    result = auditor_cli(
        "policy", "validate", "nd85-level2", "--overrides", str(path), home=tmp_path
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    suggestion = (
        ":3: overrides[0].justificaton: Khóa không hợp lệ — có phải ý bạn là 'justification'?"
    )
    assert any(x.endswith(suggestion) for x in lines)
    assert any(":5: overrides[1].not_applicable: Cần giá trị true hoặc false." in x for x in lines)
    assert any(":6: overrides[1].justification: Cần ít nhất 10 ký tự." in x for x in lines)
    assert "Input should" not in result.stderr and "String should" not in result.stderr


def test_inventory_choice_errors_name_the_allowed_values(tmp_path: Path) -> None:
    from tests.helpers import ORG, auditor_cli

    path = tmp_path / "inventory.yaml"
    path.write_text(
        ORG + "assets:\n  - {id: pc1, name: PC, kind: linux, connection: local,"
        " criticality: critical}\n",
        encoding="utf-8",
    )
    result = auditor_cli("inventory", "validate", str(path), home=tmp_path)
    assert result.returncode == 2
    assert "Chỉ nhận một trong các giá trị: 'low', 'medium', 'high'." in result.stderr
    english = auditor_cli("--lang", "en", "inventory", "validate", str(path), home=tmp_path)
    assert "Only one of: 'low', 'medium', 'high'." in english.stderr


def test_policy_diff_shows_only_what_changed(registry: Registry) -> None:
    from auditor.policy import diff_packs

    rows = diff_packs(
        load_policy("nd85-level2", registry), load_policy("nd331-level2", registry), "en"
    )
    for _req, _kind, text in rows:
        for part in text.split("; "):
            if " → " in part:
                old, new = part.split(" → ", 1)
                assert old.split(": ")[-1] != new, part  # never "12 → 12"
    # the reporting deadlines are the law's by the incident's date, not a pack's setting
    assert not [t for r, k, t in rows if r == "L2-MGMT-IR-03" and k == "attestation"]


def test_no_placeholder_reference_in_any_pack(registry: Registry) -> None:
    """A reference names a clause or says it could not be confirmed; never "4.x"."""
    for name in builtin_packs():
        for req in load_policy(name, registry).requirements:
            for ref in (req.refs.legacy, req.refs.current):
                assert not re.search(r"\b\d+\.x\b", ref or ""), (name, req.id, ref)


def test_a_mistyped_check_parameter_gets_the_nearest_real_one(tmp_path: Path) -> None:
    """Near miss: `min_lenght` for pwd.min_length's `min_length`, and a value of the wrong
    kind, named in Vietnamese with line and field (never pydantic's English)."""
    from tests.helpers import auditor_cli

    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n"
        "  - requirement: L2-ACC-PWD-01\n"
        "    check: pwd.min_length\n"
        "    params: {min_lenght: 12}\n"
        "    justification: Theo kế hoạch của tỉnh năm 2026\n"
        "  - requirement: L2-ACC-PWD-01\n"
        "    check: pwd.min_length\n"
        "    params: {min_length: nhiều}\n"
        "    justification: Theo kế hoạch của tỉnh năm 2026\n",
        encoding="utf-8",
    )
    result = auditor_cli(
        "policy", "validate", "nd85-level2", "--overrides", str(path), home=tmp_path
    )
    assert result.returncode == 2
    assert (
        ":2: overrides[0].params.min_lenght: Khóa không hợp lệ — có phải ý bạn là 'min_length'?"
        in result.stderr
    ), result.stderr
    assert ":6: overrides[1].params.min_length: " in result.stderr
    assert "Input should" not in result.stderr and "Extra inputs" not in result.stderr


def test_the_age_limit_of_facts_is_the_packs_and_tailored_only_with_a_reason(
    tmp_path: Path,
) -> None:
    """A saved configuration older than the pack's limit (31 days) is not judged; a
    tailoring entry with its reason raises the limit and the report prints that reason; the
    old inventory setting is refused with where it went; a setting change without a reason,
    or mixed with a requirement, is refused by line and field."""
    import json

    from tests.helpers import ORG, archive_review, auditor_cli

    packs = {p: load_policy(p, discover()) for p in ("nd85-level2", "nd331-level2")}
    assert {p.max_fact_age_days for p in packs.values()} == {31}  # the 2026 pack inherits it

    def inventory(extra: str) -> Path:
        path = tmp_path / "inventory.yaml"
        path.write_text(
            ORG
            + extra
            + "assets:\n  - {id: router, name: Router, kind: netdevice, connection: import,"
            f" config_file: {FIXTURES / 'netdev' / 'mikrotik-weak.rsc'}, scan: false}}\n",
            encoding="utf-8",
        )
        return path

    def audited(path: Path, out: str) -> dict[str, object]:
        run = auditor_cli(
            "--lang", "en", "audit", "-i", str(path), "-o", str(tmp_path / out),
            "--no-history",
            home=tmp_path,
        )  # fmt: skip
        assert run.returncode in (0, 1, 3), run.stderr  # 3: a collection failed
        report: dict[str, object] = json.loads((tmp_path / out / "report.json").read_text())
        return report

    def failures(report: dict[str, object]) -> list[str]:
        (asset,) = report["assets"]  # type: ignore[misc]
        return [f["code"] for f in asset["failures"]]  # type: ignore[index]

    stale = audited(inventory(""), "stale")  # exported in 2025: far past 31 days
    assert failures(stale) == ["collect.stale_config"] and stale["tailoring"] == []
    reviewed = audited(inventory(archive_review(tmp_path, 3650)), "reviewed")
    assert failures(reviewed) == []
    (change,) = reviewed["tailoring"]  # type: ignore[misc]
    assert change["setting"] == "max_fact_age_days" and change["value"] == 3650
    html = (tmp_path / "reviewed" / "report.html").read_text()
    assert "Tuổi tối đa của dữ liệu" not in html  # English report: the English words
    assert "Maximum age of collected facts (days)" in html and change["justification"] in html

    moved = auditor_cli(
        "inventory", "validate", str(inventory("settings: {import_max_age_days: 400}\n")),
        home=tmp_path,
    )  # fmt: skip
    assert moved.returncode == 2
    assert "settings: Tuổi tối đa của dữ liệu không còn đặt trong tệp kiểm kê" in moved.stderr
    assert "setting: max_fact_age_days" in moved.stderr

    bad = tmp_path / "bad-overrides.yaml"
    bad.write_text(
        "overrides:\n"
        "  - setting: max_fact_age_days\n    value: 400\n"
        "  - setting: max_fact_age_days\n    value: 400\n    requirement: L2-ACC-PWD-01\n"
        "    justification: Xem xét cấu hình lưu trữ năm ngoái\n",
        encoding="utf-8",
    )
    refused = auditor_cli(
        "policy", "validate", "nd85-level2", "--overrides", str(bad), home=tmp_path
    )
    assert refused.returncode == 2
    assert ":2: overrides[0].justification:" in refused.stderr
    assert ":4: overrides[1]: Mục điều chỉnh tham số chung cần 'setting' và 'value'" in (
        refused.stderr
    )
