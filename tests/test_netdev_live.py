"""Live network-device sessions against the SSH device simulator on 127.0.0.1: prompts,
`enable`, `--More--` paging, exec channels, hangs, garbage, wrong keys and passwords, the
opt-in default-login probe, and one signed audit with a device of every driver both live
and from a saved file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from auditor.collect import netdev
from auditor.collect.netdev import collect_config_file, collect_live
from auditor.collect.netdev.redact import redact
from auditor.inventory import Asset
from tests.helpers import FIXTURES
from tests.netdev_sim import Device, Simulator, fixture_device

NETDEV = FIXTURES / "netdev"
LIVE = NETDEV / "live"
SECRETS = [
    "Xa-Wifi-Secret-2026", "Qx7-ReadOnly-2026", "0822455D0A16", "xa-monitor-ro",
    "$9$kJq0nJ3ZlQ0bWq", "$9$nD3rGv5n3kVbVq", "password 0 cisco", "enable password cisco",
    "Xa-Ipsec-Psk-2026-Province", "xa-monitor-pf", "$2y$10$", "pw-device-1", "en-secret-1",
]  # fmt: skip


def cisco(name: str, **extra: Any) -> Device:
    return fixture_device("cisco-ios", name, "quantri", "pw-device-1", **extra)


def mikrotik(name: str, **extra: Any) -> Device:
    return fixture_device("mikrotik", name, "quantri", "pw-device-1", **extra)


def fortigate(name: str, **extra: Any) -> Device:
    return fixture_device("fortios", name, "quantri", "pw-device-1", **extra)


def pfsense(name: str, **extra: Any) -> Device:
    return fixture_device("pfsense", name, "quantri", "pw-device-1", **extra)


@pytest.fixture(autouse=True)
def _device_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_PW", "pw-device-1")
    monkeypatch.setenv("DEV_ENABLE", "en-secret-1")


def asset(sim: Simulator, platform: str, **extra: object) -> Asset:
    credential = {"user": "quantri", "password_env": "DEV_PW"}
    if platform == "cisco-ios" and sim.device.enable_secret:
        credential["enable_password_env"] = "DEV_ENABLE"
    return Asset.model_validate(
        {
            "id": f"dev-{platform}",
            "name": "Thiết bị",
            "kind": "netdevice",
            "connection": "ssh",
            "address": "127.0.0.1",
            "port": sim.port,
            "platform": platform,
            "credential": credential,
            **extra,
        }
    )


@pytest.fixture()
def known(tmp_path: Path) -> Path:
    return tmp_path / "known_hosts"


def live(device: Device, known: Path, timeout: int = 20, **extra: object) -> netdev.HostResult:
    with Simulator(device) as sim:
        known.write_text(sim.known_hosts_line)
        return collect_live(asset(sim, device.platform, **extra), known, timeout)


@pytest.mark.parametrize(
    ("device", "config"),
    [
        (
            cisco("hardened", enable_secret="en-secret-1", force_paging=True),
            "cisco-ios-hardened.txt",
        ),
        (cisco("weak"), "cisco-ios-weak.txt"),
        (mikrotik("hardened"), "mikrotik-hardened.rsc"),
        (mikrotik("weak"), "mikrotik-weak.rsc"),
        (pfsense("hardened"), "pfsense-hardened.xml"),
        (pfsense("weak"), "pfsense-weak.xml"),
    ],
    ids=[
        "cisco-hardened-paged-enable",
        "cisco-weak",
        "mikrotik-hardened",
        "mikrotik-weak",
        "pfsense-hardened",
        "pfsense-weak",
    ],
)
def test_live_session_reads_exactly_the_saved_configuration(
    device: Device, config: str, known: Path
) -> None:
    got = live(device, known)
    assert got.failures == [] and got.netdev is not None
    first = next(iter(got.evidence.values())).decode()
    assert first.strip() == redact((NETDEV / config).read_text()).strip()  # paging left no trace
    from_file = collect_config_file(NETDEV / config).netdev
    assert from_file is not None
    same = {"mgmt_services", "mgmt_restricted", "port_forwards", "zones", "wan_mgmt_exposed"}
    assert got.netdev.model_dump(include=same) == from_file.model_dump(include=same)


def test_show_version_and_startup_config_add_model_firmware_and_saved_state(known: Path) -> None:
    good = live(cisco("hardened", enable_secret="en-secret-1"), known).netdev
    bad = live(cisco("weak"), known).netdev
    assert good is not None and bad is not None
    assert (good.model, good.firmware, good.config_saved) == ("ISR4321/K9", "16.9.4", True)
    assert (bad.model, bad.firmware, bad.config_saved) == ("2811", "12.4(24)T8", False)
    mik = live(mikrotik("hardened"), known).netdev
    assert mik is not None and (mik.model, mik.firmware) == ("hEX", "7.16.1")
    from auditor.checking import Status, discover
    from auditor.policy import load_policy

    registry = discover()
    pack = load_policy("nd85-level2", registry)
    ref = next(c for r in pack.requirements for c in r.checks if c.id == "net.firmware_supported")
    verdict = {
        n.model: registry["net.firmware_supported"].run(n, ref.params).status for n in (good, bad)
    }
    assert verdict == {"ISR4321/K9": Status.passed, "2811": Status.failed}  # 2811: EoS 2016


def test_device_hanging_mid_output_is_an_error_within_the_timeout(known: Path) -> None:
    for device in (
        cisco("weak", hang_on="show running-config"),
        pfsense("weak", hang_on="cat /conf/config.xml"),
    ):
        started = time.monotonic()
        got = live(device, known, timeout=3)
        assert time.monotonic() - started < 15
        assert got.netdev is None
        assert [f.code for f in got.failures] in (["netdev.timeout"], ["ssh.timeout"])


def test_garbage_truncated_and_huge_outputs_fail_clearly(
    known: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = cisco("weak")
    garbage.outputs["show running-config"] = "\x00\x01 not a configuration \x7f\n" * 50
    assert [f.code for f in live(garbage, known).failures] == ["collect.garbage"]
    cut = cisco("weak")
    cut.outputs["show running-config"] = cut.outputs["show running-config"][:400]
    assert [f.code for f in live(cut, known).failures] == ["collect.truncated"]
    bad_xml = pfsense("weak")
    bad_xml.outputs["cat /conf/config.xml"] = "<?xml version='1.0'?><pfsense><system><hostname>x"
    assert [f.code for f in live(bad_xml, known).failures] == ["collect.garbage"]
    huge = cisco("weak")
    huge.outputs["show running-config"] = "!\n" * 3000 + huge.outputs["show running-config"]
    monkeypatch.setattr("auditor.collect.netdev.live.MAX_CONFIG", 4000)
    assert [f.code for f in live(huge, known).failures] == ["collect.too_much_output"]


def test_huge_saved_configuration_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "router.txt"
    with big.open("wb") as handle:
        handle.truncate(netdev.MAX_CONFIG + 1)
    assert [f.code for f in collect_config_file(big).failures] == ["collect.too_much_output"]


def test_wrong_password_and_unknown_host_key_are_refused(
    known: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEV_PW")
    assert [f.code for f in live(cisco("weak"), known).failures] == ["ssh.secret_env_missing"]
    monkeypatch.setenv("DEV_PW", "wrong")
    assert [f.code for f in live(cisco("weak"), known).failures] == ["ssh.auth_failed"]
    monkeypatch.setenv("DEV_PW", "pw-device-1")
    with Simulator(cisco("weak")) as sim:
        known.write_text("")  # never trusted
        got = collect_live(asset(sim, "cisco-ios"), known, 10)
    assert [f.code for f in got.failures] == ["ssh.host_key_unknown"]


def test_default_login_probe_is_opt_in_and_tries_one_pair_once(known: Path) -> None:
    device = cisco("weak")
    got = live(device, known)
    assert got.netdev is not None and got.netdev.default_login_works is None
    assert ("cisco", "cisco") not in device.logins  # never tried without the opt-in
    factory = cisco("weak")
    factory.user, factory.password = "cisco", "cisco"
    factory.logins.clear()
    with Simulator(factory) as sim:
        known.write_text(sim.known_hosts_line)
        probe = asset(sim, "cisco-ios", probe_default_login=True)
        probe = probe.model_copy(
            update={"credential": probe.credential.model_copy(update={"user": "cisco"})}
        )
        import os

        os.environ["DEV_PW"] = "cisco"
        got = collect_live(probe, known, 20)
    assert got.netdev is not None and got.netdev.default_login_works is True
    assert factory.logins.count(("cisco", "cisco")) == 2  # the audit login + exactly one probe


def test_one_device_per_driver_live_and_from_file_in_a_signed_report(tmp_path: Path) -> None:
    from auditor.audit import run_audit
    from auditor.results import ReqStatus
    from tests.helpers import ORG, openssl_verify

    devices = {
        "cisco-live": cisco("hardened", enable_secret="en-secret-1", force_paging=True),
        "mikrotik-live": mikrotik("weak"),
        "pfsense-live": pfsense("hardened"),
    }
    files = {
        "cisco-file": ("cisco-ios", NETDEV / "cisco-ios-weak.txt"),
        "mikrotik-file": ("mikrotik", NETDEV / "mikrotik-hardened.rsc"),
        "pfsense-file": ("pfsense", NETDEV / "pfsense-weak.xml"),
    }
    sims = {name: Simulator(device).__enter__() for name, device in devices.items()}
    try:
        known = tmp_path / "known_hosts"
        known.write_text("".join(s.known_hosts_line for s in sims.values()))
        lines = [ORG + "assets:"]
        for name, sim in sims.items():
            enable = ", enable_password_env: DEV_ENABLE" if name == "cisco-live" else ""
            lines.append(
                f"  - {{id: {name}, name: {name}, kind: netdevice, connection: ssh, "
                f"platform: {sim.device.platform}, address: 127.0.0.1, port: {sim.port}, "
                f"scan: false, credential: {{user: quantri, password_env: DEV_PW{enable}}}}}"
            )
        for name, (platform, path) in files.items():
            lines.append(
                f"  - {{id: {name}, name: {name}, kind: netdevice, connection: import, "
                f"platform: {platform}, config_file: {path}, scan: false}}"
            )
        lines.append(f"settings: {{known_hosts: {known}, ssh_timeout_s: 30}}")
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = tmp_path / "out"
        result = run_audit(
            inventory, out, lang="vi", key_dir=tmp_path / "keys", passphrase=None,
            known_hosts=known, record=False,
        )  # fmt: skip
    finally:
        for sim in sims.values():
            sim.__exit__()
    assert openssl_verify(out, tmp_path / "keys" / "cert.pem").returncode == 0
    assert all(not a.failures for a in result.report.assets)
    info = {a.id: a for a in result.report.assets}
    assert (info["cisco-live"].os, info["cisco-live"].hostname) == (
        "cisco-ios ISR4321/K9 16.9.4",
        "R-UBND-XA",
    )
    status = {(r.asset_id, r.requirement): r.status for r in result.report.evaluation.asset_results}
    good, bad = (
        ("cisco-live", "pfsense-live", "mikrotik-file"),
        ("cisco-file", "mikrotik-live", "pfsense-file"),
    )
    for requirement in ("L2-NET-REMOTE-01", "L2-NET-LOG-01", "L2-ACC-DEF-01"):
        for device in good:
            assert status[(device, requirement)] is ReqStatus.met, (device, requirement)
        for device in bad:
            assert status[(device, requirement)] is ReqStatus.not_met, (device, requirement)
    assert status[("cisco-live", "L2-NET-FW-01")] is ReqStatus.met  # ACL + IOS IPS
    assert status[("pfsense-live", "L2-NET-FW-01")] is ReqStatus.met  # Suricata inline
    assert status[("mikrotik-file", "L2-NET-FW-01")] is ReqStatus.partly_met  # no IPS engine
    assert status[("cisco-file", "L2-NET-FW-01")] is ReqStatus.not_met
    assert status[("cisco-live", "L2-VUL-FW-01")] is ReqStatus.met  # ISR4321, supported
    # a saved config names only the IOS train (15.1), not in the table: never "met"
    assert status[("cisco-file", "L2-VUL-FW-01")] is ReqStatus.not_assessed
    assert status[("mikrotik-live", "L2-NET-WIFI-01")] is ReqStatus.not_met  # open + WPS
    assert status[("cisco-live", "L2-ACC-LOCK-01")] is ReqStatus.met
    assert status[("cisco-file", "L2-ACC-LOCK-01")] is ReqStatus.not_met
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, (path, secret)


def test_officer_pins_the_device_key_with_hosts_trust_then_audits(tmp_path: Path) -> None:
    from tests.helpers import ORG, auditor_cli

    with Simulator(mikrotik("hardened")) as sim:
        known = tmp_path / "known_hosts"
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text(
            ORG + "assets:\n"
            f"  - {{id: r1, name: Router, kind: netdevice, connection: ssh, platform: mikrotik,"
            f" address: 127.0.0.1, port: {sim.port}, scan: false,"
            f" credential: {{user: quantri, password_env: DEV_PW}}}}\n"
            f"settings: {{known_hosts: {known}}}\n",
            encoding="utf-8",
        )
        home = tmp_path / "home"
        refused = auditor_cli(
            "audit", "-i", str(inventory), "-o", str(tmp_path / "o1"), "--json", home=home
        )
        assert json.loads(refused.stdout)["collection_failures"] == {"r1": ["ssh.host_key_unknown"]}
        trusted = auditor_cli("hosts", "trust", "-i", str(inventory), "--yes", home=home)
        assert trusted.returncode == 0, trusted.stderr
        assert sim.key.get_base64() in known.read_text()
        done = auditor_cli(
            "audit", "-i", str(inventory), "-o", str(tmp_path / "o2"), "--json", home=home
        )
    assert json.loads(done.stdout)["collection_failures"] == {}, done.stderr


def test_fortigate_live_reads_the_configuration_pages_and_its_status(known: Path) -> None:
    """A FortiGate over SSH: `show full-configuration` read through its --More-- pages (the
    console settings are never changed to stop paging), `get system status` adding model,
    firmware and the IPS definitions' date; the same facts as from its backup file."""
    got = live(fortigate("hardened"), known)
    assert got.failures == [] and got.netdev is not None
    shown = got.evidence["show-full-configuration.txt"].decode()
    assert "--More--" not in shown and "\b" not in shown and shown.rstrip().endswith("end")
    assert "Xa-Psk-Enc-2026" not in shown and "set psksecret ENC <redacted>" in shown
    facts = got.netdev
    assert (facts.model, facts.firmware) == ("FortiGate-60F", "7.2.5 build 1517")
    assert facts.ips_signatures_at is not None and facts.ips_signatures_at.date().isoformat() == (
        "2026-12-02"
    )  # 03/12 02:06 in Vietnam time
    from_file = collect_config_file(NETDEV / "fortigate-hardened.conf").netdev
    assert from_file is not None
    same = {"mgmt_services", "mgmt_restricted", "zones", "wan_mgmt_exposed", "snmp_issues"}
    assert facts.model_dump(include=same) == from_file.model_dump(include=same)
    weak = live(fortigate("weak"), known).netdev
    assert weak is not None and weak.ips_signatures_at is not None
    assert weak.ips_signatures_at.year == 2025 and weak.default_accounts == ["admin/<empty>"]
