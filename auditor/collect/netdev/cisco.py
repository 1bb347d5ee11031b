"""Cisco IOS / IOS-XE: `show running-config` (+ `show version`, `show startup-config`).

The configuration is read section by section (interfaces, `line vty`, NAT, IPS); `show
version` is parsed with the ntc-templates TextFSM template, the community's maintained
parser for that command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from passlib.hash import cisco_type7, md5_crypt

from auditor.collect.netdev.common import (
    DEFAULT_COMMUNITIES,
    device_time,
    separated_zones,
    weak_accounts,
    weak_passwords,
)
from auditor.collect.netdev.hashcat import Hashed, try_hashes
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


# Settings that hold one value: a later line replaces the earlier one (words in the key).
_SINGLE_TOP = {"hostname": 1, "enable": 2, "login block-for": 2, "ip ssh": 3, "username": 2}
_SINGLE_TOP |= {"snmp-server community": 3, "ip http access-class": 3, "ip domain": 3}
_SINGLE_SUB = {"transport input": 2, "transport output": 2, "exec-timeout": 1, "login": 1}
_SINGLE_SUB |= {"password": 1, "ip address": 2, "access-class": 1, "ip access-group": 2}
_SINGLE_SUB |= {"encryption mode": 2, "authentication key-management": 2}
_DIRECTED = ("access-class", "ip access-group")  # one per direction (in / out)


def _key(line: str, single: dict[str, int]) -> tuple[str, ...] | None:
    words = line.split()
    for prefix, size in single.items():
        if words[: len(prefix.split())] == prefix.split():
            key = tuple(words[:size])
            return (*key, words[-1]) if prefix in _DIRECTED else key
    return None


def _place(lines: list[str], line: str, single: dict[str, int]) -> None:
    """Apply one configuration line to a list of earlier ones, as IOS does."""
    words = line.split()
    if words[0] == "no" and len(words) > 1:
        negated = words[1:]
        lines[:] = [ln for ln in lines if ln.split()[: len(negated)] != negated]
    else:
        key = _key(line, single)
        if key is not None:
            lines[:] = [ln for ln in lines if _key(ln, single) != key]
        lines[:] = [ln for ln in lines if ln.split() != words]
    lines.append(line.strip())


def merged(text: str) -> str:
    """The configuration as the device holds it once every line is applied in order.

    A running configuration lists each setting once, but a fix appended to it repeats a
    block header (`line vty 0 4`), negates earlier lines (`no ip http server`) or sets a
    single-valued setting again (`transport input ssh`): the later line wins, as on IOS.
    """
    order: list[str] = []
    subs: dict[str, list[str]] = {}
    current: list[str] | None = None
    ended = False
    for raw in text.splitlines():
        if raw.startswith(" ") and raw.strip():
            if current is not None:
                _place(current, raw.strip(), _SINGLE_SUB)
            continue
        line = raw.strip()
        if not line or line.startswith("!") or line in ("configure terminal", "end"):
            ended |= line == "end"
            current = None
            continue
        before = list(order)
        _place(order, line, _SINGLE_TOP)
        for gone in set(before) - set(order):
            subs.pop(gone, None)
        current = subs.setdefault(line, [])
    out = []
    for line in order:
        out.append(line)
        out += [f" {sub}" for sub in subs.get(line, [])]
        out.append("!")
    return "\n".join([*out, "end"] if ended else out) + "\n"


def _aironet_wifi(text: str) -> list[str] | None:
    """How each enabled radio of an autonomous Aironet protects its SSIDs: "wep" (static
    WEP keys), "tkip", "wpa" (WPA1), "wpa2", "open" (no encryption), and "leap" for an SSID
    that authenticates by network-EAP, Cisco's LEAP. None on a device without a radio."""
    radios = {h: b for h, b in blocks(text, "interface Dot11Radio").items() if "shutdown" not in b}
    if not blocks(text, "interface Dot11Radio"):
        return None
    ssids = blocks(text, "dot11 ssid ")
    modes: list[str] = []
    for lines in radios.values():
        mode = next((ln.split()[2:] for ln in lines if ln.startswith("encryption mode ")), None)
        names = [ln.split(maxsplit=1)[1] for ln in lines if ln.startswith("ssid ")]
        auth = [a for n in names for a in ssids.get(f"dot11 ssid {n}", [])]
        if mode is None:
            modes.append("open")
        elif mode[0] == "wep":
            modes.append("wep")
        elif "aes-ccm" not in mode:
            modes.append("tkip")
        elif any(a.startswith("authentication key-management wpa version 2") for a in auth):
            modes.append("wpa2")
        else:
            modes.append("wpa")
        if any(a.startswith("authentication network-eap") for a in auth):
            modes.append("leap")
    return modes


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


def _vty(text: str) -> tuple[set[str], list[int], bool, bool]:
    vty = [lines for header, lines in blocks(text, "line vty").items()]
    transport = {
        t for b in vty for line in b if line.startswith("transport input") for t in line.split()[2:]
    }
    timeouts = []
    assumed = False
    for block in vty:
        timeout = next((line.split() for line in block if line.startswith("exec-timeout")), None)
        if timeout is None:
            timeouts.append(600)  # IOS default: 10 minutes — assumed, not configured
            assumed = True
        else:
            minutes = int(timeout[1]) if len(timeout) > 1 else 10
            timeouts.append(minutes * 60 + (int(timeout[2]) if len(timeout) > 2 else 0))
    restricted = bool(vty) and all(any(ln.startswith("access-class") for ln in b) for b in vty)
    return transport, timeouts, restricted, assumed


def _acl_sources(text: str) -> list[str]:
    """The permitted sources of every ACL a `line vty` applies with `access-class`."""
    names = set(re.findall(r"^ access-class (\S+) in", text, re.M))
    sources: list[str] = []
    for header, lines in blocks(text, "ip access-list ").items():
        if header.split()[-1] in names:
            rules = [_without_sequence(ln) for ln in lines]
            sources += [" ".join(r.split()[1:]) for r in rules if r.startswith("permit")]
    for name in names:  # numbered ACLs: access-list 10 permit 192.168.1.0 0.0.0.255
        sources += re.findall(rf"^access-list {re.escape(name)} permit (.+)$", text, re.M)
    return sources


def _without_sequence(line: str) -> str:
    """ "10 permit any" (IOS shows named ACL entries with sequence numbers) → "permit any"."""
    parts = line.split(maxsplit=1)
    return parts[1] if len(parts) == 2 and parts[0].isdigit() else line


def _acl_rules(text: str, name: str) -> list[str]:
    """Every rule of ACL `name`, named or numbered, without sequence numbers."""
    rules = [
        _without_sequence(ln)
        for header, lines in blocks(text, "ip access-list ").items()
        if header.split()[-1] == name
        for ln in lines
    ]
    return rules + re.findall(rf"^access-list {re.escape(name)} ((?:permit|deny) .+)$", text, re.M)


def _filters(text: str, rules: list[str]) -> bool:
    """An inbound ACL filters only if no rule lets anything from anywhere to anywhere in."""
    for rule in rules:
        tokens = rule.split()
        if not tokens or tokens[0] != "permit":
            continue
        rest = tokens[1:]
        if rest[:1] == ["ip"]:
            rest = rest[1:]
        if rest in (["any"], ["any", "any"]):
            return False
    return bool(rules)


def _filtered_inbound(text: str, lines: list[str]) -> bool:
    """A zone-based firewall member, or an inbound ACL that does not let everything in."""
    if any(ln.startswith("zone-member security") for ln in lines):
        return True
    group = next((ln.split()[2] for ln in lines if re.match(r"ip access-group \S+ in$", ln)), None)
    return group is not None and _filters(text, _acl_rules(text, group))


_PORT_NAMES = {"telnet": 23, "ssh": 22, "www": 80, "http": 80, "https": 443}


def _inbound_permits(text: str, outside: list[list[str]], ports: set[int]) -> bool:
    """Whether an inbound ACL on a WAN interface permits one of `ports` from any source."""
    for lines in outside:
        group = next(
            (ln.split()[2] for ln in lines if re.match(r"ip access-group \S+ in$", ln)), None
        )
        for rule in _acl_rules(text, group) if group else []:
            tokens = rule.split()
            if tokens[:1] != ["permit"] or "any" not in tokens[2:3]:
                continue
            port = tokens[tokens.index("eq") + 1] if "eq" in tokens[:-1] else None
            if (
                port is not None
                and (int(port) if port.isdigit() else _PORT_NAMES.get(port)) in ports
            ):
                return True
    return False


def _any_source(rule: str) -> bool:
    """Whether an ACL permit rule ("permit any", "permit tcp any host …") admits any source."""
    tokens = rule.split()
    if tokens and tokens[0] in ("ip", "tcp", "udp", "icmp", "gre", "esp"):
        tokens = tokens[1:]  # extended ACL: the source follows the protocol
    return bool(tokens) and tokens[0] == "any"


def _forwards(text: str) -> list[PortForward]:
    pattern = r"^ip nat inside source static (tcp|udp) (\S+) (\d+) (?:interface \S+|\S+) (\d+).*$"
    return [
        PortForward(proto=m[1], port=int(m[4]), to_host=m[2], to_port=int(m[3]), rule=m[0].strip())
        for m in re.finditer(pattern, text, re.M)
    ]


def _password_issues(text: str) -> list[str]:
    """Reversible (type 7) and clear-text (type 0 or no type) passwords on users, lines and
    `enable password`; type 5/8/9 secrets are fine."""
    issues = []
    for user, kind in re.findall(r"^username (\S+)(?: .*?)? password (?:(\d) )?\S+", text, re.M):
        issues.append(f"username {user}: " + ("type 7" if kind == "7" else "clear text"))
    enable = re.search(r"^enable password (?:(\d) )?\S+", text, re.M)
    if enable:
        issues.append("enable password: " + ("type 7" if enable.group(1) == "7" else "clear text"))
        if not re.search(r"^enable secret ", text, re.M):
            issues.append("enable password without enable secret")
    for header, lines in blocks(text, "line ").items():
        for line in lines:
            match = re.match(r"password (?:(\d) )?\S+", line)
            if match:
                kind = "type 7" if match.group(1) == "7" else "clear text"
                issues.append(f"{header}: {kind}")
    return issues


def _default_accounts(text: str) -> tuple[list[str] | None, list[str]]:
    """The vendor pair and password-less accounts, then every account (and enable) whose
    stored password is a common weak one; and the accounts whose hash could not be tried."""
    found = _accounts_without_secret(text)
    named = {f.split(" ")[0].split("/")[0] for f in found}
    verifiable, hashed = _stored_secrets(text)
    weak = weak_accounts([a for a in verifiable if a[0] not in named])
    trial = try_hashes([h for h in hashed if h.name not in named], weak_passwords())
    return (None if weak is None else found + weak + trial.weak), trial.untried


def _accounts_without_secret(text: str) -> list[str]:
    """Accounts anyone may log in to: no password/secret at all, or `nopassword`, or the
    vendor's documented pair (cisco/cisco). A name alone ("admin") is not a finding."""
    found = []
    for line in re.findall(r"^username .*$", text, re.M):
        tokens = line.split()
        name = tokens[1] if len(tokens) > 1 else ""
        if "nopassword" in tokens or not ({"password", "secret"} & set(tokens)):
            found.append(f"{name} (no password)")
        elif re.search(r" password (?:0 )?cisco$", line) and name.lower() == "cisco":
            found.append("cisco/cisco")
    return found


def _equals(clear: str) -> Callable[[str], bool]:
    return lambda candidate: candidate == clear


def _md5_crypt(stored: str) -> Callable[[str], bool]:
    return lambda candidate: bool(md5_crypt.verify(candidate, stored))


_HASHCAT_TYPES = {"4": "cisco-4", "8": "cisco-8", "9": "cisco-9"}


def _stored_secrets(text: str) -> tuple[list[tuple[str, Callable[[str], bool]]], list[Hashed]]:
    """Each account's stored password as something a candidate can be tried against:
    type 0 (clear), 7 (reversible) and 5 (md5-crypt) here; types 4, 8 and 9 by hashcat."""
    found: list[tuple[str, Callable[[str], bool]]] = []
    hashed: list[Hashed] = []
    pattern = r"^(username (\S+)|enable)\b.* (?:password|secret) (?:(\d) )?(\S+)$"
    for m in re.finditer(pattern, text, re.M):
        name, kind, stored = m.group(2) or "enable", m.group(3) or "0", m.group(4)
        if kind == "0":
            found.append((name, _equals(stored)))
        elif kind == "7":
            try:
                clear = cisco_type7.decode(stored)
            except ValueError:
                continue
            found.append((name, _equals(clear)))
        elif kind == "5" and md5_crypt.identify(stored):
            found.append((name, _md5_crypt(stored)))
        else:
            hashed.append(Hashed(name, _HASHCAT_TYPES.get(kind, f"cisco-{kind}"), stored))
    return found, hashed


def _snmp_issues(text: str) -> list[str]:
    """RW communities (any name), RO communities without an ACL, default names."""
    issues = []
    for match in re.finditer(r"^snmp-server community (\S+)(.*)$", text, re.M):
        name, rest = match.group(1), match.group(2).split()
        if "view" in rest:
            rest = rest[: rest.index("view")] + rest[rest.index("view") + 2 :]
        mode = next((t for t in rest if t in ("RO", "RW", "ro", "rw")), "RO").upper()
        acl = [t for t in rest if t.upper() not in ("RO", "RW")]
        label = "default community" if name.lower() in DEFAULT_COMMUNITIES else "community"
        if mode == "RW":
            issues.append(f"{label} RW")
        elif not acl:
            issues.append(f"{label} RO without ACL")
        elif label == "default community":
            issues.append(label)
    return issues


def _weak_crypto(text: str, ssh_on: bool) -> list[str]:
    version = re.search(r"^ip ssh version (\d)", text, re.M)
    if version and version.group(1) == "1":
        return ["ip ssh version 1"]
    if ssh_on and version is None:
        return ["ip ssh version not set (default assumed: 1.99, accepts SSH 1)"]
    return []


def _zone_interfaces(interfaces: dict[str, list[str]], outside: list[list[str]]) -> list[str]:
    """Inside interfaces that carry an address and are up (not the WAN, a loopback or null),
    grouped into zones by the ACLs applied on them."""
    inside = {
        name.split()[1]: lines
        for name, lines in interfaces.items()
        if any(ln.startswith("ip address") and ln != "ip address dhcp" for ln in lines)
        and "shutdown" not in lines
        and lines not in outside
        and not re.match(r"interface (Loopback|Null|Tunnel)", name, re.I)
    }
    filtered = {
        name
        for name, lines in inside.items()
        if any(re.match(r"ip access-group \S+ (in|out)$", ln) for ln in lines)
    }
    return separated_zones(list(inside), filtered)


def _management(text: str, outside: list[list[str]]) -> dict[str, Any]:
    """Which management services run, whether the lines are limited to known sources, and
    whether any of them answers from the Internet side."""
    transport, timeouts, vty_acl, timeout_assumed = _vty(text)
    sources = _acl_sources(text)
    # an access-class limits the lines only if every ACL it names exists (IOS lets an
    # undefined list through) and none of its permits admits any source
    defined = all(
        _acl_rules(text, name) for name in re.findall(r"^ access-class (\S+) in", text, re.M)
    )
    vty_limited = vty_acl and defined and not any(_any_source(rule) for rule in sources)
    services = {
        "telnet": not transport or bool(transport & {"telnet", "all"}),
        "ssh": bool(transport & {"ssh", "all"}),
        "http": bool(re.search(r"^ip http server", text, re.M)),
        "https": bool(re.search(r"^ip http secure-server", text, re.M)),
    }
    http_acl = bool(re.search(r"^ip http access-class", text, re.M))
    ports = {"telnet": 23, "ssh": 22, "http": 80, "https": 443}
    limited = {"telnet": vty_limited, "ssh": vty_limited, "http": http_acl, "https": http_acl}
    # management ports that answer any source address
    open_ports = {ports[s] for s, on in services.items() if on and not limited[s]}
    inbound_acl = bool(outside) and all(_filtered_inbound(text, lines) for lines in outside)
    exposed = bool(open_ports) and (not inbound_acl or _inbound_permits(text, outside, open_ports))
    idle = (max(timeouts) if min(timeouts) > 0 else 0) if timeouts else None
    return {
        "mgmt_services": services,
        "mgmt_restricted": vty_limited,
        "mgmt_sources": sources,
        "idle_timeout_s": idle,
        "idle_timeout_assumed": timeout_assumed,
        "weak_crypto": _weak_crypto(text, services["ssh"]),
        "wan_mgmt_exposed": exposed if outside else None,
        "firewall_enabled": inbound_acl if outside else None,
    }


def _identity(text: str, saved_text: str, version_output: str | None) -> dict[str, Any]:
    """Host name, firmware and model (`show version` first, the configuration else), and
    when the configuration was last changed."""
    version = show_version(version_output) if version_output else {}
    train = re.search(r"^version (\S+)", text, re.M)
    hostname = re.search(r"^hostname (\S+)", text, re.M)
    change = re.search(
        r"^! Last configuration change at (\d{1,2}:\d{2}:\d{2})\S* \S+ \w{3} (\w{3} \d{1,2} \d{4})",
        saved_text,
        re.M,
    )
    return {
        "config_time": device_time(f"{change[2]} {change[1]}", ("%b %d %Y %H:%M:%S",))
        if change
        else None,
        "hostname": hostname.group(1) if hostname else version.get("hostname") or None,
        "firmware": version.get("version") or (train.group(1) if train else None),
        "model": version.get("model") or None,
    }


def parse_cisco(
    text: str, version_output: str | None = None, startup: str | None = None
) -> NetDeviceFacts:
    saved_text, text = text, merged(text)
    interfaces = blocks(text, "interface ")
    outside = [
        lines
        for lines in interfaces.values()
        if "ip nat outside" in lines or "ip address dhcp" in lines
    ]
    zones = re.findall(r"^zone security (\S+)", text, re.M) or _zone_interfaces(interfaces, outside)
    accounts, untried = _default_accounts(text)
    return NetDeviceFacts(
        vendor="cisco-ios",
        **_identity(text, saved_text, version_output),
        **_management(text, outside),
        local_users=re.findall(r"^username (\S+)", text, re.M),
        syslog_targets=re.findall(r"^logging (?:host )?(\d+\.\d+\.\d+\.\d+|\S+\.\S+)$", text, re.M),
        ntp_servers=re.findall(r"^ntp server (\S+)", text, re.M),
        snmp_issues=_snmp_issues(text),
        password_issues=_password_issues(text),
        default_accounts=accounts,
        untried_accounts=untried,
        login_limit=bool(re.search(r"^login block-for ", text, re.M)),
        wifi_modes=_aironet_wifi(text),
        port_forwards=_forwards(text),
        ips_enabled=bool(re.search(r"^ ip ips \S+ in", text, re.M)),
        zones=zones,
        config_saved=_same_config(saved_text, startup) if startup is not None else None,
    )


def _same_config(running: str, startup: str) -> bool:
    def body(text: str) -> list[str]:
        return [ln.rstrip() for ln in text.splitlines() if not _NOISE.match(ln)]

    return body(running) == body(startup)
