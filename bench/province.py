"""What the province benchmarks share: a store (the demo's SQLite, or a PostgreSQL started
for the run), the real `auditor receiver serve` over a generated province, and the
percentiles they print."""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.receiver.demo import Demo  # noqa: E402
from tests.pg import Cluster, why_not_available  # noqa: E402
from tests.sshd import free_port  # noqa: E402


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for the demo's own SQLite file, else the URL of a PostgreSQL started here."""
    if kind == "sqlite":
        yield None
        return
    reason = why_not_available()
    if reason:
        raise SystemExit(reason)
    cluster = Cluster.temporary()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@contextlib.contextmanager
def served(demo: Demo, *options: str) -> Iterator[str]:
    """`auditor receiver serve` over the demo on 127.0.0.1; its base URL once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "auditor.cli", "receiver", "serve", "--db", demo.db_url,
         "--trust", str(demo.trust), "--cert", str(demo.tls_cert), "--key",
         str(demo.tls_key), "--port", str(port), *options],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"https://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, verify=False) as client:
            for _ in range(200):
                try:
                    client.get("/login")
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # idle keep-alive connections hold it
            server.kill()


def log_in(client: httpx.Client, password: str) -> None:
    """Log in as the dashboard's form does: its CSRF token first, then the fields."""
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": "demo", "password": password, "csrf": token})
    assert answer.status_code == 303, answer.status_code


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return (
        f"p50 {statistics.median(times) * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms, "
        f"max {times[-1] * 1000:6.0f} ms ({len(times)})"
    )
