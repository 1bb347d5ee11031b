"""Routers, switches and access points (L2-NET-*, device parts of L2-ACC-DEF-01, L2-LOG-NTP-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, Status, check
from auditor.facts import AssetFacts, NetDeviceFacts

from ._params import Params


class Insecure(Params):
    services: list[str]  # management services that must be off, e.g. telnet, http, ftp


class MaxSeconds(Params):
    max_seconds: int


@check("net.mgmt_protocols", needs="netdev", params=Insecure)
def mgmt_protocols(facts: NetDeviceFacts, p: Insecure) -> Outcome:
    """No clear-text management service (telnet, http, ftp …) is enabled."""
    if not facts.mgmt_services:
        return Outcome.unknown("outcome.not_collected", what="management services")
    on = sorted(name for name in p.services if facts.mgmt_services.get(name))
    return (
        Outcome.fail(observed=on, expected="[]") if on else Outcome.ok(observed=[], expected="[]")
    )


@check("net.mgmt_restricted", needs="netdev")
def mgmt_restricted(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Management is only accepted from listed source addresses (ACL / address lists)."""
    if facts.mgmt_restricted is None:
        return Outcome.unknown("outcome.not_collected", what="management sources")
    if facts.mgmt_restricted:
        return Outcome.ok(observed="restricted", expected="restricted")
    return Outcome.fail(observed="any source", expected="restricted")


@check("net.idle_timeout", needs="netdev", params=MaxSeconds)
def idle_timeout(facts: NetDeviceFacts, p: MaxSeconds) -> Outcome:
    """Idle management sessions are closed after at most `max_seconds` (0 = never = fail)."""
    return Outcome.at_most(
        facts.idle_timeout_s, p.max_seconds, what="idle timeout", zero_means_unlimited=True
    )


def _some(values: list[str] | None, what: str) -> Outcome:
    if values is None:
        return Outcome.unknown("outcome.not_collected", what=what)
    if values:
        return Outcome.ok(observed=values, expected="≥ 1")
    return Outcome.fail(observed=[], expected="≥ 1")


@check("net.syslog", needs="netdev")
def syslog(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Device logs are forwarded to a log server."""
    return _some(facts.syslog_targets, "logging")


@check("net.ntp", needs="netdev")
def ntp(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """The device takes its time from NTP, so its logs line up with the others."""
    return _some(facts.ntp_servers, "NTP")


@check("net.snmp_default", needs="netdev")
def snmp_default(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """No SNMP community is left at a default ("public", "private"); values never stored."""
    if facts.snmp_default_community is None:
        return Outcome.unknown("outcome.not_collected", what="SNMP")
    if facts.snmp_default_community:
        return Outcome.fail(observed="public/private", expected="none")
    return Outcome.ok(observed="none", expected="none")


@check("net.accounts", needs="netdev")
def accounts(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """No vendor default account name (admin, cisco …) and no clear-text password."""
    if facts.default_accounts is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    bad = list(facts.default_accounts)
    if facts.plaintext_passwords:
        bad.append("plain-text passwords")
    return (
        Outcome.fail(observed=bad, expected="[]") if bad else Outcome.ok(observed=[], expected="[]")
    )


@check("net.wifi", needs="netdev")
def wifi(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Every Wi-Fi security profile uses WPA2/WPA3 — no open network, no WEP."""
    if facts.wifi_modes is None:
        return Outcome(status=Status.not_applicable, note="outcome.no_wifi")
    weak = sorted(m for m in facts.wifi_modes if m in ("open", "wep"))
    return (
        Outcome.fail(observed=weak, expected="wpa2/wpa3")
        if weak
        else Outcome.ok(observed=facts.wifi_modes, expected="wpa2/wpa3")
    )


@check("net.telnet_crosscheck", needs="asset")
def telnet_crosscheck(facts: AssetFacts, _: NoParams) -> Outcome:
    """What the configuration claims against what nmap sees: telnet off but port 23 open
    means the configuration read is not the one running (or another service answers)."""
    device, scan = facts.netdev, facts.scan
    if device is None or scan is None or not scan.host_up:
        return Outcome.unknown("outcome.not_collected", what="configuration and scan")
    port_open = any(o.port == 23 for o in scan.open_ports)
    claims_off = not device.mgmt_services.get("telnet", False)
    if port_open and claims_off:
        return Outcome.fail(
            observed="config: telnet off; nmap: 23/tcp open",
            expected="consistent",
            note="outcome.config_mismatch",
        )
    return Outcome.ok(
        observed=f"config telnet {'off' if claims_off else 'on'}; "
        f"23/tcp {'open' if port_open else 'closed'}",
        expected="consistent",
    )
