"""The installed `auditor` command as a new user meets it: a real audit of this machine
with the shipped example inventory, both verifiers, --json, exit codes and --help."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ORG, auditor_cli, openssl_verify

ROOT = Path(__file__).resolve().parents[1]
AUDITOR = shutil.which("auditor", path=str(Path(sys.executable).parent)) or "auditor"


def run(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUDITOR_HOME": str(home)}
    return subprocess.run(
        [AUDITOR, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=300
    )


@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")
def test_example_audit_of_this_machine_end_to_end(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    audit = run(
        "audit",
        "-i",
        str(ROOT / "inventory.example.yaml"),
        "-o",
        str(out),
        "--pdf",
        "--fixes",
        "--json",
        home=home,
        cwd=tmp_path,
    )
    assert audit.returncode in (0, 1), audit.stderr  # findings are fine; errors are not
    summary = json.loads(audit.stdout)
    assert summary["exit_code"] == audit.returncode
    assert summary["collection_failures"] == {}
    assert set(summary["counts"]) == {
        "met",
        "partly_met",
        "not_met",
        "not_assessed",
        "not_applicable",
        "waived",
    }
    assert (home / "keys" / "key.pem").exists()
    assert str(home / "keys") in audit.stderr  # says where the new key went
    for name in ("report.json", "report.html", "report.json.p7s", "report.pdf"):
        assert (out / name).is_file()
    ssl = openssl_verify(out, home / "keys" / "cert.pem")
    assert ssl.returncode == 0, ssl.stderr
    verify = run("--lang", "en", "verify", str(out), home=home)
    assert verify.returncode == 0 and "Report valid" in verify.stdout
    assert "report.pdf: every signature valid" in verify.stdout
    report = json.loads((out / "report.json").read_text())
    checks = {c["check"] for a in report["evaluation"]["asset_results"] for c in a["checks"]}
    assert {"pwd.min_length", "fw.host_enabled", "scan.insecure_ports"} <= checks
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Báo cáo đánh giá an toàn hệ thống thông tin cấp độ 2" in html
    # this machine's fix script: reviewed, never run; in the signed manifest like evidence
    fixes = sorted((out / "fixes").iterdir())
    assert [f.suffix for f in fixes] == [".sh"] and fixes[0].read_text().startswith("#!/bin/sh")
    manifest = {e["path"] for e in report["evidence"]}
    assert f"fixes/{fixes[0].name}" in manifest
    assert all(row["actions"] for row in report["plan"])

    (out / "report.json").write_text(
        (out / "report.json").read_text().replace("may-danh-gia", "may-khac")
    )
    tampered = run("verify", str(out), home=home)
    assert tampered.returncode == 1 and "report.json đã bị thay đổi" in tampered.stderr


def test_bad_inventory_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "inv.yaml"
    bad.write_text("organisation: {name: X}\nassets: [{id: a}]\n")
    result = run("audit", "-i", str(bad), "-o", str(tmp_path / "out"), home=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and f"{bad}:" in result.stderr
    assert not (tmp_path / "out").exists()
    missing = run("audit", "-i", str(tmp_path / "nope.yaml"), "-o", "x", home=tmp_path)
    assert missing.returncode == 2 and "Không tìm thấy tệp" in missing.stderr


def test_policy_commands(tmp_path: Path) -> None:
    show = run("--lang", "en", "policy", "show", "L2-ACC-PWD-01", home=tmp_path)
    assert show.returncode == 0
    assert "pwd.min_length" in show.stdout and '"min_length": 8' in show.stdout
    assert "TCVN 14423 4.6.2.2" in show.stdout
    assert run("policy", "validate", home=tmp_path).returncode == 0
    assert "nd85-level2" in run("policy", "list", home=tmp_path).stdout
    unknown = run("policy", "show", "L2-NOPE-01", home=tmp_path)
    assert unknown.returncode == 2


def test_help_teaches() -> None:
    top = subprocess.run([AUDITOR, "--help"], capture_output=True, text=True, check=False)
    assert top.returncode == 0
    for command in ("audit", "verify", "keys", "policy", "inventory", "hosts"):
        assert command in top.stdout
    audit = subprocess.run(
        [AUDITOR, "audit", "--help"], capture_output=True, text=True, check=False
    )
    assert "Mã thoát 0" in audit.stdout and "--inventory" in audit.stdout  # Vietnamese by default


def test_full_disk_fails_clearly_and_keeps_the_previous_report(tmp_path: Path) -> None:
    """A write that fails (here: a file-size limit, as on a full disk) is exit 2 with the
    path named; the earlier report stays intact in archive/."""
    import resource
    import signal

    from cryptography import x509

    from auditor.report.verify import verify_dir
    from tests.reportkit import build

    first, _, out = build(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "keys").symlink_to(tmp_path / "keys")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))

    env = {**os.environ, "AUDITOR_HOME": str(home)}
    result = subprocess.run(
        [
            AUDITOR,
            "audit",
            "-i",
            str(ROOT / "inventory.example.yaml"),
            "-o",
            str(out),
            "--no-history",
        ],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "Không ghi được báo cáo" in result.stderr and "Traceback" not in result.stderr
    assert str(out) in result.stderr
    archived = out / "archive" / first.report_id
    cert = x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())
    assert verify_dir(archived, [cert]).ok
    assert not (out / "report.json").exists()

    # With the history store on, the database cannot grow either: a clear error, exit 2,
    # nothing written over.
    again = subprocess.run(
        [
            AUDITOR,
            "audit",
            "-i",
            str(ROOT / "inventory.example.yaml"),
            "-o",
            str(tmp_path / "out2"),
        ],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit,
        check=False,
        timeout=300,
    )
    assert again.returncode == 2, again.stderr
    assert "Traceback" not in again.stderr
    assert "cơ sở dữ liệu lịch sử" in again.stderr or "Không ghi được" in again.stderr


def test_help_imports_no_heavy_library() -> None:
    """`auditor --help` starts fast: the database, SSH, PDF and device libraries load only in
    the commands that use them (measured with python -X importtime)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "auditor.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    for heavy in ("sqlalchemy", "paramiko", "pyhanko", "weasyprint", "netmiko", "cryptography"):
        assert heavy not in loaded, heavy
    assert "Usage" in run.stdout or "Cách dùng" in run.stdout or "auditor" in run.stdout


def test_pdf_without_the_extra_is_refused_before_collection(tmp_path: Path) -> None:
    blocked = (
        "import sys; sys.modules['weasyprint'] = None; from auditor.cli import main; "
        "main(['--lang', 'en', 'audit', '-i', sys.argv[1], '-o', sys.argv[2], '--pdf'])"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked,
            str(ROOT / "inventory.example.yaml"),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "AUDITOR_HOME": str(tmp_path / "home")},
        check=False,
        timeout=60,
    )
    assert run.returncode == 2 and "PDF support is not installed" in run.stderr
    assert not (tmp_path / "out").exists()  # nothing was collected or written


def test_no_history_audit_is_not_queued_for_the_province(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.audit import run_audit
    from auditor.upload.outbox import Outbox

    home = tmp_path / "home"
    monkeypatch.setenv("AUDITOR_HOME", str(home))
    run_audit(
        ROOT / "inventory.example.yaml",
        tmp_path / "out",
        lang="en",
        key_dir=home / "keys",
        passphrase=None,
        known_hosts=tmp_path / "kh",
        record=False,
    )
    assert Outbox(home / "outbox").pending() == []


def test_export_refuses_an_unknown_extension(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = auditor_cli(
        "--lang", "en", "export", "findings", "-o", str(tmp_path / "x.pdf"), home=home
    )
    assert run.returncode == 2 and "use .xlsx or .csv" in run.stderr
    assert not (home / "history.db").exists()  # refused before the store opened


def test_init_writes_an_example_inventory_and_an_attestations_template(tmp_path: Path) -> None:
    from auditor.attest import load_attestations
    from auditor.checking import discover
    from auditor.inventory import load_inventory
    from auditor.policy import load_policy

    home = tmp_path / "home"
    first = auditor_cli("--lang", "en", "init", str(tmp_path / "xa"), home=home)
    assert first.returncode == 0, first.stderr
    inventory = load_inventory(tmp_path / "xa" / "inventory.yaml")  # the shipped example
    assert inventory.organisation.name == "UBND xã Mẫu"
    # made after 01/07/2026: under the law in force, the 2026 pack
    assert inventory.policy == "nd331-level2"
    template = tmp_path / "xa" / "attestations.yaml"
    ids = set(load_policy("nd331-level2", discover()).ids())
    assert load_attestations(template, ids) == {}  # valid while every entry is commented out
    text = template.read_text(encoding="utf-8")
    assert "# L2-MGMT-ORG-01 — " in text
    (tmp_path / "xa" / "qd.pdf").write_bytes(b"%PDF-1.4")
    filled = text.replace(
        "  # - {requirement: L2-MGMT-ORG-01",
        "  - {requirement: L2-MGMT-ORG-01",
    ).replace(
        '  #    signer: "Chủ tịch UBND xã", evidence: scans/….pdf}\n  # L2-MGMT-LVL-01',
        '     signer: "Chủ tịch UBND xã", evidence: qd.pdf}\n  # L2-MGMT-LVL-01',
    )
    template.write_text(filled, encoding="utf-8")
    assert set(load_attestations(template, ids)) == {"L2-MGMT-ORG-01"}
    again = auditor_cli("--lang", "en", "init", str(tmp_path / "xa"), home=home)
    assert again.returncode == 2 and "--force" in again.stderr


def test_the_default_pack_follows_the_day_the_law_took_effect() -> None:
    import datetime as dt

    from auditor.checking import discover
    from auditor.policy import default_pack

    registry = discover()
    assert default_pack(dt.date(2026, 6, 30), registry) == "nd85-level2"
    assert default_pack(dt.date(2026, 7, 1), registry) == "nd331-level2"


def test_the_shipped_example_is_the_repository_example() -> None:
    shipped = ROOT / "auditor" / "examples" / "inventory.example.yaml"
    assert shipped.read_bytes() == (ROOT / "inventory.example.yaml").read_bytes()


def test_json_and_one_meaning_of_dash_i(tmp_path: Path) -> None:
    home = tmp_path / "home"
    example = str(ROOT / "inventory.example.yaml")
    by_option = auditor_cli("inventory", "validate", "-i", example, "--json", home=home)
    assert json.loads(by_option.stdout) == {
        "valid": True,
        "organisation": "UBND xã Mẫu",
        "assets": 1,
        "systems": ["mang-noi-bo"],
        "policy": "nd331-level2",
        "gaps": [{"code": "inventory.gap_decision", "name": "Hệ thống mạng nội bộ UBND xã Mẫu"}],
    }
    assert auditor_cli("inventory", "validate", example, home=home).returncode == 0
    missing = auditor_cli("--lang", "en", "inventory", "validate", home=home)
    assert missing.returncode == 2 and "Give the inventory file" in missing.stderr
    assert auditor_cli("keys", "init", "--org", "UBND xã Thử", home=home).returncode == 0
    shown = json.loads(auditor_cli("keys", "show", "--json", home=home).stdout)
    assert len(shown["sha256"]) == 64 and "UBND xã Thử" in shown["subject"]
    packs = json.loads(auditor_cli("policy", "list", "--json", home=home).stdout)
    assert {p["id"] for p in packs} == {"nd85-level2", "nd331-level2"}


def test_audit_refuses_an_output_that_is_not_a_folder_before_collecting(tmp_path: Path) -> None:
    home = tmp_path / "home"
    taken = tmp_path / "report.txt"
    taken.write_text("not a folder", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    for out in (taken, link):
        started = time.monotonic()
        run_ = run("audit", "-i", str(ROOT / "inventory.example.yaml"), "-o", str(out), home=home)
        assert run_.returncode == 2 and str(out) in run_.stderr, run_.stderr
        assert "?" not in run_.stderr and "Traceback" not in run_.stderr
        assert time.monotonic() - started < 10  # refused at once, nothing collected
    assert taken.read_text(encoding="utf-8") == "not a folder"


def test_inventory_validate_says_everything_audit_would_at_once(tmp_path: Path) -> None:
    """A broken tailoring and a broken attestations file are both named by validate (exit 2),
    as audit would refuse them; an unknown pack is named too."""
    home = tmp_path / "home"
    text = (ROOT / "inventory.example.yaml").read_text(encoding="utf-8")
    (tmp_path / "overrides.yaml").write_text(
        "overrides:\n  - requirement: L2-NOPE-01\n    justification: a long enough reason\n",
        encoding="utf-8",
    )
    (tmp_path / "attestations.yaml").write_text(
        "attestations:\n  - requirement: L2-KHONG-CO-99\n    decision_no: 1/QĐ-UBND\n"
        "    date: 2026-01-05\n    signer: Chủ tịch\n",
        encoding="utf-8",
    )
    broken = tmp_path / "inventory.yaml"
    broken.write_text(
        text.replace(
            "policy: nd331-level2",
            "policy: nd331-level2\noverrides: overrides.yaml\nattestations: attestations.yaml",
            1,
        ),
        encoding="utf-8",
    )
    run_ = run("--lang", "en", "inventory", "validate", str(broken), home=home, cwd=tmp_path)
    assert run_.returncode == 2, run_.stdout + run_.stderr
    assert "overrides.yaml" in run_.stderr and "attestations.yaml" in run_.stderr, run_.stderr
    assert "L2-NOPE-01" in run_.stderr and "L2-KHONG-CO-99" in run_.stderr
    assert "valid" not in run_.stdout
    unknown = tmp_path / "unknown-pack.yaml"
    unknown.write_text(text.replace("policy: nd331-level2", "policy: nd99-level9", 1), "utf-8")
    run_ = run("--lang", "en", "inventory", "validate", str(unknown), home=home, cwd=tmp_path)
    assert run_.returncode == 2 and "nd99-level9" in run_.stderr, run_.stderr


def test_empty_results_and_unreachable_databases_say_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    empty = run("--lang", "en", "findings", "list", "--db", f"sqlite:///{tmp_path}/h.db", home=home)
    assert empty.returncode == 0 and "No finding matches." in empty.stdout
    down = run(
        "--lang", "en", "findings", "list",
        "--db", "postgresql+psycopg://nobody:hidden-pw@127.0.0.1:1/x", home=home,
    )  # fmt: skip
    assert down.returncode == 2 and "Connection refused" in down.stderr  # why, in its words
    assert "hidden-pw" not in down.stderr and "Traceback" not in down.stderr


def test_a_readable_token_file_is_named_as_a_secret_not_a_key(tmp_path: Path) -> None:
    token = tmp_path / "token.txt"
    token.write_text("not-a-real-token", encoding="utf-8")
    token.chmod(0o644)
    sent = run(
        "upload", "--to", "https://127.0.0.1:1", "--token-file", str(token), home=tmp_path / "h"
    )
    assert sent.returncode == 2 and str(token) in sent.stderr, sent.stderr
    assert "chứa bí mật" in sent.stderr and "Tệp khóa" not in sent.stderr
    assert "not-a-real-token" not in sent.stderr


def test_error_locations_say_only_what_is_known(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = run("inventory", "validate", str(tmp_path), home=home)
    assert folder.returncode == 2 and "thư mục, không phải tệp" in folder.stderr
    missing = run("inventory", "validate", str(tmp_path / "nope.yaml"), home=home)
    assert missing.returncode == 2 and f"{tmp_path / 'nope.yaml'}: " in missing.stderr
    assert ":-" not in missing.stderr and "-:" not in missing.stderr


def test_export_into_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "khong-co" / "phat-hien.csv"
    made = run(
        "export", "findings", "-o", str(target), "--db", f"sqlite:///{tmp_path}/h.db",
        home=tmp_path / "home",
    )  # fmt: skip
    assert made.returncode == 2 and "khong-co" in made.stderr, made.stderr
    assert not target.parent.exists()


def test_commands_that_did_their_job_quietly_now_say_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "collect.ps1"
    wrote = run("collect", "windows-script", "-o", str(script), home=home)
    assert wrote.returncode == 0 and script.is_file()
    assert str(script) in wrote.stdout and "-OutFile facts.json" in wrote.stdout
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        ORG + "assets:\n  - {id: pc1, name: PC, kind: linux, connection: local}\n",
        encoding="utf-8",
    )
    nothing = run("hosts", "trust", "-i", str(inventory), "--yes", home=home)
    assert nothing.returncode == 0 and "không có tài sản nào kết nối qua SSH" in nothing.stdout
    as_json = run("hosts", "trust", "-i", str(inventory), "--yes", "--json", home=home)
    assert json.loads(as_json.stdout) == []
