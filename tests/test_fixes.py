"""Fix snippets prove themselves: a RouterOS or IOS snippet applied to the failing fixture's
configuration turns its checks to pass and nothing else to fail; every shell snippet passes
`bash -n` and shellcheck; every PowerShell file (and the Windows fact script) parses under
the tree-sitter PowerShell grammar with no error node and no PowerShell 7 syntax."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from auditor.checking import Registry, Status, discover
from auditor.collect.netdev import collect_config_file
from auditor.facts import NetDeviceFacts
from auditor.fixes import asset_snippets, quote
from auditor.report.plan import platform_of
from tests.golden import golden_input
from tests.helpers import FIXTURES

ROOT = Path(__file__).parent.parent
# What an officer types in place of the snippet's <PLACEHOLDERS> (the fixture's own names).
OFFICER_VALUES = {
    "<WAN_INTERFACE>": "FastEthernet0/0",
    "<ADMIN_IP>": "192.168.88.10",
    "<ADMIN_NET>": "192.168.88.0",
    "<ADMIN_USER>": "admin",
    "<NEW_PASSWORD>": "Xa-Thu-Quan-Tri-2026!",
    "<NEW_ENABLE_SECRET>": "Xa-Thu-Enable-2026!",
}
# Facts that no configuration line changes: the firmware (show version), whether the
# running configuration was saved (startup-config) and a login with the vendor's pair.
NOT_CONFIGURATION = {"net.firmware_supported", "net.config_saved", "net.default_login"}
# A configuration shows the server is set, never that the device follows it: once fixed,
# the file is "not provable" until the device's own status is collected.
PROVEN_LIVE = {"net.ntp"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


@pytest.fixture(scope="module")
def snippets(registry: Registry) -> dict[str, str]:
    data = golden_input()
    platforms = {
        a.id: platform_of(data.facts.get(a.id), a.kind.value) for a in data.inventory.assets
    }
    names = {a.id: a.name for a in data.inventory.assets}
    return asset_snippets(data.evaluation, data.pack.requirements, registry, platforms, names)


def test_one_snippet_per_fixable_asset_with_a_warning_and_a_backup(
    snippets: dict[str, str],
) -> None:
    for name in (
        "net-mikrotik-weak.rsc",
        "net-cisco-ios-weak.ios.txt",
        "net-pfsense-weak.txt",
        "win-win11-24h2-av-disabled.ps1",
        "lnx-rocky9-dnf.sh",
    ):
        assert name in snippets, sorted(snippets)
    for text in snippets.values():
        assert "CẢNH BÁO" in "\n".join(text.splitlines()[:2])  # first, before any command
        assert "sao lưu" in text
    assert "/export file=auditor-backup" in snippets["net-mikrotik-weak.rsc"]
    assert "secedit /export" in snippets["win-win11-24h2-av-disabled.ps1"]


def _device_statuses(
    registry: Registry, device: NetDeviceFacts, pack_checks: list[tuple[str, dict[str, Any]]]
) -> dict[str, Status]:
    return {cid: registry[cid].run(device, params).status for cid, params in pack_checks}


def _applied(original: str, snippet: str, platform: str) -> str:
    """The configuration the device would export once the officer ran the snippet."""
    for placeholder, value in OFFICER_VALUES.items():
        snippet = snippet.replace(placeholder, value)
    if platform == "cisco-ios":
        lines = [ln for ln in snippet.splitlines() if ln not in ("configure terminal", "end")]
        body = original.rstrip().removesuffix("end")
        return body + "\n".join(lines) + "\nend\n"
    return original + "\n" + snippet


@pytest.mark.parametrize(
    ("asset", "fixture", "platform"),
    [
        ("net-mikrotik-weak", "mikrotik-weak.rsc", "routeros"),
        ("net-cisco-ios-weak", "cisco-ios-weak.txt", "cisco-ios"),
    ],
)
def test_device_snippet_fixes_its_checks_and_breaks_nothing(
    registry: Registry,
    snippets: dict[str, str],
    tmp_path: Path,
    asset: str,
    fixture: str,
    platform: str,
) -> None:
    data = golden_input()
    pack_checks = [
        (ref.id, ref.params)
        for req in data.pack.requirements
        for ref in req.checks
        if registry[ref.id].needs == "netdev"
    ]
    original = (FIXTURES / "netdev" / fixture).read_text(encoding="utf-8")
    before_facts = collect_config_file(FIXTURES / "netdev" / fixture).netdev
    assert before_facts is not None
    snippet = snippets[f"{asset}.{'rsc' if platform == 'routeros' else 'ios.txt'}"]
    fixed = tmp_path / fixture
    fixed.write_text(_applied(original, snippet, platform), encoding="utf-8")
    result = collect_config_file(fixed)
    assert not result.failures, result.failures
    assert result.netdev is not None
    before = _device_statuses(registry, before_facts, pack_checks)
    after = _device_statuses(registry, result.netdev, pack_checks)
    in_snippet = set(re.findall(r"^[#!] (net\.[a-z_]+): ", snippet, re.M))
    targeted = {c for c in in_snippet if before[c] is Status.failed} - NOT_CONFIGURATION
    assert targeted, snippet
    settled = {c: Status.error if c in PROVEN_LIVE else Status.passed for c in targeted}
    still = sorted(c for c in targeted if after[c] is not settled[c])
    assert not still, {c: (after[c], result.netdev) for c in still}
    broken = sorted(c for c, s in before.items() if s is Status.passed and after[c] is not s)
    assert not broken, broken


def test_shell_snippets_pass_bash_and_shellcheck(snippets: dict[str, str], tmp_path: Path) -> None:
    assert shutil.which("shellcheck"), "shellcheck (Debian package) is installed by .ci/run"
    shells = {n: t for n, t in snippets.items() if n.endswith(".sh")}
    assert len(shells) >= 2
    for name, text in shells.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert syntax.returncode == 0, (name, syntax.stderr)
        lint = subprocess.run(
            ["shellcheck", "--severity=warning", str(path)], capture_output=True, text=True
        )
        assert lint.returncode == 0, (name, lint.stdout)


def _powershell_problems(source: bytes) -> list[str]:
    parser = Parser(Language(tree_sitter_powershell.language()))
    problems: list[str] = []

    def walk(node: Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            problems.append(f"{node.start_point}: {source[node.start_byte : node.end_byte][:60]!r}")
        if node.type in ("pipeline_chain_tail", "&&", "||"):  # PowerShell 7 only
            problems.append(f"{node.start_point}: PowerShell 7 pipeline chain")
        for child in node.children:
            walk(child)

    walk(parser.parse(source).root_node)
    return problems


def test_powershell_snippets_and_the_fact_script_parse_as_powershell_5(
    snippets: dict[str, str],
) -> None:
    scripts = {n: t.encode("utf-8") for n, t in snippets.items() if n.endswith(".ps1")}
    scripts["windows_facts.ps1"] = (ROOT / "auditor" / "collect" / "windows_facts.ps1").read_bytes()
    assert len(scripts) >= 3
    for name, source in scripts.items():
        assert _powershell_problems(source) == [], name


def test_the_grammar_check_catches_broken_and_powershell_7_code() -> None:
    assert _powershell_problems(b"if ($a { Write-Host 'x' ")
    assert _powershell_problems(b"Get-Item a && Get-Item b")


def test_hostile_observed_values_are_quoted_or_left_out() -> None:
    assert quote("windows", "ke'toan") == "'ke''toan'"
    assert quote("debian", "a; rm -rf /") == "'a; rm -rf /'"
    assert quote("routeros", 'x" disabled=no $y') == '"x\\" disabled=no \\$y"'
    assert quote("cisco-ios", "admin privilege 15") is None
    assert quote("windows", "line\nbreak") is None
