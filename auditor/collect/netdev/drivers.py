"""The device drivers behind one small interface: how to recognise a platform's
configuration, which read-only commands fetch it live, and how to parse the outputs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from auditor.collect.netdev.cisco import parse_cisco
from auditor.collect.netdev.fortios import parse_fortios
from auditor.collect.netdev.mikrotik import parse_mikrotik
from auditor.collect.netdev.pfsense import parse_pfsense
from auditor.facts import NetDeviceFacts


@dataclass(frozen=True)
class Driver:
    platform: str
    # The configuration itself: a live command, or the name given to a saved file's text.
    config: str
    # Further read-only commands run live after `config` (model, firmware, saved state).
    extra: tuple[str, ...]
    # netmiko device type for an interactive shell; None: one exec command (`config`).
    netmiko_type: str | None
    default_login: tuple[str, str]  # the vendor's documented factory pair (opt-in probe)
    looks_like: Callable[[str], bool]
    parse: Callable[[dict[str, str]], NetDeviceFacts]  # outputs by command → facts

    @property
    def commands(self) -> tuple[str, ...]:
        return (self.config, *self.extra)


DRIVERS = {
    d.platform: d
    for d in (
        Driver(
            platform="pfsense",
            config="cat /conf/config.xml",
            extra=(),
            netmiko_type=None,
            default_login=("admin", "pfsense"),
            looks_like=lambda text: "<pfsense>" in text[:4000],
            parse=lambda out: parse_pfsense(out["cat /conf/config.xml"]),
        ),
        Driver(
            platform="mikrotik",
            config="/export verbose",
            extra=("/system resource print",),
            netmiko_type="mikrotik_routeros",
            default_login=("admin", ""),
            looks_like=lambda text: bool(
                re.search(r"^# .* by RouterOS", text, re.M)
                or re.search(r"^/ip service", text, re.M)
            ),
            parse=lambda out: parse_mikrotik(
                out["/export verbose"], out.get("/system resource print")
            ),
        ),
        Driver(
            platform="fortios",
            config="show full-configuration",
            extra=("get system status",),
            # netmiko's "fortinet" type turns paging off by changing the console settings
            # (config system console / set output standard): an audit changes nothing, so a
            # plain session, whose --More-- pages are read like any other device's
            netmiko_type="generic",
            default_login=("admin", ""),
            looks_like=lambda text: bool(
                re.search(r"^#config-version=F", text, re.M)
                or re.search(r"^config system (global|interface|admin)\s*$", text, re.M)
            ),
            parse=lambda out: parse_fortios(
                out["show full-configuration"], out.get("get system status")
            ),
        ),
        Driver(
            platform="cisco-ios",
            config="show running-config",
            extra=("show version", "show startup-config"),
            netmiko_type="cisco_ios",
            default_login=("cisco", "cisco"),
            looks_like=lambda text: bool(re.search(r"^(hostname|line vty|version \d)", text, re.M)),
            parse=lambda out: parse_cisco(
                out["show running-config"], out.get("show version"), out.get("show startup-config")
            ),
        ),
    )
}


# Platforms recognised but not yet read: said so, rather than "could not be read".
UNSUPPORTED = {
    "Juniper (Junos)": re.compile(r"^(set system host-name |system \{)", re.M),
    "Huawei (VRP)": re.compile(r"^ ?sysname \S+", re.M),
    "Ubiquiti (EdgeOS)": re.compile(r"^(firewall|interfaces|service) \{", re.M),
}


def unsupported(text: str) -> str | None:
    """The name of a platform `text` belongs to that no driver reads yet."""
    return next((name for name, shape in UNSUPPORTED.items() if shape.search(text)), None)


def detect(text: str) -> str | None:
    """The platform whose configuration `text` looks like (most specific first)."""
    return next((d.platform for d in DRIVERS.values() if d.looks_like(text)), None)
