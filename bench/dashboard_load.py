"""Benchmark: the province dashboard over a large province (target: the communes page and
the heat map for 2,000 communes x 8 reports in <= 300 ms p95 on loopback).

    .venv/bin/python bench/dashboard_load.py [--communes 2000] [--reports 8] [--requests 40]

Generates the province with `make_demo` (real signed reports in SQLite), serves it with the
real `auditor receiver serve` on 127.0.0.1, logs in, then times sequential GETs of `/` and
`/heatmap` after one warm-up request each (the first parses the latest two reports of every
commune once). Prints p50/p95/max per page. Asserts nothing.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.receiver.demo import make_demo  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        demo = make_demo(Path(tmp) / "demo", args.communes, args.reports)
        print(
            f"generated {args.communes} x {args.reports} signed reports in "
            f"{time.perf_counter() - started:.1f} s"
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "auditor.cli", "receiver", "serve", "--db", demo.db_url,
             "--trust", str(demo.trust), "--cert", str(demo.tls_cert), "--key",
             str(demo.tls_key), "--port", str(port)],
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"https://127.0.0.1:{port}"
            with httpx.Client(base_url=base, verify=False, timeout=120) as client:
                for _ in range(100):
                    try:
                        client.get("/login")
                        break
                    except httpx.ConnectError:
                        time.sleep(0.1)
                password = demo.password_file.read_text().strip()
                client.post("/login", data={"username": "demo", "password": password})
                for page in ("/", "/heatmap"):
                    first = time.perf_counter()
                    assert client.get(page).status_code == 200
                    cold = time.perf_counter() - first
                    times = []
                    for _ in range(args.requests):
                        t0 = time.perf_counter()
                        assert client.get(page).status_code == 200
                        times.append(time.perf_counter() - t0)
                    times.sort()
                    p95 = times[max(0, int(len(times) * 0.95) - 1)]
                    print(
                        f"{page:<10} first {cold * 1000:7.0f} ms; then p50 "
                        f"{statistics.median(times) * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms,"
                        f" max {times[-1] * 1000:6.0f} ms ({args.requests} requests)"
                    )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
