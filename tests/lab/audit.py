"""Run the real `auditor audit` inside the lab controller and compare with the profiles."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.lab.inventory import write_inventory
from tests.lab.network import LabState, audit_command, audit_env
from tests.lab.profiles import PROFILES


@dataclass(frozen=True)
class Mismatch:
    host: str
    profile: str
    check: str
    expected: str
    got: str


def audit_lab(
    state: LabState, out: Path, *, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Write the lab inventory and audit it from the controller namespace (no route out)."""
    out.mkdir(parents=True, exist_ok=True)
    inventory = write_inventory(state, out.parent / f"{out.name}-inventory.yaml")
    cmd = audit_command(inventory, out, "--json")
    return subprocess.run(cmd, capture_output=True, text=True, env={**audit_env(), **(env or {})})


def mismatches(state: LabState, report_json: Path) -> list[Mismatch]:
    """Every check whose status on a host differs from what its profile says it must be."""
    report = json.loads(report_json.read_text(encoding="utf-8"))
    got: dict[tuple[str, str], str] = {}
    for row in report["evaluation"]["asset_results"]:
        for result in row["checks"]:
            got[(row["asset_id"], result["check"])] = result["status"]
    out = []
    for host in state.hosts:
        for check, expected in PROFILES[host.profile].expected.items():
            status = got.get((host.hostname, check), "missing")
            if status != expected:
                out.append(Mismatch(host.hostname, host.profile, check, expected, status))
    return out
