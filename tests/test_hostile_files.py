"""Files as an attacker would plant them: links in the output folder, evidence outside the
attestations folder, a "router config" that is /etc/shadow, loose key folders and secret
files, and Windows facts files that are huge, deep, ambiguous, undated, future or older."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from auditor.errors import SigningError
from auditor.fileio import UnsafePath, atomic_write
from auditor.report.signing import init_keys, load_signer
from tests.helpers import FIXTURES, ORG
from tests.helpers import auditor_cli as cli
from tests.reportkit import build

WIN = FIXTURES / "windows" / "win11-25h2-hardened.json"


def test_a_planted_link_never_redirects_a_write(tmp_path: Path) -> None:
    victim = tmp_path / "root-only.txt"
    victim.write_text("secret")
    victim.chmod(0o600)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").symlink_to(victim)
    with pytest.raises(UnsafePath):
        atomic_write(out / "report.json", b"{}")
    assert victim.read_text() == "secret" and stat.S_IMODE(victim.stat().st_mode) == 0o600
    linked_dir = tmp_path / "linked"
    linked_dir.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(UnsafePath):
        atomic_write(linked_dir / "report.json", b"{}")
    assert not (tmp_path / "elsewhere" / "report.json").exists()


@pytest.mark.parametrize("link", ["out", "out/evidence", "out/archive"])
def test_audit_refuses_links_in_the_output_folder(tmp_path: Path, link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if link != "out":
        (tmp_path / "out").mkdir()
    signer = None
    if link == "out/archive":  # an earlier report, so that archiving happens
        _report, signer, _out = build(tmp_path)
    (tmp_path / link).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePath):
        build(tmp_path, signer=signer)
    assert list(elsewhere.iterdir()) == []


def test_written_reports_and_evidence_are_not_world_readable(tmp_path: Path) -> None:
    _report, _signer, out = build(tmp_path)
    for path in [out / "report.json", out / "report.json.p7s", *out.rglob("evidence/*/*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path


def test_archive_keeps_every_output_of_the_previous_audit(tmp_path: Path) -> None:
    first, signer, out = build(tmp_path)
    for name in ("report.pdf", "annual-report.html", "annual-report.pdf"):
        (out / name).write_bytes(f"{name} of {first.report_id}".encode())
    second, _signer, out = build(tmp_path, signer=signer)
    kept = out / "archive" / first.report_id
    for name in ("report.json", "report.json.p7s", "report.pdf", "annual-report.pdf"):
        assert (kept / name).is_file(), name
    assert (kept / "report.pdf").read_bytes() == f"report.pdf of {first.report_id}".encode()
    assert not (out / "report.pdf").exists()  # never a PDF of the old report beside the new
    assert second.previous_report_sha256 is not None


def _attestations(tmp_path: Path, evidence: str) -> Path:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        ORG
        + "attestations: att/attestations.yaml\n"
        + "assets:\n  - {id: may, name: Máy, kind: linux, connection: local, scan: false}\n",
        encoding="utf-8",
    )
    (tmp_path / "att").mkdir(exist_ok=True)
    (tmp_path / "att" / "attestations.yaml").write_text(
        "attestations:\n  - {requirement: L2-MGMT-POL-01, decision_no: 1/QĐ-UBND,"
        f" date: 2026-03-01, signer: Chủ tịch, evidence: {evidence}}}\n",
        encoding="utf-8",
    )
    return inv


@pytest.mark.parametrize("evidence", ["/etc/shadow", "../secret.txt", "link.pdf"])
def test_attestation_evidence_must_lie_in_its_folder(tmp_path: Path, evidence: str) -> None:
    (tmp_path / "secret.txt").write_text("do not copy")
    inv = _attestations(tmp_path, evidence)
    (tmp_path / "att" / "link.pdf").symlink_to(tmp_path / "secret.txt")
    run = cli("--lang", "en", "audit", "-i", str(inv), "-o", str(tmp_path / "out"), home=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "must lie in the attestations file's folder" in run.stderr
    assert not (tmp_path / "out").exists()


def test_attestation_evidence_inside_its_folder_is_accepted(tmp_path: Path) -> None:
    """The near miss: the same decision, in a subfolder of the attestations folder."""
    inv = _attestations(tmp_path, "scans/qd-1.pdf")
    (tmp_path / "att" / "scans").mkdir()
    (tmp_path / "att" / "scans" / "qd-1.pdf").write_bytes(b"%PDF-1.4 qd")
    run = cli("--lang", "en", "inventory", "validate", str(inv), home=tmp_path)
    assert run.returncode == 0, run.stderr


def test_a_device_config_outside_the_inventory_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inv").mkdir()
    (tmp_path / "shadow").write_text("root:$6$salt$hash:19000:0:99999:7:::\n")
    (tmp_path / "inv" / "router.cfg").symlink_to(tmp_path / "shadow")
    for config in ("../shadow", "router.cfg"):
        inv = tmp_path / "inv" / "inventory.yaml"
        inv.write_text(
            ORG + "assets:\n  - {id: r1, name: Router, kind: netdevice, connection: import,"
            f" config_file: {config}}}\n",
            encoding="utf-8",
        )
        run = cli("--lang", "en", "inventory", "validate", str(inv), home=tmp_path)
        assert run.returncode == 2 and "must lie in the inventory's folder" in run.stderr


def test_an_unrecognised_config_is_kept_as_a_digest_only(tmp_path: Path) -> None:
    from auditor.collect.netdev import collect_config_file

    shadow = tmp_path / "shadow"
    shadow.write_text("root:$6$salt$hash:19000:0:99999:7:::\n")
    result = collect_config_file(shadow)
    assert result.failures and result.failures[0].code == "collect.garbage"
    kept = b"".join(result.evidence.values())
    assert b"$6$salt$hash" not in kept and b"bytes" in kept


def test_loose_key_folder_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_keys(keys, "UBND xã Thử")
    keys.chmod(0o777)
    with pytest.raises(SigningError) as caught:
        load_signer(keys, None)
    assert caught.value.code == "keys.dir_unsafe"
    keys.chmod(0o700)
    assert load_signer(keys, None) is not None  # the near miss: a private folder


def test_passphrase_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("s3cret-passphrase\n")
    secret.chmod(0o644)
    run = cli(
        "--lang",
        "en",
        "keys",
        "init",
        "--org",
        "UBND",
        "--key-dir",
        str(tmp_path / "k"),
        "--passphrase-file",
        str(secret),
        home=tmp_path,
    )
    assert run.returncode == 2 and "chmod 600" in run.stderr
    assert "s3cret" not in run.stderr + run.stdout
    assert not (tmp_path / "k" / "key.pem").exists()


def _windows_inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        ORG + "assets:\n  - {id: pc1, name: PC1, kind: windows, connection: import}\n"
        f"settings:\n  imports_dir: {tmp_path}/imports\n",
        encoding="utf-8",
    )
    return inv


def _import(tmp_path: Path, data: bytes) -> tuple[int, str]:
    source = tmp_path / "facts.json"
    source.write_bytes(data)
    inv = _windows_inventory(tmp_path)
    run = cli(
        "--lang", "en", "import", str(source), "--asset", "pc1", "-i", str(inv), home=tmp_path
    )
    return run.returncode, run.stderr


def _facts(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = json.loads(WIN.read_text(encoding="utf-8"))
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a":' * 100_000, "nested too deeply"),
        (
            b'{"schema": "commune-auditor/windows-facts/1", "n": ' + b"9" * 5000 + b"}",
            "not valid JSON",
        ),
        (b'{"schema": "x", "schema": "commune-auditor/windows-facts/1"}', "repeats a JSON key"),
    ],
)
def test_hostile_facts_files_exit_2_with_a_message(
    tmp_path: Path, data: bytes, message: str
) -> None:
    code, stderr = _import(tmp_path, data)
    assert code == 2 and message in stderr and "Traceback" not in stderr


def test_oversized_facts_file_is_refused_before_reading(tmp_path: Path) -> None:
    source = tmp_path / "facts.json"
    with source.open("wb") as handle:
        handle.truncate(1024**3)  # 1 GiB, sparse: cheap to make, costly if read whole
    inv = _windows_inventory(tmp_path)
    run = cli(
        "--lang", "en", "import", str(source), "--asset", "pc1", "-i", str(inv), home=tmp_path
    )
    assert run.returncode == 2 and "too large" in run.stderr


def test_undated_future_and_older_facts_are_refused(tmp_path: Path) -> None:
    undated = _facts()
    undated.pop("collected_at")
    code, stderr = _import(tmp_path, json.dumps(undated).encode())
    assert code == 2 and "collected_at" in stderr
    code, stderr = _import(
        tmp_path, json.dumps(_facts(collected_at="2099-01-01T00:00:00Z")).encode()
    )
    assert code == 2 and "in the future" in stderr
    code, _ = _import(tmp_path, json.dumps(_facts(collected_at="2026-11-01T08:00:00Z")).encode())
    assert code == 0
    code, stderr = _import(
        tmp_path, json.dumps(_facts(collected_at="2026-10-01T08:00:00Z")).encode()
    )
    assert code == 2 and "older than the ones already imported" in stderr
    kept = json.loads((tmp_path / "imports" / "pc1" / "record.json").read_text())
    assert kept["collected_at"].startswith("2026-11-01")
    assert stat.S_IMODE(os.stat(tmp_path / "imports" / "pc1").st_mode) == 0o700


def test_history_store_and_outbox_are_private(tmp_path: Path) -> None:
    from auditor.store.history import Store
    from auditor.upload.outbox import Outbox

    Store(f"sqlite:///{tmp_path}/state/history.db", org="x")
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "state" / "history.db").stat().st_mode) == 0o600
    Outbox(tmp_path / "outbox")
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700


def test_text_from_an_import_reaches_the_terminal_escaped(tmp_path: Path) -> None:
    doc = _facts()
    os_section = dict(doc["os"])  # type: ignore[call-overload]
    os_section["CSName"] = "PC\x1b]0;owned\x07\u202eexe.txt"
    doc["os"] = os_section
    source = tmp_path / "facts.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    inv = _windows_inventory(tmp_path)
    run = cli(
        "--lang", "en", "import", str(source), "--asset", "pc1", "-i", str(inv), home=tmp_path
    )
    assert run.returncode == 0, run.stderr
    both = run.stdout + run.stderr
    assert "\x1b" not in both and "\u202e" not in both and "\x07" not in both
    assert "PC\\u001b]0;owned\\u0007\\u202eexe.txt" in both
