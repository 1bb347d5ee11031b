"""Benchmark: one host's full level-2 audit vs `lynis audit system --quick` (needs root).

    .venv/bin/python bench/lynis_compare.py [--runs 3]

Brings up a one-host lab (a network namespace with a real sshd and a typical profile), then
on the same machine in the same run:
- ours: `auditor audit` from the lab controller over SSH — process start, fact script,
  nmap, policy evaluation, report.json + HTML, evidence, CMS signature (median of --runs);
- Lynis (Debian package): `lynis audit system --quick` run inside that same host's
  namespaces, so both look at the same system.
Prints both wall times and the ratio (target: ours ≤ 1/30 of Lynis).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lab import network  # noqa: E402
from tests.lab.inventory import write_inventory  # noqa: E402


def host_pid(namespace: str) -> int:
    """The lab host's sshd (PID 1 of its PID namespace): entering it enters the host."""
    pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True)
    for pid in pids.stdout.split():
        if Path(f"/proc/{pid}/comm").read_text().strip() == "sshd":
            return int(pid)
    raise SystemExit(f"no sshd runs in {namespace}")


def audit_timed(inventory: Path, out: Path, env: dict[str, str]) -> float:
    """Seconds for one `auditor audit` run from the lab controller."""
    return timed(network.audit_command(inventory, out), env)


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} … failed ({done.returncode}): {done.stderr[-600:]}")
    return took


def main() -> None:
    # lab hosts see this machine's real package lists (apt-get update first), as an
    # installed system does; LAB_APT_LISTS=empty gives the old, faster lab
    os.environ.setdefault("LAB_APT_LISTS", "real")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    missing = network.why_not_available() or (
        None if shutil.which("lynis") else "lynis is not installed (apt-get install lynis)"
    )
    if missing:
        raise SystemExit(missing)
    version = subprocess.run(["lynis", "--version"], capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**network.audit_env(), "AUDITOR_HOME": str(work / "home")}
        try:
            state = network.up(1, router=False)
            host = state.hosts[0]
            inventory = write_inventory(state, work / "inventory.yaml")
            ours = [audit_timed(inventory, work / f"report-{i}", env) for i in range(args.runs)]
            lynis = timed(
                ["nsenter", "-t", str(host_pid(host.name)), "-a",
                 "lynis", "audit", "system", "--quick", "--no-colors"],
                env,
            )  # fmt: skip
        finally:
            network.down()
    median = statistics.median(ours)
    print(f"machine: {os.cpu_count()} CPUs; lab host {host.hostname} ({host.profile})")
    print(f"ours   full level-2 audit over SSH (median of {args.runs}) {median:8.2f} s"
          f"   runs: {', '.join(f'{t:.2f}' for t in ours)}")  # fmt: skip
    print(f"lynis  {version.strip()} audit system --quick         {lynis:8.2f} s")
    print(f"ratio  ours / lynis = 1/{lynis / median:.0f}   (target: 1/30 or better)")


if __name__ == "__main__":
    main()
