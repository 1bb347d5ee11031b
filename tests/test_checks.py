"""Every registered check: a passing, a failing and an unknown-fact case, with the exact
status expected. The catalogue test makes sure no check escapes this table."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from auditor.checking import Registry, Status, discover
from auditor.facts import (
    Account,
    AntiMalware,
    AssetFacts,
    AvProduct,
    Backup,
    Browser,
    Declared,
    Encryption,
    Firewall,
    Hardening,
    Listener,
    LockoutPolicy,
    Logging,
    NetDeviceFacts,
    OpenPort,
    OsInfo,
    PasswordPolicy,
    Patching,
    PortForward,
    Privileges,
    ScreenLock,
    SshServer,
    TimeSync,
    TlsCertificate,
    WebFacts,
)
from tests.helpers import NOW, asset_facts, host, raw, scan

DAY = timedelta(days=1)
AV = {"ESET": ["esets_daemon"]}
PORTS = {"23/tcp": "Telnet", "21/tcp": "FTP", "3389/tcp": "RDP"}
EOL = {"debian": {"10": date(2024, 6, 30), "12": date(2028, 6, 30)}}
WIN_EOL = {
    "editions": {"Professional": "home_pro", "Server": "server"},
    "eol": {19045: {"home_pro": date(2025, 10, 14)}, 26200: {"home_pro": date(2027, 10, 12)}},
}
AUDIT = {"subcategories": {"0CCE9215-69AE-11D9-BED3-505054503030": {"name": "Logon", "setting": 3}}}
LOGON = "0CCE9215-69AE-11D9-BED3-505054503030"


def web(**kw: Any) -> WebFacts:
    base: dict[str, Any] = {
        "url": "https://xa.example/",
        "collected_at": NOW,
        "reachable": True,
        "tls_versions": ["TLSv1.2", "TLSv1.3"],
        "status": 200,
    }
    return WebFacts(**(base | kw))


def cert(days: int, verified: bool = True) -> TlsCertificate:
    return TlsCertificate(
        subject="CN=xa", issuer="CN=ca", not_after=NOW + days * DAY, verified=verified
    )


TLS = {"refused": ["TLSv1", "TLSv1.1"]}
HEADERS = {"required": [["x-content-type-options"], ["x-frame-options", "content-security-policy"]]}


FW = {"support": {"cisco-ios": {"ISR4321": date(2028, 11, 30), "2811": date(2016, 11, 1)}}}
REMOTE = {"ports": {3389: "RDP", 22: "SSH", 5900: "VNC"}}


def fwd(port: int, to_port: int | None) -> PortForward:
    return PortForward(proto="tcp", port=port, to_host="192.168.1.10", to_port=to_port)


def dev(**kw: Any) -> NetDeviceFacts:
    base: dict[str, Any] = {
        "vendor": "cisco-ios",
        "mgmt_services": {"ssh": True},
        "mgmt_restricted": True,
        "idle_timeout_s": 600,
        "syslog_targets": ["10.0.0.5"],
        "ntp_servers": ["10.0.0.1"],
        "snmp_issues": [],
        "password_issues": [],
        "weak_crypto": [],
        "default_accounts": [],
        "wifi_modes": ["wpa2"],
    }
    return NetDeviceFacts(**(base | kw))


def sshd(**changes: str) -> Any:
    """Real `sshd -T` of OpenSSH 9.2 (Debian 12) with the given settings changed."""
    settings = dict(
        line.split(" ", 1) for line in raw("sshd-T-debian12-openssh9.2.txt").splitlines()
    )
    return host(ssh_server=SshServer(installed=True, settings=settings | changes))


WEAK_SSH = {
    "ciphers": ["3des-cbc", "aes128-cbc", "aes256-cbc", "arcfour"],
    "macs": ["hmac-md5", "hmac-sha1-96"],
}


def dev_asset(device: NetDeviceFacts | None, *ports: int, up: bool = True) -> Any:
    return AssetFacts(
        asset_id="r1",
        declared=Declared(kind="netdevice"),
        netdev=device,
        scan=scan(open_ports=[OpenPort(port=p) for p in ports], host_up=up),
    )


INSECURE = {"services": ["telnet", "http", "ftp"]}


def win(build: int | None = 26200, edition: str | None = "Professional", **kw: Any) -> Any:
    return host(
        os=OsInfo(family="windows", distro_id="windows", build=build, edition=edition), **kw
    )


def hard(**kw: Any) -> Hardening:
    base: dict[str, Any] = {
        "autorun_disabled": True,
        "autologon": False,
        "default_password_stored": False,
        "smb1_enabled": False,
        "rdp_enabled": False,
        "rdp_nla": False,
        "insecure_features": [],
    }
    return Hardening(**(base | kw))


def win_user(name: str, **kw: Any) -> Account:
    return Account(name=name, **({"can_login": True, "password_never_expires": False} | kw))


def clam(**kw: Any) -> AntiMalware:
    return AntiMalware(products=[AvProduct(name="ClamAV", **kw)])


def person(name: str, **kw: Any) -> Account:
    base = {"uid": 1000, "shell": "/bin/bash", "can_login": True, "password": "set"}
    return Account(name=name, **(base | kw))


def backed_up(**kw: Any) -> Any:
    return asset_facts(host(backup=Backup(path="/b", exists=True, **kw)), backup_configured=True)


# (check id, params, facts, expected status)
CASES: list[tuple[str, dict[str, Any], Any, Status]] = [
    ("av.running", {"products": AV}, host(antimalware=clam(running=True)), Status.passed),
    (
        "av.running",
        {"products": AV},
        host(antimalware=AntiMalware(), processes=["esets_daemon"]),
        Status.passed,
    ),
    (
        "av.running",
        {"products": AV},
        host(antimalware=AntiMalware(), processes=["sshd"]),
        Status.failed,
    ),
    ("av.running", {"products": AV}, host(), Status.error),
    (
        "av.signature_age",
        {"max_days": 3},
        host(antimalware=clam(signature_time=NOW - DAY)),
        Status.passed,
    ),
    (
        "av.signature_age",
        {"max_days": 3},
        host(antimalware=clam(signature_time=NOW - 9 * DAY)),
        Status.failed,
    ),
    (  # near miss: a fresh database, but the updater's log says an update failed
        "av.signature_age",
        {"max_days": 3},
        host(
            antimalware=clam(
                signature_time=NOW - DAY, update_problems=["ERROR: Update failed for database"]
            )
        ),
        Status.failed,
    ),
    ("av.signature_age", {"max_days": 3}, host(antimalware=AntiMalware()), Status.failed),
    ("av.signature_age", {"max_days": 3}, host(antimalware=clam(running=True)), Status.error),
    ("av.signature_age", {"max_days": 3}, host(), Status.error),
    (
        "av.central_agent",
        {"products": {"Wazuh": ["wazuh-agentd"]}},
        host(processes=["wazuh-agentd"]),
        Status.passed,
    ),
    (
        "av.central_agent",
        {"products": {"Wazuh": ["wazuh-agentd"]}},
        host(processes=["sshd"]),
        Status.failed,
    ),
    ("av.central_agent", {"products": {"Wazuh": ["wazuh-agentd"]}}, host(), Status.error),
    (
        "patch.last_update_age",
        {"max_days": 35},
        host(patching=Patching(last_update=NOW - DAY)),
        Status.passed,
    ),
    (
        "patch.last_update_age",
        {"max_days": 35},
        host(patching=Patching(last_update=NOW - 120 * DAY)),
        Status.failed,
    ),
    ("patch.last_update_age", {"max_days": 35}, host(patching=Patching()), Status.error),
    (
        "patch.pending_security",
        {"max_pending": 0},
        host(patching=Patching(pending_security=0)),
        Status.passed,
    ),
    (
        "patch.pending_security",
        {"max_pending": 0},
        host(patching=Patching(pending_security=4)),
        Status.failed,
    ),
    ("patch.pending_security", {"max_pending": 0}, host(), Status.error),
    (
        "pwd.min_length",
        {"min_length": 8},
        host(password_policy=PasswordPolicy(min_length=12)),
        Status.passed,
    ),
    (
        "pwd.min_length",
        {"min_length": 8},
        host(password_policy=PasswordPolicy(min_length=6)),
        Status.failed,
    ),
    ("pwd.min_length", {"min_length": 8}, host(), Status.error),
    (
        "pwd.complexity",
        {"min_classes": 3},
        host(password_policy=PasswordPolicy(min_classes=4)),
        Status.passed,
    ),
    (
        "pwd.complexity",
        {"min_classes": 3},
        host(password_policy=PasswordPolicy(min_classes=1)),
        Status.failed,
    ),
    ("pwd.complexity", {"min_classes": 3}, host(password_policy=PasswordPolicy()), Status.error),
    (  # Windows' rule is 3 of 4 classes: a 4-class requirement is not failed by construction
        "pwd.complexity",
        {"min_classes": 4},
        win(password_policy=PasswordPolicy(min_classes=3, source="secedit")),
        Status.error,
    ),
    (
        "pwd.complexity",
        {"min_classes": 3},
        win(password_policy=PasswordPolicy(min_classes=3, source="secedit")),
        Status.passed,
    ),
    (
        "pwd.history",
        {"min_remembered": 5},
        host(password_policy=PasswordPolicy(history=24)),
        Status.passed,
    ),
    (
        "pwd.history",
        {"min_remembered": 5},
        host(password_policy=PasswordPolicy(history=0)),
        Status.failed,
    ),
    ("pwd.history", {"min_remembered": 5}, host(password_policy=PasswordPolicy()), Status.error),
    (
        "pwd.admin_max_age",
        {"max_days": 60},
        asset_facts(host(accounts=[person("an", password_max_days=60)]), admins=["an"]),
        Status.passed,
    ),
    (
        "pwd.admin_max_age",
        {"max_days": 60},
        asset_facts(
            host(
                accounts=[
                    person("an", password_max_days=60),
                    person("binh", password_max_days=99999),
                ]
            ),
            admins=["an", "binh"],
        ),
        Status.failed,
    ),
    (  # Windows: the machine policy covers every local account
        "pwd.admin_max_age",
        {"max_days": 60},
        asset_facts(win(password_policy=PasswordPolicy(max_age_days=42)), kind="windows"),
        Status.passed,
    ),
    (
        "pwd.admin_max_age",
        {"max_days": 60},
        asset_facts(host(accounts=[person("an")]), admins=["an"]),
        Status.error,
    ),
    (
        "pwd.max_age",
        {"max_days": 90},
        host(password_policy=PasswordPolicy(max_age_days=60)),
        Status.passed,
    ),
    (
        "pwd.max_age",
        {"max_days": 90},
        host(password_policy=PasswordPolicy(max_age_days=99999)),
        Status.failed,
    ),
    (
        "pwd.max_age",
        {"max_days": 90},
        host(password_policy=PasswordPolicy(max_age_days=0)),
        Status.failed,
    ),
    ("pwd.max_age", {"max_days": 90}, host(), Status.error),
    (
        "lockout.threshold",
        {"max_attempts": 10},
        host(lockout=LockoutPolicy(threshold=5)),
        Status.passed,
    ),
    (
        "lockout.threshold",
        {"max_attempts": 10},
        host(lockout=LockoutPolicy(threshold=0)),
        Status.failed,
    ),
    (
        "lockout.threshold",
        {"max_attempts": 10},
        host(lockout=LockoutPolicy(threshold=50)),
        Status.failed,
    ),
    ("lockout.threshold", {"max_attempts": 10}, host(), Status.error),
    (
        "lockout.duration",
        {"min_seconds": 900},
        host(lockout=LockoutPolicy(threshold=5, duration_s=1800)),
        Status.passed,
    ),
    (
        "lockout.duration",
        {"min_seconds": 900},
        host(lockout=LockoutPolicy(threshold=5, duration_s=0)),
        Status.passed,
    ),
    (
        "lockout.duration",
        {"min_seconds": 900},
        host(lockout=LockoutPolicy(threshold=5, duration_s=60)),
        Status.failed,
    ),
    (
        "lockout.duration",
        {"min_seconds": 900},
        host(lockout=LockoutPolicy(threshold=0)),
        Status.failed,
    ),
    ("lockout.duration", {"min_seconds": 900}, host(), Status.error),
    ("acct.no_empty_password", {}, host(accounts=[person("a")]), Status.passed),
    (
        "acct.no_empty_password",
        {},
        host(accounts=[person("a"), person("b", password="empty")]),
        Status.failed,
    ),
    ("acct.no_empty_password", {}, host(accounts=[person("a", password=None)]), Status.error),
    (
        "acct.inactive",
        {"max_days": 45, "min_uid": 1000},
        host(accounts=[person("a", last_login=NOW - 3 * DAY, never_logged_in=False)]),
        Status.passed,
    ),
    (
        "acct.inactive",
        {"max_days": 45, "min_uid": 1000},
        host(accounts=[person("a", last_login=NOW - 90 * DAY, never_logged_in=False)]),
        Status.failed,
    ),
    (
        "acct.inactive",
        {"max_days": 45, "min_uid": 1000},
        host(accounts=[person("a", never_logged_in=True)]),
        Status.failed,
    ),
    (
        "acct.inactive",
        {"max_days": 45, "min_uid": 1000},
        host(accounts=[person("a")]),
        Status.error,
    ),
    ("acct.inactive", {"max_days": 45, "min_uid": 1000}, host(), Status.error),
    (
        "acct.leavers",
        {"max_days": 0, "min_uid": 1000},
        asset_facts(host(accounts=[person("an"), person("binh", can_login=False)]), users=["AN"]),
        Status.passed,
    ),
    (
        "acct.leavers",
        {"max_days": 0, "min_uid": 1000},
        asset_facts(host(accounts=[person("an"), person("cu")]), users=["an"]),
        Status.failed,
    ),
    (
        "acct.leavers",
        {"max_days": 0, "min_uid": 1000},
        asset_facts(host(accounts=[person("an")])),
        Status.error,
    ),
    ("acct.leavers", {"max_days": 0, "min_uid": 1000}, asset_facts(host()), Status.error),
    ("priv.single_uid0", {}, host(privileges=Privileges(uid0_accounts=["root"])), Status.passed),
    (
        "priv.single_uid0",
        {},
        host(privileges=Privileges(uid0_accounts=["root", "toor"])),
        Status.failed,
    ),
    ("priv.single_uid0", {}, host(), Status.error),
    (
        "priv.sudo_declared",
        {},
        asset_facts(
            host(privileges=Privileges(uid0_accounts=["root"], sudo_users=["an", "root"])),
            admins=["an"],
        ),
        Status.passed,
    ),
    (
        "priv.sudo_declared",
        {},
        asset_facts(
            host(privileges=Privileges(uid0_accounts=["root"], sudo_users=["an", "binh"])),
            admins=["an"],
        ),
        Status.failed,
    ),
    (
        "priv.sudo_declared",
        {},
        asset_facts(host(privileges=Privileges(uid0_accounts=["root"], sudo_users=None))),
        Status.error,
    ),
    ("fw.host_enabled", {}, host(firewall=Firewall(enabled=True, backend="ufw")), Status.passed),
    ("fw.host_enabled", {}, host(firewall=Firewall(enabled=False)), Status.failed),
    ("fw.host_enabled", {}, host(firewall=Firewall(enabled=None)), Status.error),
    (
        "svc.insecure_listeners",
        {"ports": PORTS},
        host(
            listeners=[
                Listener(proto="tcp", address="0.0.0.0", port=22),
                Listener(proto="tcp", address="127.0.0.1", port=23),
            ]
        ),
        Status.passed,
    ),
    (
        "svc.insecure_listeners",
        {"ports": PORTS},
        host(listeners=[Listener(proto="tcp", address="0.0.0.0", port=23)]),
        Status.failed,
    ),
    ("svc.insecure_listeners", {"ports": PORTS}, host(), Status.error),
    ("scan.insecure_ports", {"ports": PORTS}, scan(open_ports=[OpenPort(port=22)]), Status.passed),
    (
        "scan.insecure_ports",
        {"ports": PORTS},
        scan(open_ports=[OpenPort(port=3389)]),
        Status.failed,
    ),
    ("scan.insecure_ports", {"ports": PORTS}, scan(host_up=False), Status.error),
    ("scan.performed", {}, scan(open_ports=[OpenPort(port=22, service="ssh")]), Status.passed),
    ("scan.performed", {}, scan(host_up=False), Status.error),
    ("log.enabled", {}, host(logging=Logging(audit_daemon=True)), Status.passed),
    (
        "log.enabled",
        {},
        host(logging=Logging(audit_daemon=False, journald_persistent=False, syslog_daemon=False)),
        Status.failed,
    ),
    ("log.enabled", {}, host(logging=Logging()), Status.error),
    ("log.retention", {"min_days": 30}, host(logging=Logging(retention_days=91)), Status.passed),
    ("log.retention", {"min_days": 30}, host(logging=Logging(retention_days=28)), Status.failed),
    ("log.retention", {"min_days": 30}, host(logging=Logging()), Status.error),
    ("time.sync", {}, host(time=TimeSync(synchronized=True)), Status.passed),
    # near miss: a time service that runs is not a synchronised clock
    ("time.sync", {}, host(time=TimeSync(synchronized=None, service="chronyd")), Status.error),
    (
        "time.sync",
        {"max_offset_s": 5},
        host(time=TimeSync(synchronized=True, offset_s=0.004)),
        Status.passed,
    ),
    (
        "time.sync",
        {"max_offset_s": 5},
        host(time=TimeSync(synchronized=True, offset_s=12.5)),
        Status.failed,
    ),
    ("time.sync", {}, host(time=TimeSync(synchronized=False, service="chronyd")), Status.failed),
    ("time.sync", {}, host(time=TimeSync()), Status.failed),
    ("time.sync", {}, host(), Status.error),
    (
        "backup.latest_age",
        {"max_days": 7},
        backed_up(newest_file_time=NOW - 2 * DAY, files=3),
        Status.passed,
    ),
    (
        "backup.latest_age",
        {"max_days": 7},
        backed_up(newest_file_time=NOW - 30 * DAY, files=3),
        Status.failed,
    ),
    ("backup.latest_age", {"max_days": 7}, backed_up(), Status.failed),
    ("backup.latest_age", {"max_days": 7}, asset_facts(host()), Status.error),
    (
        "backup.latest_age",
        {"max_days": 7},
        asset_facts(host(), backup_configured=True),
        Status.error,
    ),
    ("backup.separate_storage", {}, backed_up(same_device_as_root=False), Status.passed),
    ("backup.separate_storage", {}, backed_up(same_device_as_root=True), Status.failed),
    ("backup.separate_storage", {}, backed_up(), Status.error),
    ("sw.os_supported", {"eol": EOL}, host(), Status.passed),
    (
        "sw.os_supported",
        {"eol": EOL},
        host(os=OsInfo(family="linux", distro_id="debian", version_id="10")),
        Status.failed,
    ),
    (
        "sw.os_supported",
        {"eol": EOL},
        host(os=OsInfo(family="linux", distro_id="plan9", version_id="4")),
        Status.error,
    ),
    ("sw.os_supported", {"eol": EOL}, host(os=OsInfo(family="linux")), Status.error),
    (
        "sw.unapproved",
        {"deny": ["teamviewer*", "ultraviewer*"]},
        host(packages={"bash": "5"}),
        Status.passed,
    ),
    (
        "sw.unapproved",
        {"deny": ["teamviewer*", "ultraviewer*"]},
        host(packages={"ultraviewer": "6.6"}),
        Status.failed,
    ),
    (
        "sw.unapproved",
        {"deny": [], "allow": ["bash", "lib*"]},
        host(packages={"bash": "5", "nmap": "7"}),
        Status.failed,
    ),
    ("sw.unapproved", {"deny": []}, host(), Status.error),
    ("sw.unapproved", {"deny": ["teamviewer*"]}, host(packages={}), Status.error),  # none listed
    (
        "enc.at_rest",
        {},
        host(encryption=Encryption(root_encrypted=True, encrypted_volumes=["dm-0"])),
        Status.passed,
    ),
    ("enc.at_rest", {}, host(encryption=Encryption(root_encrypted=False)), Status.failed),
    ("enc.at_rest", {}, host(), Status.error),
    ("av.realtime", {"products": AV}, host(antimalware=clam(realtime=True)), Status.passed),
    ("av.realtime", {"products": AV}, host(antimalware=clam(realtime=False)), Status.failed),
    (
        "av.realtime",
        {"products": AV},
        host(antimalware=clam(realtime=False), processes=["esets_daemon"]),
        Status.error,
    ),
    ("av.realtime", {"products": AV}, host(), Status.error),
    (
        "lock.screen",
        {"max_seconds": 900},
        win(screen_lock=ScreenLock(timeout_s=600, secure=True)),
        Status.passed,
    ),
    (
        "lock.screen",
        {"max_seconds": 900},
        win(screen_lock=ScreenLock(timeout_s=1800, secure=True)),
        Status.failed,
    ),
    (
        "lock.screen",
        {"max_seconds": 900},
        win(screen_lock=ScreenLock(timeout_s=300, secure=False)),
        Status.failed,
    ),
    ("lock.screen", {"max_seconds": 900}, win(), Status.error),
    ("cfg.autorun_disabled", {}, win(hardening=hard()), Status.passed),
    ("cfg.autorun_disabled", {}, win(hardening=hard(autorun_disabled=False)), Status.failed),
    ("cfg.autorun_disabled", {}, win(hardening=hard(autorun_disabled=None)), Status.error),
    ("cfg.no_autologon", {}, win(hardening=hard()), Status.passed),
    ("cfg.no_autologon", {}, win(hardening=hard(default_password_stored=True)), Status.failed),
    ("cfg.no_autologon", {}, win(), Status.error),
    (
        "svc.windows_protocols",
        {},
        win(hardening=hard(rdp_enabled=True, rdp_nla=True)),
        Status.passed,
    ),
    (
        "svc.windows_protocols",
        {},
        win(hardening=hard(rdp_enabled=True, rdp_nla=False)),
        Status.failed,
    ),
    ("svc.windows_protocols", {}, win(hardening=hard(smb1_enabled=True)), Status.failed),
    ("svc.windows_protocols", {}, win(hardening=hard(insecure_features=None)), Status.error),
    (
        "acct.builtin_disabled",
        {},
        win(accounts=[win_user("Guest", builtin="guest", can_login=False), win_user("an")]),
        Status.passed,
    ),
    (
        "acct.builtin_disabled",
        {},
        win(accounts=[win_user("Administrator", builtin="administrator")]),
        Status.failed,
    ),
    ("acct.builtin_disabled", {}, win(accounts=[win_user("an")]), Status.error),
    ("acct.password_expires", {}, win(accounts=[win_user("an")]), Status.passed),
    (
        "acct.password_expires",
        {},
        win(accounts=[win_user("an", password_never_expires=True)]),
        Status.failed,
    ),
    (
        "acct.password_expires",
        {},
        win(accounts=[win_user("an", password_never_expires=None)]),
        Status.error,
    ),
    ("log.audit_policy", AUDIT, win(audit_policy={LOGON: 3}), Status.passed),
    ("log.audit_policy", AUDIT, win(audit_policy={LOGON: 1}), Status.failed),
    ("log.audit_policy", AUDIT, win(), Status.error),
    ("sw.windows_supported", WIN_EOL, win(), Status.passed),
    ("sw.windows_supported", WIN_EOL, win(build=19045), Status.failed),
    ("sw.windows_supported", WIN_EOL, win(build=7601), Status.error),
    ("sw.windows_supported", WIN_EOL, win(build=None), Status.error),
    (
        "browser.supported",
        {"min_major": {"Google Chrome": 140}},
        win(browsers=[Browser(name="Google Chrome", version="142.0.1")]),
        Status.passed,
    ),
    (
        "browser.supported",
        {"min_major": {"Google Chrome": 140}},
        win(browsers=[Browser(name="Google Chrome", version="109.0.5414.120")]),
        Status.failed,
    ),
    ("browser.supported", {"min_major": {"Google Chrome": 140}}, win(), Status.error),
    ("web.tls_versions", TLS, web(), Status.passed),
    ("web.tls_versions", TLS, web(tls_versions=["TLSv1", "TLSv1.2"]), Status.failed),
    ("web.tls_versions", TLS, web(tls_versions=[]), Status.failed),
    ("web.tls_versions", TLS, web(reachable=False), Status.error),
    ("web.certificate", {"min_days_left": 14}, web(certificate=cert(60)), Status.passed),
    ("web.certificate", {"min_days_left": 14}, web(certificate=cert(5)), Status.failed),
    ("web.certificate", {"min_days_left": 14}, web(certificate=cert(60, False)), Status.failed),
    ("web.certificate", {"min_days_left": 14}, web(), Status.error),
    (
        "web.hsts",
        {"min_max_age": 15552000},
        web(headers={"strict-transport-security": "max-age=31536000"}),
        Status.passed,
    ),
    ("web.hsts", {"min_max_age": 15552000}, web(headers={}), Status.failed),
    ("web.hsts", {"min_max_age": 15552000}, web(status=None), Status.error),
    (
        "web.security_headers",
        HEADERS,
        web(headers={"x-content-type-options": "nosniff", "content-security-policy": "x"}),
        Status.passed,
    ),
    (
        "web.security_headers",
        HEADERS,
        web(headers={"x-content-type-options": "nosniff"}),
        Status.failed,
    ),
    ("web.security_headers", HEADERS, web(status=None), Status.error),
    ("web.admin_exposed", {}, web(exposed_admin_paths=[]), Status.passed),
    ("web.admin_exposed", {}, web(exposed_admin_paths=["/wp-admin/"]), Status.failed),
    ("web.admin_exposed", {}, web(), Status.error),
    ("net.mgmt_protocols", INSECURE, dev(), Status.passed),
    ("net.mgmt_protocols", INSECURE, dev(mgmt_services={"telnet": True}), Status.failed),
    ("net.mgmt_protocols", INSECURE, dev(mgmt_services={}), Status.error),
    ("net.mgmt_restricted", {}, dev(), Status.passed),
    ("net.mgmt_restricted", {}, dev(mgmt_restricted=False), Status.failed),
    ("net.mgmt_restricted", {}, dev(mgmt_restricted=None), Status.error),
    ("net.idle_timeout", {"max_seconds": 900}, dev(), Status.passed),
    ("net.idle_timeout", {"max_seconds": 900}, dev(idle_timeout_s=0), Status.failed),
    ("net.idle_timeout", {"max_seconds": 900}, dev(idle_timeout_s=3600), Status.failed),
    ("net.idle_timeout", {"max_seconds": 900}, dev(idle_timeout_s=None), Status.error),
    # near miss: no exec-timeout line — the IOS default of 10 minutes is only assumed
    (
        "net.idle_timeout",
        {"max_seconds": 900},
        dev(idle_timeout_s=600, idle_timeout_assumed=True),
        Status.failed,
    ),
    (
        "net.idle_timeout",
        {"max_seconds": 900, "assumed_default_passes": True},
        dev(idle_timeout_s=600, idle_timeout_assumed=True),
        Status.passed,
    ),
    ("net.syslog", {}, dev(), Status.passed),
    ("net.syslog", {}, dev(syslog_targets=[]), Status.failed),
    ("net.syslog", {}, dev(syslog_targets=None), Status.error),
    ("net.ntp", {}, dev(), Status.passed),
    ("net.ntp", {}, dev(ntp_servers=[]), Status.failed),
    ("net.ntp", {}, dev(ntp_servers=None), Status.error),
    ("net.snmp_default", {}, dev(), Status.passed),
    ("net.snmp_default", {}, dev(snmp_issues=["default community RO without ACL"]), Status.failed),
    # near miss: a well-named community that may write is still a finding
    ("net.snmp_default", {}, dev(snmp_issues=["community RW"]), Status.failed),
    ("net.snmp_default", {}, dev(snmp_issues=None), Status.error),
    ("net.accounts", {}, dev(), Status.passed),
    ("net.accounts", {}, dev(default_accounts=["cisco/cisco"]), Status.failed),
    ("net.accounts", {}, dev(password_issues=["username quantri: type 7"]), Status.failed),
    ("net.accounts", {}, dev(default_accounts=None), Status.error),
    ("net.accounts", {}, dev(password_issues=None), Status.error),
    ("net.weak_crypto", {}, dev(), Status.passed),
    ("net.weak_crypto", {}, dev(weak_crypto=["ip ssh version 1"]), Status.failed),
    ("net.weak_crypto", {}, dev(weak_crypto=["PPTP server enabled"]), Status.failed),
    ("net.weak_crypto", {}, dev(weak_crypto=None), Status.error),
    ("net.wifi", {}, dev(), Status.passed),
    ("net.wifi", {}, dev(wifi_modes=["wpa2", "open"]), Status.failed),
    ("net.wifi", {}, dev(wifi_modes=["wpa2", "wpa"]), Status.failed),  # WPA1 mixed in
    ("net.wifi", {}, dev(wifi_modes=["tkip"]), Status.failed),  # WPA2 with TKIP only
    ("net.wifi", {}, dev(wifi_modes=None), Status.not_applicable),
    ("sshd.root_login", {}, sshd(permitrootlogin="prohibit-password"), Status.passed),
    ("sshd.root_login", {}, sshd(permitrootlogin="yes"), Status.failed),
    ("sshd.root_login", {}, host(ssh_server=SshServer(installed=True)), Status.error),  # not root
    ("sshd.root_login", {}, host(ssh_server=SshServer(installed=False)), Status.not_applicable),
    ("sshd.root_login", {}, host(), Status.error),
    ("sshd.auth_tries", {"max_tries": 4}, sshd(maxauthtries="4"), Status.passed),
    ("sshd.auth_tries", {"max_tries": 4}, sshd(), Status.failed),  # OpenSSH's default 6
    ("sshd.auth_tries", {"max_tries": 4}, host(), Status.error),
    (
        "sshd.idle_timeout",
        {"max_seconds": 300},
        sshd(clientaliveinterval="300", clientalivecountmax="1"),
        Status.passed,
    ),
    # near miss: 300 s × 3 probes is 15 minutes
    ("sshd.idle_timeout", {"max_seconds": 300}, sshd(clientaliveinterval="300"), Status.failed),
    ("sshd.idle_timeout", {"max_seconds": 300}, sshd(), Status.failed),  # 0: never
    ("sshd.idle_timeout", {"max_seconds": 300}, host(), Status.error),
    ("sshd.crypto", WEAK_SSH, sshd(), Status.passed),  # OpenSSH 9.2's own defaults
    ("sshd.crypto", WEAK_SSH, sshd(ciphers="aes256-ctr,aes128-cbc"), Status.failed),
    ("sshd.crypto", WEAK_SSH, sshd(macs="hmac-sha2-256,hmac-md5"), Status.failed),
    ("sshd.crypto", WEAK_SSH, host(), Status.error),
    ("log.auth_events", {}, host(logging=Logging(audit_daemon=True)), Status.passed),
    (
        "log.auth_events",
        {},
        host(logging=Logging(audit_daemon=False, syslog_daemon=True, auth_file_events=12)),
        Status.passed,
    ),
    (  # near miss: a persistent journal, but no login or sudo line in it
        "log.auth_events",
        {},
        host(logging=Logging(audit_daemon=False, journald_persistent=True, journal_auth_events=0)),
        Status.error,
    ),
    (  # near miss: login lines, but in a journal lost at every reboot
        "log.auth_events",
        {},
        host(
            logging=Logging(audit_daemon=False, journald_persistent=False, journal_auth_events=40)
        ),
        Status.failed,
    ),
    ("log.auth_events", {}, host(), Status.error),
    ("net.telnet_crosscheck", {}, dev_asset(dev(), 22), Status.passed),
    ("net.telnet_crosscheck", {}, dev_asset(dev(), 22, 23), Status.failed),
    ("net.telnet_crosscheck", {}, dev_asset(dev(), up=False), Status.error),
    ("net.firmware_supported", FW, dev(model="ISR4321/K9", firmware="16.9.4"), Status.passed),
    ("net.firmware_supported", FW, dev(model="2811", firmware="12.4(24)T8"), Status.failed),
    ("net.firmware_supported", FW, dev(model="C9300", firmware="17.9"), Status.error),  # unlisted
    ("net.firmware_supported", FW, dev(), Status.error),
    ("net.port_forwards", REMOTE, dev(port_forwards=[]), Status.passed),
    ("net.port_forwards", REMOTE, dev(port_forwards=[fwd(443, 443)]), Status.passed),
    ("net.port_forwards", REMOTE, dev(port_forwards=[fwd(2222, 22)]), Status.failed),
    ("net.port_forwards", REMOTE, dev(port_forwards=[fwd(3389, None)]), Status.failed),
    ("net.port_forwards", REMOTE, dev(), Status.error),
    ("net.wan_management", {}, dev(wan_mgmt_exposed=False), Status.passed),
    ("net.wan_management", {}, dev(wan_mgmt_exposed=True), Status.failed),
    ("net.wan_management", {}, dev(), Status.error),
    ("net.firewall", {}, dev(firewall_enabled=True), Status.passed),
    ("net.firewall", {}, dev(firewall_enabled=False), Status.failed),
    ("net.firewall", {}, dev(), Status.error),
    ("net.ips", {}, dev(ips_enabled=True), Status.passed),
    ("net.ips", {}, dev(ips_enabled=False), Status.failed),
    ("net.ips", {}, dev(), Status.error),
    ("net.zones", {"min_zones": 2}, dev(zones=["lan", "wifi"]), Status.passed),
    ("net.zones", {"min_zones": 2}, dev(zones=["lan"]), Status.failed),
    ("net.zones", {"min_zones": 2}, dev(), Status.error),
    ("net.wps", {}, dev(wps_enabled=False), Status.passed),
    ("net.wps", {}, dev(wps_enabled=True), Status.failed),
    ("net.wps", {}, dev(), Status.not_applicable),  # no radio
    ("net.login_limit", {}, dev(login_limit=True), Status.passed),
    ("net.login_limit", {}, dev(login_limit=False), Status.failed),
    ("net.login_limit", {}, dev(), Status.error),
    ("net.config_saved", {}, dev(config_saved=True), Status.passed),
    ("net.config_saved", {}, dev(config_saved=False), Status.failed),
    ("net.config_saved", {}, dev(), Status.error),
    ("net.default_login", {}, dev(default_login_works=False), Status.passed),
    ("net.default_login", {}, dev(default_login_works=True), Status.failed),
    ("net.default_login", {}, dev(), Status.not_applicable),  # probe not enabled
]


NOT_APPLICABLE_WHEN_ABSENT = {"net.wifi", "net.wps", "net.default_login"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


@pytest.mark.parametrize(
    ("check_id", "params", "facts", "expected"),
    CASES,
    ids=[f"{c[0]}-{i}-{c[3].value}" for i, c in enumerate(CASES)],
)
def test_check(
    registry: Registry, check_id: str, params: dict[str, Any], facts: Any, expected: Status
) -> None:
    outcome = registry[check_id].run(facts, params)
    assert outcome.status is expected, outcome


def test_every_check_has_pass_fail_and_unknown_cases(registry: Registry) -> None:
    covered: dict[str, set[Status]] = {}
    for check_id, _, _, status in CASES:
        covered.setdefault(check_id, set()).add(status)
    for check_id in registry.ids():
        statuses = covered.get(check_id, set())
        assert Status.passed in statuses, f"{check_id} lacks a pass case"
        assert Status.error in statuses or check_id in NOT_APPLICABLE_WHEN_ABSENT, (
            f"{check_id} lacks an unknown-fact case"
        )
        if check_id != "scan.performed":  # a scan that reached the host cannot "fail"
            assert Status.failed in statuses, f"{check_id} lacks a fail case"
    # a device without a radio, or not probed, is "not applicable" rather than unknown


def test_failures_carry_observed_and_expected(registry: Registry) -> None:
    outcome = registry["pwd.min_length"].run(
        host(password_policy=PasswordPolicy(min_length=6)), {"min_length": 8}
    )
    assert (outcome.observed, outcome.expected) == (6, "≥ 8")
    outcome = registry["scan.insecure_ports"].run(
        scan(open_ports=[OpenPort(port=23)]), {"ports": PORTS}
    )
    assert outcome.observed == ["23/tcp Telnet"]


def test_bad_params_are_rejected(registry: Registry) -> None:
    with pytest.raises(ValueError):
        registry["pwd.min_length"].run(host(), {"min_lenght": 8})


# ---------------------------------------------------------------- near misses
# For every check, the input that almost passes: one step past the threshold, the setting
# that is there but disabled, the value that is only assumed, the list that is empty. None
# of them may pass.
NEAR_MISSES: dict[str, tuple[dict[str, Any], Any, Status]] = {
    "acct.builtin_disabled": (
        {},
        win(accounts=[win_user("Guest", builtin="guest", can_login=True)]),
        Status.failed,
    ),
    "acct.inactive": (
        {"max_days": 45, "min_uid": 1000},
        host(accounts=[person("a", last_login=NOW - 46 * DAY, never_logged_in=False)]),
        Status.failed,
    ),
    "acct.leavers": (  # staff list declared, but empty: everyone is a leaver
        {"max_days": 0, "min_uid": 1000},
        asset_facts(host(accounts=[person("an")]), users=[]),
        Status.failed,
    ),
    "acct.no_empty_password": (
        {},
        host(accounts=[person("a"), person("svc", password="empty", can_login=False)]),
        Status.failed,
    ),
    "acct.password_expires": (
        {},
        win(accounts=[win_user("an"), win_user("ketoan", password_never_expires=True)]),
        Status.failed,
    ),
    "av.central_agent": (  # the agent's service name, not its running process
        {"products": {"Wazuh": ["wazuh-agentd"]}},
        host(processes=["wazuh-modulesd"]),
        Status.failed,
    ),
    "av.realtime": (  # Defender in passive mode beside another product does not count
        {"products": AV},
        host(
            antimalware=AntiMalware(
                products=[AvProduct(name="Defender", realtime=True, passive=True)]
            )
        ),
        Status.failed,
    ),
    "av.running": (
        {"products": AV},
        host(antimalware=clam(running=False), processes=[]),
        Status.failed,
    ),
    "av.signature_age": (
        {"max_days": 3},
        host(antimalware=clam(signature_time=NOW - 3 * DAY - timedelta(hours=3))),
        Status.failed,
    ),
    "backup.latest_age": (
        {"max_days": 7},
        backed_up(newest_file_time=NOW - 8 * DAY, files=3),
        Status.failed,
    ),
    "backup.separate_storage": ({}, backed_up(same_device_as_root=True), Status.failed),
    "browser.supported": (  # a browser the table does not know is unknown, not supported
        {"min_major": {"Google Chrome": 140}},
        win(browsers=[Browser(name="Cốc Cốc", version="140.0.1")]),
        Status.error,
    ),
    "cfg.autorun_disabled": ({}, win(hardening=hard(autorun_disabled=False)), Status.failed),
    "cfg.no_autologon": ({}, win(hardening=hard(autologon=True)), Status.failed),
    "enc.at_rest": (
        {},
        host(encryption=Encryption(root_encrypted=False, encrypted_volumes=["dm-1"])),
        Status.failed,
    ),
    "fw.host_enabled": (
        {},
        host(firewall=Firewall(enabled=None, detail="missing: Public")),
        Status.error,
    ),
    "lock.screen": (
        {"max_seconds": 900},
        win(screen_lock=ScreenLock(timeout_s=600, secure=False)),
        Status.failed,
    ),
    "lockout.duration": (
        {"min_seconds": 900},
        host(lockout=LockoutPolicy(threshold=5, duration_s=899)),
        Status.failed,
    ),
    "lockout.threshold": (
        {"max_attempts": 10},
        host(lockout=LockoutPolicy(threshold=11)),
        Status.failed,
    ),
    "log.audit_policy": (AUDIT, win(audit_policy={LOGON: 2}), Status.failed),  # failure only
    "log.auth_events": (
        {},
        host(
            logging=Logging(audit_daemon=False, journald_persistent=False, journal_auth_events=40)
        ),
        Status.failed,
    ),
    "log.enabled": (
        {},
        host(logging=Logging(audit_daemon=False, journald_persistent=False, syslog_daemon=False)),
        Status.failed,
    ),
    "log.retention": ({"min_days": 30}, host(logging=Logging(retention_days=29)), Status.failed),
    "net.accounts": ({}, dev(password_issues=["username quantri: type 7"]), Status.failed),
    "net.config_saved": ({}, dev(config_saved=False), Status.failed),
    "net.default_login": ({}, dev(default_login_works=True), Status.failed),
    "net.firewall": ({}, dev(firewall_enabled=False), Status.failed),  # e.g. a one-port drop
    "net.firmware_supported": (FW, dev(model="C9300", firmware="17.9"), Status.error),
    "net.idle_timeout": (
        {"max_seconds": 900},
        dev(idle_timeout_s=600, idle_timeout_assumed=True),
        Status.failed,
    ),
    "net.ips": ({}, dev(ips_enabled=False), Status.failed),
    "net.login_limit": ({}, dev(login_limit=False), Status.failed),
    "net.mgmt_protocols": (INSECURE, dev(mgmt_services={"ssh": True, "http": True}), Status.failed),
    "net.mgmt_restricted": ({}, dev(mgmt_restricted=False, mgmt_sources=["any"]), Status.failed),
    "net.ntp": ({}, dev(ntp_servers=[]), Status.failed),
    "net.port_forwards": (REMOTE, dev(port_forwards=[fwd(33890, 3389)]), Status.failed),
    "net.snmp_default": ({}, dev(snmp_issues=["community RW"]), Status.failed),
    "net.syslog": ({}, dev(syslog_targets=[]), Status.failed),
    "net.telnet_crosscheck": ({}, dev_asset(dev(), 22, 23), Status.failed),
    "net.wan_management": ({}, dev(wan_mgmt_exposed=True), Status.failed),
    "net.weak_crypto": (
        {},
        dev(weak_crypto=["ip ssh version not set (default assumed)"]),
        Status.failed,
    ),
    "net.wifi": ({}, dev(wifi_modes=["wpa2", "wpa"]), Status.failed),
    "net.wps": ({}, dev(wps_enabled=True), Status.failed),
    "net.zones": ({"min_zones": 2}, dev(zones=["bridge"]), Status.failed),
    "patch.last_update_age": (
        {"max_days": 35},
        host(patching=Patching(last_update=NOW - 36 * DAY)),
        Status.failed,
    ),
    "patch.pending_security": (
        {"max_pending": 0},
        host(patching=Patching(pending_security=1)),
        Status.failed,
    ),
    "priv.single_uid0": (
        {},
        host(privileges=Privileges(uid0_accounts=["root", "backup"])),
        Status.failed,
    ),
    "priv.sudo_declared": (
        {},
        asset_facts(
            host(privileges=Privileges(uid0_accounts=["root"], sudo_users=["an", "An2"])),
            admins=["an"],
        ),
        Status.failed,
    ),
    "pwd.complexity": (
        {"min_classes": 3},
        host(password_policy=PasswordPolicy(min_classes=2)),
        Status.failed,
    ),
    "pwd.max_age": (
        {"max_days": 90},
        host(password_policy=PasswordPolicy(max_age_days=91)),
        Status.failed,
    ),
    "pwd.history": (
        {"min_remembered": 5},
        host(password_policy=PasswordPolicy(history=4)),
        Status.failed,
    ),
    "pwd.admin_max_age": (  # near miss: a user's 60 days are fine, the sudo admin's 61 are not
        {"max_days": 60},
        asset_facts(
            host(
                accounts=[
                    person("an", password_max_days=60),
                    person("quantri", password_max_days=61),
                ],
                privileges=Privileges(uid0_accounts=["root"], sudo_users=["quantri"]),
            ),
        ),
        Status.failed,
    ),
    "pwd.min_length": (
        {"min_length": 8},
        host(password_policy=PasswordPolicy(min_length=7)),
        Status.failed,
    ),
    "scan.insecure_ports": ({"ports": PORTS}, scan(open_ports=[OpenPort(port=21)]), Status.failed),
    "scan.performed": ({}, scan(host_up=False), Status.error),  # no scan that reached it
    "sshd.auth_tries": ({"max_tries": 4}, sshd(maxauthtries="5"), Status.failed),
    "sshd.crypto": (WEAK_SSH, sshd(macs="hmac-sha2-512,hmac-sha1-96"), Status.failed),
    "sshd.idle_timeout": ({"max_seconds": 300}, sshd(clientaliveinterval="300"), Status.failed),
    "sshd.root_login": ({}, sshd(permitrootlogin="yes"), Status.failed),
    "svc.insecure_listeners": (
        {"ports": PORTS},
        host(listeners=[Listener(proto="tcp", address="::", port=21)]),
        Status.failed,
    ),
    "svc.windows_protocols": ({}, win(hardening=hard(insecure_features=["TFTP"])), Status.failed),
    "sw.os_supported": (  # the day after the end of support
        {"eol": {"debian": {"12": (NOW - DAY).date()}}},
        host(),
        Status.failed,
    ),
    "sw.unapproved": (
        {"deny": ["teamviewer*"]},
        host(packages={"TeamViewer": "15"}),
        Status.failed,
    ),
    "sw.windows_supported": (WIN_EOL, win(build=19045), Status.failed),
    "time.sync": (
        {},
        host(time=TimeSync(synchronized=None, service="W32Time (NTP)")),
        Status.error,
    ),
    "web.admin_exposed": ({}, web(exposed_admin_paths=["/administrator/"]), Status.failed),
    "web.certificate": ({"min_days_left": 14}, web(certificate=cert(13)), Status.failed),
    "web.hsts": (
        {"min_max_age": 15552000},
        web(headers={"strict-transport-security": "max-age=15551999"}),
        Status.failed,
    ),
    "web.security_headers": (HEADERS, web(headers={"x-frame-options": "DENY"}), Status.failed),
    "web.tls_versions": (TLS, web(tls_versions=["TLSv1.1", "TLSv1.2", "TLSv1.3"]), Status.failed),
}


def test_every_check_has_a_near_miss(registry: Registry) -> None:
    assert sorted(NEAR_MISSES) == registry.ids()


@pytest.mark.parametrize("check_id", sorted(NEAR_MISSES))
def test_near_miss_does_not_pass(registry: Registry, check_id: str) -> None:
    params, facts, expected = NEAR_MISSES[check_id]
    outcome = registry[check_id].run(facts, params)
    assert outcome.status is expected, outcome
