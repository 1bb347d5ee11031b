"""Benchmark: full audits of the commune lab at growing sizes (needs root).

    .venv/bin/python bench/lab_scale.py [--sizes 1,10,50,100,250]

For each size: a fresh lab of N namespace hosts with real sshd plus the router, then one
`auditor audit` from the controller namespace — SSH collection, the nmap scan, policy
evaluation, report.json + HTML, evidence, CMS signature — exactly as an officer runs it.
Prints wall time, time per host, the auditor's CPU seconds (its own and nmap's), the
whole machine's CPU seconds (lab sshd and fact scripts included: they share the 2 cores)
and the auditor's peak RSS. Every run's verdicts are compared with the host profiles.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lab import network  # noqa: E402
from tests.lab.audit import mismatches  # noqa: E402
from tests.lab.inventory import write_inventory  # noqa: E402


def machine_cpu_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # all but idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


def audit_once(state: network.LabState, work: Path, concurrency: int) -> dict[str, float]:
    out = work / f"report-{len(state.hosts)}"
    inventory = write_inventory(state, work / f"inventory-{len(state.hosts)}.yaml",
                                concurrency=concurrency)  # fmt: skip
    cmd = network.audit_command(inventory, out)
    env = {**network.audit_env(), "AUDITOR_HOME": str(work / "home")}
    cpu0, started = machine_cpu_seconds(), time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    cpu = machine_cpu_seconds() - cpu0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        err = proc.stderr.read().decode(errors="replace")[-800:] if proc.stderr else ""
        raise SystemExit(f"audit of {len(state.hosts)} hosts failed (exit {code}): {err}")
    wrong = mismatches(state, out / "report.json")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "machine_cpu": cpu,
        "rss_mb": usage.ru_maxrss / 1024,
        "mismatches": len(wrong),
    }


def main() -> None:
    # lab hosts see this machine's real package lists (apt-get update first), as an
    # installed system does; LAB_APT_LISTS=empty gives the old, faster lab
    os.environ.setdefault("LAB_APT_LISTS", "real")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50,100,250")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    missing = network.why_not_available()
    if missing:
        raise SystemExit(missing)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, {os.uname().release}; concurrency {args.concurrency}")
    header = ("hosts", "lab up s", "audit s", "ms/host", "auditor CPU s", "machine CPU s",
              "peak RSS MB", "mismatches")  # fmt: skip
    print("".join(f"{h:>14}" for h in header))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            for size in sizes:
                started = time.perf_counter()
                state = network.up(size)
                up_s = time.perf_counter() - started
                r = audit_once(state, work, args.concurrency)
                row = (size, f"{up_s:.1f}", f"{r['wall']:.1f}", f"{r['wall'] / size * 1000:.0f}",
                       f"{r['cpu']:.1f}", f"{r['machine_cpu']:.1f}", f"{r['rss_mb']:.0f}",
                       r["mismatches"])  # fmt: skip
                print("".join(f"{v:>14}" for v in row), flush=True)
        finally:
            network.down()


if __name__ == "__main__":
    main()
