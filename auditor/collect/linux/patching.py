"""Pending updates and the last installation, from apt, dnf or rpm as the script printed them.

Every parser is defensive: the text comes from a machine we do not trust, may be truncated
or garbage, and an unreadable section is `None` (unknown), never a pass."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from auditor.collect.linux.sections import host_zone
from auditor.facts import (
    Patching,
)


def _last_update(last: str | None, clock: str | None) -> tuple[str | None, datetime | None]:
    """The package manager and when it last installed anything: rpm's install time, or
    dpkg's log line dated on the host's own clock."""
    manager, when = None, None
    for line in (last or "").splitlines():
        parts = line.split()
        if line.startswith("rpm ") and len(parts) == 2 and parts[1].isdigit():
            manager, when = "rpm", datetime.fromtimestamp(int(parts[1]), UTC)
        elif len(parts) >= 3 and re.fullmatch(r"\d{4}-\d\d-\d\d", parts[0]):
            local = datetime.strptime(f"{parts[0]} {parts[1]}", "%Y-%m-%d %H:%M:%S")
            manager, when = "dpkg", local.replace(tzinfo=host_zone(clock)).astimezone(UTC)
    return manager, when


def _apt_list(lines: list[str]) -> tuple[int | None, int | None]:
    """`apt list --upgradable`: "name/suite[,suite] version arch [upgradable from: old]",
    from the candidates apt already knows (no upgrade simulation); kept-back packages count
    too: a pending security fix is pending whether or not it needs a new package. apt's
    "Listing..." header is the proof that apt ran: without it, nothing is known."""
    if not any(line.startswith("Listing") for line in lines[1:3]):
        return None, None
    rows = [line.split()[0] for line in lines[1:] if "[upgradable from:" in line]
    return len(rows), sum("security" in row.split("/", 1)[-1].lower() for row in rows)


def _pending(pending: str | None) -> tuple[str | None, int | None, int | None]:
    """(manager, pending updates, of which security) from the section the script printed."""
    lines = (pending or "").splitlines()
    head = lines[0] if lines else None
    if head == "@@apt":
        inst = [line for line in lines[1:] if line.startswith("Inst ")]
        return "dpkg", len(inst), sum("security" in line.lower() for line in inst)
    if head == "@@aptlist":
        return ("dpkg", *_apt_list(lines))
    if head == "@@dnf":
        count = len([line for line in lines[1:] if len(line.split()) == 3])
        return None, count, count
    return None, None, None


def patching(last: str | None, pending: str | None, clock: str | None) -> Patching | None:
    if last is None and pending is None:
        return None
    manager, last_update = _last_update(last, clock)
    pending_manager, total, security = _pending(pending)
    return Patching(
        manager=manager or pending_manager,
        last_update=last_update,
        pending_updates=total,
        pending_security=security,
    )
