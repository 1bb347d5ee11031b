"""Hostile and mistaken inventories: every problem reported at once, with file, line and
field, in the user's language, never a traceback and never an echoed secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from auditor.errors import InputError, Problem
from auditor.inventory import AssetKind, load_inventory
from tests.helpers import ORG

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "inv.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_inventory(path)
    return caught.value.problems


def test_example_inventory_is_valid_and_local_only() -> None:
    inv = load_inventory(ROOT / "inventory.example.yaml")
    assert [a.connection.value for a in inv.assets] == ["local"]
    assert [a.scan_address for a in inv.assets] == ["127.0.0.1"]


def test_all_kinds_admitted(tmp_path: Path) -> None:
    assets = "".join(
        f"  - {{id: a{i}, name: A, kind: {kind.value}, connection: import, address: 10.0.0.{i}}}\n"
        for i, kind in enumerate(AssetKind, start=1)
    )
    inv = load_inventory(write(tmp_path, ORG + "assets:\n" + assets))
    assert {a.kind for a in inv.assets} == set(AssetKind)


def test_every_error_at_once_with_lines_and_suggestions(tmp_path: Path) -> None:
    text = (
        ORG
        + """assets:
  - id: pc1
    name: PC 1
    kind: linux
    connection: ssh
    adress: 10.0.0.5
    credential: {user: an, key_file: /nonexistent/key}
  - id: pc1
    name: PC 1 again
    kind: laptop
    connection: local
  - id: pc3
    name: PC 3
    kind: linux
    connection: ssh
    address: "999.1.1.1 ; rm -rf /"
    port: seventy
    credential: {user: an, agent: true}
"""
    )
    found = problems(write(tmp_path, text))
    by_code = {(p.code, p.line) for p in found}
    assert ("input.unknown_key_suggest", 12) in by_code
    assert ("inventory.duplicate_id", 14) in by_code
    assert ("input.one_of", 16) in by_code  # kind: laptop
    assert ("inventory.bad_address", 22) in by_code
    assert ("input.need_int", 23) in by_code  # port: seventy
    suggestion = next(p for p in found if p.code == "input.unknown_key_suggest")
    assert suggestion.params["suggestion"] == "address" and suggestion.field == "assets[0].adress"
    assert all(p.file.endswith("inv.yaml") for p in found)


def test_missing_key_file_is_reported(tmp_path: Path) -> None:
    text = ORG + (
        "assets:\n  - id: s1\n    name: S\n    kind: linux\n    connection: ssh\n"
        "    address: 10.0.0.5\n    credential: {user: an, key_file: keys/nope}\n"
    )
    found = problems(write(tmp_path, text))
    assert [(p.code, p.line) for p in found] == [("inventory.file_not_found", 13)]
    assert str(tmp_path / "keys/nope") in found[0].params["path"]


def test_inline_secrets_refused_without_echo(tmp_path: Path) -> None:
    text = ORG + (
        "assets:\n  - id: r1\n    name: Router\n    kind: netdevice\n"
        "    connection: ssh\n    address: 10.0.0.1\n"
        "    credential: {user: admin, password: S3cr3t-Hunter2}\n"
        "    token: abcdef-token-value\n"
    )
    path = write(tmp_path, text)
    found = problems(path)
    secret = [p for p in found if p.code == "inventory.inline_secret"]
    assert {p.field for p in secret} == {"assets[0].credential.password", "assets[0].token"}
    assert {p.line for p in secret} == {13, 14}
    run = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "inventory", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "S3cr3t-Hunter2" not in run.stdout + run.stderr
    assert "abcdef-token-value" not in run.stdout + run.stderr
    assert "password_env" in run.stderr and "Traceback" not in run.stderr


def test_wrong_types_and_missing_fields(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "organisation: [1, 2]\nassets: 7\n"))
    assert {p.field for p in found} == {"organisation", "assets"}
    found = problems(write(tmp_path, "assets: []\n"))
    assert {(p.code, p.field) for p in found} >= {("input.missing_field", "organisation")}


def test_ten_megabyte_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (10 * 1024 * 1024) + b"\n")
    assert [p.code for p in problems(path)] == ["input.too_large"]


@pytest.mark.parametrize("loader", ["libyaml", "pure-python"])
def test_alias_bomb_refused(tmp_path: Path, loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if loader == "pure-python":  # what runs where PyYAML was built without libyaml
        monkeypatch.setattr("auditor.yamlfile._Loader", yaml.SafeLoader)
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    found = problems(write(tmp_path, bomb))
    assert [(p.code, p.line) for p in found] == [("input.yaml_alias", 2)]


def test_non_utf8_bytes_refused_with_line(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.yaml"  # saved by an old Vietnamese Windows editor
    path.write_bytes(ORG.encode() + "assets:\n  - id: x\n    name: Đinh\n".encode("cp1258"))
    found = problems(path)
    assert found[0].code == "input.not_utf8" and found[0].line == 9


def test_duplicate_yaml_key_and_syntax_error(tmp_path: Path) -> None:
    found = problems(write(tmp_path, ORG + "assets: []\nassets: []\n"))
    assert ("input.duplicate_key", 8) in {(p.code, p.line) for p in found}
    found = problems(write(tmp_path, ORG + "assets: [\n  - id: x\n"))
    assert found[0].code == "input.yaml_syntax" and found[0].line is not None


def test_missing_file() -> None:
    assert [p.code for p in problems(Path("/nonexistent/inventory.yaml"))] == ["input.missing_file"]


@pytest.mark.parametrize(
    "lang,needle", [("vi", "có phải ý bạn là 'address'"), ("en", "did you mean 'address'")]
)
def test_cli_prints_file_line_field_in_language(tmp_path: Path, lang: str, needle: str) -> None:
    path = write(
        tmp_path,
        ORG + "assets:\n  - id: a\n    name: A\n    kind: linux\n"
        "    connection: local\n    adress: 127.0.0.1\n",
    )
    run = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "--lang", lang, "inventory", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert f"{path}:12: assets[0].adress:" in run.stderr
    assert needle in run.stderr
    assert "Traceback" not in run.stderr


def test_live_devices_need_a_platform_and_scan_scope_needs_networks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ORG
        + """assets:
  - id: r1
    name: Router
    kind: netdevice
    connection: ssh
    address: 192.168.1.1
    credential: {user: admin, password_env: R_PW}
scan:
  allowed_networks: [192.168.1.0/24, not-a-network]
""",
    )
    found = {(p.code, p.line) for p in problems(path)}
    org = ORG.count("\n")  # the lines above "assets:"
    assert found == {
        ("inventory.netdevice_needs_platform", org + 2),
        ("inventory.bad_network", org + 9),
    }
    fixed = (
        path.read_text()
        .replace(", not-a-network", "")
        .replace("connection: ssh\n", "connection: ssh\n    platform: mikrotik\n")
    )
    path.write_text(fixed, encoding="utf-8")
    inventory = load_inventory(path)
    assert [str(n) for n in inventory.scan.allowed_networks or []] == ["192.168.1.0/24"]


@pytest.mark.parametrize("name", ["Máy\\x00kế toán", "Máy \\e]0;x\\a", "Máy \\u202egnp.exe"])
def test_control_characters_in_names_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        ORG + f'assets:\n  - {{id: pc1, name: "{name}", kind: linux, connection: local}}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_inventory(path)
    problem = caught.value.problems[0]
    assert problem.code == "inventory.control_character"
    assert problem.line == 8 and problem.field == "assets[0].name"


def test_the_provincial_soc_is_named_by_host_or_address(tmp_path: Path) -> None:
    asset = "assets:\n  - {id: a1, name: A, kind: linux, connection: local}\n"
    good = ORG.replace(
        "  province: Sơn La\n",
        "  province: Sơn La\n  soc_managers: [soc.sonla.gov.vn, 10.10.0.5]\n",
    )
    inv = load_inventory(write(tmp_path, good + asset))
    assert inv.organisation.soc_managers == ["soc.sonla.gov.vn", "10.10.0.5"]
    bad = ORG.replace("  province: Sơn La\n", "  province: Sơn La\n  soc_managers: ['soc x; rm']\n")
    found = problems(write(tmp_path, bad + asset, "bad.yaml"))
    assert any("soc_managers" in str(p.field) for p in found)
