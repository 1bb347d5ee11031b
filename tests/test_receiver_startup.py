"""`auditor receiver serve` checks everything before it says it listens: swapped
certificate and key, a trust file that is not PEM, a database URL it cannot open, a port out
of range or taken. Each is a clear message and exit 2, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.receiver.demo import make_demo

AUDITOR = [sys.executable, "-m", "auditor.cli"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("province")
    make_demo(root / "demo", communes=2, reports=1)
    return root / "demo"


def serve(demo: Path, *changes: str, **options: str) -> subprocess.CompletedProcess[str]:
    args = {
        "--db": f"sqlite:///{demo}/received.db",
        "--trust": str(demo / "trust.pem"),
        "--cert": str(demo / "tls-cert.pem"),
        "--key": str(demo / "tls-key.pem"),
        "--port": "1",
    } | {f"--{k.replace('_', '-')}": v for k, v in options.items()}
    flat = [x for pair in args.items() for x in pair]
    return subprocess.run(
        [*AUDITOR, *changes, "receiver", "serve", *flat],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refused(run: subprocess.CompletedProcess[str], *named: str) -> None:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "Listening on" not in run.stderr and "Đang nhận báo cáo" not in run.stderr
    for word in named:
        assert word in run.stderr, (word, run.stderr)


def test_every_startup_problem_is_said_before_listening(demo: Path, tmp_path: Path) -> None:
    refused(
        serve(demo, cert=str(demo / "tls-key.pem"), key=str(demo / "tls-cert.pem")),
        "tls-key.pem",
    )
    not_pem = tmp_path / "trust.der"
    not_pem.write_bytes(b"\x30\x82\x01\x0a not a PEM file")
    refused(serve(demo, trust=str(not_pem)), "trust.der", "PEM")
    refused(serve(demo, db="mysql+nothing://x"), "--db")
    refused(serve(demo, port="70000"), "70000")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        refused(serve(demo, "--lang", "vi", port=port), port, "đang được dùng")
