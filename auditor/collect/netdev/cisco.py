"""Cisco IOS / IOS-XE: `show running-config` (+ `show version`, `show startup-config`).

The configuration is read section by section (interfaces, `line vty`, NAT, IPS); `show
version` is parsed with the ntc-templates TextFSM template, the community's maintained
parser for that command.
"""

from __future__ import annotations

import re

from auditor.collect.netdev.common import DEFAULT_COMMUNITIES, DEFAULT_USERS
from auditor.facts import NetDeviceFacts, PortForward

_NOISE = re.compile(
    r"^(Building configuration|Current configuration|Using \d+ out of|! Last configuration|"
    r"! NVRAM config last|!\s*$|\s*$)"
)


def blocks(text: str, header: str) -> dict[str, list[str]]:
    """IOS-style sections: each top-level line starting with `header` → its indented lines."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(header):
            current = out.setdefault(line.strip(), [])
        elif current is not None and line.startswith(" "):
            current.append(line.strip())
        else:
            current = None
    return out


def show_version(text: str) -> dict[str, str]:
    """VERSION, HARDWARE… from `show version` (empty when the template does not match)."""
    from ntc_templates.parse import parse_output  # textfsm: imported only for live devices

    try:
        rows = parse_output(platform="cisco_ios", command="show version", data=text)
    except Exception:  # textfsm raises its own errors on unexpected lines
        return {}
    if not rows:
        return {}
    row = rows[0]
    hardware = row.get("hardware") or []
    return {
        "version": str(row.get("version") or ""),
        "model": str(hardware[0]) if hardware else "",
        "hostname": str(row.get("hostname") or ""),
    }


def _vty(text: str) -> tuple[set[str], list[int], bool]:
    vty = [lines for header, lines in blocks(text, "line vty").items()]
    transport = {
        t for b in vty for line in b if line.startswith("transport input") for t in line.split()[2:]
    }
    timeouts = []
    for block in vty:
        timeout = next((line.split() for line in block if line.startswith("exec-timeout")), None)
        if timeout is None:
            timeouts.append(600)  # IOS default: 10 minutes
        else:
            minutes = int(timeout[1]) if len(timeout) > 1 else 10
            timeouts.append(minutes * 60 + (int(timeout[2]) if len(timeout) > 2 else 0))
    restricted = bool(vty) and all(any(ln.startswith("access-class") for ln in b) for b in vty)
    return transport, timeouts, restricted


def _acl_sources(text: str) -> list[str]:
    """The permitted sources of every ACL a `line vty` applies with `access-class`."""
    names = set(re.findall(r"^ access-class (\S+) in", text, re.M))
    sources: list[str] = []
    for header, lines in blocks(text, "ip access-list ").items():
        if header.split()[-1] in names:
            sources += [" ".join(ln.split()[1:]) for ln in lines if ln.startswith("permit")]
    for name in names:  # numbered ACLs: access-list 10 permit 192.168.1.0 0.0.0.255
        sources += re.findall(rf"^access-list {re.escape(name)} permit (.+)$", text, re.M)
    return sources


def _any_source(rule: str) -> bool:
    """Whether an ACL permit rule ("permit any", "permit tcp any host …") admits any source."""
    tokens = rule.split()
    if tokens and tokens[0] in ("ip", "tcp", "udp", "icmp", "gre", "esp"):
        tokens = tokens[1:]  # extended ACL: the source follows the protocol
    return bool(tokens) and tokens[0] == "any"


def _forwards(text: str) -> list[PortForward]:
    pattern = r"^ip nat inside source static (tcp|udp) (\S+) (\d+) (?:interface \S+|\S+) (\d+)"
    return [
        PortForward(proto=proto, port=int(outside), to_host=host, to_port=int(inside))
        for proto, host, inside, outside in re.findall(pattern, text, re.M)
    ]


def parse_cisco(
    text: str, version_output: str | None = None, startup: str | None = None
) -> NetDeviceFacts:
    transport, timeouts, vty_acl = _vty(text)
    sources = _acl_sources(text)
    interfaces = blocks(text, "interface ")
    outside = [
        lines
        for lines in interfaces.values()
        if "ip nat outside" in lines or "ip address dhcp" in lines
    ]
    inbound_acl = bool(outside) and all(
        any(re.match(r"ip access-group \S+ in|zone-member security", ln) for ln in lines)
        for lines in outside
    )
    zones = re.findall(r"^zone security (\S+)", text, re.M) or [
        name.split()[1]
        for name, lines in interfaces.items()
        if any(ln.startswith("ip address") for ln in lines) and lines not in outside
    ]
    telnet = not transport or bool(transport & {"telnet", "all"})
    services = {
        "telnet": telnet,
        "ssh": bool(transport & {"ssh", "all"}),
        "http": bool(re.search(r"^ip http server", text, re.M)),
        "https": bool(re.search(r"^ip http secure-server", text, re.M)),
    }
    http_acl = bool(re.search(r"^ip http access-class", text, re.M))
    exposed = (
        ((services["telnet"] or services["ssh"]) and not vty_acl)
        or ((services["http"] or services["https"]) and not http_acl)
    ) and not inbound_acl
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
    version = show_version(version_output) if version_output else {}
    train = re.search(r"^version (\S+)", text, re.M)
    hostname = re.search(r"^hostname (\S+)", text, re.M)
    return NetDeviceFacts(
        vendor="cisco-ios",
        hostname=hostname.group(1) if hostname else version.get("hostname") or None,
        firmware=version.get("version") or (train.group(1) if train else None),
        model=version.get("model") or None,
        mgmt_services=services,
        mgmt_restricted=vty_acl and not any(_any_source(rule) for rule in sources),
        mgmt_sources=sources,
        local_users=users,
        idle_timeout_s=max(timeouts)
        if timeouts and min(timeouts) > 0
        else (0 if timeouts else None),
        syslog_targets=re.findall(r"^logging (?:host )?(\d+\.\d+\.\d+\.\d+|\S+\.\S+)$", text, re.M),
        ntp_servers=re.findall(r"^ntp server (\S+)", text, re.M),
        snmp_default_community=any(c.lower() in DEFAULT_COMMUNITIES for c in communities),
        plaintext_passwords=plaintext,
        default_accounts=sorted(u for u in users if u.lower() in DEFAULT_USERS),
        login_limit=bool(re.search(r"^login block-for ", text, re.M)),
        wifi_modes=None,
        wan_mgmt_exposed=exposed if outside else None,
        port_forwards=_forwards(text),
        firewall_enabled=inbound_acl if outside else None,
        ips_enabled=bool(re.search(r"^ ip ips \S+ in", text, re.M)),
        zones=zones,
        config_saved=_same_config(text, startup) if startup is not None else None,
    )


def _same_config(running: str, startup: str) -> bool:
    def body(text: str) -> list[str]:
        return [ln.rstrip() for ln in text.splitlines() if not _NOISE.match(ln)]

    return body(running) == body(startup)
