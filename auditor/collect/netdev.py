"""Network devices from an exported configuration: Cisco IOS/IOS-XE `show running-config`
and MikroTik RouterOS `/export`. Parsing is line and section based (both formats are flat
enough); secrets are redacted before anything is kept as evidence."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.collect.base import HostResult
from auditor.facts import CollectionFailure, NetDeviceFacts

MAX_CONFIG = 4 * 1024 * 1024
DEFAULT_COMMUNITIES = {"public", "private"}
DEFAULT_USERS = {"admin", "cisco", "root", "user", "ubnt", "support"}
REDACTIONS = [  # (pattern, replacement) applied line by line before evidence is stored
    (re.compile(r"^(\s*(?:enable\s+)?(?:secret|password)\s+(?:\d\s+)?)\S+", re.M), r"\1<redacted>"),
    (re.compile(r"(\b(?:secret|password)\s+(?:\d\s+)?)\S+"), r"\1<redacted>"),
    (re.compile(r"^(snmp-server community\s+)(\S+)", re.M), r"\1<redacted>"),
    (
        re.compile(r"(\b(?:wpa2?-pre-shared-key|secret|password|passphrase|key)=)(\"[^\"]*\"|\S+)"),
        r"\1<redacted>",
    ),
]


def redact(text: str) -> str:
    """The configuration with every secret value replaced; structure kept for reading."""
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    # SNMP community names are secrets too, except to say that a default one is used
    return re.sub(
        r"(/snmp community\n(?:.*\n)*?.*\bname=)(\S+)",
        lambda m: m.group(1) + (m.group(2) if m.group(2) in DEFAULT_COMMUNITIES else "<redacted>"),
        text,
    )


def detect(text: str) -> str | None:
    if re.search(r"^# .* by RouterOS", text, re.M) or re.search(r"^/ip service", text, re.M):
        return "mikrotik"
    if re.search(r"^(hostname|line vty|version \d)", text, re.M):
        return "cisco-ios"
    return None


def _vty_blocks(text: str) -> list[list[str]]:
    """The indented lines under each `line vty …` header."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("line vty"):
            current = []
            blocks.append(current)
        elif current is not None and line.startswith(" "):
            current.append(line.strip())
        else:
            current = None
    return blocks


def parse_cisco(text: str) -> NetDeviceFacts:
    blocks = _vty_blocks(text)
    vty_transport = {
        t
        for b in blocks
        for line in b
        if line.startswith("transport input")
        for t in line.split()[2:]
    }
    vty_timeouts = []
    for block in blocks:
        timeout = next((line.split() for line in block if line.startswith("exec-timeout")), None)
        if timeout is None:
            vty_timeouts.append(600)  # IOS default: 10 minutes
        else:
            minutes = int(timeout[1]) if len(timeout) > 1 else 10
            vty_timeouts.append(minutes * 60 + (int(timeout[2]) if len(timeout) > 2 else 0))
    vty_acl = bool(blocks) and all(
        any(line.startswith("access-class") for line in b) for b in blocks
    )
    telnet = not vty_transport or bool(vty_transport & {"telnet", "all"})
    ssh = bool(vty_transport & {"ssh", "all"})
    communities = re.findall(r"^snmp-server community (\S+)", text, re.M)
    users = re.findall(r"^username (\S+)", text, re.M)
    plaintext = bool(
        re.search(
            r"^(username \S+ .*password 0 |username \S+ password \S+$|"
            r"enable password |\s+password (?!7 )\S+$)",
            text,
            re.M,
        )
    ) or bool(re.search(r"^no service password-encryption", text, re.M))
    version = re.search(r"^version (\S+)", text, re.M)
    hostname = re.search(r"^hostname (\S+)", text, re.M)
    return NetDeviceFacts(
        vendor="cisco-ios",
        hostname=hostname.group(1) if hostname else None,
        firmware=version.group(1) if version else None,
        mgmt_services={
            "telnet": telnet,
            "ssh": ssh,
            "http": bool(re.search(r"^ip http server", text, re.M)),
            "https": bool(re.search(r"^ip http secure-server", text, re.M)),
        },
        mgmt_restricted=vty_acl,
        idle_timeout_s=max(vty_timeouts)
        if vty_timeouts and min(vty_timeouts) > 0
        else (0 if vty_timeouts else None),
        syslog_targets=re.findall(r"^logging (?:host )?(\d+\.\d+\.\d+\.\d+|\S+\.\S+)$", text, re.M),
        ntp_servers=re.findall(r"^ntp server (\S+)", text, re.M),
        snmp_default_community=any(c.lower() in DEFAULT_COMMUNITIES for c in communities),
        plaintext_passwords=plaintext,
        default_accounts=sorted(u for u in users if u.lower() in DEFAULT_USERS),
        login_limit=bool(re.search(r"^login block-for ", text, re.M)),
        wifi_modes=None,
    )


def _sections(text: str) -> dict[str, list[str]]:
    """RouterOS export: "/path" headers followed by add/set lines (continuations joined)."""
    joined = re.sub(r"\\\n\s*", "", text)
    out: dict[str, list[str]] = {}
    current = ""
    for line in joined.splitlines():
        if line.startswith("/"):
            current = line.strip()
            out.setdefault(current, [])
        elif line.strip() and not line.startswith("#") and current:
            out[current].append(line.strip())
    return out


def _kv(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([\w-]+)=("[^"]*"|\S+)', line)}


def parse_mikrotik(text: str) -> NetDeviceFacts:
    sections = _sections(text)
    services: dict[str, bool] = {}
    restricted = True
    names = {
        "telnet": "telnet",
        "ftp": "ftp",
        "www": "http",
        "www-ssl": "https",
        "ssh": "ssh",
        "winbox": "winbox",
        "api": "api",
        "api-ssl": "api-ssl",
    }
    for line in sections.get("/ip service", []):
        match = re.match(r"set (\S+)", line)
        if not match or match.group(1) not in names:
            continue
        kv = _kv(line)
        enabled = kv.get("disabled", "no") != "yes"
        services[names[match.group(1)]] = enabled
        if enabled and not kv.get("address"):
            restricted = False
    communities = [_kv(line).get("name", "") for line in sections.get("/snmp community", [])]
    remote_logging = any(
        _kv(line).get("action") == "remote" for line in sections.get("/system logging", [])
    )
    targets = (
        [
            _kv(line)["remote"]
            for line in sections.get("/system logging action", [])
            if "remote" in _kv(line)
        ]
        if remote_logging
        else []
    )
    ntp = [_kv(line).get("address", "") for line in sections.get("/system ntp client servers", [])]
    ntp += [
        s
        for line in sections.get("/system ntp client", [])
        for s in _kv(line).get("servers", "").split(",")
        if s
    ]
    modes = []
    for line in sections.get("/interface wireless security-profiles", []):
        kv = _kv(line)
        auth = kv.get("authentication-types", "")
        if kv.get("mode") == "none" or not auth:
            modes.append("open")
        elif "wpa2" in auth or "wpa3" in auth:
            modes.append("wpa2" if "wpa" in auth and "wpa-psk" not in auth.split(",") else "wpa")
        else:
            modes.append("wpa")
    users = [_kv(line).get("name", "") for line in sections.get("/user", [])]
    firmware = re.search(r"by RouterOS (\S+)", text)
    model = re.search(r"^# model = (\S+)", text, re.M)
    identity = [_kv(line).get("name") for line in sections.get("/system identity", [])]
    return NetDeviceFacts(
        vendor="mikrotik",
        hostname=identity[0] if identity else None,
        firmware=firmware.group(1) if firmware else None,
        model=model.group(1) if model else None,
        mgmt_services=services,
        mgmt_restricted=restricted if services else None,
        idle_timeout_s=None,  # RouterOS exports have no console idle timeout
        syslog_targets=targets,
        ntp_servers=[n for n in ntp if n],
        snmp_default_community=any(c in DEFAULT_COMMUNITIES for c in communities)
        if communities
        else False,
        plaintext_passwords=None,  # RouterOS never exports passwords
        default_accounts=sorted(u for u in users if u in DEFAULT_USERS),
        login_limit=None,
        wifi_modes=modes or None,
    )


def collect_config_file(path: Path) -> HostResult:
    """Facts from an exported configuration; the kept evidence is the redacted text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return HostResult(
            failures=[
                CollectionFailure(source="import", code="collect.failed", detail=type(exc).__name__)
            ]
        )
    if len(data) > MAX_CONFIG:
        return HostResult(
            failures=[
                CollectionFailure(
                    source="import", code="collect.too_much_output", detail=f"{len(data)} bytes"
                )
            ]
        )
    text = data.decode("utf-8", "replace")
    vendor = detect(text)
    evidence = {"config-redacted.txt": redact(text).encode()}
    if vendor is None:
        return HostResult(
            failures=[CollectionFailure(source="import", code="collect.garbage", detail=path.name)],
            evidence=evidence,
        )
    facts = parse_cisco(text) if vendor == "cisco-ios" else parse_mikrotik(text)
    return HostResult(netdev=facts, evidence=evidence)
