"""MikroTik RouterOS: `/export verbose` (+ `/system resource print` via ntc-templates).

An export is a list of "/menu path" headers, each followed by add/set lines of key=value
pairs; that structure is read directly (no maintained RouterOS export parser exists).
"""

from __future__ import annotations

import re

from auditor.collect.netdev.common import DEFAULT_COMMUNITIES, DEFAULT_USERS
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
    """ "/path" headers followed by add/set lines (backslash continuations joined)."""
    joined = re.sub(r"\\\r?\n\s*", "", text)
    out: dict[str, list[str]] = {}
    current = ""
    for line in joined.splitlines():
        if line.startswith("/"):
            current = line.strip()
            out.setdefault(current, [])
        elif line.strip() and not line.startswith("#") and current:
            out[current].append(line.strip())
    return out


def kv(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([\w-]+)=("[^"]*"|\S+)', line)}


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


def _services(sec: dict[str, list[str]]) -> tuple[dict[str, bool], bool]:
    services: dict[str, bool] = {}
    restricted = True
    for line in sec.get("/ip service", []):
        match = re.match(r"set (\S+)", line)
        if not match or match.group(1) not in SERVICE_NAMES:
            continue
        values = kv(line)
        enabled = values.get("disabled", "no") != "yes"
        services[SERVICE_NAMES[match.group(1)]] = enabled
        if enabled and not values.get("address"):
            restricted = False
    return services, restricted


def _wifi(sec: dict[str, list[str]]) -> tuple[list[str] | None, bool | None]:
    modes = []
    for line in sec.get("/interface wireless security-profiles", []):
        values = kv(line)
        auth = values.get("authentication-types", "")
        if values.get("mode") == "none" or not auth:
            modes.append("open")
        elif "wpa2" in auth or "wpa3" in auth:
            modes.append("wpa2" if "wpa-psk" not in auth.split(",") else "wpa")
        else:
            modes.append("wpa")
    radios = sec.get("/interface wireless", [])
    wps = (
        any(kv(line).get("wps-mode", "disabled") != "disabled" for line in radios)
        if radios
        else None
    )
    return modes or None, wps


def _input_dropped_from_wan(sec: dict[str, list[str]]) -> bool:
    """An input-chain drop for traffic not from the LAN (the RouterOS default config)."""
    for line in sec.get("/ip firewall filter", []):
        values = kv(line)
        if values.get("chain") == "input" and values.get("action") in ("drop", "reject"):
            source = values.get("in-interface-list", "") + values.get("in-interface", "")
            if source in ("!LAN", "WAN") or source.startswith("ether1") or not source:
                return True
    return False


def _forwards(sec: dict[str, list[str]]) -> list[PortForward]:
    out = []
    for line in sec.get("/ip firewall nat", []):
        values = kv(line)
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


def parse_mikrotik(text: str, resource_output: str | None = None) -> NetDeviceFacts:
    sec = sections(text)
    services, restricted = _services(sec)
    communities = [kv(line).get("name", "") for line in sec.get("/snmp community", [])]
    remote = any(kv(line).get("action") == "remote" for line in sec.get("/system logging", []))
    targets = [
        kv(line)["remote"] for line in sec.get("/system logging action", []) if "remote" in kv(line)
    ]
    ntp = [kv(line).get("address", "") for line in sec.get("/system ntp client servers", [])]
    ntp += [
        s
        for line in sec.get("/system ntp client", [])
        for s in kv(line).get("servers", "").split(",")
        if s
    ]
    modes, wps = _wifi(sec)
    users = [kv(line).get("name", "") for line in sec.get("/user", [])]
    resource = system_resource(resource_output) if resource_output else {}
    firmware = re.search(r"by RouterOS (\S+)", text)
    model = re.search(r"^# model = (\S+)", text, re.M)
    identity = [kv(line).get("name") for line in sec.get("/system identity", [])]
    firewall = _input_dropped_from_wan(sec)
    mgmt_on = any(services.values())
    zones = [kv(line).get("name", "") for line in sec.get("/interface vlan", [])]
    zones += [kv(line).get("name", "") for line in sec.get("/interface bridge", [])]
    return NetDeviceFacts(
        vendor="mikrotik",
        hostname=identity[0] if identity else None,
        firmware=resource.get("version") or (firmware.group(1) if firmware else None),
        model=resource.get("model") or (model.group(1) if model else None),
        mgmt_services=services,
        mgmt_restricted=restricted if services else None,
        mgmt_sources=sorted(
            {
                address
                for line in sec.get("/ip service", [])
                if kv(line).get("disabled", "no") != "yes"
                for address in kv(line).get("address", "").split(",")
                if address
            }
        ),
        local_users=users,
        idle_timeout_s=None,  # RouterOS exports have no console idle timeout
        syslog_targets=targets if remote else [],
        ntp_servers=[n for n in ntp if n],
        snmp_default_community=any(c in DEFAULT_COMMUNITIES for c in communities),
        plaintext_passwords=None,  # RouterOS never exports passwords
        default_accounts=sorted(u for u in users if u in DEFAULT_USERS),
        login_limit=None,
        wifi_modes=modes,
        wps_enabled=wps,
        wan_mgmt_exposed=bool(mgmt_on and not restricted and not firewall) if services else None,
        port_forwards=_forwards(sec),
        firewall_enabled=firewall,
        ips_enabled=False,  # RouterOS has no intrusion prevention engine
        zones=[z for z in zones if z],
        config_saved=True,  # RouterOS writes every change to flash at once
    )
