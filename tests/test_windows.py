"""Windows facts: parser on recorded fixtures (Vietnamese install, servers, third-party AV
with Defender passive, AV disabled, unpatched), defensive decoding, and the checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from auditor.checking import Registry, Status, discover
from auditor.collect.windows import facts_from_bytes, powershell_command, windows_script
from auditor.collect.windows_parse import load_document, parse_windows
from auditor.collect.windows_sections.security import decode_product_state
from auditor.errors import CollectionError
from auditor.facts import AssetFacts, Declared, HostFacts
from auditor.inventory import Asset
from auditor.policy import load_policy
from tests.helpers import FIXTURES

WIN = FIXTURES / "windows"


def load(name: str) -> HostFacts:
    return parse_windows(load_document((WIN / f"{name}.json").read_bytes()))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


@pytest.fixture(scope="module")
def params(registry: Registry) -> dict[str, dict[str, Any]]:
    """Each check's parameters exactly as the shipped policy pack sets them."""
    pack = load_policy("nd85-level2", registry)
    return {c.id: c.params for r in pack.requirements for c in r.checks}


def run(registry: Registry, params: dict[str, dict[str, Any]], check: str, facts: HostFacts):
    """A check on a PC's facts, wrapped as the engine wraps them for checks that also read
    what the inventory declares."""
    if registry[check].needs == "asset":
        wrapped = AssetFacts(asset_id="pc", declared=Declared(kind="windows"), host=facts)
        return registry[check].run(wrapped, params[check])
    return registry[check].run(facts, params[check])


@pytest.mark.parametrize(
    ("state", "enabled", "current"),
    [
        (397568, True, True),  # 0x061100 Defender on, up to date
        (393472, False, True),  # 0x060100 Defender off
        (393488, False, False),  # 0x060110 off, out of date
        (397584, True, False),  # 0x061110 on, out of date
        (266240, True, True),  # 0x041000 third-party on, up to date
        (262144, False, True),  # 0x040000 third-party off
    ],
)
def test_product_state_decoding(state: int, enabled: bool, current: bool) -> None:
    assert decode_product_state(state) == (enabled, current)


def test_hardened_windows_11() -> None:
    h = load("win11-25h2-hardened")
    assert (h.os.build, h.os.edition, h.os.hostname) == (26200, "Professional", "PC-CHUTICH")
    assert h.password_policy and (
        h.password_policy.min_length,
        h.password_policy.min_classes,
        h.password_policy.max_age_days,
    ) == (14, 3, 60)
    assert h.lockout and (h.lockout.threshold, h.lockout.duration_s) == (5, 900)
    assert h.firewall and h.firewall.enabled is True
    assert h.encryption and h.encryption.root_encrypted is True
    assert h.screen_lock and h.screen_lock.timeout_s == 600
    assert h.patching and h.patching.last_update == datetime(2026, 11, 18, 1, 10, 30, tzinfo=UTC)
    assert h.patching.pending_security == 0
    assert h.privileges and h.privileges.sudo_users == ["quantri"]
    assert h.backup and h.backup.same_device_as_root is False
    defender = h.antimalware.products[0] if h.antimalware else None
    assert defender and defender.running and defender.realtime and defender.up_to_date


def test_vietnamese_windows_10_with_powershell51_shapes() -> None:
    h = load("win10-22h2-vi")
    assert h.collected_at == datetime(2026, 11, 19, 3, 20, tzinfo=UTC)  # "/Date(ms)/"
    assert h.patching and h.patching.last_update == datetime(2026, 11, 11, 4, 6, 40, tzinfo=UTC)
    assert h.accounts and "Kế toán" in {a.name for a in h.accounts}
    assert h.hardening and h.hardening.smb1_enabled and h.hardening.autologon
    assert h.hardening.default_password_stored is True
    assert h.lockout and h.lockout.threshold == 0 and h.lockout.duration_s is None
    assert h.firewall and h.firewall.enabled is False and "Public: off" in h.firewall.detail
    assert h.logging and h.logging.retention_days == 12


def test_defender_passive_beside_kaspersky() -> None:
    h = load("win11-23h2-kaspersky-defender-passive")
    assert h.antimalware is not None
    by_name = {p.name: p for p in h.antimalware.products}
    kes = by_name["Kaspersky Endpoint Security for Windows"]
    assert kes.running and kes.realtime and kes.up_to_date
    defender = by_name["Microsoft Defender Antivirus"]
    assert defender.passive and not defender.running and not defender.realtime


# (fixture, check, expected status) — the shipped policy's thresholds decide.
EXPECT = [
    ("win11-25h2-hardened", "av.running", Status.passed),
    ("win11-25h2-hardened", "av.realtime", Status.passed),
    ("win11-25h2-hardened", "av.signature_age", Status.passed),
    ("win11-25h2-hardened", "patch.last_update_age", Status.passed),
    ("win11-25h2-hardened", "pwd.min_length", Status.passed),
    ("win11-25h2-hardened", "lockout.threshold", Status.passed),
    ("win11-25h2-hardened", "lock.screen", Status.passed),
    ("win11-25h2-hardened", "cfg.autorun_disabled", Status.passed),
    ("win11-25h2-hardened", "cfg.no_autologon", Status.passed),
    ("win11-25h2-hardened", "svc.windows_protocols", Status.passed),
    ("win11-25h2-hardened", "acct.builtin_disabled", Status.passed),
    ("win11-25h2-hardened", "acct.password_expires", Status.passed),
    ("win11-25h2-hardened", "log.audit_policy", Status.passed),
    ("win11-25h2-hardened", "log.retention", Status.passed),
    ("win11-25h2-hardened", "sw.windows_supported", Status.passed),
    ("win11-25h2-hardened", "browser.supported", Status.passed),
    ("win11-25h2-hardened", "enc.at_rest", Status.passed),
    ("win11-25h2-hardened", "fw.host_enabled", Status.passed),
    # w32tm's status says synchronised (W32Time merely running would be unknown)
    ("win11-25h2-hardened", "time.sync", Status.passed),
    ("win11-25h2-hardened", "sw.unapproved", Status.passed),
    ("win10-22h2-vi", "sw.windows_supported", Status.failed),
    ("win10-22h2-vi", "pwd.min_length", Status.failed),
    ("win10-22h2-vi", "pwd.complexity", Status.failed),
    ("win10-22h2-vi", "lockout.threshold", Status.failed),
    ("win10-22h2-vi", "lock.screen", Status.failed),
    ("win10-22h2-vi", "cfg.autorun_disabled", Status.failed),
    ("win10-22h2-vi", "cfg.no_autologon", Status.failed),
    ("win10-22h2-vi", "svc.windows_protocols", Status.failed),
    ("win10-22h2-vi", "fw.host_enabled", Status.failed),
    ("win10-22h2-vi", "enc.at_rest", Status.failed),
    ("win10-22h2-vi", "log.audit_policy", Status.failed),
    ("win10-22h2-vi", "log.retention", Status.failed),
    ("win10-22h2-vi", "acct.inactive", Status.failed),
    ("win10-22h2-vi", "acct.password_expires", Status.failed),
    ("win10-22h2-vi", "sw.unapproved", Status.failed),
    ("win10-22h2-vi", "browser.supported", Status.failed),
    ("win10-22h2-vi", "patch.last_update_age", Status.passed),
    ("win10-22h2-vi", "av.running", Status.passed),
    ("server2019", "sw.windows_supported", Status.passed),
    ("server2019", "av.running", Status.passed),
    ("server2019", "acct.builtin_disabled", Status.failed),  # built-in Administrator enabled
    ("server2019", "svc.windows_protocols", Status.passed),  # RDP on, but with NLA
    ("server2019", "enc.at_rest", Status.error),  # BitLocker not installed: unknown
    ("server2019", "log.retention", Status.passed),
    ("server2022-eset-unpatched", "av.running", Status.passed),  # ESET by its service
    ("server2022-eset-unpatched", "av.realtime", Status.error),  # ESET state not reported
    ("server2022-eset-unpatched", "av.central_agent", Status.passed),
    ("server2022-eset-unpatched", "patch.last_update_age", Status.failed),
    ("server2022-eset-unpatched", "patch.pending_security", Status.failed),
    ("win11-23h2-kaspersky-defender-passive", "av.running", Status.passed),
    ("win11-23h2-kaspersky-defender-passive", "av.realtime", Status.passed),
    # Kaspersky: Security Center says only "up to date" — no date, so ≤ 3 days is unproven
    ("win11-23h2-kaspersky-defender-passive", "av.signature_age", Status.error),
    ("win11-23h2-kaspersky-defender-passive", "av.central_agent", Status.passed),
    ("win11-23h2-kaspersky-defender-passive", "sw.windows_supported", Status.failed),
    ("win11-24h2-av-disabled", "av.running", Status.failed),
    ("win11-24h2-av-disabled", "av.realtime", Status.failed),
    ("win11-24h2-av-disabled", "av.signature_age", Status.failed),
    ("win11-24h2-av-disabled", "sw.windows_supported", Status.failed),
]


@pytest.mark.parametrize(
    ("fixture", "check", "expected"), EXPECT, ids=[f"{f}-{c}" for f, c, _ in EXPECT]
)
def test_windows_fixture_checks(
    registry: Registry,
    params: dict[str, dict[str, Any]],
    fixture: str,
    check: str,
    expected: Status,
) -> None:
    outcome = run(registry, params, check, load(fixture))
    assert outcome.status is expected, outcome


def test_utf16_with_bom_as_written_by_powershell_redirect() -> None:
    data = (WIN / "win10-22h2-vi.json").read_text(encoding="utf-8")
    result = facts_from_bytes(data.encode("utf-16"), "import")  # BOM + UTF-16LE
    assert result.failures == [] and result.host is not None
    assert result.host.os.hostname == "MAY-VANTHU"
    result = facts_from_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"), "import")
    assert result.host is not None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "windows.not_json"),
        (b"\x00\xff garbage \x81", "windows.encoding"),
        (
            b'{"schema": "commune-auditor/windows-facts/1", "os": {"Caption": "Micro',
            "windows.not_json",
        ),
        (b"[1, 2, 3]", "windows.wrong_schema"),
        (b'{"schema": "something-else"}', "windows.wrong_schema"),
        (b" " * (17 * 1024 * 1024), "windows.too_large"),
    ],
)
def test_bad_files_are_collection_errors(data: bytes, code: str) -> None:
    result = facts_from_bytes(data, "import")
    assert result.host is None
    assert [f.code for f in result.failures] == [code]


def test_truncated_real_fixture_is_an_error_not_a_pass() -> None:
    data = (WIN / "win11-25h2-hardened.json").read_bytes()
    result = facts_from_bytes(data[: len(data) // 2], "import")
    assert result.host is None and result.failures[0].code == "windows.not_json"


def test_missing_sections_and_nulls_become_unknown(
    registry: Registry, params: dict[str, dict[str, Any]]
) -> None:
    doc = {
        "schema": "commune-auditor/windows-facts/1",
        "collected_at": "2026-11-18T00:00:00Z",
        "os": {"Caption": "Microsoft Windows 10 Pro"},
        "defender": None,
        "registry": None,
        "security_policy": {},
        "firewall": [{"Name": "Public", "Enabled": None}],
    }
    h = parse_windows(doc)
    for check in (
        "av.running",
        "pwd.min_length",
        "lock.screen",
        "fw.host_enabled",
        "sw.windows_supported",
        "log.audit_policy",
        "cfg.no_autologon",
    ):
        assert run(registry, params, check, h).status is Status.error, check


def test_script_is_ascii_read_only_and_balanced() -> None:
    script = windows_script()
    assert script.isascii()  # survives any code page on stdin or a USB stick
    for pattern in (
        "Set-",
        "Remove-ItemProperty",
        "New-ItemProperty",
        "Invoke-WebRequest",
        "Invoke-Expression",
        "Start-Process",
        "Stop-",
        "Disable-",
        "Enable-",
        "Restart-",
        "Install-",
        "Uninstall-",
        "reg add",
        "net user",
        'Reg $winlogon "DefaultPassword"',
    ):
        assert pattern not in script, pattern
    removed = [line.strip() for line in script.splitlines() if "Remove-Item" in line]
    assert removed and all("$tmp" in line for line in removed)  # only its own temp files
    for open_, close in ("{}", "()", "[]"):
        assert script.count(open_) == script.count(close), open_
    assert "secedit /export" in script and "auditpol /backup" in script
    assert "net accounts" not in script  # localized output: never parsed
    assert 'GetValueNames() -contains "DefaultPassword"' in script  # existence, never the value


def test_powershell_bootstrap_fits_cmd_line_and_quotes_paths() -> None:
    from auditor.inventory import BackupSpec

    asset = Asset.model_validate(
        {"id": "pc", "name": "PC", "kind": "windows", "connection": "import"}
    ).model_copy(update={"backup": BackupSpec(path="D:\\Sao lưu's", pattern="*.zip")})
    command = powershell_command(asset)
    assert len(command) < 8191
    import base64

    decoded = base64.b64decode(command.rsplit(" ", 1)[1]).decode("utf-16-le")
    assert "-BackupPath 'D:\\Sao lưu''s'" in decoded


def test_every_fixture_parses_without_failures() -> None:
    for path in sorted(WIN.glob("*.json")):
        result = facts_from_bytes(path.read_bytes(), "import")
        assert result.failures == [], path.name
        assert json.loads(path.read_text(encoding="utf-8"))["schema"].endswith("/1")


def test_collection_error_type() -> None:
    with pytest.raises(CollectionError):
        load_document(b"{}")


def _with_firewall(profiles: list[dict[str, Any]]) -> HostFacts:
    doc = json.loads((WIN / "win11-25h2-hardened.json").read_text(encoding="utf-8"))
    doc["firewall"] = profiles
    return parse_windows(doc)


def test_firewall_needs_all_three_profiles_present_and_on(
    registry: Registry, params: dict[str, dict[str, Any]]
) -> None:
    on = [{"Name": n, "Enabled": 1} for n in ("Domain", "Private", "Public")]
    assert run(registry, params, "fw.host_enabled", _with_firewall(on)).status is Status.passed
    # near miss: the Public profile is not in the output (truncated, or another locale)
    two = _with_firewall(on[:2])
    assert two.firewall is not None and two.firewall.enabled is None
    assert run(registry, params, "fw.host_enabled", two).status is Status.error
    off = [*on[:2], {"Name": "Public", "Enabled": 0}]
    assert run(registry, params, "fw.host_enabled", _with_firewall(off)).status is Status.failed
    one_off = [{"Name": "Domain", "Enabled": 0}]  # a profile seen off is off, whatever is missing
    assert run(registry, params, "fw.host_enabled", _with_firewall(one_off)).status is Status.failed


def _with_bitlocker(volumes: list[dict[str, Any]]) -> HostFacts:
    doc = json.loads((WIN / "win11-25h2-hardened.json").read_text(encoding="utf-8"))
    doc["bitlocker"] = volumes
    return parse_windows(doc)


def test_bitlocker_judges_every_volume(registry: Registry) -> None:
    """The OS volume decides; fixed data volumes by the pack; removable ones are a warning."""
    os_on = {"DriveLetter": "C:", "ProtectionStatus": 1, "VolumeType": 0}
    data_off = {"DriveLetter": "D:", "ProtectionStatus": 0, "VolumeType": 1}
    usb_off = {"DriveLetter": "E:", "ProtectionStatus": 0, "VolumeType": 2}
    check = registry["enc.at_rest"]
    both = _with_bitlocker([os_on, data_off])
    assert check.run(both, {"data_volumes": True}).status is Status.failed  # near miss: D: plain
    assert check.run(both, {"data_volumes": False}).status is Status.passed
    usb = check.run(_with_bitlocker([os_on, usb_off]), {"data_volumes": True})
    assert usb.status is Status.passed and usb.note == "outcome.removable_unencrypted"
    assert usb.params == {"volumes": "E:"}
    os_off = _with_bitlocker(
        [{**os_on, "ProtectionStatus": 0}, {**data_off, "ProtectionStatus": 1}]
    )
    assert check.run(os_off, {"data_volumes": True}).status is Status.failed


def test_process_creation_auditing_is_required_by_the_pack(
    registry: Registry, params: dict[str, dict[str, Any]]
) -> None:
    doc = json.loads((WIN / "win11-25h2-hardened.json").read_text(encoding="utf-8"))
    assert run(registry, params, "log.audit_policy", parse_windows(doc)).status is Status.passed
    doc["audit_policy"] = [r for r in doc["audit_policy"] if "922B" not in r["Subcategory GUID"]]
    outcome = run(registry, params, "log.audit_policy", parse_windows(doc))
    assert outcome.status is Status.failed and "Process Creation" in str(outcome.observed)


def test_per_user_software_and_browsers_are_judged(registry: Registry) -> None:
    """A per-user Cốc Cốc in one profile's %LOCALAPPDATA% and a per-user UltraViewer in a
    loaded user hive count like machine-wide ones (they used to be invisible)."""
    doc = json.loads((WIN / "win11-25h2-hardened.json").read_text(encoding="utf-8"))
    doc["browsers"] = [
        *doc["browsers"],
        {"Name": "Cốc Cốc", "ProductVersion": "118.0.5993.140", "User": "ketoan"},
    ]
    doc["software"] = [
        *doc["software"],
        {"DisplayName": "UltraViewer version 6.6", "DisplayVersion": "6.6", "Scope": "user"},
    ]
    facts = parse_windows(doc)
    browsers = registry["browser.supported"].run(
        facts, {"min_major": {"Google Chrome": 140, "Microsoft Edge": 140, "Cốc Cốc": 140}}
    )
    assert browsers.status is Status.failed
    assert browsers.observed == ["Cốc Cốc 118.0.5993.140 [ketoan] (< 140)"]
    unapproved = registry["sw.unapproved"].run(facts, {"deny": ["ultraviewer*"]})
    assert unapproved.status is Status.failed


W32TM = WIN / "w32tm"


@pytest.mark.parametrize(
    ("capture", "synced", "source"),
    [
        ("en-synced.txt", True, "time.windows.com,0x8"),
        ("en-local-cmos.txt", False, "Local CMOS Clock"),
        ("de-synced.txt", True, "time.windows.com,0x8"),  # German labels, wrapped error line
    ],
)
def test_w32tm_status_is_read_by_position_in_any_language(
    capture: str, synced: bool, source: str
) -> None:
    from auditor.collect.windows_sections.system import w32tm_status

    status = w32tm_status((W32TM / capture).read_text(encoding="utf-8").splitlines())
    assert status is not None and status.synchronized is synced and status.source == source
    if synced:
        assert status.offset_s is not None and status.offset_s < 0.001
        assert status.last_sync_age_s is not None and status.last_sync_age_s < 60


def test_w32tm_near_misses(registry: Registry, params: dict[str, dict[str, Any]]) -> None:
    from auditor.collect.windows_sections.system import w32tm_status

    synced = (W32TM / "en-synced.txt").read_text(encoding="utf-8").splitlines()
    short = w32tm_status(synced[:9])  # plain /query /status, or a cut output
    assert short is not None and short.synchronized is None  # a source, no proof it answers
    cmos = w32tm_status((W32TM / "en-local-cmos-short.txt").read_text("utf-8").splitlines())
    assert cmos is not None and cmos.synchronized is False  # the short form still says CMOS
    old = [*synced[:-1], "Time since Last Good Sync Time: 1209600.1234567s"]  # two weeks
    doc = json.loads((WIN / "win11-25h2-hardened.json").read_text(encoding="utf-8"))
    doc["w32tm"] = old
    outcome = run(registry, params, "time.sync", parse_windows(doc))
    assert outcome.status is Status.failed and outcome.note == "outcome.sync_too_old"
    doc["w32tm"] = (W32TM / "en-local-cmos.txt").read_text(encoding="utf-8").splitlines()
    assert run(registry, params, "time.sync", parse_windows(doc)).status is Status.failed


def test_a_backup_on_another_partition_of_the_system_disk_is_not_separate() -> None:
    """Separate storage is another physical disk or a network share, not another letter."""
    from auditor.collect.windows_sections.system import backup

    os_raw = {"SystemDrive": "C:"}
    base = {"Path": "D:\\SaoLuu", "Exists": True, "Files": 3, "Root": "D:\\"}
    other_disk = backup(base | {"Disk": 1, "SystemDisk": 0}, os_raw)
    same_disk = backup(base | {"Disk": 0, "SystemDisk": 0}, os_raw)
    unknown = backup(base, os_raw)  # an older collection: the letter alone proves nothing
    share = backup(base | {"Path": "\\\\NAS\\b", "Root": "\\\\NAS\\b"}, os_raw)
    system = backup(base | {"Path": "E:\\b", "Root": "E:\\"}, {"SystemDrive": "E:"})
    assert other_disk is not None and other_disk.same_device_as_root is False
    assert same_disk is not None and same_disk.same_device_as_root is True
    assert unknown is not None and unknown.same_device_as_root is None
    assert share is not None and share.same_device_as_root is False
    assert system is not None and system.same_device_as_root is True


def test_the_wazuh_agent_state_is_read_from_the_windows_facts() -> None:
    doc = json.loads((WIN / "win11-25h2-hardened.json").read_text(encoding="utf-8"))
    doc["wazuh"] = {
        "State": ["# State file for wazuh-agent", "status='disconnected'", "msg_count='12'"],
        "Managers": ["soc.sonla.gov.vn"],
    }
    agent = parse_windows(doc).soc_agent
    assert agent is not None and agent.status == "disconnected"
    assert agent.managers == ["soc.sonla.gov.vn"]
    doc["wazuh"] = None
    assert parse_windows(doc).soc_agent is None
