"""The signed report: openssl and auditor verify accept it, any changed byte is caught,
bytes are deterministic, hostile names are escaped, earlier reports are chained."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from auditor.checking import Status
from auditor.report.model import canonical_bytes, parse_report
from auditor.report.signing import init_keys
from auditor.report.verify import verify_dir
from auditor.results import ReqStatus
from tests.helpers import openssl_verify
from tests.reportkit import build


def anchor(tmp_path: Path) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())]


def test_openssl_and_auditor_accept_the_signature(tmp_path: Path) -> None:
    _, _, out = build(tmp_path)
    run = openssl_verify(out, tmp_path / "keys" / "cert.pem")
    assert run.returncode == 0 and "Verification successful" in run.stderr
    verdict = verify_dir(out, anchor(tmp_path))
    assert verdict.ok, verdict.problems
    assert verdict.evidence_checked == len(verdict.report.evidence) > 20  # type: ignore[union-attr]
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "--lang",
            "en",
            "verify",
            str(out),
            "--ca",
            str(tmp_path / "keys" / "cert.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0 and "Report valid" in cli.stdout


def flip(path: Path, index: int) -> bytes:
    data = path.read_bytes()
    changed = bytearray(data)
    changed[index] ^= 0x01
    path.write_bytes(bytes(changed))
    return data


def test_any_flipped_byte_of_report_json_fails_both_verifiers(tmp_path: Path) -> None:
    _, _, out = build(tmp_path)
    target = out / "report.json"
    size = target.stat().st_size
    positions = sorted({0, size - 1, *range(7, size, max(1, size // 60))})
    for index in positions:
        original = flip(target, index)
        verdict = verify_dir(out, anchor(tmp_path))
        assert not verdict.ok, index
        assert ("verify.content_changed", {}) in verdict.problems
        if index in positions[:: max(1, len(positions) // 8)]:
            assert openssl_verify(out, tmp_path / "keys" / "cert.pem").returncode != 0, index
        target.write_bytes(original)
    assert verify_dir(out, anchor(tmp_path)).ok


def test_any_flipped_byte_of_evidence_fails(tmp_path: Path) -> None:
    report, _, out = build(tmp_path)
    for entry in report.evidence:
        path = out / entry.path
        for index in {0, entry.size // 2, entry.size - 1}:
            if entry.size == 0:
                continue
            original = flip(path, index)
            verdict = verify_dir(out, anchor(tmp_path))
            assert ("verify.evidence_changed", {"path": entry.path}) in verdict.problems
            path.write_bytes(original)
    assert verify_dir(out, anchor(tmp_path)).ok


def test_missing_added_evidence_and_signature_are_caught(tmp_path: Path) -> None:
    report, _, out = build(tmp_path)
    victim = out / report.evidence[0].path
    victim.rename(victim.with_suffix(".bak"))
    codes = {code for code, _ in verify_dir(out, anchor(tmp_path)).problems}
    assert codes == {"verify.evidence_missing", "verify.evidence_unlisted"}
    victim.with_suffix(".bak").rename(victim)
    (out / "report.json.p7s").unlink()
    assert not verify_dir(out, anchor(tmp_path)).ok


def test_untrusted_signer_is_rejected(tmp_path: Path) -> None:
    _, _, out = build(tmp_path)
    stranger = init_keys(tmp_path / "other", "Kẻ lạ")
    verdict = verify_dir(out, [stranger.cert])
    assert [code for code, _ in verdict.problems] == ["verify.untrusted_signer"]
    assert openssl_verify(out, tmp_path / "other" / "cert.pem").returncode != 0


def test_report_bytes_are_canonical_and_carry_digests(tmp_path: Path) -> None:
    _report, _, out = build(tmp_path)
    data = (out / "report.json").read_bytes()
    assert canonical_bytes(parse_report(data)) == data
    doc = json.loads(data)
    assert doc["schema_version"] == "1.0" and doc["tool"]["name"] == "commune-auditor"
    assert len(doc["policy"]["digest"]) == 64
    assert (
        doc["inventory_sha256"]
        == hashlib.sha256((tmp_path / "inventory.yaml").read_bytes()).hexdigest()
    )
    pdf_sha = hashlib.sha256((tmp_path / "qd-12.pdf").read_bytes()).hexdigest()
    manifest = {e["path"]: e["sha256"] for e in doc["evidence"]}
    assert manifest["evidence/attestations/L2-MGMT-POL-01-qd-12.pdf"] == pdf_sha


def test_attestations_current_expired_and_missing(tmp_path: Path) -> None:
    report, _, _ = build(tmp_path)
    reqs = {r.requirement: r for r in report.evaluation.requirements}
    pol = reqs["L2-MGMT-POL-01"]
    assert pol.status is ReqStatus.met and pol.attestation is not None
    assert (
        pol.attestation.evidence_sha256
        == hashlib.sha256((tmp_path / "qd-12.pdf").read_bytes()).hexdigest()
    )
    assert str(pol.attestation.valid_until) == "2027-03-01"
    expired = reqs["L2-MGMT-IR-02"]
    assert expired.status is ReqStatus.not_met
    assert expired.attestation and expired.attestation.note == "outcome.attestation_expired"
    missing = reqs["L2-MGMT-RISK-01"]
    assert missing.status is ReqStatus.not_assessed
    assert missing.attestation and missing.attestation.status is Status.manual


def test_hardened_host_meets_its_technical_requirements(tmp_path: Path) -> None:
    report, _, _ = build(tmp_path)
    reqs = {r.requirement: r.status for r in report.evaluation.requirements}
    for req in (
        "L2-ACC-PWD-01",
        "L2-ACC-LOCK-01",
        "L2-CFG-FW-01",
        "L2-AST-ENC-01",
        "L2-LOG-RET-01",
        "L2-LOG-NTP-01",
        "L2-BAK-SEP-01",
        "L2-ACC-PRIV-01",
    ):
        assert reqs[req] is ReqStatus.met, req
    assert reqs["L2-WEB-TLS-01"] is ReqStatus.not_applicable  # no website in the inventory
    assert reqs["L2-NET-FW-01"] is ReqStatus.not_assessed  # no router listed: say so
    summary = report.evaluation.summary
    assert 0 < summary.coverage < 1 and summary.assessed <= summary.applicable


@pytest.mark.parametrize(
    "lang,words",
    [
        ("vi", ["Không đạt", "Danh sách việc cần khắc phục", "Cách khắc phục"]),
        ("en", ["Not met", "Remediation list", "How to fix"]),
    ],
)
def test_html_is_in_the_requested_language(tmp_path: Path, lang: str, words: list[str]) -> None:
    _, _, out = build(tmp_path, lang=lang)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html
    remediation = html.split(f"<h2>{words[1]}</h2>")[1]
    assert "L2-MGMT-RISK-01" in remediation and "L2-MGMT-IR-02" in remediation


def test_hostile_names_are_escaped_in_html(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    _, _, out = build(tmp_path, hostname=evil, asset_name=evil)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_previous_report_is_archived_and_chained(tmp_path: Path) -> None:
    first, signer, out = build(tmp_path)
    first_digest = hashlib.sha256((out / "report.json").read_bytes()).hexdigest()
    second, _, _ = build(tmp_path, signer=signer)
    assert second.previous_report_sha256 == first_digest
    archived = out / "archive" / first.report_id
    assert (archived / "report.json").exists() and (archived / "evidence").is_dir()
    assert verify_dir(archived, anchor(tmp_path)).ok
    assert verify_dir(out, anchor(tmp_path)).ok


def test_verify_proves_the_report_is_the_newest_link_of_its_chain(tmp_path: Path) -> None:
    """Restoring an older signed report over the current one is detected by `verify`."""
    import shutil

    from tests.helpers import auditor_cli

    first, signer, out = build(tmp_path)
    second, _signer, out = build(tmp_path, signer=signer)
    ca = str(tmp_path / "keys" / "cert.pem")
    home = tmp_path / "home"
    ok = auditor_cli("--lang", "en", "verify", str(out), "--ca", ca, home=home)
    assert ok.returncode == 0, ok.stderr
    assert "follows 1 reports kept in archive/" in ok.stdout
    # the attacker puts the first (validly signed) report back in place of the second
    for name in ("report.json", "report.json.p7s"):
        shutil.copy(out / "archive" / first.report_id / name, out / name)
    shutil.rmtree(out / "evidence")
    shutil.copytree(out / "archive" / first.report_id / "evidence", out / "evidence")
    restored = auditor_cli("--lang", "en", "verify", str(out), "--ca", ca, home=home)
    assert restored.returncode == 1
    assert "This is not the newest report" in restored.stderr
    assert second.report_id  # the newest was made after the first


def test_html_has_the_methodology_appendix_and_partly_met_ratios(tmp_path: Path) -> None:
    _, _, out = build(tmp_path, lang="vi")
    html = (out / "report.html").read_text(encoding="utf-8")
    appendix = html.split('id="methodology"', 1)[1]
    assert "Kết quả đạt chứng minh" in appendix and "Không chứng minh" in appendix
    assert "chỉ tài khoản root có mã người dùng 0" in appendix
    assert "1/1 tài sản đạt" in html
