"""Windows PCs end to end: facts imported from files (as from a USB stick) and collected
over SSH from a real sshd that replays a recorded Windows output, in one signed report."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from auditor.audit import run_audit
from auditor.collect.windows import collect_windows_ssh
from auditor.inventory import load_inventory
from auditor.report.verify import verify_dir
from auditor.results import ReqStatus
from tests.helpers import FIXTURES, ORG, archive_review
from tests.helpers import auditor_cli as cli
from tests.sshd import Sshd, why_not_available

WIN = FIXTURES / "windows"
PCS = {
    "pc-chutich": "win11-25h2-hardened",
    "may-vanthu": "win10-22h2-vi",
    "srv-motcua": "server2022-eset-unpatched",
}


STAFF = {"pc-chutich": ["chutich"], "may-vanthu": ["vanthu"], "srv-motcua": ["backup_svc"]}


def inventory(tmp_path: Path, *, max_age: int = 3650, local: bool = True) -> Path:
    assets = "".join(
        f"  - {{id: {aid}, name: {aid.upper()}, kind: windows, connection: import, "
        f"admins: [quantri, vanthu], users: [{', '.join(STAFF[aid])}]}}\n"
        for aid in PCS
    )
    if local:
        assets += (
            "  - {id: may-danh-gia, name: Máy đánh giá, kind: linux, connection: local,"
            " scan: false}\n"
        )
    path = tmp_path / "inventory.yaml"
    path.write_text(
        ORG
        + "assets:\n"
        + assets
        + f"settings:\n  imports_dir: {tmp_path}/imports\n"
        + archive_review(tmp_path, max_age),
        encoding="utf-8",
    )
    return path


def import_all(tmp_path: Path, inv: Path, home: Path) -> None:
    for aid, fixture in PCS.items():
        source = tmp_path / f"{fixture}.json"
        # as PowerShell 5.1's `>` writes it: UTF-16 with a BOM, for one of them
        data = (WIN / f"{fixture}.json").read_text(encoding="utf-8")
        source.write_bytes(data.encode("utf-16") if aid == "may-vanthu" else data.encode())
        run = cli("--lang", "en", "import", str(source), "--asset", aid, "-i", str(inv), home=home)
        assert run.returncode == 0, run.stderr
        assert f"for asset {aid}" in run.stdout


def test_import_three_pcs_and_local_host_into_one_signed_report(tmp_path: Path) -> None:
    home = tmp_path / "home"
    inv = inventory(tmp_path)
    import_all(tmp_path, inv, home)
    out = tmp_path / "out"
    result = run_audit(
        inv, out, lang="vi", key_dir=home / "keys", passphrase=None, known_hosts=tmp_path / "kh"
    )
    report = result.report
    assert {a.id: a.failures for a in report.assets} == {aid: [] for aid in [*PCS, "may-danh-gia"]}
    status = {
        (r.requirement, aid): s
        for r in report.evaluation.requirements
        for aid, s in r.assets.items()
    }
    expected = {
        ("L2-CFG-LOCK-01", "pc-chutich"): ReqStatus.met,
        ("L2-CFG-LOCK-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-CFG-AUTOLOGON-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-CFG-AUTORUN-01", "pc-chutich"): ReqStatus.met,
        ("L2-CFG-FW-01", "pc-chutich"): ReqStatus.met,
        ("L2-CFG-FW-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-ACC-PWD-01", "pc-chutich"): ReqStatus.met,
        ("L2-ACC-PWD-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-ACC-LOCK-01", "srv-motcua"): ReqStatus.met,
        ("L2-AST-SW-02", "pc-chutich"): ReqStatus.met,
        ("L2-AST-SW-02", "may-vanthu"): ReqStatus.not_met,
        ("L2-VUL-PATCH-01", "srv-motcua"): ReqStatus.not_met,
        ("L2-VUL-PATCH-01", "pc-chutich"): ReqStatus.met,
        ("L2-MAL-AV-01", "pc-chutich"): ReqStatus.met,
        ("L2-MAL-AV-01", "srv-motcua"): ReqStatus.not_assessed,  # ESET real-time unreported
        ("L2-MAL-CENTRAL-01", "srv-motcua"): ReqStatus.met,
        ("L2-MAL-CENTRAL-01", "pc-chutich"): ReqStatus.not_met,
        ("L2-LOG-AUDIT-01", "pc-chutich"): ReqStatus.met,
        ("L2-LOG-AUDIT-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-BAK-SEP-01", "pc-chutich"): ReqStatus.met,
        ("L2-BAK-SEP-01", "srv-motcua"): ReqStatus.not_met,
        ("L2-VUL-BROWSER-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-AST-SW-01", "may-vanthu"): ReqStatus.not_met,
        ("L2-ACC-PRIV-01", "may-vanthu"): ReqStatus.not_met,  # 'canbo' not declared
        ("L2-ACC-PRIV-01", "pc-chutich"): ReqStatus.met,
        ("L2-MGMT-HR-03", "pc-chutich"): ReqStatus.met,
        ("L2-MGMT-HR-03", "may-vanthu"): ReqStatus.not_met,  # "Kế toán", "canbo" not staff
    }
    assert {k: status[k] for k in expected} == expected
    anchor = x509.load_pem_x509_certificate((home / "keys" / "cert.pem").read_bytes())
    assert verify_dir(out, [anchor]).ok
    assert (out / "evidence" / "may-vanthu" / "facts.json").exists()
    assert (out / "evidence" / "may-vanthu" / "record.json.p7s").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    remediation = html.split("<h2>Danh sách việc cần khắc phục</h2>")[1]
    assert "/v NoDriveTypeAutoRun /t REG_DWORD /d 255 /f" in remediation  # the command
    assert "Microsoft Windows 10 Pro 22H2 (19045, Professional)" in remediation  # observed


def test_edited_import_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    inv = inventory(tmp_path, local=False)
    import_all(tmp_path, inv, home)
    stored = tmp_path / "imports" / "pc-chutich" / "facts.json"
    stored.write_text(stored.read_text().replace('"LockoutBadCount":5', '"LockoutBadCount":3'))
    result = run_audit(
        inv,
        tmp_path / "out",
        lang="en",
        key_dir=home / "keys",
        passphrase=None,
        known_hosts=tmp_path / "kh",
    )
    failures = {a.id: [f.code for f in a.failures] for a in result.report.assets}
    assert failures["pc-chutich"] == ["import.tampered"]
    assert failures["may-vanthu"] == []
    assert result.exit_code == 3


def test_stale_or_missing_import_is_an_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    inv = inventory(tmp_path, max_age=1, local=False)
    import_all(tmp_path, inv, home)
    shutil.rmtree(tmp_path / "imports" / "srv-motcua")
    result = run_audit(
        inv,
        tmp_path / "out",
        lang="en",
        key_dir=home / "keys",
        passphrase=None,
        known_hosts=tmp_path / "kh",
    )
    failures = {a.id: [f.code for f in a.failures] for a in result.report.assets}
    assert failures == {
        "pc-chutich": ["import.stale"],
        "may-vanthu": ["import.stale"],
        "srv-motcua": ["import.missing"],
    }
    statuses = {c.status.value for ar in result.report.evaluation.asset_results for c in ar.checks}
    assert statuses == {"error"}


def test_import_rejects_garbage_and_wrong_assets(tmp_path: Path) -> None:
    home = tmp_path / "home"
    inv = inventory(tmp_path)
    junk = tmp_path / "junk.json"
    junk.write_bytes(b'{"schema": "commune-auditor/windows-facts/1", "os": {')
    run = cli(
        "--lang", "en", "import", str(junk), "--asset", "pc-chutich", "-i", str(inv), home=home
    )
    assert run.returncode == 2 and "not valid JSON" in run.stderr and "Traceback" not in run.stderr
    good = WIN / "win11-25h2-hardened.json"
    assert cli("import", str(good), "--asset", "nope", "-i", str(inv), home=home).returncode == 2
    wrong = cli(
        "--lang", "en", "import", str(good), "--asset", "may-danh-gia", "-i", str(inv), home=home
    )
    assert wrong.returncode == 2 and "does not use the 'import' connection" in wrong.stderr
    mismatch = cli(
        "--lang", "en", "import", str(good), "--asset", "may-vanthu", "-i", str(inv), home=home
    )
    assert mismatch.returncode == 0 and "differs from asset may-vanthu" in mismatch.stderr


def test_windows_script_command_writes_a_bom_file(tmp_path: Path) -> None:
    run = cli("collect", "windows-script", "-o", str(tmp_path / "collect.ps1"), home=tmp_path)
    assert run.returncode == 0
    data = (tmp_path / "collect.ps1").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"secedit /export" in data


@pytest.fixture()
def windows_sshd(tmp_path: Path) -> Iterator[Sshd]:
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    root = tmp_path / "sshd"
    root.mkdir()
    replay = WIN / "server2019.json"
    server = Sshd.start(root, extra=f"ForceCommand cat {replay}\n")
    yield server
    server.stop()


def test_windows_over_openssh(tmp_path: Path, windows_sshd: Sshd) -> None:
    """A real sshd plays the Windows side: its forced command replays a recorded output."""
    inv_path = tmp_path / "inv.yaml"
    inv_path.write_text(
        ORG
        + f"""assets:
  - id: srv-tep
    name: SRV-TEP
    kind: windows
    connection: ssh
    address: 127.0.0.1
    port: {windows_sshd.port}
    credential: {{user: {windows_sshd.user}, key_file: {windows_sshd.user_key}}}
settings:
  known_hosts: {tmp_path}/known_hosts
""",
        encoding="utf-8",
    )
    inv = load_inventory(inv_path)
    refused = collect_windows_ssh(inv.assets[0], tmp_path / "known_hosts", 20)
    assert [f.code for f in refused.failures] == ["ssh.host_key_unknown"]
    trust = cli("hosts", "trust", "-i", str(inv_path), "--yes", "--json", home=tmp_path)
    assert trust.returncode == 0, trust.stderr
    (pinned,) = json.loads(trust.stdout)
    assert pinned["result"] == "added" and pinned["fingerprint"].startswith("SHA256:")
    asked = cli("hosts", "trust", "-i", str(inv_path), "--json", home=tmp_path)
    assert asked.returncode == 2 and "--yes" in asked.stderr
    result = collect_windows_ssh(inv.assets[0], tmp_path / "known_hosts", 20)
    assert result.failures == [] and result.host is not None
    assert result.host.os.edition == "ServerStandard" and result.host.os.build == 17763
    assert result.evidence["windows-facts.json"] == (WIN / "server2019.json").read_bytes()
