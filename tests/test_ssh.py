"""The SSH collector against a real sshd on 127.0.0.1: pinning, end-to-end audit,
changed host keys, and unreachable hosts that must never pass."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from auditor.audit import EXIT_COLLECTION, run_audit
from auditor.checking import Status
from auditor.collect.ssh import collect_ssh
from auditor.errors import CollectionError
from auditor.inventory import load_inventory
from auditor.report.verify import verify_dir
from auditor.sshclient import fetch_host_key, pin_host_key
from tests.helpers import ORG
from tests.sshd import Sshd, free_port, why_not_available

pytestmark = pytest.mark.skipif(why_not_available() is not None, reason=why_not_available() or "")


@pytest.fixture()
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    root = tmp_path / "sshd"
    root.mkdir()
    server = Sshd.start(root)
    yield server
    server.stop()


def inventory(tmp_path: Path, server: Sshd, *, extra: str = "", port: int | None = None) -> Path:
    backup = tmp_path / "backups"
    backup.mkdir(exist_ok=True)
    (backup / "db-2026-11-20.tar.gz").write_bytes(b"backup")
    path = tmp_path / "inventory.yaml"
    path.write_text(
        ORG
        + f"""assets:
  - id: srv1
    name: Máy chủ 1
    kind: linux
    connection: ssh
    address: 127.0.0.1
    port: {port or server.port}
    credential: {{user: {server.user}, key_file: {server.user_key}}}
    admins: [{server.user}]
    backup: {{path: {backup}}}
    scan: false
{extra}settings:
  ssh_timeout_s: 20
  known_hosts: {tmp_path}/known_hosts
""",
        encoding="utf-8",
    )
    return path


def trust(inv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "--lang",
            "en",
            "hosts",
            "trust",
            "-i",
            str(inv),
            "--yes",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_unknown_host_key_is_refused(tmp_path: Path, sshd: Sshd) -> None:
    inv = load_inventory(inventory(tmp_path, sshd))
    result = collect_ssh(inv.assets[0], tmp_path / "known_hosts", 20)
    assert result.host is None
    assert [f.code for f in result.failures] == ["ssh.host_key_unknown"]


def test_trust_then_full_audit_over_ssh(tmp_path: Path, sshd: Sshd) -> None:
    inv_path = inventory(
        tmp_path,
        sshd,
        extra=f"""  - id: srv2
    name: Máy chủ 2 (cùng máy, kiểm tra song song)
    kind: linux
    connection: ssh
    address: 127.0.0.1
    port: {sshd.port}
    credential: {{user: {sshd.user}, key_file: {sshd.user_key}}}
    scan: false
""",
    )
    run = trust(inv_path)
    assert run.returncode == 0, run.stderr
    assert "added" in run.stdout
    assert f"[127.0.0.1]:{sshd.port}" in (tmp_path / "known_hosts").read_text()
    assert trust(inv_path).stdout.count("unchanged") == 2

    out = tmp_path / "out"
    result = run_audit(
        inv_path,
        out,
        lang="vi",
        key_dir=tmp_path / "keys",
        passphrase=None,
        known_hosts=tmp_path / "unused",
    )
    report = result.report
    assert result.exit_code != EXIT_COLLECTION
    assert [a.failures for a in report.assets] == [[], []]
    assert report.assets[0].os and "Debian" in report.assets[0].os
    checks = {
        (ar.asset_id, c.check): c for ar in report.evaluation.asset_results for c in ar.checks
    }
    assert checks[("srv1", "backup.latest_age")].status is Status.passed
    assert checks[("srv1", "sw.os_supported")].status is Status.passed
    assert checks[("srv2", "backup.latest_age")].status is Status.error  # no backup declared
    assert (out / "evidence" / "srv1" / "passwd.txt").exists()
    anchor = x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())
    assert verify_dir(out, [anchor]).ok


def test_changed_host_key_is_refused(tmp_path: Path, sshd: Sshd) -> None:
    inv_path = inventory(tmp_path, sshd)
    assert trust(inv_path).returncode == 0
    sshd.restart(new_host_key=True)
    inv = load_inventory(inv_path)
    result = collect_ssh(inv.assets[0], tmp_path / "known_hosts", 20)
    assert [f.code for f in result.failures] == ["ssh.host_key_changed"]
    assert "expected SHA256:" in result.failures[0].detail
    refused = trust(inv_path)
    assert refused.returncode == 3 and "CHANGED" in refused.stderr
    seen = fetch_host_key(inv.assets[0], 10)
    with pytest.raises(CollectionError):
        pin_host_key(tmp_path / "known_hosts", seen)
    assert trust(inv_path, "--replace").returncode == 0
    assert collect_ssh(inv.assets[0], tmp_path / "known_hosts", 20).host is not None


def test_unreachable_host_is_error_never_pass(tmp_path: Path, sshd: Sshd) -> None:
    inv_path = inventory(tmp_path, sshd, port=free_port())
    result = run_audit(
        inv_path,
        tmp_path / "out",
        lang="en",
        key_dir=tmp_path / "keys",
        passphrase=None,
        known_hosts=tmp_path / "known_hosts",
    )
    assert result.exit_code == EXIT_COLLECTION
    assert [f.code for f in result.report.assets[0].failures] == ["ssh.unreachable"]
    statuses = [c.status for ar in result.report.evaluation.asset_results for c in ar.checks]
    assert statuses and set(statuses) == {Status.error}
    asset_statuses = {s for r in result.report.evaluation.requirements for s in r.assets.values()}
    assert asset_statuses == {"not_assessed"}


def test_silent_server_times_out(tmp_path: Path, sshd: Sshd) -> None:
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        inv = load_inventory(inventory(tmp_path, sshd, port=silent.getsockname()[1]))
        started = time.monotonic()
        result = collect_ssh(inv.assets[0], tmp_path / "known_hosts", 2)
        assert time.monotonic() - started < 15
    assert result.host is None
    assert result.failures[0].code in {"ssh.timeout", "ssh.handshake_failed"}
