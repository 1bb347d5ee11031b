"""The receiver under attack, on loopback (issue #27's figures): the real `auditor receiver
serve` over a demo province, its resident memory sampled from /proc all along.

    .venv/bin/python bench/receiver_attack.py [--seconds 20] [--idle 1100] [--uploads 50]

1. 40 clients post bogus logins for `--seconds` while a commune uploads a signed report
   every 2 s: the uploads' times and the server's peak RSS.
2. `--idle` TCP connections from 127.0.0.1 that never start TLS, then a request from
   127.0.0.2: how long it takes to be served.
3. `--uploads` signed reports of ~12 MB sent at once (the receiver verifies 4 at a time and
   tells the rest to come back): the server's peak RSS and the answers.
Asserts nothing; prints the figures bench/RESULTS.md records.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import random
import resource
import socket
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from province import log_in, percentiles, served  # bench/ is on sys.path

from auditor.checking import discover
from auditor.policy import load_policy
from auditor.receiver.demo import demo_report, make_demo
from auditor.report.model import EvidenceEntry, PolicyInfo, RequirementInfo, canonical_bytes
from auditor.report.signing import load_signer, sign_detached


class Sampler:
    """The server's resident memory, sampled every 50 ms; `peak()` since the last reset."""

    def __init__(self) -> None:
        (self.process,) = [
            p for p in psutil.Process().children(recursive=True) if "serve" in p.cmdline()
        ]
        self.top, self.stop = self.process.memory_info().rss, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):  # the server ended with the bench
            while not self.stop.is_set():
                self.top = max(self.top, self.process.memory_info().rss)
                time.sleep(0.05)

    def reset(self) -> None:
        self.top = self.process.memory_info().rss

    def peak(self) -> str:
        return f"{self.top / 1e6:.0f} MB"


FORM = {"json": False}  # --json: the base64 envelope of earlier versions, not multipart


def upload_body(
    tokens: dict[str, dict[str, str]], name: str, padding: int = 0
) -> tuple[str, bytes, str]:
    """A fresh signed report of commune `name` (with `padding` evidence entries to make it
    big), as the body `auditor upload` sends (multipart), with its content type."""
    pack = load_policy("nd85-level2", discover())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = demo_report(
        random.Random(), name, now, [RequirementInfo.of(r) for r in pack.requirements],
        PolicyInfo.of(pack, now.date()),
    )  # fmt: skip
    if padding:
        entries = [
            EvidenceEntry(path=f"evidence/pc-{i:06d}/facts.json", sha256=f"{i:064x}", size=i)
            for i in range(padding)
        ]
        report = report.model_copy(update={"evidence": entries})
    content = canonical_bytes(report)
    signer = load_signer(Path(tokens[name]["keys"]), None)
    signature = sign_detached(content, signer)
    if FORM["json"]:
        body = {
            "report_id": report.report_id,
            "report": base64.b64encode(content).decode(),
            "signature": base64.b64encode(signature).decode(),
        }
        return tokens[name]["token"], json.dumps(body).encode(), "application/json"
    request = httpx.Request(
        "POST",
        "https://receiver/api/reports",
        data={"report_id": report.report_id},
        files={
            "report": ("report.json", content, "application/json"),
            "signature": ("report.json.p7s", signature, "application/pkcs7-signature"),
        },
    )
    return tokens[name]["token"], request.read(), request.headers["content-type"]


def flood(base: str, sampler: Sampler, tokens: dict[str, dict[str, str]], seconds: float) -> None:
    names = sorted(tokens)
    stop = threading.Event()
    answers: Counter[int] = Counter()

    def attacker(n: int) -> None:
        """One attacker per loopback address (127.0.0.2 …), so that the per-address caps
        do not simply cut them all: the flood reaches the login itself."""
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{2 + n}", verify=False)
        url = base.replace("localhost", "127.0.0.1")
        with httpx.Client(base_url=url, transport=transport, timeout=30) as client:
            while not stop.is_set():
                try:
                    page = client.get("/login")
                    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
                    answer = client.post(
                        "/login",
                        data={"username": f"ke-gian-{n}", "password": "sai", "csrf": token},
                    )
                    answers[answer.status_code] += 1
                except httpx.HTTPError:
                    answers[0] += 1  # cut by the receiver

    sampler.reset()
    threads = [threading.Thread(target=attacker, args=(n,), daemon=True) for n in range(40)]
    for thread in threads:
        thread.start()
    times, codes = [], []
    started = time.monotonic()
    with httpx.Client(base_url=base, verify=False, timeout=60) as client:
        while time.monotonic() - started < seconds:
            token, body, kind = upload_body(tokens, names[len(times) % len(names)])
            t0 = time.perf_counter()
            sent = client.post(
                "/api/reports",
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": kind},
            )
            times.append(time.perf_counter() - t0)
            codes.append(sent.status_code)
            time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    print(
        f"1. login flood, 40 clients, {seconds:.0f} s: {dict(answers)} answers to bogus logins "
        "(0 = connection cut)"
    )
    print(f"   uploads during it: {percentiles(times)}; answers {Counter(codes)}")
    print(f"   server peak RSS {sampler.peak()}")


def idle(base: str, port: int, count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    held = []
    for _ in range(count):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    transport = httpx.HTTPTransport(local_address="127.0.0.2", verify=False)
    with httpx.Client(transport=transport, timeout=30) as client:
        t0 = time.perf_counter()
        answer = client.get(base.replace("localhost", "127.0.0.1") + "/login")
        took = time.perf_counter() - t0
    refused = 0
    for sock in held:
        sock.settimeout(0.01)
        with contextlib.suppress(TimeoutError, OSError):
            refused += sock.recv(1) == b""
        sock.close()
    print(
        f"2. {len(held)} idle TCP connections from 127.0.0.1 ({refused} closed at once): "
        f"a request from 127.0.0.2 answered {answer.status_code} in {took * 1000:.0f} ms"
    )


def big_uploads(base: str, sampler: Sampler, tokens: dict[str, dict[str, str]], n: int) -> None:
    names = sorted(tokens)
    bodies = [upload_body(tokens, names[i % len(names)], padding=95_000) for i in range(n)]
    warm = upload_body(tokens, names[-1], padding=95_000)  # loads pyHanko and the validators
    with httpx.Client(base_url=base, verify=False, timeout=120) as client:
        headers = {"Authorization": f"Bearer {warm[0]}", "Content-Type": warm[2]}
        client.post("/api/reports", content=warm[1], headers=headers)
    sampler.reset()
    before = sampler.top
    barrier = threading.Barrier(n)

    def send(index: int) -> tuple[int, float]:
        """Each commune from its own address, as communes are."""
        token, body, kind = bodies[index]
        transport = httpx.HTTPTransport(local_address=f"127.0.1.{1 + index}", verify=False)
        url = base.replace("localhost", "127.0.0.1")
        with httpx.Client(base_url=url, transport=transport, timeout=120) as client:
            barrier.wait()
            t0 = time.perf_counter()
            try:
                answer = client.post(
                    "/api/reports",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": kind,
                    },
                )
            except httpx.HTTPError:
                return 0, time.perf_counter() - t0
            return answer.status_code, time.perf_counter() - t0

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(send, range(n)))
    codes = Counter(c for c, _ in results)
    form = bodies[0][2].split(";")[0]
    print(
        f"3. {n} uploads of {len(bodies[0][1]) / 1e6:.1f} MB ({form}) at once: "
        f"answers {dict(codes)}; "
        f"{percentiles([t for _, t in results])}"
    )
    in_flight = min(n, 4)  # the receiver's upload slots
    each = (sampler.top - before) / in_flight
    print(
        f"   server peak RSS {sampler.peak()} (warmed: {before / 1e6:.0f} MB): "
        f"{each / 1e6:.0f} MB per upload in flight, {each / len(bodies[0][1]):.2f}x its "
        f"{len(bodies[0][1]) / 1e6:.1f} MB body"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--idle", type=int, default=1100)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="send the older base64 envelope")
    args = parser.parse_args()
    FORM["json"] = args.json
    with tempfile.TemporaryDirectory() as tmp:
        demo = make_demo(Path(tmp) / "demo", communes=20, reports=1)
        tokens = json.loads((Path(tmp) / "demo" / "tokens.json").read_text())
        with served(demo) as base:
            with httpx.Client(base_url=base, verify=False) as client:
                log_in(client, demo.password_file.read_text().strip())
            sampler = Sampler()
            print(f"server RSS at rest {sampler.peak()}")
            if args.seconds:
                flood(base, sampler, tokens, args.seconds)
            if args.idle:
                idle(base, int(base.rsplit(":", 1)[1]), args.idle)
            if args.uploads:
                big_uploads(base, sampler, tokens, args.uploads)


if __name__ == "__main__":
    main()
