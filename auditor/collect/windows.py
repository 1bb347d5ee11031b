"""Collect Windows facts: the same PowerShell script over OpenSSH, or imported from a file
the officer brought back on a USB stick. Both end in windows_parse, so facts are identical."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from auditor.collect.base import HostResult
from auditor.collect.ssh import run_remote
from auditor.collect.windows_parse import load_document, parse_windows
from auditor.errors import CollectionError
from auditor.facts import CollectionFailure
from auditor.inventory import Asset

FACTS_FILE = "facts.json"
RECORD_FILE = "record.json"
RECORD_SIG = "record.json.p7s"
RecordCheck = Callable[[Path], str | None]  # import dir → problem detail, or None when intact


def windows_script() -> str:
    return files("auditor.collect").joinpath("windows_facts.ps1").read_text(encoding="utf-8")


def _ps_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def powershell_args(asset: Asset) -> list[str]:
    """powershell.exe arguments for a short bootstrap that reads the script from stdin and
    runs it with its parameters (Windows command lines are too short for the script)."""
    args = ""
    if asset.backup is not None:
        path, pattern = _ps_quote(asset.backup.path), _ps_quote(asset.backup.pattern)
        args = f" -BackupPath {path} -BackupPattern {pattern}"
    bootstrap = f"$s = [Console]::In.ReadToEnd(); & ([scriptblock]::Create($s)){args}"
    encoded = base64.b64encode(bootstrap.encode("utf-16-le")).decode()
    return [
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-EncodedCommand",
        encoded,
    ]


def powershell_command(asset: Asset) -> str:
    """The bootstrap as one command line (for OpenSSH, whose default shell is cmd.exe)."""
    return " ".join(["powershell.exe", *powershell_args(asset)])


def facts_from_bytes(data: bytes, source: str) -> HostResult:
    """Parse a facts document; any defect is this host's collection failure."""
    evidence = {"windows-facts.json": data[: 8 * 1024 * 1024]}
    try:
        host = parse_windows(load_document(data))
    except CollectionError as exc:
        return HostResult(
            failures=[CollectionFailure(source=source, code=exc.code, detail=exc.detail)],
            evidence=evidence,
        )
    return HostResult(host=host, evidence=evidence)


def collect_windows_ssh(asset: Asset, known_hosts: Path, timeout_s: int) -> HostResult:
    """Run the fact script through OpenSSH for Windows (same host-key rules as Linux)."""
    try:
        raw = run_remote(
            asset, known_hosts, timeout_s, powershell_command(asset), windows_script().encode()
        )
    except CollectionError as exc:
        return HostResult(
            failures=[CollectionFailure(source="ssh", code=exc.code, detail=exc.detail)]
        )
    return facts_from_bytes(raw, "ssh")


def collect_import(
    asset: Asset, imports_dir: Path, max_age_days: int, now: datetime, check: RecordCheck
) -> HostResult:
    """Facts the officer imported with `auditor import`, if intact and recent enough."""
    directory = imports_dir / asset.id
    facts_path = directory / FACTS_FILE
    if not facts_path.is_file():
        return HostResult(failures=[CollectionFailure(source="import", code="import.missing")])
    problem = check(directory)
    evidence = {
        name: (directory / name).read_bytes()
        for name in (FACTS_FILE, RECORD_FILE, RECORD_SIG)
        if (directory / name).is_file()
    }
    if problem is not None:
        return HostResult(
            failures=[CollectionFailure(source="import", code="import.tampered", detail=problem)],
            evidence=evidence,
        )
    result = facts_from_bytes(facts_path.read_bytes(), "import")
    result.evidence = evidence
    if result.host is not None:
        age = (now - result.host.collected_at).days
        if age > max_age_days:
            return HostResult(
                failures=[CollectionFailure(source="import", code="import.stale", detail=str(age))],
                evidence=evidence,
            )
    return result
