"""Load test on loopback: N communes × M reports each to one receiver (default 200 × 4).

Starts `auditor receiver serve` as its own process on 127.0.0.1, sends every signed report
with 16 concurrent senders, sends each a second time (retries must not duplicate), then
prints throughput, stored count and the receiver's peak RSS. Loopback only.

    .venv/bin/python bench/receiver_load.py [--communes 200] [--reports 4]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from auditor.inventory import Organisation, Person  # noqa: E402
from auditor.receiver.accounts import add_account  # noqa: E402
from auditor.receiver.store import add_commune, open_store  # noqa: E402
from auditor.report.model import PolicyInfo, Report, ToolInfo, canonical_bytes  # noqa: E402
from auditor.report.signing import fingerprint, init_keys, sign_detached  # noqa: E402
from auditor.results import Evaluation, Summary  # noqa: E402
from tests.https_server import make_certs  # noqa: E402
from tests.sshd import free_port  # noqa: E402


def report(commune: int, when: dt.datetime) -> bytes:
    org = Organisation(
        name=f"UBND xã {commune:03d}",
        commune=f"xã {commune:03d}",
        province="Sơn La",
        security_officer=Person(name="Cán bộ"),
        incident_contact=Person(name="Cán bộ"),
    )
    summary = Summary(
        counts={},
        applicable=0,
        assessed=0,
        coverage=0.0,
        checks_total=0,
        checks_assessed=0,
        collection_failures=0,
    )
    model = Report(
        schema_version="1.0",
        report_id=str(uuid.uuid4()),
        generated_at=when,
        tool=ToolInfo(name="commune-auditor", version="bench"),
        auditor_host="bench",
        organisation=org,
        policy=PolicyInfo(
            id="nd85-level2",
            version="x",
            digest="0" * 64,
            title={"vi": "x", "en": "x"},
            legal_basis=[],
        ),  # type: ignore[arg-type]
        requirements=[],
        tailoring=[],
        inventory_sha256="0" * 64,
        previous_report_sha256=None,
        assets=[],
        evaluation=Evaluation(requirements=[], asset_results=[], summary=summary),
        evidence=[],
    )
    return canonical_bytes(model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=200)
    parser.add_argument("--reports", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "trust").mkdir()
        engine = open_store(f"sqlite:///{root}/rx.db")
        signers, tokens = {}, {}
        for commune in range(args.communes):  # each commune its own key, registered once
            name = f"UBND xã {commune:03d}"
            signers[commune] = init_keys(root / "keys" / str(commune), name)
            pem = signers[commune].cert.public_bytes(serialization.Encoding.PEM)
            (root / "trust" / f"{commune}.pem").write_bytes(pem)
            tokens[commune] = add_commune(engine, name, fingerprint(signers[commune].cert))
        add_account(engine, "bench", "bench-password-long")
        engine.dispose()
        ca, cert, key = make_certs(root, expired=False)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "auditor.cli",
                "receiver",
                "serve",
                "--db",
                f"sqlite:///{root}/rx.db",
                "--trust",
                str(root / "trust"),
                "--max-uploads",
                "16",
                "--port",
                str(port),
                "--cert",
                str(cert),
                "--key",
                str(key),
            ]
        )
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            proc = psutil.Process(server.pid)
            while not stop.is_set():
                try:
                    peak = max(peak, proc.memory_info().rss)
                except psutil.Error:
                    return
                time.sleep(0.05)

        threading.Thread(target=sample, daemon=True).start()
        now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        bodies = []
        for commune in range(args.communes):
            for i in range(args.reports):
                content = report(commune, now - dt.timedelta(days=90 * i))
                signature = sign_detached(content, signers[commune])
                body = {
                    "report_id": content.split(b'"report_id": "')[1][:36].decode(),
                    "report": base64.b64encode(content).decode(),
                    "signature": base64.b64encode(signature).decode(),
                }
                bodies.append((tokens[commune], body))
        context = ssl.create_default_context(cafile=str(ca))
        url = f"https://localhost:{port}/api/reports"
        for _ in range(100):
            try:
                httpx.get(
                    f"https://localhost:{port}/api/communes",
                    verify=context,
                    timeout=1,
                    auth=("bench", "bench-password-long"),
                )
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        local = threading.local()

        def send(item: tuple[str, dict[str, str]]) -> int:
            token, body = item
            if not hasattr(local, "client"):
                local.client = httpx.Client(verify=context, timeout=30)
            headers = {"Authorization": f"Bearer {token}"}
            return int(local.client.post(url, json=body, headers=headers).status_code)

        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            first = list(pool.map(send, bodies))
        elapsed = time.perf_counter() - started
        with ThreadPoolExecutor(16) as pool:
            second = list(pool.map(send, bodies))
        stop.set()
        with sqlite3.connect(root / "rx.db") as db:
            stored = db.execute("SELECT count(*) FROM received_reports").fetchone()[0]
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # idle keep-alive connections hold the shutdown
            server.kill()
        print(
            f"reports sent               {len(bodies)} ({args.communes} communes × {args.reports})"
        )
        print(f"first pass                 {elapsed:7.2f} s   {len(bodies) / elapsed:7.1f} req/s")
        print(f"created (201) / repeats 200 {first.count(201)} / {second.count(200)}")
        print(f"stored once                {stored == len(bodies)} ({stored} rows)")
        print(f"receiver peak RSS          {peak / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()
