"""Verify a report directory: CMS signature, signer trust, every evidence file's hash, and
that it is the newest link of its chain (archive/) — an older signed report restored over
the current one is caught."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509

from auditor.fileio import read_regular
from auditor.report.model import Report, parse_report
from auditor.report.outputs import REPORT, SIGNATURE
from auditor.report.signing import verify_detached
from auditor.report.writer import ARCHIVE_DIR, EVIDENCE_DIR


@dataclass
class Verdict:
    problems: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    signer: str = ""
    evidence_checked: int = 0
    archived_checked: int = 0
    report: Report | None = None
    report_sha256: str = ""  # of report.json as read, for what must be bound to it (PDFs)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_dir(directory: Path, anchors: list[x509.Certificate]) -> Verdict:
    """Every failure is listed; the verdict is valid only with none at all."""
    verdict = Verdict()
    content_path, sig_path = directory / REPORT, directory / SIGNATURE
    for path in (content_path, sig_path):
        if not path.is_file():
            verdict.problems.append(("verify.missing_file", {"path": str(path)}))
    if verdict.problems:
        return verdict
    content = content_path.read_bytes()
    verdict.report_sha256 = hashlib.sha256(content).hexdigest()
    check = verify_detached(content, sig_path.read_bytes(), anchors)
    verdict.signer = check.signer_subject
    verdict.problems += [(code, {}) for code in check.problems]
    try:
        report = parse_report(content)
    except ValueError:
        verdict.problems.append(("verify.report_unreadable", {}))
        return verdict
    verdict.report = report
    _check_chain(directory, report, verdict)
    listed = set()
    for entry in report.evidence:
        path = directory / entry.path
        listed.add(entry.path)
        if not path.resolve().is_relative_to(directory.resolve()) or not path.is_file():
            verdict.problems.append(("verify.evidence_missing", {"path": entry.path}))
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.sha256 or len(data) != entry.size:
            verdict.problems.append(("verify.evidence_changed", {"path": entry.path}))
            continue
        verdict.evidence_checked += 1
    evidence_root = directory / EVIDENCE_DIR
    if evidence_root.is_dir():
        for path in sorted(evidence_root.rglob("*")):
            relative = path.relative_to(directory).as_posix()
            if path.is_file() and relative not in listed:
                verdict.problems.append(("verify.evidence_unlisted", {"path": relative}))
    return verdict


MAX_REPORT = 256 * 1024 * 1024


def _check_chain(directory: Path, report: Report, verdict: Verdict) -> None:
    """The report names the newest archived report's digest, and none is newer than it."""
    archive = directory / ARCHIVE_DIR
    if not archive.is_dir() or archive.is_symlink():
        return
    archived: list[tuple[str, datetime, str]] = []
    for folder in sorted(archive.iterdir()):
        path = folder / REPORT
        if folder.is_symlink() or not path.is_file():
            continue
        try:
            data = read_regular(path, MAX_REPORT)
            old = parse_report(data)
        except (OSError, ValueError):
            continue
        archived.append((hashlib.sha256(data).hexdigest(), old.generated_at, old.report_id))
    if not archived:
        return
    own = verdict.report_sha256
    newest = max(archived, key=lambda a: a[1])
    if own in {a[0] for a in archived} or newest[1] > report.generated_at:
        verdict.problems.append(("verify.not_newest", {"id": newest[2]}))
    elif report.previous_report_sha256 != newest[0]:
        verdict.problems.append(("verify.chain_broken", {"id": newest[2]}))
    else:
        verdict.archived_checked = len(archived)
