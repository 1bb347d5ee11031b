"""FortiGate (FortiOS): a configuration backup, `show` (defaults left out) or
`show full-configuration`, read as its tree of `config … end` blocks, `edit … next`
entries and `set KEY VALUE…` settings.

The tree is what both the parser and the redaction work on: a value is secret because of
the setting it belongs to (`set password ENC …`, a `psksecret`, an SNMP community's name),
wherever it sits and however many lines a quoted value spans. A backup whose blocks do not
close (cut off in transfer) is incomplete and never judged. Where `show` leaves a setting
out, the version's documented default (fortios_defaults.yaml) is used and named as assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from auditor.collect.netdev.common import (
    DEFAULT_COMMUNITIES,
    Incomplete,
    device_time,
    weak_passwords,
)
from auditor.collect.netdev.hashcat import Hashed, try_hashes
from auditor.facts import NetDeviceFacts, PortForward
from auditor.yamlfile import load_shipped

MASK = "<redacted>"
_LEXEME = re.compile(
    r'(?P<nl>\n)|(?P<q>"(?:[^"\\]|\\.)*")|(?P<w>[^\s"]+)|(?P<sp>[ \t\r]+)|(?P<bad>")', re.S
)
_SECRET_KEYS = {
    "password",
    "passwd",
    "psksecret",
    "passphrase",
    "secret",
    "private-key",
    "sae-password",
    "ppk-secret",
    "authpasswd",
    "key",
    "key-string",
    "psk",
    "pre-shared-key",
    "wifi-passphrase",
    "mpsk",
}
_SECRET_ENDINGS = ("-password", "-passwd", "-secret", "-pwd", "-psk", "-passphrase")
_MGMT = ("telnet", "ssh", "http", "https", "snmp")
_WEAK_TLS = {"tlsv1-0", "tlsv1-1", "sslv3"}


@dataclass
class Block:
    """A `config` block or an `edit` entry: its settings, nested blocks and entries."""

    sets: dict[str, list[str]] = field(default_factory=dict)
    configs: dict[str, Block] = field(default_factory=dict)
    edits: dict[str, Block] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        values = self.sets.get(key)
        return " ".join(values) if values else None

    def at(self, path: str) -> Block:
        """The nested block `path` ("system global"), empty when the backup has none."""
        return self.configs.get(path, Block())


@dataclass(frozen=True)
class _Setting:
    path: tuple[str, ...]  # config paths and edit names from the top
    key: str
    values: list[tuple[str, int, int]]  # each value's text and span in the source


def _statements(text: str) -> tuple[list[list[tuple[str, int, int]]], bool]:
    """The statements of `text` as tokens with their spans (quoted values may span lines),
    and whether the text ended cleanly (not inside a quoted value)."""
    statements: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    comment = False
    for match in _LEXEME.finditer(text):
        kind = match.lastgroup
        if kind == "nl":
            if current:
                statements.append(current)
            current, comment = [], False
        elif kind == "bad":  # a quote that never closes: the text was cut off
            if current:
                statements.append([*current, (text[match.start() :], match.start(), len(text))])
            return statements, False
        elif kind in ("q", "w") and not comment:
            if not current and match.group().startswith("#"):
                comment = True
                continue
            current.append((match.group(), match.start(), match.end()))
    if current:
        statements.append(current)
    return statements, True


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def _walk(text: str) -> tuple[Block, list[_Setting], bool]:
    """The tree, every setting with its place, and whether every block closed."""
    statements, clean = _statements(text)
    root = Block()
    stack: list[tuple[str, Block]] = [("", root)]
    settings: list[_Setting] = []
    for tokens in statements:
        word = tokens[0][0]
        args = [_unquote(t[0]) for t in tokens[1:]]
        block = stack[-1][1]
        if word == "config" and args:
            name = " ".join(args)
            child = block.configs.setdefault(name, Block())
            stack.append((name, child))
        elif word == "edit" and args:
            child = block.edits.setdefault(args[0], Block())
            stack.append((args[0], child))
        elif word in ("end", "next") and len(stack) > 1:
            stack.pop()
        elif word in ("set", "append") and args:
            key = args[0]
            block.sets[key] = block.sets.get(key, []) + args[1:] if word == "append" else args[1:]
            path = tuple(name for name, _ in stack[1:])
            settings.append(_Setting(path, key, [(t[0], t[1], t[2]) for t in tokens[2:]]))
        elif word == "unset" and args:
            block.sets.pop(args[0], None)
    return root, settings, clean and len(stack) == 1


def _is_secret(setting: _Setting) -> bool:
    key = setting.key
    if key == "name" and setting.path[:1] == ("system snmp community",):
        value = _unquote(setting.values[0][0]) if setting.values else ""
        return value not in DEFAULT_COMMUNITIES
    return key in _SECRET_KEYS or key.endswith(_SECRET_ENDINGS)


def redact_fortios(text: str) -> str:
    """The backup with every secret setting's value replaced (after an `ENC` marker, which
    stays: the evidence then says the value was stored encrypted)."""
    _, settings, _ = _walk(text)
    spans = []
    for setting in settings:
        if _is_secret(setting):
            values = setting.values
            if values and values[0][0] == "ENC":
                values = values[1:]
            if values:
                spans.append((values[0][1], values[-1][2]))
    out, last = [], 0
    for start, end in sorted(spans):
        out += [text[last:start], MASK]
        last = end
    return "".join([*out, text[last:]])


# ------------------------------------------------------------------ facts
@cache
def _defaults() -> dict[str, Any]:
    text = files("auditor.collect.netdev").joinpath("fortios_defaults.yaml").read_text("utf-8")
    loaded: dict[str, Any] = load_shipped(text)
    return loaded


def _version(text: str, status: str) -> tuple[str | None, str | None]:
    """Model and firmware from the backup's first line
    (`#config-version=FGT60F-7.2.5-FW-build1517-230606:opmode=0:…`), else from a live
    `get system status` (`Version: FortiGate-60F v7.2.5,build1517,230606 (GA.F)`)."""
    found = re.search(r"^#config-version=([A-Z0-9]+)-(\d+\.\d+\.\d+)-FW-build(\d+)", text, re.M)
    found = found or re.search(r"^Version: (\S+) v(\d+\.\d+\.\d+),build(\d+)", status, re.M)
    if not found:
        return None, None
    return found.group(1), f"{found.group(2)} build {found.group(3)}"


def _ips_signatures(status: str) -> datetime | None:
    """When the IPS definitions were published: `IPS-DB: 26.00636(2023-10-16 02:06)`."""
    found = re.search(r"^IPS-DB: [\d.]+\((\d{4}-\d\d-\d\d \d\d:\d\d)\)", status, re.M)
    return device_time(found.group(1), ("%Y-%m-%d %H:%M",)) if found else None


def defaults_for(firmware: str | None) -> dict[str, Any]:
    """The documented defaults of the backup's FortiOS version (major.minor; the newest
    line when the backup does not say its version). A version the table does not know
    (5.x) has none: what its backup leaves out stays unknown."""
    table: dict[str, dict[str, Any]] = _defaults()["versions"]
    if firmware is None:
        return table[_defaults()["newest"]]
    return table.get(".".join(firmware.split(".")[:2]), {})


def _scoped(root: Block) -> Block:
    """A multi-VDOM backup (`config global` + `config vdom` / `edit root`) seen as one:
    the global settings beside the root VDOM's."""
    if "global" not in root.configs and "vdom" not in root.configs:
        return root
    merged = Block()
    vdoms = root.at("vdom").edits
    for part in (root.at("global"), vdoms.get("root") or next(iter(vdoms.values()), Block())):
        merged.configs.update(part.configs)
    return merged


def _trusthosts(admin: Block) -> list[str]:
    hosts = []
    for key, values in admin.sets.items():
        if re.fullmatch(r"(ip6-)?trusthost\d+", key) and values:
            value = " ".join(values)
            if value not in ("0.0.0.0 0.0.0.0", "0.0.0.0/0", "::/0"):
                hosts.append(value)
    return hosts


def _is_wan(name: str, interface: Block) -> bool:
    role = interface.get("role")
    return role == "wan" if role else name.lower().startswith("wan")


def _forwards(config: Block) -> list[PortForward]:
    out = []
    for name, vip in config.at("firewall vip").edits.items():
        if vip.get("portforward") != "enable" or vip.get("status") == "disable":
            continue
        ext, mapped = vip.get("extport") or "", vip.get("mappedport") or ""
        port = ext.split("-")[0]
        if port.isdigit():
            target = (vip.get("mappedip") or "").split("-")[0] or None
            out.append(
                PortForward(
                    proto=vip.get("protocol") or "tcp",
                    port=int(port),
                    to_host=target,
                    to_port=int(mapped.split("-")[0]) if mapped.split("-")[0].isdigit() else None,
                    rule=f"config firewall vip / edit {name}",
                )
            )
    return out


def _policies(config: Block) -> list[Block]:
    return [p for p in config.at("firewall policy").edits.values() if p.get("status") != "disable"]


def _lets_all(policy: Block) -> bool:
    """An accepting policy from any address to any address for every service."""
    return (
        policy.get("action") == "accept"
        and "all" in policy.sets.get("srcaddr", [])
        and "all" in policy.sets.get("dstaddr", [])
        and "ALL" in policy.sets.get("service", [])
    )


def _open_inbound(config: Block, wan: set[str]) -> bool:
    """A policy from a WAN interface letting everything in: the Internet reaches inside."""
    return any(set(p.sets.get("srcintf", [])) & wan and _lets_all(p) for p in _policies(config))


def _wifi(config: Block, defaults: dict[str, Any]) -> tuple[list[str] | None, bool]:
    vaps = config.at("wireless-controller vap").edits
    if not vaps:
        return None, False
    modes, assumed = [], False
    for vap in vaps.values():
        security = vap.get("security")
        if security is None:
            if "vap_security" not in defaults:
                return None, False
            security, assumed = defaults["vap_security"], True
        modes.append(
            "open"
            if security == "open"
            else "wep"
            if security.startswith("wep")
            else "wpa3"
            if "wpa3" in security
            else "wpa2"
            if "wpa2" in security
            else "wpa"
        )
    return modes, assumed


def _zones(config: Block, wan: set[str]) -> list[str]:
    """Every inside interface is a zone of its own (FortiOS passes nothing between two
    interfaces without a policy), except those a `system zone` with intra-zone traffic
    allowed, a software switch, or a policy letting everything through from one to the
    other joins into one."""
    inside = [
        name
        for name, interface in config.at("system interface").edits.items()
        if name not in wan
        and interface.get("ip") not in (None, "0.0.0.0 0.0.0.0")
        and interface.get("status") != "down"
        and interface.get("fortilink") != "enable"  # the link that manages FortiSwitches
    ]
    joined: list[set[str]] = []
    for zone in config.at("system zone").edits.values():
        if zone.get("intrazone") == "allow":
            joined.append(set(zone.sets.get("interface", [])))
    for switch in config.at("system switch-interface").edits.values():
        joined.append(set(switch.sets.get("member", [])))
    for policy in _policies(config):
        if _lets_all(policy):
            joined.append({*policy.sets.get("srcintf", []), *policy.sets.get("dstintf", [])})
    zones, seen = [], set()
    for name in inside:
        group = next((g for g in joined if name in g), {name})
        members = sorted(m for m in group if m in inside)
        if members and members[0] not in seen:
            seen.update(members)
            zones.append("+".join(members))
    return zones


def _snmp(config: Block) -> list[str]:
    issues = []
    for community in config.at("system snmp community").edits.values():
        if community.get("status") == "disable":
            continue
        if community.get("name") in DEFAULT_COMMUNITIES:
            issues.append("default community")
        hosts = community.at("hosts").edits.values()
        if not any(h.get("ip") not in (None, "0.0.0.0 0.0.0.0") for h in hosts):
            issues.append("community open to any address")
    return issues


# an administrator's one-way hash, by the prefix FortiOS stores it with (after `ENC `)
_HASH_FORMS = {"AK1": "fortios-ak1", "SH2": "fortios-sh2", "PB2": "fortios-pb2"}


def _has_encrypted_secrets(settings: list[_Setting]) -> bool:
    """A secret stored `ENC` reversibly (a pre-shared key, a certificate's password), not
    as an administrator's one-way hash (`ENC SH2…`, `ENC PB2…`, `ENC AK1…`)."""
    return any(
        _is_secret(s)
        and len(s.values) > 1
        and s.values[0][0] == "ENC"
        and not s.values[1][0].startswith(tuple(_HASH_FORMS))
        for s in settings
    )


class _Global:
    """`config system global` with the version's documented defaults for what `show`
    leaves out; every default used is remembered, so a pass resting on it says so."""

    def __init__(self, system: Any, defaults: dict[str, Any]) -> None:
        self.system, self.defaults, self.assumed = system, defaults, list[str]()

    def __call__(self, key: str) -> str | None:
        value: str | None = self.system.get(key)
        if value is None and key in self.defaults:
            self.assumed.append(key)
            return str(self.defaults[key])
        return value


def _admin_accounts(admins: dict[str, Any]) -> tuple[list[str] | None, list[str]]:
    """The factory login (admin with no password: `show` then prints no password line), then
    every administrator whose stored hash a weak password verifies; and the administrators
    whose hash could not be tried. A fragment without administrators says nothing of them."""
    if not admins:
        return None, []
    factory = "admin" in admins and admins["admin"].get("password") is None
    found = ["admin/<empty>"] if factory else []
    hashed = []
    for name, admin in admins.items():
        stored = (admin.get("password") or "").removeprefix("ENC ")
        if stored:
            hashed.append(Hashed(name, _HASH_FORMS.get(stored[:3], "fortios-unknown"), stored))
    trial = try_hashes(hashed, weak_passwords())
    return found + trial.weak, trial.untried


def _log_targets(config: Any) -> list[str]:
    """A syslog server, or a FortiAnalyzer, that logs are sent to."""
    return [
        block.get("server") or path
        for path in ("log syslogd setting", "log fortianalyzer setting")
        if (block := config.at(path)).get("status") == "enable"
    ]


def _ntp_servers(ntp: Any, defaults: dict[str, Any]) -> list[str] | None:
    """The schema's default is `ntpsync disable` (the factory configuration turns it on,
    so a backup without the line has had synchronisation turned off)."""
    if (ntp.get("ntpsync") or defaults.get("ntpsync")) != "enable":
        return [] if ntp.get("ntpsync") or "ntpsync" in defaults else None
    if ntp.get("type") == "custom":
        return [s.get("server") or "" for s in ntp.at("ntpserver").edits.values()]
    return list(defaults["fortiguard_ntp"]) if "fortiguard_ntp" in defaults else None


def _weak_crypto(system: Any, setting: _Global) -> list[str] | None:
    strong = setting("strong-crypto")
    if strong is None:
        return None
    weak = ["strong-crypto disabled"] if strong == "disable" else []
    versions = set(system.sets.get("admin-https-ssl-versions", [])) & _WEAK_TLS
    return weak + [f"admin HTTPS {v}" for v in sorted(versions)]


def _stored_secrets(setting: _Global, settings: Any) -> list[str] | None:
    private = setting("private-data-encryption")
    if private is None:
        return None
    if private != "enable" and _has_encrypted_secrets(settings):
        return ["secrets encrypted with the fixed FortiOS key"]
    return []


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _management(config: Any, interfaces: dict[str, Any], admins: dict[str, Any]) -> dict[str, Any]:
    """Who can reach the administration and from where: per interface (a down one answers
    nothing), the administrators' trusted hosts, the WAN side; each unknown (None) when the
    backup holds no interfaces or no administrators."""
    wan = {name for name, i in interfaces.items() if _is_wan(name, i)}
    access = {
        name: set(i.sets.get("allowaccess", []))
        for name, i in interfaces.items()
        if i.get("status") != "down"
    }
    known = bool(interfaces)
    return {
        "mgmt_services": {s: any(s in a for a in access.values()) for s in _MGMT} if known else {},
        "wan_mgmt_exposed": any(set(_MGMT) & access.get(n, set()) for n in wan) if known else None,
        "zones": _zones(config, wan) if known else None,
        "firewall_enabled": not _open_inbound(config, wan),
        "mgmt_restricted": all(_trusthosts(a) for a in admins.values()) if admins else None,
        "mgmt_sources": [h for a in admins.values() for h in _trusthosts(a)] if admins else None,
        "local_users": list(admins) if admins else None,
    }


def parse_fortios(text: str, status: str | None = None) -> NetDeviceFacts:
    """Facts from a backup (or `show full-configuration`), with a live `get system status`
    adding the model, firmware and IPS definitions' date where the backup does not say."""
    tree, settings, complete = _walk(text)
    if not complete or not tree.configs:
        raise Incomplete("configuration blocks do not close")
    config = _scoped(tree)
    model, firmware = _version(text, status or "")
    defaults = defaults_for(firmware)
    system = config.at("system global")
    setting = _Global(system, defaults)
    # a backup always holds its interfaces and administrators; a fragment without them
    # says nothing about them (unknown, never "none")
    admins = config.at("system admin").edits
    reach = _management(config, config.at("system interface").edits, admins)
    accounts, untried = _admin_accounts(admins)
    weak, secrets = _weak_crypto(system, setting), _stored_secrets(setting, settings)
    wifi, wifi_assumed = _wifi(config, defaults)
    lockout, timeout = _number(setting("admin-lockout-threshold")), _number(setting("admintimeout"))
    assumed = setting.assumed + (["vap security"] if wifi_assumed else [])
    ips = any(p.get("ips-sensor") and p.get("utm-status") != "disable" for p in _policies(config))
    return NetDeviceFacts(
        vendor="fortios",
        hostname=system.get("hostname"),
        firmware=firmware,
        model=model,
        **reach,
        idle_timeout_s=timeout * 60 if timeout is not None else None,
        idle_timeout_assumed="admintimeout" in assumed,
        syslog_targets=_log_targets(config),
        ntp_servers=_ntp_servers(config.at("system ntp"), defaults),
        snmp_issues=_snmp(config),
        password_issues=secrets,
        weak_crypto=weak,
        default_accounts=accounts,
        untried_accounts=untried,
        login_limit=lockout > 0 if lockout is not None else None,
        wifi_modes=wifi,
        port_forwards=_forwards(config),
        ips_enabled=ips,
        ips_signatures_at=_ips_signatures(status or ""),
        config_saved=True,  # a backup is the saved configuration
        assumed_defaults=sorted(set(assumed)),
    )
