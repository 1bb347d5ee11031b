"""Benchmark: the province dashboard over a large province (target: the communes page and
the heat map for 2,000 communes x 8 reports in <= 300 ms p95 on loopback).

    .venv/bin/python bench/dashboard_load.py [--communes 2000] [--reports 8] [--requests 40]
        [--db sqlite|postgresql] [--readers 1,4]

Generates the province with `make_demo` (real signed reports in SQLite, or in a PostgreSQL
the bench starts itself), serves it with the real `auditor receiver serve` on 127.0.0.1,
then, for each number of readers, has that many logged-in staff request `/` and `/heatmap`
at once, each `--requests` times, after one warm-up request per page (the first parses the
latest two reports of every commune once). Prints p50/p95/max per page. Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from province import database, percentiles, served  # bench/ is on sys.path

from auditor.receiver.demo import make_demo


def timed_reads(base: str, password: str, page: str, readers: int, requests: int) -> list[float]:
    """`readers` logged-in clients each GET `page` `requests` times, all at once."""

    def reader(_: int) -> list[float]:
        with httpx.Client(base_url=base, verify=False, timeout=120) as client:
            client.post("/login", data={"username": "demo", "password": password})
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                assert client.get(page).status_code == 200
                times.append(time.perf_counter() - t0)
            return times

    with ThreadPoolExecutor(readers) as pool:
        return sorted(t for times in pool.map(reader, range(readers)) for t in times)


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
                client.post("/login", data={"username": "demo", "password": password})
                for page in ("/", "/heatmap"):
                    first = time.perf_counter()
                    assert client.get(page).status_code == 200
                    print(f"{page:<10} first request {(time.perf_counter() - first) * 1000:.0f} ms")
            for readers in (int(n) for n in args.readers.split(",")):
                for page in ("/", "/heatmap"):
                    times = timed_reads(base, password, page, readers, args.requests)
                    print(f"{page:<10} {readers:>2} reader(s): {percentiles(times)}")


if __name__ == "__main__":
    main()
