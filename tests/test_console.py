"""The audit as the officer sees it: per-host progress and a closing summary on a terminal
(run under a real pseudo-terminal), one plain log line per event through a pipe."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ORG

NETDEV = FIXTURES / "netdev"


def _inventory(tmp_path: Path) -> Path:
    for name in ("cisco-ios-hardened.txt", "mikrotik-hardened.rsc"):
        shutil.copy(NETDEV / name, tmp_path / name)
    path = tmp_path / "inventory.yaml"
    path.write_text(
        ORG
        + "assets:\n"
        + "  - {id: may-nay, name: Máy này, kind: linux, connection: local, scan: false}\n"
        + "  - {id: router, name: Router, kind: netdevice, connection: import,"
        " config_file: cisco-ios-hardened.txt}\n"
        + "  - {id: mikrotik, name: MikroTik, kind: netdevice, connection: import,"
        " config_file: mikrotik-hardened.rsc}\n",
        encoding="utf-8",
    )
    return path


def _command(tmp_path: Path, *extra: str) -> list[str]:
    inv = _inventory(tmp_path)
    return [
        sys.executable,
        "-m",
        "auditor.cli",
        "--lang",
        "vi",
        *extra,
        "audit",
        "-i",
        str(inv),
        "-o",
        str(tmp_path / "out"),
        "--no-history",
    ]


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux 'script' is not installed")
def test_terminal_shows_each_host_and_a_closing_summary(tmp_path: Path) -> None:
    command = shlex.join(_command(tmp_path))
    env = {**os.environ, "AUDITOR_HOME": str(tmp_path / "home"), "COLUMNS": "120", "TERM": "xterm"}
    run = subprocess.run(
        ["script", "-qec", command, "/dev/null"],  # a real pseudo-terminal
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    seen = run.stdout
    for asset in ("may-nay", "router", "mikrotik"):
        assert f"— {asset} ✓" in seen, seen[-2000:]
    assert "Thu thập 3/3" in seen and "✓ Đánh giá" in seen
    assert "Đã ghi report.json, report.json.p7s, report.html" in seen
    assert "\x1b[" in seen  # it really drew on a terminal
    verbose = subprocess.run(
        ["script", "-qec", shlex.join(_command(tmp_path, "--verbose")), "/dev/null"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert re.search(r"\d{4}-\d\d-\d\dT\S+ Thu thập…", verbose.stdout), verbose.stdout[-2000:]


def test_pipe_gets_one_plain_line_per_event(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    run = subprocess.run(
        _command(tmp_path, "--log-file", str(log)),
        capture_output=True,
        text=True,
        env={**os.environ, "AUDITOR_HOME": str(tmp_path / "home")},
        timeout=180,
        check=False,
    )
    lines = run.stderr.splitlines()
    assert any(line.endswith("Thu thập…") for line in lines), run.stderr
    assert sum(" — " in line and " ✓ (" in line for line in lines) == 3
    assert any(line.endswith("Đánh giá: xong.") for line in lines)
    assert "\x1b[" not in run.stderr  # no colour codes in a log
    assert log.read_text(encoding="utf-8").count(" ✓ (") == 3
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    quiet = subprocess.run(
        _command(tmp_path, "--quiet"),
        capture_output=True,
        text=True,
        env={**os.environ, "AUDITOR_HOME": str(tmp_path / "home")},
        timeout=180,
        check=False,
    )
    assert " ✓ (" not in quiet.stderr and "Kết quả" in quiet.stdout


def test_the_library_logs_its_work_through_the_same_handlers(tmp_path: Path) -> None:
    """Collection, judgement and the store record their work with `logging` (named
    loggers, catalogue codes); `--log-file` and the console are its handlers and say each
    record in the officer's language, a failure's own code in words, never a raw key."""
    inv = _inventory(tmp_path)
    text = inv.read_text(encoding="utf-8") + (
        "  - {id: tat-may, name: Máy tắt, kind: linux, connection: ssh, address: 127.0.0.1,"
        " port: 1, credential: {user: x, agent: true}, scan: false}\n"
    )
    inv.write_text(text, encoding="utf-8")
    log = tmp_path / "audit.log"
    run = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "--lang", "vi", "--log-file", str(log), "audit",
         "-i", str(inv), "-o", str(tmp_path / "out"), "--db", f"sqlite:///{tmp_path}/h.db"],
        capture_output=True, text=True, timeout=180, check=False,
        env={**os.environ, "AUDITOR_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert run.returncode == 3, run.stderr  # one asset could not be collected
    written = log.read_text(encoding="utf-8")
    assert re.search(r"router \(import\): đã thu thập, [\d.]+ giây", written), written
    assert re.search(r"tat-may \(ssh\): không thu thập được", written), written
    assert re.search(r"tat-may: Không kết nối được", written), written  # its code, in words
    assert re.search(r"Đã đánh giá \d+ yêu cầu trên 4 tài sản: \d+ đạt", written), written
    assert "Đã tạo cơ sở dữ liệu mới" in written  # the new history database, made whole
    assert ".new" not in written  # never the temporary file it is made in
    assert "log." not in written and "ssh.unreachable" not in written
    assert re.search(r"tat-may \(ssh\): không thu thập được", run.stderr)  # the console too
    english = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "--lang", "en", "audit", "-i", str(inv),
         "-o", str(tmp_path / "out-en"), "--no-history"],
        capture_output=True, text=True, timeout=180, check=False,
        env={**os.environ, "AUDITOR_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert re.search(r"Judged \d+ requirements on 4 assets", english.stderr), english.stderr
