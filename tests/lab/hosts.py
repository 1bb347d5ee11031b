"""Turn a host profile into files and a start command for one lab host."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.lab.profiles import Profile

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
BACKUP_PATH = "/srv/commune-backup"
DAY = 86400.0


@dataclass(frozen=True)
class HostPlan:
    ns: str
    hostname: str
    ip: str
    profile: Profile
    root: Path  # this host's private files under the lab root
    lab_root: Path


def _age(path: Path, days: float) -> None:
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _etc(plan: HostPlan) -> None:
    """Per-host /etc files: the upper layer of an overlay mounted over /etc on that host.

    (An overlay rather than `ip netns exec`'s /etc/netns/<ns>/ binds: those need every
    target to exist already, and e.g. /etc/logrotate.conf is absent on a minimal system.)
    """
    p = plan.profile
    etc = plan.root / "etc" / "upper"
    (plan.root / "etc" / "work").mkdir(parents=True)
    _write(etc / "hostname", plan.hostname + "\n")
    _write(etc / "login.defs", p.login_defs)
    _write(etc / "security" / "pwquality.conf", p.pwquality)
    _write(etc / "security" / "faillock.conf", p.faillock)
    _write(etc / "pam.d" / "common-password", p.pam_password)
    _write(etc / "pam.d" / "common-auth", p.pam_auth)
    _write(etc / "systemd" / "journald.conf", p.journald)
    _write(etc / "logrotate.conf", p.logrotate)
    _write(etc / "sudoers", p.sudoers, 0o440)
    passwd = Path("/etc/passwd").read_text()
    shadow = Path("/etc/shadow").read_text()
    group = Path("/etc/group").read_text()
    for acct in p.accounts:
        home = "/root" if acct.uid == 0 else f"/home/{acct.name}"
        passwd += f"{acct.name}:x:{acct.uid}:{acct.uid}::{home}:/bin/bash\n"
        shadow += f"{acct.name}:{acct.shadow}:20000:0:99999:7:::\n"
        if acct.uid:
            group += f"{acct.name}:x:{acct.uid}:\n"
    _write(etc / "passwd", passwd)
    _write(etc / "shadow", shadow, 0o640)
    _write(etc / "group", group)


def _var(plan: HostPlan) -> None:
    """Per-host /var/lib additions (overlay upper dir) and a whole /var/log."""
    p, root = plan.profile, plan.root
    upper = root / "var_lib" / "upper"
    upper.mkdir(parents=True)
    (root / "var_lib" / "work").mkdir()
    (root / "apt_lists" / "partial").mkdir(parents=True)  # no package lists: apt is fast
    if p.clamav_age_days is not None:
        for name in ("main.cvd", "daily.cld"):
            db = upper / "clamav" / name
            _write(db, "ClamAV-VDB lab signature database\n")
            _age(db, p.clamav_age_days)
    log = root / "var_log"
    stamp = time.strftime(
        "%Y-%m-%d %H:%M:%S", time.localtime(time.time() - p.last_patch_days * DAY)
    )
    _write(log / "dpkg.log", f"{stamp} status installed libssl3:amd64 3.0.17-1~deb12u2\n")
    if "Storage=persistent" in p.journald:
        (log / "journal").mkdir()
    srv = root / "srv"  # mounted over /srv on the host
    srv.mkdir()
    if p.backup_age_days is not None:
        archive = srv / "commune-backup" / "ketoan-2026.tar.gz"
        _write(archive, "lab backup archive\n")
        _age(archive, p.backup_age_days)


def prepare_host(plan: HostPlan) -> str:
    """Write the host's files and keys; return its public host key line ("type base64")."""
    plan.root.mkdir(parents=True)
    _etc(plan)
    _var(plan)
    key = plan.root / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    _write(
        plan.root / "sshd_config",
        f"ListenAddress {plan.ip}\nPort 22\nHostKey {key}\nPidFile {plan.root}/sshd.pid\n"
        f"AuthorizedKeysFile {plan.lab_root}/client_key.pub\n"
        "UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nLogLevel ERROR\n"
        "MaxStartups 200\n",
    )
    for daemon in plan.profile.daemons:
        binary = plan.lab_root / "bin" / daemon
        if not binary.exists():
            shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    pub = (plan.root / "host_key.pub").read_text().split()
    return f"{pub[0]} {pub[1]}"


def _overlay(target: str, layers: Path) -> str:
    return (
        f"mount -t overlay lab-overlay -o lowerdir={target},"
        f"upperdir={layers}/upper,workdir={layers}/work {target}"
    )


APT_LISTS_ENV = "LAB_APT_LISTS"


def start_command(plan: HostPlan) -> list[str]:
    """The host's own UTS, mount and PID namespaces; per-host /etc and /var; daemons; sshd."""
    p, r = plan.profile, plan.root
    apt_mount = f"mount --bind {r}/apt_lists /var/lib/apt/lists"
    steps = [
        f"hostname {shlex.quote(plan.hostname)}",
        _overlay("/etc", r / "etc"),
        _overlay("/var/lib", r / "var_lib"),
        # empty package lists keep the test lab fast; LAB_APT_LISTS=real leaves this
        # machine's real lists visible through the overlay, as on an installed system
        *([] if os.environ.get(APT_LISTS_ENV) == "real" else [apt_mount]),
        f"mount --bind {r}/var_log /var/log",
        # a home of its own, from /etc/skel: this machine's root .bashrc is not a PC's
        "mount -t tmpfs -o size=1m,mode=0700 lab-home /root",
        "cp -r /etc/skel/. /root/",
        "mkdir -p /run/sshd",
    ]
    if p.backup_separate_device:  # a device of its own, like a USB disk or NAS mount
        steps += ["mount -t tmpfs -o size=4m lab-backup /srv", f"cp -pr {r}/srv/. /srv/"]
    else:
        steps.append(f"mount --bind {r}/srv /srv")
    steps += [f"{plan.lab_root}/bin/{d} 1000000000 &" for d in p.daemons]
    if p.telnet:
        steps.append(shlex.join(listener_command(23)) + " &")
    steps.append(f"exec {SSHD} -D -e -f {r}/sshd_config")
    script = "set -e\n" + "\n".join(steps) + "\n"
    return [
        "unshare", "--mount", "--uts", "--pid", "--fork", "--mount-proc",
        "--propagation", "private", "/bin/sh", "-c", script,
    ]  # fmt: skip


def listener_command(port: int) -> list[str]:
    """A TCP listener that accepts and holds connections (stands in for telnetd)."""
    code = (
        "import socket,time\ns=socket.socket()\n"
        "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
        f"s.bind(('0.0.0.0',{port}))\ns.listen(64)\ntime.sleep(10**9)\n"
    )
    # the system Python: a pyenv or venv interpreter may live under /root, which lab hosts hide
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    return [python, "-c", code]
