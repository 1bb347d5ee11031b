"""Benchmark: the receiver holding a province on PostgreSQL (target: 2,000 communes x 8
reports stored; the communes listing <= 200 ms p95 and an upload <= 300 ms p95 with 20
concurrent uploaders, on loopback).

    .venv/bin/python bench/receiver_pg.py [--communes 2000] [--reports 8] [--uploads 400]

Starts its own PostgreSQL (initdb in a temporary folder, 127.0.0.1, random port), fills it
with `make_demo` (each commune its own key, really signed reports), serves it with the real
`auditor receiver serve`, then measures `GET /api/communes` (HTTP Basic, argon2 checked on
every request) sequentially, and new signed reports uploaded by 20 threads at once, each
with its commune's own token. Prints p50/p95/max. Asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from province import database, log_in, percentiles, served  # bench/ is on sys.path

from auditor.checking import discover
from auditor.policy import load_policy
from auditor.receiver.demo import demo_report, make_demo
from auditor.report.model import PolicyInfo, RequirementInfo, canonical_bytes
from auditor.report.signing import load_signer, sign_detached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=8)
    parser.add_argument("--uploads", type=int, default=400)
    parser.add_argument("--listings", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database("postgresql") as db:
        started = time.perf_counter()
        demo = make_demo(Path(tmp) / "demo", args.communes, args.reports, db_url=db)
        print(
            f"stored {args.communes} x {args.reports} signed reports in PostgreSQL in "
            f"{time.perf_counter() - started:.1f} s"
        )
        tokens = json.loads((Path(tmp) / "demo" / "tokens.json").read_text())
        pack = load_policy("nd85-level2", discover())
        infos = [RequirementInfo.of(r) for r in pack.requirements]
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        base = PolicyInfo.of(pack, now.date())
        rng = random.Random(7)
        names = sorted(tokens)
        bodies = []
        signers = {}
        for n in range(args.uploads):
            name = names[n % len(names)]
            if name not in signers:
                signers[name] = load_signer(Path(tokens[name]["keys"]), None)
            content = canonical_bytes(demo_report(rng, name, now, infos, base))
            body = {
                "report_id": json.loads(content)["report_id"],
                "report": base64.b64encode(content).decode(),
                "signature": base64.b64encode(sign_detached(content, signers[name])).decode(),
            }
            bodies.append((tokens[name]["token"], body))
        with served(demo, "--max-uploads", "20") as base_url:
            password = demo.password_file.read_text().strip()
            with httpx.Client(base_url=base_url, verify=False, timeout=60) as client:
                # the dashboard parses the latest reports once at start: let it finish
                log_in(client, password)
                assert client.get("/").status_code == 200
                listing = []
                for _ in range(args.listings + 1):
                    t0 = time.perf_counter()
                    answer = client.get("/api/communes", auth=("demo", password))
                    assert answer.status_code == 200, answer.status_code
                    listing.append(time.perf_counter() - t0)
                print(
                    f"GET /api/communes ({len(answer.json())} communes): "
                    + percentiles(listing[1:])
                )
            local = threading.local()

            def upload(item: tuple[str, dict[str, str]]) -> tuple[int, float]:
                token, body = item
                if not hasattr(local, "client"):
                    local.client = httpx.Client(base_url=base_url, verify=False, timeout=60)
                t0 = time.perf_counter()
                sent = local.client.post(
                    "/api/reports", json=body, headers={"Authorization": f"Bearer {token}"}
                )
                return sent.status_code, time.perf_counter() - t0

            t0 = time.perf_counter()
            with ThreadPoolExecutor(20) as pool:
                results = list(pool.map(upload, bodies))
            wall = time.perf_counter() - t0
            codes = [c for c, _ in results]
            print(
                f"POST /api/reports, 20 uploaders: {percentiles([t for _, t in results])};"
                f" {len(bodies) / wall:.0f} req/s; 201: {codes.count(201)}, 503: "
                f"{codes.count(503)}, other: {len(codes) - codes.count(201) - codes.count(503)}"
            )


if __name__ == "__main__":
    main()
