"""MikroTik RouterOS: `/export verbose` (+ `/system resource print` via ntc-templates).

An export is a list of "/menu path" headers, each followed by add/set lines of key=value
pairs; that structure is read directly (no maintained RouterOS export parser exists).
"""

from __future__ import annotations

import re
from typing import Any

from auditor.collect.netdev.common import DEFAULT_COMMUNITIES, device_time, separated_zones
from auditor.facts import NetDeviceFacts, PortForward

SERVICE_NAMES = {
    "telnet": "telnet",
    "ftp": "ftp",
    "www": "http",
    "www-ssl": "https",
    "ssh": "ssh",
    "winbox": "winbox",
    "api": "api",
    "api-ssl": "api-ssl",
}


def sections(text: str) -> dict[str, list[str]]:
    """Each menu path → its objects as `add …` / `set …` lines, after every command of the
    file has been applied in order, as the router would hold them.

    An export holds `/path` headers followed by add/set lines; a script or a fix appended
    to it holds one-line commands (`/ip service set telnet disabled=yes`), later `set`s of
    an object defined earlier, and `remove`/`disable`/`enable` of objects found by
    `[ find … ]`. Reading only the first form would judge a fixed device by its old lines.
    """
    joined = re.sub(r"\\\r?\n\s*", "", text)
    menus: dict[str, list[dict[str, str]]] = {}
    current = ""
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("/"):
            words = line.split()
            verb_at = next((i for i, w in enumerate(words) if w in _VERBS), None)
            if verb_at is None:
                current = line
                menus.setdefault(current, [])
                continue
            current = " ".join(words[:verb_at])
            line = " ".join(words[verb_at:])
        if current:
            _apply(menus.setdefault(current, []), line)
    return {path: [_line(row) for row in rows] for path, rows in menus.items()}


_VERBS = ("add", "set", "remove", "disable", "enable")
_FIND = re.compile(r"^\[\s*find\b(?:\s+where\b)?(.*?)\]\s*(.*)$")
_TARGET = "\x00target"  # the name in `set telnet …`, kept apart from the object's values


def _found(rows: list[dict[str, str]], verb: str, query: re.Match[str]) -> list[dict[str, str]]:
    """`[ find k=v … ]`: the objects that match, or all of them; a `set` on a default
    object nobody described yet describes it now."""
    condition = kv(query.group(1))
    unset = re.findall(r"(?<![\w-])!([\w-]+)(?![\w=-])", query.group(1))  # `!to-ports`
    chosen = [
        r
        for r in rows
        if all(r.get(k) == v for k, v in condition.items()) and not any(k in r for k in unset)
    ]
    if not chosen and verb == "set" and condition:
        rows.append({_TARGET: "", **condition})
        chosen = rows[-1:]
    return chosen


def _named(rows: list[dict[str, str]], verb: str, rest: str) -> tuple[list[dict[str, str]], str]:
    """`set NAME k=v` (or `set k=v`, the menu's single object): the objects it names, and
    the values it gives them."""
    name, _, tail = rest.partition(" ")
    if "=" in name or not name:
        name, tail = "", rest
    chosen = [r for r in rows if r[_TARGET] == name or (name and name in _names(r))]
    if not chosen and verb == "set":
        rows.append({_TARGET: name})
        chosen = rows[-1:]
    return chosen, tail


def _apply(rows: list[dict[str, str]], line: str) -> None:
    verb, _, rest = line.partition(" ")
    if verb == "add":
        rows.append({_TARGET: "", **kv(rest)})
        return
    if verb not in _VERBS:
        return
    query = _FIND.match(rest)
    if query:
        chosen, values = _found(rows, verb, query), kv(query.group(2))
    else:
        chosen, tail = _named(rows, verb, rest)
        values = kv(tail)
    for row in chosen:
        if verb == "remove":
            rows.remove(row)
        elif verb in ("disable", "enable"):
            row["disabled"] = "yes" if verb == "disable" else "no"
        else:
            row.update(values)


def _names(row: dict[str, str]) -> tuple[str | None, str | None]:
    return row.get("name"), row.get("default-name")


def _line(row: dict[str, str]) -> str:
    pairs = " ".join(
        f'{k}="{v}"' if (" " in v or not v) else f"{k}={v}" for k, v in row.items() if k != _TARGET
    )
    target = row[_TARGET]
    return f"set {target} {pairs}".rstrip() if target else f"add {pairs}".rstrip()


def kv(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([\w-]+)=("[^"]*"|\S+)', line)}


def active(sec: dict[str, list[str]], path: str) -> list[dict[str, str]]:
    """The key=value pairs of every line under `path` that is not `disabled=yes`."""
    rows = [kv(line) for line in sec.get(path, [])]
    return [r for r in rows if r.get("disabled") != "yes"]


def system_resource(text: str) -> dict[str, str]:
    """version and board-name from `/system resource print` (ntc-templates)."""
    from ntc_templates.parse import parse_output  # textfsm: imported only for live devices

    try:
        rows = parse_output(
            platform="mikrotik_routeros", command="/system resource print", data=text
        )
    except Exception:  # the template raises on lines it does not know
        return {}
    row = rows[0] if rows else {}
    return {
        "version": str(row.get("version") or "").split(" ")[0],
        "model": str(row.get("board_name") or ""),
    }


# A plain `/export` lists only what differs from the defaults; on RouterOS every service
# but www-ssl is on by default, from any address.
DEFAULT_SERVICES = {name: name != "www-ssl" for name in SERVICE_NAMES}


DEFAULT_PORTS = {
    "telnet": 23,
    "ftp": 21,
    "www": 80,
    "www-ssl": 443,
    "ssh": 22,
    "winbox": 8291,
    "api": 8728,
    "api-ssl": 8729,
}


def _services(
    sec: dict[str, list[str]],
) -> tuple[dict[str, bool], bool, list[str], list[int]]:
    """Services on, whether all are limited to addresses, those addresses, and the ports of
    the services that answer any address."""
    state = {name: (on, "", DEFAULT_PORTS[name]) for name, on in DEFAULT_SERVICES.items()}
    for line in sec.get("/ip service", []):
        match = re.match(r"set (\S+)", line)
        if match and match.group(1) in SERVICE_NAMES:
            values = kv(line)
            old_on, old_address, old_port = state[match.group(1)]
            on = {"yes": False, "no": True}.get(values.get("disabled", ""), old_on)
            port = values.get("port", "")
            state[match.group(1)] = (
                on,
                values.get("address", old_address),
                int(port) if port.isdigit() else old_port,
            )
    services = {SERVICE_NAMES[name]: on for name, (on, _, _) in state.items()}
    restricted = all(address for on, address, _ in state.values() if on)
    sources = sorted(
        {a for on, address, _ in state.values() if on for a in address.split(",") if a}
    )
    open_ports = sorted(port for on, address, port in state.values() if on and not address)
    return services, restricted, sources, open_ports


def _ports(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        if low.isdigit():
            out |= set(range(int(low), int(high) + 1)) if high.isdigit() else {int(low)}
    return out


def _wan_exposed(sec: dict[str, list[str]], wan: set[str], open_ports: list[int]) -> bool:
    """Whether a management service that answers any address is reachable from the WAN:
    walking the input chain in order, an enabled accept for its port that is not limited to
    the LAN comes before the default drop — or there is no default drop at all."""
    if not open_ports:
        return False
    for values in active(sec, "/ip firewall filter"):
        if values.get("chain") != "input":
            continue
        if _default_drop(values, wan):
            return False
        if values.get("action") != "accept" or "dst-port" not in values:
            continue
        lists, interface = values.get("in-interface-list", ""), values.get("in-interface", "")
        lan_only = lists == "LAN" or (interface and interface not in wan)
        if lan_only or "src-address" in values or "src-address-list" in values:
            continue
        if _ports(values["dst-port"]) & set(open_ports):
            return True
    return True  # no default drop: every open service answers the WAN


def _wifi(sec: dict[str, list[str]]) -> tuple[list[str] | None, bool | None]:
    """Security of the profiles that enabled radios use, and WPS on any of them.

    Defaults of the `wireless` package apply to what an export leaves out: a radio is off
    unless `disabled=no`, uses the profile "default", WPS is push-button, and a profile
    without authentication types is open.
    """
    radios = [kv(line) for line in sec.get("/interface wireless", [])]
    radios = [r for r in radios if r.get("disabled") == "no"]
    if not radios:
        return None, None
    profiles = {}
    for line in sec.get("/interface wireless security-profiles", []):
        values = kv(line)
        name = "default" if "default=yes" in line else values.get("name", "")
        auth = values.get("authentication-types", "").split(",")
        ciphers = set(values.get("unicast-ciphers", "aes-ccm").split(","))
        if values.get("mode", "none") == "none" or auth == [""]:
            profiles[name] = "open"
        elif "wpa-psk" in auth or "wpa-eap" in auth:
            profiles[name] = "wpa"  # WPA1 allowed (alone or beside WPA2)
        elif "aes-ccm" not in ciphers:
            profiles[name] = "tkip"  # WPA2 with TKIP only
        else:
            profiles[name] = "wpa2"
    modes = [profiles.get(r.get("security-profile", "default"), "open") for r in radios]
    wps = any(r.get("wps-mode", "push-button") != "disabled" for r in radios)
    return modes, wps


NARROWING = ("dst-port", "protocol", "src-address", "src-address-list", "dst-address")


def _input_dropped_from_wan(sec: dict[str, list[str]], wan: set[str]) -> bool:
    """A default drop on the input chain that covers the WAN side: an enabled drop/reject
    for everything not from the LAN (RouterOS' own default), from the WAN list or a WAN
    interface, or from anywhere. A drop for one port or one protocol is not filtering."""
    return any(
        _default_drop(values, wan)
        for values in active(sec, "/ip firewall filter")
        if values.get("chain") == "input"
    )


def _default_drop(values: dict[str, str], wan: set[str]) -> bool:
    if values.get("action") not in ("drop", "reject"):
        return False
    if any(key in values for key in NARROWING) or "connection-state" in values:
        return False
    lists, interface = values.get("in-interface-list", ""), values.get("in-interface", "")
    return lists in ("!LAN", "WAN", "all") or interface in wan or not (lists or interface)


def _wan_interfaces(sec: dict[str, list[str]]) -> set[str]:
    members = {
        r.get("interface", "")
        for r in active(sec, "/interface list member")
        if r.get("list") == "WAN"
    }
    members |= {r.get("interface", "") for r in active(sec, "/ip dhcp-client")}
    members |= {r.get("name", "") for r in active(sec, "/interface pppoe-client")}
    return {m for m in members if m} or {"ether1"}  # ether1 is the default WAN port


def _zones(sec: dict[str, list[str]], wan: set[str]) -> list[str]:
    """Inside interfaces that carry an address (not the WAN or a loopback), grouped into
    zones by the forward-chain drops that name them."""
    seen: list[str] = []
    for row in active(sec, "/ip address"):
        name = row.get("interface", "")
        if name and name not in wan and "loopback" not in name.lower() and name not in seen:
            seen.append(name)
    filtered = set()
    for rule in active(sec, "/ip firewall filter"):
        if rule.get("chain") != "forward" or rule.get("action") not in ("drop", "reject"):
            continue
        if any(key in rule for key in ("dst-port", "protocol")):
            continue
        named = {rule.get("in-interface", ""), rule.get("out-interface", "")}
        filtered |= {name.lstrip("!") for name in named} & set(seen)
    return separated_zones(seen, filtered)


def _snmp(sec: dict[str, list[str]]) -> list[str]:
    """What is wrong with the communities of an SNMP that is on. RouterOS' default
    community is "public", read-only, from any address (::/0)."""
    if not any(r.get("enabled") == "yes" for r in active(sec, "/snmp")):
        return []
    rows = active(sec, "/snmp community") or [{}]
    issues = []
    for row in rows:
        name = row.get("name", "public")
        label = "default community" if name in DEFAULT_COMMUNITIES else "community"
        open_to_all = row.get("addresses", "::/0") in ("", "0.0.0.0/0", "::/0")
        if row.get("write-access") == "yes":
            issues.append(f"{label} RW")
        elif open_to_all:
            issues.append(f"{label} RO from any address")
        elif label == "default community":
            issues.append(label)
    return issues


def _weak_crypto(sec: dict[str, list[str]]) -> list[str]:
    found = []
    ssh = {k: v for row in active(sec, "/ip ssh") for k, v in row.items()}
    if ssh.get("allow-none-crypto") == "yes":
        found.append("ssh allow-none-crypto=yes")
    if "strong-crypto" not in ssh:
        found.append("ssh strong-crypto=no (default assumed)")
    elif ssh["strong-crypto"] != "yes":
        found.append("ssh strong-crypto=no")
    if any(r.get("enabled") == "yes" for r in active(sec, "/interface pptp-server server")):
        found.append("PPTP server enabled")
    return found


def _plaintext_secrets(sec: dict[str, list[str]]) -> list[str]:
    """PPP secrets and PPPoE client passwords are exported in plain text."""
    found = [
        f"ppp secret {r.get('name', '?')}: clear text"
        for r in active(sec, "/ppp secret")
        if r.get("password")
    ]
    found += [
        f"pppoe-client {r.get('name', '?')}: clear text"
        for r in active(sec, "/interface pppoe-client")
        if r.get("password")
    ]
    return found


def _forwards(sec: dict[str, list[str]]) -> list[PortForward]:
    out = []
    for values in active(sec, "/ip firewall nat"):
        if values.get("action") != "dst-nat" or "dst-port" not in values:
            continue
        for port in values["dst-port"].split(","):
            if port.isdigit():
                to_port = values.get("to-ports", port)
                out.append(
                    PortForward(
                        proto=values.get("protocol", "tcp"),
                        port=int(port),
                        to_host=values.get("to-addresses"),
                        to_port=int(to_port) if to_port.isdigit() else None,
                    )
                )
    return out


_EXPORT_TIMES = ("%b/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")  # v6 "jan/02/2025", v7.13+ ISO


def _log_targets(sec: dict[str, list[str]]) -> list[str]:
    """Remote syslog servers, when some logging rule sends there."""
    remote = any(kv(line).get("action") == "remote" for line in sec.get("/system logging", []))
    targets = [
        kv(line)["remote"] for line in sec.get("/system logging action", []) if "remote" in kv(line)
    ]
    return targets if remote else []


def _ntp(sec: dict[str, list[str]]) -> list[str]:
    """NTP servers of either RouterOS generation (v6 names servers by DNS name apart)."""
    ntp = [kv(line).get("address", "") for line in sec.get("/system ntp client servers", [])]
    ntp += [
        s
        for line in sec.get("/system ntp client", [])
        for key in ("servers", "server-dns-names")
        for s in kv(line).get(key, "").split(",")
    ]
    return [n for n in ntp if n]


def _identity(text: str, sec: dict[str, list[str]], resource_output: str | None) -> dict[str, Any]:
    """Host name, firmware, model (`/system resource print` first) and the export's time."""
    resource = system_resource(resource_output) if resource_output else {}
    firmware = re.search(r"by RouterOS (\S+)", text)
    stamp = re.search(r"^# (\S+ \d{2}:\d{2}:\d{2}) by RouterOS", text, re.M)
    model = re.search(r"^# model = (\S+)", text, re.M)
    identity = [kv(line).get("name") for line in sec.get("/system identity", [])]
    return {
        "config_time": device_time(stamp.group(1).capitalize(), _EXPORT_TIMES) if stamp else None,
        "hostname": identity[0] if identity else None,
        "firmware": resource.get("version") or (firmware.group(1) if firmware else None),
        "model": resource.get("model") or (model.group(1) if model else None),
    }


def parse_mikrotik(text: str, resource_output: str | None = None) -> NetDeviceFacts:
    sec = sections(text)
    services, restricted, sources, open_ports = _services(sec)
    wan = _wan_interfaces(sec)
    modes, wps = _wifi(sec)
    users = [kv(line).get("name", "") for line in sec.get("/user", [])]
    return NetDeviceFacts(
        vendor="mikrotik",
        **_identity(text, sec, resource_output),
        mgmt_services=services,
        mgmt_restricted=restricted,
        mgmt_sources=sources,
        local_users=users,
        idle_timeout_s=None,  # RouterOS exports have no console idle timeout
        syslog_targets=_log_targets(sec),
        ntp_servers=_ntp(sec),
        snmp_issues=_snmp(sec),
        password_issues=_plaintext_secrets(sec),
        weak_crypto=_weak_crypto(sec),
        # an export never shows user passwords: with the factory "admin" (empty password
        # out of the box) present, whether it still logs in is unknown, not "fine"
        default_accounts=None if "admin" in users else [],
        login_limit=None,
        wifi_modes=modes,
        wps_enabled=wps,
        wan_mgmt_exposed=any(services.values()) and _wan_exposed(sec, wan, open_ports),
        port_forwards=_forwards(sec),
        firewall_enabled=_input_dropped_from_wan(sec, wan),
        ips_enabled=False,  # RouterOS has no intrusion prevention engine
        zones=_zones(sec, wan),
        config_saved=True,  # RouterOS writes every change to flash at once
    )
