"""Turn the sections printed by linux_facts.sh into HostFacts.

Every parser is defensive: the text comes from a machine we do not trust, may be
truncated or garbage, and an unreadable section becomes `None` (unknown), never a pass.
"""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from auditor.collect.base import safe
from auditor.facts import (
    Account,
    AntiMalware,
    AvProduct,
    Backup,
    Encryption,
    Firewall,
    HostFacts,
    Listener,
    LockoutPolicy,
    Logging,
    OsInfo,
    PasswordPolicy,
    Patching,
    Privileges,
    SocAgent,
    SshServer,
    TimeSync,
)

SECTION = re.compile(r"^@@AUDITOR-SECTION ([a-z_]+)@@$", re.MULTILINE)
NOLOGIN_SHELLS = ("nologin", "/bin/false", "/usr/bin/false", "/bin/sync")
TIME_SERVICES = ("chronyd", "ntpd", "systemd-timesyn", "openntpd", "ntpsec")
PERIOD_DAYS = {"daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}


def split_sections(text: str) -> dict[str, str]:
    """Map section name → body. A section that appears twice keeps the first copy.

    Output without the final `end` marker was cut short: its last section may be partial,
    so it is dropped rather than trusted.
    """
    out: dict[str, str] = {}
    marks = list(SECTION.finditer(text))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        out.setdefault(mark.group(1), text[mark.end() : end].strip("\n"))
    if marks and "end" not in out:
        out.pop(marks[-1].group(1), None)
    return out


def parse_host(
    sections: dict[str, str],
    *,
    processes: list[str] | None = None,
    listeners: list[Listener] | None = None,
    backup_path: str | None = None,
    received_at: datetime | None = None,
) -> HostFacts:
    """Build HostFacts; `processes`/`listeners` override the script's when psutil saw them.
    `received_at`, the auditor's time when the output arrived (live collection), dates the
    facts and measures the host's clock against it; an import has only the host's clock."""
    host_clock = _clock(sections.get("clock"))
    now = received_at or host_clock
    skew = (
        (host_clock - received_at).total_seconds() if received_at and "clock" in sections else None
    )
    procs = processes if processes is not None else _lines_or_none(sections.get("processes"))
    pam = sections.get("pam")
    return HostFacts(
        collected_at=now,
        clock_skew_s=skew,
        soc_agent=safe(lambda: wazuh_agent(sections.get("wazuh"))),
        os=_os(sections),
        antimalware=safe(lambda: _clamav(sections.get("clamav"), procs, sections.get("freshclam"))),
        patching=safe(
            lambda: _patching(
                sections.get("pkg_last_change"), sections.get("pending"), sections.get("clock")
            )
        ),
        password_policy=safe(
            lambda: _password_policy(sections.get("login_defs"), sections.get("pwquality"), pam)
        ),
        lockout=safe(lambda: _lockout(pam, sections.get("faillock"))),
        firewall=safe(lambda: _firewall(sections.get("firewall"))),
        listeners=listeners
        if listeners is not None
        else safe(lambda: _listeners(sections.get("listeners"))),
        processes=procs,
        accounts=safe(
            lambda: _accounts(
                sections.get("passwd"),
                sections.get("shadow"),
                sections.get("lastlog"),
                sections.get("default_logins"),
            )
        ),
        privileges=safe(
            lambda: _privileges(
                sections.get("passwd"), sections.get("group"), sections.get("sudoers")
            )
        ),
        logging=safe(
            lambda: _logging(
                procs, sections.get("journald"), sections.get("logrotate"), sections.get("authlog")
            )
        ),
        ssh_server=safe(lambda: _ssh_server(sections.get("sshd"))),
        time=safe(lambda: _time(sections.get("timesync"), procs)),
        backup=safe(lambda: _backup(backup_path, sections.get("backup"))),
        encryption=safe(lambda: _encryption(sections.get("lsblk"))),
        packages=safe(lambda: _packages(sections.get("packages"))),
    )


def _lines_or_none(body: str | None) -> list[str] | None:
    if body is None:
        return None
    return sorted({line.strip() for line in body.splitlines() if line.strip()})


def wazuh_agent(body: str | None) -> SocAgent | None:
    """The Wazuh agent's state file (`status='connected'`) and the manager addresses of its
    ossec.conf; None when the host keeps no such state."""
    if not body or not body.strip():
        return None
    status = re.search(r"^status='?([a-z]+)'?", body, re.M)
    managers = re.findall(r"^address=(\S{1,253})$", body, re.M)
    return SocAgent(product="Wazuh", status=status.group(1) if status else None, managers=managers)


def _clock(body: str | None) -> datetime:
    try:
        assert body is not None
        return datetime.fromtimestamp(int(body.split()[0]), UTC)
    except (AssertionError, ValueError, IndexError):
        return datetime.now(UTC)


def _tz(body: str | None) -> timezone:
    try:
        assert body is not None
        raw = body.split()[1]
        sign = -1 if raw[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(raw[1:3]), minutes=int(raw[3:5])))
    except (AssertionError, ValueError, IndexError):
        return UTC


def _kv(body: str | None, sep: str | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (body or "").splitlines():
        parts = line.split("=", 1) if sep == "=" else line.split(None, 1)
        if len(parts) == 2:
            out[parts[0].strip()] = parts[1].strip().strip('"')
    return out


def _os(sections: dict[str, str]) -> OsInfo:
    rel = _kv(sections.get("os_release"), "=")
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


def _clamav(
    body: str | None, procs: list[str] | None, log: str | None = None
) -> AntiMalware | None:
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
            manager, when = "dpkg", local.replace(tzinfo=_tz(clock)).astimezone(UTC)
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


def _patching(last: str | None, pending: str | None, clock: str | None) -> Patching | None:
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


def _module_args(pam: str, module: str, stack: str) -> dict[str, str] | None:
    """Arguments of the first active `stack` line (auth, password…) loading `module`."""
    for line in pam.splitlines():
        tokens = line.split()
        if not tokens or tokens[0].lstrip("-") != stack:
            continue
        idx = next((i for i, tok in enumerate(tokens) if tok.endswith(module)), None)
        if idx is not None:
            args = tokens[idx + 1 :]
            return _kv("\n".join(args), "=") | {t: "" for t in args if "=" not in t}
    return None


def _password_policy(
    login_defs: str | None, pwq: str | None, pam: str | None
) -> PasswordPolicy | None:
    if login_defs is None and pam is None:
        return None
    defs = _kv(login_defs)
    max_days = _int(defs.get("PASS_MAX_DAYS"))
    if not pam:
        return PasswordPolicy(max_age_days=max_days, source="login.defs")
    args = _module_args(pam, "pam_pwquality.so", "password") or _module_args(
        pam, "pam_cracklib.so", "password"
    )
    unix = _module_args(pam, "pam_unix.so", "password") or {}
    history_args = _module_args(pam, "pam_pwhistory.so", "password") or {}
    history = _int(history_args.get("remember")) or _int(unix.get("remember"))
    if args is None:
        return PasswordPolicy(
            min_length=_int(unix.get("minlen")) or 6,
            min_classes=1,
            max_age_days=max_days,
            history=history,
            source="pam_unix",
        )
    conf = _kv(pwq, "=") | args
    credits = sum(
        1 for key in ("dcredit", "ucredit", "lcredit", "ocredit") if (_int(conf.get(key)) or 0) < 0
    )
    classes = max(_int(conf.get("minclass")) or 0, credits) or 1
    return PasswordPolicy(
        min_length=_int(conf.get("minlen")) or 8,
        min_classes=classes,
        max_age_days=max_days,
        history=history,
        source="pam_pwquality",
    )


def _lockout(pam: str | None, faillock_conf: str | None) -> LockoutPolicy | None:
    if not pam:
        return None
    for module, defaults in (
        ("pam_faillock.so", {"deny": "3", "unlock_time": "600"}),
        ("pam_tally2.so", {"deny": "0", "unlock_time": "0"}),
    ):
        args = _module_args(pam, module, "auth")
        if args is not None:
            conf = (
                defaults | (_kv(faillock_conf, "=") if module == "pam_faillock.so" else {}) | args
            )
            return LockoutPolicy(
                threshold=_int(conf.get("deny")),
                duration_s=_int(conf.get("unlock_time")),
                source=module,
            )
    return LockoutPolicy(threshold=0, duration_s=None, source="pam (no lockout module)")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _firewall(body: str | None) -> Firewall | None:
    if body is None:
        return None
    blocks: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        if line.startswith("@@"):
            current = line[2:]
            blocks[current] = ""
        elif current:
            blocks[current] += line + "\n"
    denied = (
        "Operation not permitted",
        "must be root",
        "Permission denied",
        "need to be root",
        "you must be root",
    )
    readable = {k: v for k, v in blocks.items() if not any(d.lower() in v.lower() for d in denied)}
    if "ufw" in readable and "Status: active" in readable["ufw"]:
        return Firewall(enabled=True, backend="ufw", detail="Status: active")
    if "firewalld" in readable and readable["firewalld"].strip().startswith("running"):
        return Firewall(enabled=True, backend="firewalld", detail="running")
    nft = readable.get("nft", "")
    if re.search(r"hook input .*policy drop", nft) or re.search(
        r"hook input[\s\S]*?\b(drop|reject)\b", nft
    ):
        return Firewall(enabled=True, backend="nftables", detail="input chain drops or rejects")
    ipt = readable.get("iptables", "")
    if re.search(r"^-P INPUT DROP", ipt, re.M) or re.search(
        r"^-A INPUT .*-j (DROP|REJECT)", ipt, re.M
    ):
        return Firewall(enabled=True, backend="iptables", detail="INPUT drops or rejects")
    if not blocks:
        return Firewall(enabled=False, backend=None, detail="no firewall tool installed")
    if not readable:
        return None  # tools exist but we lacked the rights to read them
    return Firewall(enabled=False, backend=",".join(sorted(readable)), detail="no filtering rules")


def _listeners(body: str | None) -> list[Listener] | None:
    if body is None:
        return None
    found: set[tuple[str, str, int]] = set()
    proto = "tcp"
    for line in body.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "sl":
            proto = "udp" if "drops" in line else "tcp"
            continue
        if len(parts) < 4 or ":" not in parts[1]:
            continue
        state = parts[3]
        if (proto == "tcp" and state != "0A") or (proto == "udp" and state != "07"):
            continue
        addr_hex, port_hex = parts[1].split(":")
        found.add((proto, _hex_addr(addr_hex), int(port_hex, 16)))
    return [
        Listener(proto="udp" if p == "udp" else "tcp", address=a, port=n)
        for p, a, n in sorted(found)
    ]


def _hex_addr(raw: str) -> str:
    if len(raw) == 8:
        return ".".join(str(int(raw[i : i + 2], 16)) for i in (6, 4, 2, 0))
    words = [raw[i : i + 8] for i in range(0, 32, 8)]
    flipped = "".join("".join(w[j : j + 2] for j in (6, 4, 2, 0)) for w in words)
    return str(ipaddress.IPv6Address(bytes.fromhex(flipped)))


def _default_logins(body: str | None) -> tuple[set[str], set[str]] | None:
    """(accounts whose hash verifies a factory password, accounts whose hash the host's
    crypt could not check); None when the section could not be produced or stopped before
    its end marker (perl died, the output was cut): silence never means "none found"."""
    if body is None or "@@done" not in body.splitlines():
        return None
    found, unchecked = set(), set()
    for line in body.splitlines():
        if line == "@@done":
            continue
        if line.startswith("@@unsupported "):
            unchecked.add(line.removeprefix("@@unsupported ").strip())
        elif line.strip():
            found.add(line.strip())
    return found, unchecked


def _accounts(
    passwd: str | None,
    shadow: str | None,
    lastlog: str | None,
    default_logins: str | None = None,
) -> list[Account] | None:
    if passwd is None:
        return None
    defaults = _default_logins(default_logins)
    states: dict[str, str] = {}
    max_days: dict[str, int] = {}
    if shadow and not shadow.startswith("@@unreadable"):
        for line in shadow.splitlines():
            parts = line.split(":")
            if len(parts) >= 2 and parts[1] in ("set", "empty", "locked"):
                states[parts[0]] = parts[1]
            if len(parts) >= 4 and parts[3].isdigit():
                max_days[parts[0]] = int(parts[3])
    logins = _lastlog(lastlog)
    out = []
    for line in passwd.splitlines():
        parts = line.split(":")
        if len(parts) < 7 or not parts[2].isdigit():
            continue
        shell = parts[6]
        state = states.get(parts[0])
        login = logins.get(parts[0])
        out.append(
            Account(
                name=parts[0],
                uid=int(parts[2]),
                shell=shell,
                can_login=not shell.endswith(NOLOGIN_SHELLS) and state != "locked",
                password=state,
                password_max_days=max_days.get(parts[0]),
                factory_password=None
                if defaults is None or parts[0] in defaults[1]
                else parts[0] in defaults[0],
                last_login=login if isinstance(login, datetime) else None,
                never_logged_in=None if login is None else login == "never",
            )
        )
    return out


def _lastlog(body: str | None) -> dict[str, datetime | str]:
    out: dict[str, datetime | str] = {}
    for line in (body or "").splitlines()[1:]:
        parts = line.split()
        if not parts:
            continue
        if "**Never logged in**" in line:
            out[parts[0]] = "never"
            continue
        try:
            out[parts[0]] = datetime.strptime(" ".join(parts[-6:]), "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            continue
    return out


def _group_members(passwd: str, group: str | None) -> dict[str, set[str]]:
    """Every group's members by group name: those listed in /etc/group and those whose
    primary group it is in /etc/passwd."""
    listed: dict[str, set[str]] = {}
    gid_of: dict[str, str] = {}
    for line in (group or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 3:
            gid_of[parts[0]] = parts[2]
        if len(parts) >= 4:
            listed[parts[0]] = {m for m in parts[3].split(",") if m}
    primary: dict[str, set[str]] = {}
    for line in passwd.splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            primary.setdefault(parts[3], set()).add(parts[0])
    return {
        name: listed.get(name, set()) | primary.get(gid_of.get(name, ""), set())
        for name in set(listed) | set(gid_of)
    }


_NOT_A_RULE = ("Defaults", "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "#", "@")


def _sudo_users(sudoers: str, members: dict[str, set[str]]) -> list[str]:
    """The users a sudoers rule names, directly or through a %group."""
    users: set[str] = set()
    for line in sudoers.splitlines():
        if line.startswith(_NOT_A_RULE) or "=" not in line:
            continue
        for name in line.split()[0].split(","):
            users |= members.get(name[1:], set()) if name.startswith("%") else {name}
    return sorted(users)


def _privileges(passwd: str | None, group: str | None, sudoers: str | None) -> Privileges | None:
    if passwd is None:
        return None
    uid0 = [
        p.split(":")[0]
        for p in passwd.splitlines()
        if len(p.split(":")) >= 3 and p.split(":")[2] == "0"
    ]
    if sudoers is None or sudoers.startswith("@@unreadable"):
        return Privileges(uid0_accounts=uid0, sudo_users=None)
    if sudoers.startswith("@@absent"):  # sudo not installed: nobody can use it
        return Privileges(uid0_accounts=uid0, sudo_users=[])
    return Privileges(
        uid0_accounts=uid0, sudo_users=_sudo_users(sudoers, _group_members(passwd, group))
    )


def _ssh_server(body: str | None) -> SshServer | None:
    if body is None:
        return None
    if "@@absent" in body:
        return SshServer(installed=False)
    if "@@unreadable" in body:
        return SshServer(installed=True)
    return SshServer(installed=True, settings={k.lower(): v for k, v in _kv(body).items()})


def _auth_events(body: str | None) -> tuple[int | None, int | None]:
    if body is None:
        return None, None
    files = [int(n) for n in re.findall(r"^file (\d+)$", body, re.M)]
    journal = re.search(r"^journal (\d+)$", body, re.M)
    return (max(files) if files else None), (int(journal.group(1)) if journal else None)


def _logging(
    procs: list[str] | None, journald: str | None, logrotate: str | None, authlog: str | None
) -> Logging:
    conf = _kv(journald, "=")
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


def _time(body: str | None, procs: list[str] | None) -> TimeSync | None:
    if body is None and procs is None:
        return None
    text = body or ""
    conf = _kv(text.split("@@", 1)[0], "=")
    synced = {"yes": True, "no": False}.get(conf.get("NTPSynchronized", ""))
    if re.search(r"^Leap status\s*:\s*Not synchronised", text, re.M):
        synced = False  # chrony says so, whatever systemd believes
    elif synced is None and re.search(r"^Leap status\s*:\s*(Normal|Insert|Delete)", text, re.M):
        synced = True  # chrony reports a leap status only once it follows a source
    service = next((p for p in (procs or []) if p.startswith(TIME_SERVICES)), None)
    return TimeSync(synchronized=synced, service=service, offset_s=_offset(text))


def _backup(path: str | None, body: str | None) -> Backup | None:
    if path is None or body is None:
        return None
    if "@@missing" in body:
        return Backup(path=path, exists=False)
    kv = _kv(body)
    newest = kv.get("newest", "").strip()
    return Backup(
        path=path,
        exists=True,
        files=_int(kv.get("files")) or 0,
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


def _encryption(body: str | None) -> Encryption | None:
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


def _packages(body: str | None) -> dict[str, str] | None:
    if body is None:
        return None
    out = {}
    for line in body.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0]:
            out[parts[0][:200]] = parts[1][:100]
    return out
