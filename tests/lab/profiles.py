"""Host profiles of the lab: the OS state each profile puts on a host, and the verdict
each check must reach on it.

A profile is data. `tests.lab.hosts` turns it into files and processes; the lab tests
compare the audit of every host with `expected`, so a check that misreads a host (or a
lab host that drifts from its profile) fails a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAM_PWQUALITY = (
    "password requisite pam_pwquality.so retry=3\n"
    "password [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt remember=5\n"
    "password requisite pam_deny.so\npassword required pam_permit.so\n"
)
PAM_UNIX_ONLY = (
    "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n"
    "password requisite pam_deny.so\npassword required pam_permit.so\n"
)
AUTH_FAILLOCK = (
    "auth required pam_faillock.so preauth\n"
    "auth [success=1 default=ignore] pam_unix.so nullok\n"
    "auth [default=die] pam_faillock.so authfail\n"
    "auth requisite pam_deny.so\nauth required pam_permit.so\n"
)
AUTH_PLAIN = (
    "auth [success=1 default=ignore] pam_unix.so nullok\n"
    "auth requisite pam_deny.so\nauth required pam_permit.so\n"
)
NFT_DROP_INPUT = """table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    tcp dport 22 accept
  }
}
"""


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    shadow: str  # the password field of /etc/shadow: "$y$…", "" (empty) or "!" (locked)


@dataclass(frozen=True)
class Profile:
    """Everything that differs between lab hosts. Ages are days before the audit."""

    name: str
    login_defs: str
    pwquality: str
    pam_password: str
    pam_auth: str
    faillock: str
    journald: str
    logrotate: str
    daemons: tuple[str, ...]  # process names that run on the host (anti-malware, agents…)
    clamav_age_days: float | None  # None: no ClamAV databases at all
    last_patch_days: float
    backup_age_days: float | None  # None: the declared backup folder does not exist
    backup_separate_device: bool
    telnet: bool
    firewall: str | None  # an nftables ruleset, or None for no host firewall
    accounts: tuple[Account, ...]
    sudoers: str  # /etc/sudoers; the inventory declares only root as administrator
    expected: dict[str, str] = field(default_factory=dict)  # check id → status


HASH = "$y$j9T$labsalt$labhashnotarealpassword0000000000000000000"

HARDENED = Profile(
    name="hardened",
    login_defs="PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nENCRYPT_METHOD YESCRYPT\n",
    pwquality="minlen = 12\nminclass = 3\n",
    pam_password=PAM_PWQUALITY,
    pam_auth=AUTH_FAILLOCK,
    faillock="deny = 5\nunlock_time = 900\n",
    journald="[Journal]\nStorage=persistent\n",
    logrotate="weekly\nrotate 13\ncreate\n",
    daemons=("clamd", "freshclam", "wazuh-agentd", "chronyd", "rsyslogd", "auditd"),
    clamav_age_days=0.5,
    last_patch_days=3,
    backup_age_days=1,
    backup_separate_device=True,
    telnet=False,
    firewall=NFT_DROP_INPUT,
    accounts=(Account("canbo1", 1001, HASH),),
    sudoers="Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n",
    expected={
        "priv.sudo_declared": "pass",
        "acct.leavers": "pass",
        "av.running": "pass",
        "av.signature_age": "pass",
        "av.central_agent": "pass",
        "patch.last_update_age": "pass",
        "fw.host_enabled": "pass",
        "pwd.min_length": "pass",
        "pwd.complexity": "pass",
        "pwd.max_age": "pass",
        "lockout.threshold": "pass",
        "lockout.duration": "pass",
        "acct.no_empty_password": "pass",
        "priv.single_uid0": "pass",
        "svc.insecure_listeners": "pass",
        "scan.insecure_ports": "pass",
        "log.enabled": "pass",
        "log.retention": "pass",
        "time.sync": "error",  # a chronyd that runs is not a clock proven synchronised
        "backup.latest_age": "pass",
        "backup.separate_storage": "pass",
    },
)

TYPICAL = Profile(
    name="typical",
    login_defs="PASS_MAX_DAYS 99999\nPASS_MIN_DAYS 0\nPASS_WARN_AGE 7\n",
    pwquality="",
    pam_password=PAM_UNIX_ONLY,
    pam_auth=AUTH_PLAIN,
    faillock="",
    journald="[Journal]\n",
    logrotate="weekly\nrotate 4\ncreate\n",
    daemons=("clamd", "rsyslogd", "chronyd"),
    clamav_age_days=10,
    last_patch_days=20,
    backup_age_days=3,
    backup_separate_device=False,
    telnet=False,
    firewall=None,
    accounts=(Account("canbo1", 1001, HASH), Account("ketoan", 1002, HASH)),
    sudoers="Defaults env_reset\nroot ALL=(ALL:ALL) ALL\nketoan ALL=(ALL:ALL) ALL\n",
    expected={
        "priv.sudo_declared": "fail",
        "acct.leavers": "fail",
        "av.running": "pass",
        "av.signature_age": "fail",
        "av.central_agent": "fail",
        "patch.last_update_age": "pass",
        "fw.host_enabled": "fail",
        "pwd.min_length": "fail",
        "pwd.complexity": "fail",
        "pwd.max_age": "fail",
        "lockout.threshold": "fail",
        "acct.no_empty_password": "pass",
        "priv.single_uid0": "pass",
        "svc.insecure_listeners": "pass",
        "scan.insecure_ports": "pass",
        "log.enabled": "pass",
        "log.retention": "fail",
        "time.sync": "error",  # a chronyd that runs is not a clock proven synchronised
        "backup.latest_age": "pass",
        "backup.separate_storage": "fail",
    },
)

NEGLECTED = Profile(
    name="neglected",
    login_defs="PASS_MAX_DAYS 99999\n",
    pwquality="",
    pam_password=PAM_UNIX_ONLY,
    pam_auth=AUTH_PLAIN,
    faillock="",
    journald="[Journal]\nStorage=volatile\n",
    logrotate="weekly\nrotate 1\n",
    daemons=(),
    clamav_age_days=None,
    last_patch_days=120,
    backup_age_days=None,
    backup_separate_device=False,
    telnet=True,
    firewall=None,
    accounts=(
        Account("canbo1", 1001, HASH),
        Account("guest", 1003, ""),
        Account("toor", 0, HASH),
    ),
    sudoers="root ALL=(ALL:ALL) ALL\ncanbo1,guest ALL=(ALL) NOPASSWD: ALL\n",
    expected={
        "priv.sudo_declared": "fail",
        "acct.leavers": "fail",
        "av.running": "fail",
        "av.signature_age": "fail",
        "av.central_agent": "fail",
        "patch.last_update_age": "fail",
        "fw.host_enabled": "fail",
        "pwd.min_length": "fail",
        "pwd.max_age": "fail",
        "lockout.threshold": "fail",
        "acct.no_empty_password": "fail",
        "priv.single_uid0": "fail",
        "svc.insecure_listeners": "fail",
        "scan.insecure_ports": "fail",
        "log.enabled": "fail",
        "log.retention": "fail",
        "time.sync": "fail",
        "backup.latest_age": "fail",
    },
)

PROFILES = {p.name: p for p in (HARDENED, TYPICAL, NEGLECTED)}
# Host i gets MIX[i % 10]: four hardened, four typical, two neglected in every ten.
MIX = ("hardened", "typical", "neglected", "typical", "hardened") * 2


def profile_for(index: int) -> Profile:
    return PROFILES[MIX[index % len(MIX)]]
