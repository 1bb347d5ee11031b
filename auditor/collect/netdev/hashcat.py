"""Weak-password trials for the device hash formats no maintained Python library verifies
(FortiOS AK1/SH2, Cisco IOS type 4, 8 and 9), by Debian's `hashcat`: the maintained
implementation of those formats, run offline on this machine's CPU (OpenCL through pocl).

Bounded: the candidates are the short weak-password list, the hashes one device's, the run
a fixed time. The password found is never read back: hashcat writes only the hashes it
verified, into a private directory removed afterwards. Without hashcat (or an OpenCL device)
nothing is tried, and the accounts are named as untried, never called strong.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from auditor.logs import event

log = logging.getLogger(__name__)

# format → (hashcat mode, the stored hash's exact shape: anything else is not handed over)
FORMATS: dict[str, tuple[int, re.Pattern[str]]] = {
    "fortios-ak1": (7000, re.compile(r"AK1[A-Za-z0-9+/]{43}=")),
    "fortios-sh2": (26300, re.compile(r"SH2[A-Za-z0-9+/]{59}=")),
    "cisco-4": (5700, re.compile(r"[A-Za-z0-9./]{43}")),
    "cisco-8": (9200, re.compile(r"\$8\$[A-Za-z0-9./]{14}\$[A-Za-z0-9./]{43}")),
    "cisco-9": (9300, re.compile(r"\$9\$[A-Za-z0-9./]{14}\$[A-Za-z0-9./]{43}")),
}
TIME_LIMIT_S = 240  # one format on one device, the first run compiling its kernel included


@dataclass(frozen=True)
class Hashed:
    """An account whose stored password only hashcat can try."""

    name: str
    form: str  # a key of FORMATS, or a format nothing here can try (e.g. "fortios-pb2")
    value: str


@dataclass(frozen=True)
class Trial:
    weak: list[str]  # "name: weak password"
    # "name (format)": the stored hash could not be tried (no hashcat, a format it does not
    # know, a value of the wrong shape)
    untried: list[str]


def try_hashes(accounts: Sequence[Hashed], candidates: Sequence[str]) -> Trial:
    """Which accounts' hashes a candidate verifies, and which could not be tried."""
    weak: list[str] = []
    untried: list[str] = []
    for form in sorted({a.form for a in accounts}):
        group = [a for a in accounts if a.form == form]
        usable = [a for a in group if form in FORMATS and FORMATS[form][1].fullmatch(a.value)]
        untried += [f"{a.name} ({form})" for a in group if a not in usable]
        if not usable:
            continue
        verified = _verified(form, tuple(sorted({a.value for a in usable})), tuple(candidates))
        if verified is None:
            untried += [f"{a.name} ({form})" for a in usable]
            continue
        weak += [f"{a.name}: weak password" for a in usable if a.value in verified]
    return Trial(weak=weak, untried=untried)


@cache
def _verified(form: str, hashes: tuple[str, ...], candidates: tuple[str, ...]) -> set[str] | None:
    """The hashes among `hashes` that a candidate verifies; None when hashcat is missing,
    failed or ran out of time. Cached: one device's hashes are tried once per run."""
    program = shutil.which("hashcat")
    if program is None:
        return None
    mode = FORMATS[form][0]
    with tempfile.TemporaryDirectory(prefix="auditor-hashcat-") as work:
        folder = Path(work)  # mode 0700: the hashes and candidates stay private; its unique
        # name is the session's, so that two audits at once do not meet in hashcat's sessions
        _write(folder / "hashes", hashes)
        _write(folder / "words", candidates)
        command = [
            program, "-m", str(mode), "-a", "0", "-O", "--quiet", "--potfile-disable",
            "--logfile-disable", "--restore-disable", "--session", folder.name,
            "--outfile", str(folder / "found"), "--outfile-format", "1",
            str(folder / "hashes"), str(folder / "words"),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, cwd=folder, capture_output=True, timeout=TIME_LIMIT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            event(log, logging.WARNING, "log.collect.hashcat_failed", detail=type(error).__name__)
            return None
        if done.returncode not in (0, 1):  # 0: some verified, 1: all tried, none verified
            event(log, logging.WARNING, "log.collect.hashcat_failed", detail=done.returncode)
            return None
        found = folder / "found"
        lines = found.read_text("ascii", "replace").split() if found.exists() else []
        return set(lines) & set(hashes)


def _write(path: Path, lines: Iterable[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    path.chmod(0o600)
