"""Benchmark: how to talk SSH to many hosts — paramiko threads vs asyncssh (needs root).

    .venv/bin/python bench/ssh_clients.py [--hosts 100]   # asyncssh: pip install asyncssh

On a fresh lab of N hosts, from the controller namespace, in one run:
- connect + key exchange + public-key auth only, then close (paramiko, 32 threads);
- our collector: one session per host running the batched fact script (paramiko, threads
  at concurrency 8 and 32);
- the same script with asyncssh (one event loop, at most 32 connections at once), if it
  is installed (it is not a dependency of commune-auditor).
Prints wall time, ms per host and this process's CPU seconds for each.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lab import network  # noqa: E402

WORKER = r"""
import asyncio, os, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from auditor.collect.base import linux_script
from auditor.collect.ssh import _connect, collect_ssh
from auditor.inventory import load_inventory

mode, concurrency = sys.argv[1], int(sys.argv[2])
inventory = load_inventory(Path(sys.argv[3]))
hosts = [a for a in inventory.assets if a.kind.value == "linux"]
known = inventory.settings.known_hosts

def handshake(asset):
    _connect(asset, known, 30).close()
    return 0

def collect(asset):
    return len(collect_ssh(asset, known, 30).failures)

async def with_asyncssh():
    import asyncssh
    gate = asyncio.Semaphore(concurrency)
    async def one(asset):
        async with gate:
            async with asyncssh.connect(
                asset.address, username="root", client_keys=[str(asset.credential.key_file)],
                known_hosts=str(known),
            ) as conn:
                done = await conn.run("/bin/sh -s", input=linux_script(asset), check=False)
                return 0 if "@@AUDITOR-SECTION end@@" in done.stdout else 1
    return sum(await asyncio.gather(*(one(a) for a in hosts)))

started, cpu0 = time.perf_counter(), os.times()
if mode == "asyncssh":
    failed = asyncio.run(with_asyncssh())
else:
    fn = handshake if mode == "handshake" else collect
    with ThreadPoolExecutor(concurrency) as pool:
        failed = sum(pool.map(fn, hosts))
cpu1 = os.times()
print(time.perf_counter() - started, cpu1.user - cpu0.user + cpu1.system - cpu0.system, failed)
"""


def run(mode: str, concurrency: int, inventory: Path) -> tuple[float, float, int] | None:
    cmd = network.in_controller(
        sys.executable, "-c", WORKER, mode, str(concurrency), str(inventory)
    )
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        if "No module named 'asyncssh'" in done.stderr:
            return None
        raise SystemExit(f"{mode} failed: {done.stderr[-800:]}")
    wall, cpu, failed = done.stdout.split()
    return float(wall), float(cpu), int(failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    args = parser.parse_args()
    missing = network.why_not_available()
    if missing:
        raise SystemExit(missing)
    from tests.lab.inventory import write_inventory

    cases: list[tuple[str, str, int]] = [
        ("connect + KEX + auth only (paramiko)", "handshake", 32),
        ("fact script, paramiko threads x8", "collect", 8),
        ("fact script, paramiko threads x32", "collect", 32),
        ("fact script, asyncssh x32", "asyncssh", 32),
    ]
    show: Callable[[str, str], None] = lambda a, b: print(f"{a:<40}{b}")  # noqa: E731
    try:
        state = network.up(args.hosts, router=False)
        inventory = write_inventory(state, Path(network.ROOT) / "bench-inventory.yaml")
        print(f"machine: {os.cpu_count()} CPUs; {args.hosts} lab hosts")
        show("", f"{'wall s':>9}{'ms/host':>9}{'CPU s':>8}{'failed':>8}")
        for label, mode, concurrency in cases:
            got = run(mode, concurrency, inventory)
            if got is None:
                show(label, "   skipped (pip install asyncssh)")
                continue
            wall, cpu, failed = got
            show(label, f"{wall:>9.2f}{wall / args.hosts * 1000:>9.0f}{cpu:>8.2f}{failed:>8}")
    finally:
        network.down()


if __name__ == "__main__":
    main()
