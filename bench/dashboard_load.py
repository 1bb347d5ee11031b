"""Benchmark: the province dashboard over a large province (target: the communes page and
the heat map for 2,000 communes x 8 reports in <= 300 ms p95 on loopback).

    .venv/bin/python bench/dashboard_load.py [--communes 2000] [--reports 8] [--requests 40]
        [--db sqlite|postgresql] [--readers 1,4]

Generates the province with `make_demo` (real signed reports in SQLite, or in a PostgreSQL
the bench starts itself), serves it with the real `auditor receiver serve` on 127.0.0.1,
then, for each number of readers, has that many logged-in staff request `/` and `/heatmap`
at once, each `--requests` times, after one warm-up request per page (the first reads the
reports' digests and verifies the latest signatures once), then opens 20 communes' own pages.
Prints p50/p95/max per page and the server's resident memory (now and at its peak, from
/proc). Asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from province import database, log_in, percentiles, served  # bench/ is on sys.path

from auditor.receiver.demo import make_demo


def timed_reads(base: str, password: str, page: str, readers: int, requests: int) -> list[float]:
    """`readers` logged-in clients each GET `page` `requests` times, all at once."""

    def reader(_: int) -> list[float]:
        with httpx.Client(base_url=base, verify=False, timeout=120) as client:
            log_in(client, password)
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                assert client.get(page).status_code == 200
                times.append(time.perf_counter() - t0)
            return times

    with ThreadPoolExecutor(readers) as pool:
        return sorted(t for times in pool.map(reader, range(readers)) for t in times)


def server_memory() -> str:
    """The receiver's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    (server,) = [p for p in psutil.Process().children(recursive=True) if "serve" in p.cmdline()]
    status = Path(f"/proc/{server.pid}/status").read_text()
    kb = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return f"server RSS {int(kb['VmRSS']) / 1024:.0f} MB, peak {int(kb['VmHWM']) / 1024:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--readers", default="1", help="comma-separated numbers of readers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db) as db_url:
        started = time.perf_counter()
        demo = make_demo(Path(tmp) / "demo", args.communes, args.reports, db_url=db_url)
        print(
            f"generated {args.communes} x {args.reports} signed reports in {args.db} in "
            f"{time.perf_counter() - started:.1f} s"
        )
        password = demo.password_file.read_text().strip()
        with served(demo) as base:
            with httpx.Client(base_url=base, verify=False, timeout=120) as client:
                log_in(client, password)
                for page in ("/", "/heatmap"):
                    first = time.perf_counter()
                    assert client.get(page).status_code == 200
                    print(f"{page:<10} first request {(time.perf_counter() - first) * 1000:.0f} ms")
                print("after the first views:", server_memory())
            for readers in (int(n) for n in args.readers.split(",")):
                for page in ("/", "/heatmap"):
                    times = timed_reads(base, password, page, readers, args.requests)
                    print(f"{page:<10} {readers:>2} reader(s): {percentiles(times)}")
            print("after the readers:", server_memory())
            with httpx.Client(base_url=base, verify=False, timeout=120) as client:
                log_in(client, password)
                links = re.findall(r'href="(/communes/[^"?]+)"', client.get("/").text)[:20]
                times = []
                for link in links:
                    started = time.perf_counter()
                    assert client.get(link).status_code == 200
                    times.append(time.perf_counter() - started)
                print(f"{len(links)} commune pages: {percentiles(times)}")
            print("after the commune pages:", server_memory())


if __name__ == "__main__":
    main()
