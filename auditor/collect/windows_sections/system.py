"""The machine itself: its Windows version, what runs and listens, the Security log's
reach, time synchronisation (W32Time and `w32tm /query /status`), the Wazuh agent and the
backup target's disk."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from auditor.collect.linux.system import wazuh_agent
from auditor.collect.windows_sections.document import integer, listed, when
from auditor.facts import Backup, Listener, Logging, OsInfo, SocAgent, TimeSync

UNSYNCED_SOURCES = ("local cmos clock", "free-running system clock")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def os_info(raw: dict[str, Any]) -> OsInfo:
    build = integer(raw.get("CurrentBuild")) or integer(raw.get("BuildNumber"))
    return OsInfo(
        family="windows",
        distro_id="windows",
        name=raw.get("Caption"),
        version_id=raw.get("Version"),
        hostname=raw.get("CSName"),
        build=build,
        edition=raw.get("EditionID"),
        display_version=raw.get("DisplayVersion"),
        kernel=f"{raw.get('Version')}.{raw.get('UBR')}" if raw.get("UBR") is not None else None,
    )


def processes(doc: dict[str, Any]) -> list[str] | None:
    procs = doc.get("processes")
    services = listed(doc, "services")
    if procs is None and services is None:
        return None
    names = {str(p) for p in (procs if isinstance(procs, list) else [procs] if procs else [])}
    names |= {str(s.get("Name")) for s in services or [] if s.get("State") == "Running"}
    return sorted(n for n in names if n and n != "None")


def listeners(rows: list[dict[str, Any]] | None) -> list[Listener] | None:
    if rows is None:
        return None
    found = {(str(r.get("LocalAddress")), integer(r.get("LocalPort"))) for r in rows}
    return [
        Listener(proto="tcp", address=a, port=p) for a, p in sorted(found, key=str) if p is not None
    ]


def event_log(log: Any, now: datetime) -> Logging | None:
    if not isinstance(log, dict):
        return None
    oldest = when(log.get("OldestEvent"))
    days = int((now - oldest).total_seconds() // 86400) if oldest else None
    return Logging(retention_days=days)


def time_sync(service: Any, registry: dict[str, Any] | None, w32tm: Any = None) -> TimeSync | None:
    if not isinstance(service, dict):
        return None
    kind = str((registry or {}).get("W32TimeType") or "")
    running = service.get("State") == "Running"
    if kind == "NoSync":
        return TimeSync(synchronized=False, service="W32Time (NoSync)")
    label = f"W32Time ({kind or '?'})" if running else None
    status = w32tm_status(w32tm) if running else None
    if status is None:
        return TimeSync(synchronized=None, service=label)
    return status.model_copy(update={"service": label})


def w32tm_status(lines: Any) -> TimeSync | None:
    """`w32tm /query /status [/verbose]`, read by position: its 9 (16 with /verbose) lines
    keep their order in every language while labels, dates and words in parentheses are
    translated. Leap indicator 3, stratum 0 or the local CMOS clock as source means not
    synchronised; the offset and the age of the last sync are only in the verbose form."""
    if not isinstance(lines, list):
        return None
    values: list[str] = []
    for raw in lines:
        line = str(raw).rstrip()
        if not line.strip():
            continue
        _label, colon, rest = line.partition(":")
        if not colon and values:  # a localised message wrapped onto a second line
            values[-1] += " " + line.strip()
        else:
            values.append(rest.strip())
    if len(values) not in (9, 16):  # without /verbose: the first nine lines only
        return None

    def number(text: str) -> float | None:
        found = _NUMBER.search(text)
        return float(found.group().replace(",", ".")) if found else None

    leap, stratum = number(values[0]), number(values[1])
    source = values[7][:200]
    verbose = len(values) == 16
    offset = number(values[9]) if verbose else None
    age = number(values[15]) if verbose else None
    synced: bool | None = not (
        leap == 3 or stratum == 0 or source.lower().startswith(UNSYNCED_SOURCES)
    )
    if synced and not verbose:
        synced = None  # a source, but not when it last answered: not provable (or a cut output)
    return TimeSync(
        synchronized=synced,
        source=source,
        offset_s=abs(offset) if offset is not None else None,
        last_sync_age_s=age if synced else None,
    )


def wazuh(raw: Any) -> SocAgent | None:
    """The Wazuh agent's state lines and manager addresses, as the fact script read them."""
    if not isinstance(raw, dict):
        return None
    lines = [str(x) for x in raw.get("State") or [] if isinstance(x, str)][:50]
    managers = [str(x)[:253] for x in raw.get("Managers") or [] if isinstance(x, str)][:5]
    body = "\n".join(lines + [f"address={m}" for m in managers])
    return wazuh_agent(body)


def backup(raw: Any, os_raw: dict[str, Any]) -> Backup | None:
    if not isinstance(raw, dict) or not raw.get("Path"):
        return None
    root = str(raw.get("Root") or "")
    system = str(os_raw.get("SystemDrive") or "C:")[:2].upper()
    disk, system_disk = integer(raw.get("Disk")), integer(raw.get("SystemDisk"))
    same = None
    if root.startswith("\\\\"):
        same = False  # a network share
    elif root[:2].upper() == system:
        same = True  # the system's own volume
    elif root and disk is not None and system_disk is not None:
        same = disk == system_disk  # another letter can be a partition of the same disk
    # another letter and no disk numbers: not provable either way (None)
    return Backup(
        path=str(raw["Path"]),
        exists=bool(raw.get("Exists")),
        files=integer(raw.get("Files")) or 0,
        newest_file_time=when(raw.get("Newest")),
        same_device_as_root=same,
        fstype=root or None,
    )
