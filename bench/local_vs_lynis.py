"""Benchmark: a full audit of this machine vs `lynis audit system --quick` on this machine,
alternating, in the same run (needs root for Lynis to see everything).

    .venv/bin/python bench/local_vs_lynis.py [--runs 3]

This machine keeps its real package lists (`apt-get update` done, as on any installed
Debian/Ubuntu): the figure the lab's emptied lists would hide. Ours is the whole command —
process start, local fact script, nmap of 127.0.0.1, evaluation, report.json + HTML +
evidence, CMS signature — with `--no-history`. Prints both medians and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDITOR = ROOT / ".venv" / "bin" / "auditor"


def timed(cmd: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def collector_alone(inventory: Path) -> float:
    """The fact script of the local asset, run as the audit runs it (`/bin/sh -s`, the
    script on stdin) and nothing else: the floor an audit's own time is measured against."""
    from auditor.collect.base import linux_script
    from auditor.inventory import load_inventory

    asset = next(a for a in load_inventory(inventory).assets if a.connection == "local")
    return timed(["/bin/sh", "-s"], input=linux_script(asset).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("lynis") is None:
        raise SystemExit("lynis is not installed: apt-get install lynis")
    packages = subprocess.run(["dpkg-query", "-W"], capture_output=True, text=True).stdout
    lists = sum(p.stat().st_size for p in Path("/var/lib/apt/lists").glob("*Packages*"))
    print(f"installed packages: {len(packages.splitlines())}; apt lists: {lists / 1e6:.1f} MB")
    ours, theirs, script = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {"AUDITOR_HOME": str(home), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        subprocess.run(
            [str(AUDITOR), "init", str(Path(tmp) / "xa")], env=env, capture_output=True, check=True
        )
        inventory = Path(tmp) / "xa" / "inventory.yaml"
        out = Path(tmp) / "out"
        timed(
            [str(AUDITOR), "audit", "-i", str(inventory), "-o", str(out), "--no-history"], env=env
        )
        for run in range(args.runs):
            ours.append(
                timed(
                    [
                        str(AUDITOR),
                        "-q",
                        "audit",
                        "-i",
                        str(inventory),
                        "-o",
                        str(out),
                        "--no-history",
                    ],
                    env=env,
                )
            )
            script.append(collector_alone(inventory))
            theirs.append(timed(["lynis", "audit", "system", "--quick", "--no-colors"]))
            print(
                f"run {run + 1}: ours {ours[-1]:.2f} s (fact script alone {script[-1]:.2f} s), "
                f"lynis {theirs[-1]:.2f} s",
                flush=True,
            )
    a, b, c = statistics.median(ours), statistics.median(theirs), statistics.median(script)
    print(
        f"ours median {a:.2f} s = {a / c:.2f}x the fact script alone ({c:.2f} s); "
        f"lynis median {b:.2f} s; ratio 1/{b / a:.0f}"
    )


if __name__ == "__main__":
    main()
