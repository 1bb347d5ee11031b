"""The operating system, anti-malware, the SOC agent, logs, time, backups, disk
encryption and installed packages.

Every parser is defensive: the text comes from a machine we do not trust, may be truncated
or garbage, and an unreadable section is `None` (unknown), never a pass."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from auditor.collect.linux.sections import int_or_none, key_values
from auditor.facts import (
    AntiMalware,
    AvProduct,
    Backup,
    Encryption,
    Logging,
    OsInfo,
    SocAgent,
    TimeSync,
)

TIME_SERVICES = ("chronyd", "ntpd", "systemd-timesyn", "openntpd", "ntpsec")


PERIOD_DAYS = {"daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}


def wazuh_agent(body: str | None) -> SocAgent | None:
    """The Wazuh agent's state file (`status='connected'`) and the manager addresses of its
    ossec.conf; None when the host keeps no such state."""
    if not body or not body.strip():
        return None
    status = re.search(r"^status='?([a-z]+)'?", body, re.M)
    managers = re.findall(r"^address=(\S{1,253})$", body, re.M)
    return SocAgent(product="Wazuh", status=status.group(1) if status else None, managers=managers)


def os_info(sections: dict[str, str]) -> OsInfo:
    rel = key_values(sections.get("os_release"), "=")
    return OsInfo(
        family="linux",
        distro_id=rel.get("ID"),
        name=rel.get("PRETTY_NAME") or rel.get("NAME"),
        version_id=rel.get("VERSION_ID"),
        kernel=(sections.get("kernel") or "").strip() or None,
        hostname=(sections.get("hostname") or "").strip()[:253] or None,
    )


_FRESHCLAM_PROBLEM = re.compile(
    r"older than \d+ days|OUTDATED|ERROR|[Uu]pdate failed|Can.t download", re.IGNORECASE
)


def _freshclam_problems(log: str | None) -> list[str]:
    """Failed updates and "database is older than N days" lines of freshclam's log: each is a
    finding even when other lines of the same log say "up to date"."""
    found = [ln.strip()[:200] for ln in (log or "").splitlines() if _FRESHCLAM_PROBLEM.search(ln)]
    return found[-5:]


def clamav(body: str | None, procs: list[str] | None, log: str | None = None) -> AntiMalware | None:
    if body is None and procs is None:
        return None
    times = []
    for line in (body or "").splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            times.append(int(parts[0]))
    running = None if procs is None else "clamd" in procs
    if not times and not running:
        return AntiMalware(products=[])
    newest = max(times) if times else None
    return AntiMalware(
        products=[
            AvProduct(
                name="ClamAV",
                running=running,
                realtime=None if procs is None else "clamonacc" in procs,
                signature_time=datetime.fromtimestamp(newest, UTC) if newest else None,
                update_problems=_freshclam_problems(log),
            )
        ]
    )


def _auth_events(body: str | None) -> tuple[int | None, int | None]:
    if body is None:
        return None, None
    files = [int(n) for n in re.findall(r"^file (\d+)$", body, re.M)]
    journal = re.search(r"^journal (\d+)$", body, re.M)
    return (max(files) if files else None), (int(journal.group(1)) if journal else None)


def log_keeping(
    procs: list[str] | None, journald: str | None, logrotate: str | None, authlog: str | None
) -> Logging:
    conf = key_values(journald, "=")
    storage = conf.get("Storage", "auto")
    has_dir = "@@var_log_journal" in (journald or "")
    persistent = storage == "persistent" or (storage == "auto" and has_dir)
    retention = None
    rotate = re.search(r"^\s*rotate\s+(\d+)", logrotate or "", re.M)
    period = re.search(r"^\s*(daily|weekly|monthly|yearly)\b", logrotate or "", re.M)
    if rotate:
        retention = int(rotate.group(1)) * PERIOD_DAYS[period.group(1) if period else "weekly"]
    file_events, journal_events = _auth_events(authlog)
    return Logging(
        audit_daemon=None if procs is None else "auditd" in procs,
        journald_persistent=None if journald is None else persistent,
        syslog_daemon=None if procs is None else any(p in procs for p in ("rsyslogd", "syslog-ng")),
        retention_days=retention,
        auth_file_events=file_events,
        journal_auth_events=journal_events,
    )


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0}


def _offset(body: str) -> float | None:
    """|offset| in seconds from `chronyc tracking` ("System time : 0.000012 seconds fast of
    NTP time") or `timedatectl timesync-status` ("Offset: -1.234ms")."""
    chrony = re.search(r"^System time\s*:\s*([\d.]+) seconds (?:fast|slow)", body, re.M)
    if chrony:
        return float(chrony.group(1))
    timesyncd = re.search(r"^\s*Offset:\s*([+-]?[\d.]+)\s*(ns|us|µs|ms|s|min)\b", body, re.M)
    if timesyncd:
        return abs(float(timesyncd.group(1))) * _UNITS[timesyncd.group(2)]
    return None


def time_sync(body: str | None, procs: list[str] | None) -> TimeSync | None:
    if body is None and procs is None:
        return None
    text = body or ""
    conf = key_values(text.split("@@", 1)[0], "=")
    synced = {"yes": True, "no": False}.get(conf.get("NTPSynchronized", ""))
    if re.search(r"^Leap status\s*:\s*Not synchronised", text, re.M):
        synced = False  # chrony says so, whatever systemd believes
    elif synced is None and re.search(r"^Leap status\s*:\s*(Normal|Insert|Delete)", text, re.M):
        synced = True  # chrony reports a leap status only once it follows a source
    service = next((p for p in (procs or []) if p.startswith(TIME_SERVICES)), None)
    return TimeSync(synchronized=synced, service=service, offset_s=_offset(text))


def backup(path: str | None, body: str | None) -> Backup | None:
    if path is None or body is None:
        return None
    if "@@missing" in body:
        return Backup(path=path, exists=False)
    kv = key_values(body)
    newest = kv.get("newest", "").strip()
    return Backup(
        path=path,
        exists=True,
        files=int_or_none(kv.get("files")) or 0,
        newest_file_time=datetime.fromtimestamp(float(newest), UTC) if newest else None,
        same_device_as_root=_same_storage(kv),
        fstype=kv.get("source_fstype") or kv.get("fstype") or None,
    )


NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "glusterfs", "ceph")


def _same_storage(kv: dict[str, str]) -> bool | None:
    """Network storage is separate; otherwise two filesystems sharing a physical disk are
    the same storage even when their device ids differ (two partitions of one disk)."""
    if (kv.get("source_fstype") or kv.get("fstype") or "") in NETWORK_FS:
        return False
    dev = kv.get("dev", "").split()
    same_fs = (dev[0] == dev[1]) if len(dev) == 2 else None
    backup_disks = {d for d in kv.get("disks_backup", "").split(",") if d}
    root_disks = {d for d in kv.get("disks_root", "").split(",") if d}
    if same_fs or not (backup_disks and root_disks):
        return same_fs  # without disk names, the filesystem id is all there is
    return bool(backup_disks & root_disks)


def encryption(body: str | None) -> Encryption | None:
    if not body:
        return None
    tree: Any = json.loads(body)
    encrypted: list[str] = []
    root_encrypted = False

    def walk(devs: list[dict[str, Any]], under_crypt: bool) -> None:
        nonlocal root_encrypted
        for dev in devs:
            crypt = under_crypt or dev.get("type") == "crypt"
            if dev.get("type") == "crypt":
                encrypted.append(str(dev.get("name")))
            if dev.get("mountpoint") == "/" and crypt:
                root_encrypted = True
            walk(dev.get("children") or [], crypt)

    walk(tree.get("blockdevices") or [], False)
    return Encryption(encrypted_volumes=encrypted, root_encrypted=root_encrypted)


def packages(body: str | None) -> dict[str, str] | None:
    if body is None:
        return None
    out = {}
    for line in body.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0]:
            out[parts[0][:200]] = parts[1][:100]
    return out
