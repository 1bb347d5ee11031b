"""Routers, switches and access points (L2-NET-*, device parts of L2-ACC-DEF-01, L2-LOG-NTP-01)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from auditor.checking import NoParams, Outcome, Status, check
from auditor.facts import AssetFacts, NetDeviceFacts

from ._params import Params, support_ends


class Insecure(Params):
    services: list[str]  # management services that must be off, e.g. telnet, http, ftp


class MaxSeconds(Params):
    max_seconds: int
    assumed_default_passes: bool = False  # may a vendor default nobody configured pass?


@check("net.mgmt_protocols", needs="netdev", params=Insecure)
def mgmt_protocols(facts: NetDeviceFacts, p: Insecure) -> Outcome:
    """Pass proves: no clear-text management service (telnet, http, ftp) is enabled in the
    configuration. Does not prove: what answers on the network (see the scan cross-check)."""
    if not facts.mgmt_services:
        return Outcome.unknown("outcome.not_collected", what="management services")
    on = sorted(name for name in p.services if facts.mgmt_services.get(name))
    return (
        Outcome.fail(observed=on, expected="[]") if on else Outcome.ok(observed=[], expected="[]")
    )


@check("net.mgmt_restricted", needs="netdev")
def mgmt_restricted(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: management is accepted only from listed source addresses. Does not prove: that
    those addresses are the administrators'."""
    if facts.mgmt_restricted is None:
        return Outcome.unknown("outcome.not_collected", what="management sources")
    if facts.mgmt_restricted:
        return Outcome.ok(observed=facts.mgmt_sources or "restricted", expected="restricted")
    return Outcome.fail(observed="any source", expected="restricted")


@check("net.idle_timeout", needs="netdev", params=MaxSeconds)
def idle_timeout(facts: NetDeviceFacts, p: MaxSeconds) -> Outcome:
    """Pass proves: every management line closes an idle session within the pack's time by a
    configured setting. Does not prove: anything by an assumed vendor default, unless the pack
    allows it."""
    outcome = Outcome.at_most(
        facts.idle_timeout_s, p.max_seconds, what="idle timeout", zero_means_unlimited=True
    )
    if not facts.idle_timeout_assumed or outcome.status is not Status.passed:
        return outcome
    observed = f"default assumed: {(facts.idle_timeout_s or 0) // 60} min"
    if p.assumed_default_passes:
        return Outcome.ok(observed=observed, expected=outcome.expected or "")
    return Outcome.fail(
        observed=observed, expected=outcome.expected or "", note="outcome.default_not_set"
    )


def _assumed(outcome: Outcome, facts: NetDeviceFacts, *settings: str) -> Outcome:
    """A pass that rests on a setting the configuration left out (the vendor's default for
    its version, e.g. FortiOS `show`) says so: shown as assumed, never as configured."""
    used = [s for s in settings if s in facts.assumed_defaults]
    if outcome.status is not Status.passed or not used:
        return outcome
    return replace(outcome, note="outcome.default_assumed", params={"settings": ", ".join(used)})


def _some(values: list[str] | None, what: str) -> Outcome:
    if values is None:
        return Outcome.unknown("outcome.not_collected", what=what)
    if values:
        return Outcome.ok(observed=values, expected="≥ 1")
    return Outcome.fail(observed=[], expected="≥ 1")


@check("net.syslog", needs="netdev")
def syslog(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: device logs are sent to at least one log server. Does not prove: that the
    server receives and keeps them."""
    return _some(facts.syslog_targets, "logging")


class NtpParams(Params):
    # a configured server counts only where the pack accepts it: a saved configuration
    # cannot show whether the device reaches the server
    accept_configured: bool = False


@check("net.ntp", needs="netdev", params=NtpParams)
def ntp(facts: NetDeviceFacts, p: NtpParams) -> Outcome:
    """Pass proves: an NTP server is configured and the device reports it follows it (or, where
    the pack accepts it, that one is configured). Does not prove: the source's accuracy."""
    configured = _some(facts.ntp_servers, "NTP")
    if configured.status is not Status.passed or facts.ntp_synchronized:
        return configured
    if facts.ntp_synchronized is False:
        return Outcome.fail(observed=facts.ntp_servers, note="outcome.ntp_not_synchronised")
    if p.accept_configured:
        accepted = replace(configured, note="outcome.ntp_configured_accepted")
        return _assumed(accepted, facts, "ntp")
    return Outcome.unknown("outcome.ntp_unproven", servers=", ".join(facts.ntp_servers or []))


def _none_of(found: list[str] | None, what: str) -> Outcome:
    """Pass on an empty list of problems, fail on any, unknown when the list is unknown."""
    if found is None:
        return Outcome.unknown("outcome.not_collected", what=what)
    return (
        Outcome.fail(observed=found, expected="[]")
        if found
        else Outcome.ok(observed=[], expected="[]")
    )


@check("net.snmp_default", needs="netdev")
def snmp_default(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: no SNMP community may write, every read-only one is limited to listed
    addresses, none keeps a default name. Does not prove: that the listed addresses are the
    right ones."""
    return _none_of(facts.snmp_issues, "SNMP")


@check("net.accounts", needs="netdev")
def accounts(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: no device account logs in with the vendor's default pair or without a password,
    none is stored in clear text or reversibly (type 7), and every account's stored hash was
    tried against the common weak passwords and none verified. Does not prove: that passwords
    resist every guess; an account whose hash could not be tried (no hashcat, or a format it
    does not know such as FortiOS PB2) leaves the requirement unknown."""
    if facts.default_accounts is None or facts.password_issues is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    outcome = _none_of([*facts.default_accounts, *facts.password_issues], "accounts")
    if outcome.status is Status.passed and facts.untried_accounts:
        return Outcome.unknown("outcome.hash_untried", accounts=", ".join(facts.untried_accounts))
    return outcome


@check("net.weak_crypto", needs="netdev")
def weak_crypto(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: management SSH refuses version 1 and weak ciphers as configured, and no PPTP
    server is on. Does not prove: the ciphers actually offered (no handshake is made)."""
    return _assumed(_none_of(facts.weak_crypto, "SSH/VPN crypto"), facts, "strong-crypto")


@check("net.wifi", needs="netdev")
def wifi(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: every security profile an enabled radio uses is WPA2 with AES or WPA3, and no
    SSID authenticates by LEAP. Does not prove: that the passphrase is strong."""
    if facts.wifi_modes is None:
        return Outcome(status=Status.not_applicable, note="outcome.no_wifi")
    weak = sorted(m for m in facts.wifi_modes if m in ("open", "wep", "wpa", "tkip", "leap"))
    if weak:
        return Outcome.fail(observed=weak, expected="wpa2/wpa3")
    return _assumed(
        Outcome.ok(observed=facts.wifi_modes, expected="wpa2/wpa3"), facts, "vap security"
    )


@check("net.telnet_crosscheck", needs="asset")
def telnet_crosscheck(facts: AssetFacts, _: NoParams) -> Outcome:
    """Pass proves: the configuration and the scan agree about telnet. Does not prove: anything
    about other services."""
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


class FirmwareTable(Params):
    """vendor → firmware or model prefix → end of vendor support (policy data the officer
    updates from the vendor's end-of-life bulletins)."""

    support: dict[str, dict[str, date]]


class RemotePorts(Params):
    ports: dict[int, str]  # inside port → service name (RDP, SSH, VNC …)


class MinZones(Params):
    min_zones: int


def _flag(value: bool | None, what: str, good: bool, observed: tuple[str, str]) -> Outcome:
    """A yes/no device fact judged against the value it must have."""
    if value is None:
        return Outcome.unknown("outcome.not_collected", what=what)
    seen = observed[0] if value else observed[1]
    expected = observed[0] if good else observed[1]
    return (
        Outcome.ok(observed=seen, expected=expected)
        if value is good
        else Outcome.fail(observed=seen, expected=expected)
    )


@check("net.firmware_supported", needs="netdev", params=FirmwareTable)
def firmware_supported(facts: NetDeviceFacts, p: FirmwareTable) -> Outcome:
    """Pass proves: the model or firmware is still supported on the audit date according to the
    pack's table. Does not prove: that the newest firmware is installed."""
    if not facts.firmware and not facts.model:
        return Outcome.unknown("outcome.not_collected", what="firmware version")
    table = p.support.get(facts.vendor, {})
    candidates = [facts.model or "", facts.firmware or ""]
    matches = [
        (prefix, end) for prefix, end in table.items() for c in candidates if c.startswith(prefix)
    ]
    end = max(matches, key=lambda m: len(m[0]))[1] if matches else None
    observed = " ".join(x for x in (facts.model, facts.firmware) if x)
    return support_ends(observed, end, facts.collected_at.date())


@check("net.port_forwards", needs="netdev", params=RemotePorts)
def port_forwards(facts: NetDeviceFacts, p: RemotePorts) -> Outcome:
    """Pass proves: no port forward from the WAN leads to RDP, SSH, VNC or another listed
    remote-administration port. Does not prove: that a forward to another port is safe."""
    if facts.port_forwards is None:
        return Outcome.unknown("outcome.not_collected", what="port forwards")
    flagged = [f for f in facts.port_forwards if (f.to_port or f.port) in p.ports]
    bad = [
        f"{f.port}/{f.proto} → {f.to_host or '?'}:{f.to_port} ({p.ports[f.to_port or f.port]})"
        for f in flagged
    ]
    if bad:
        rules = "\n".join(f.rule for f in flagged if f.rule)  # what a fix must remove
        return Outcome.fail(
            observed=bad,
            expected="[]",
            note="outcome.remote_admin_forwarded",
            **({"rules": rules} if rules else {}),
        )
    return Outcome.ok(observed=[], expected="[]")


@check("net.wan_management", needs="netdev")
def wan_management(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: no management service of the device is reachable from the WAN according to its
    services and rules. Does not prove: what an outside scan would see (no scan from outside is
    made)."""
    return _flag(facts.wan_mgmt_exposed, "WAN management", False, ("exposed", "not exposed"))


@check("net.firewall", needs="netdev")
def firewall(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: a default drop on the input side covers the WAN (an inbound ACL without permit
    any, a zone firewall, or an input drop for everything). Does not prove: that the allowed
    exceptions are necessary."""
    return _flag(facts.firewall_enabled, "firewall", True, ("on", "off"))


class IpsParams(Params):
    # signatures older than this fail where the device says their date (None: not judged)
    max_signature_age_days: int | None = None


@check("net.ips", needs="netdev", params=IpsParams)
def ips(facts: NetDeviceFacts, p: IpsParams) -> Outcome:
    """Pass proves: an intrusion prevention engine is enabled on the device and, where the device
    says when its signatures were published, that they are within the pack's age. Does not
    prove: that signatures are current on a device that does not say their date."""
    enabled = _flag(facts.ips_enabled, "IPS", True, ("on", "off"))
    published = facts.ips_signatures_at
    if enabled.status is not Status.passed or published is None or p.max_signature_age_days is None:
        return enabled
    age = (facts.collected_at - published).days
    return Outcome.at_most(age, p.max_signature_age_days, what="IPS signature age (days)")


@check("net.zones", needs="netdev", params=MinZones)
def zones(facts: NetDeviceFacts, p: MinZones) -> Outcome:
    """Pass proves: the inside has at least the pack's number of segments carrying addresses
    (VLANs, zones, interfaces; not the WAN, a loopback or a shut interface). Does not prove:
    that traffic between them is filtered."""
    if facts.zones is None:
        return Outcome.unknown("outcome.not_collected", what="zones")
    outcome = Outcome.at_least(len(facts.zones), p.min_zones, what="zones")
    return replace(outcome, observed=facts.zones)


@check("net.wps", needs="netdev")
def wps(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: Wi-Fi Protected Setup is off on every enabled radio. Does not prove: anything
    on a device without Wi-Fi (not applicable)."""
    if facts.wps_enabled is None:
        return Outcome(status=Status.not_applicable, note="outcome.no_wifi")
    return _flag(facts.wps_enabled, "WPS", False, ("on", "off"))


@check("net.login_limit", needs="netdev")
def login_limit(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: repeated failed logins to the device are blocked by configuration. Does not
    prove: the length of the block."""
    blocking = _flag(facts.login_limit, "login blocking", True, ("on", "off"))
    return _assumed(blocking, facts, "admin-lockout-threshold")


@check("net.config_saved", needs="netdev")
def config_saved(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: the running configuration equals the saved one. Does not prove: that a backup
    copy of it exists elsewhere."""
    return _flag(facts.config_saved, "saved configuration", True, ("saved", "unsaved changes"))


@check("net.default_login", needs="netdev")
def default_login(facts: NetDeviceFacts, _: NoParams) -> Outcome:
    """Pass proves: the vendor's documented default login does not work (probed once when allowed,
    or checked offline against the stored hash). Does not prove: anything when the probe is not
    enabled (not applicable)."""
    if facts.default_login_works is None:
        return Outcome(status=Status.not_applicable, note="outcome.default_login_not_probed")
    return _flag(facts.default_login_works, "default login", False, ("works", "refused"))
