"""Insecure services and legacy Windows protocols (L2-CFG-SVC-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts

from ._params import PortList

LOOPBACK = ("127.", "::1")


@check("svc.insecure_listeners", needs="host", params=PortList)
def insecure_listeners(facts: HostFacts, p: PortList) -> Outcome:
    """Pass proves: no telnet, FTP, TFTP or r-service listens beyond loopback. Does not prove:
    anything about services on other ports."""
    if facts.listeners is None:
        return Outcome.unknown("outcome.not_collected", what="listening sockets")
    bad = sorted(
        {
            f"{lst.port}/{lst.proto} {p.ports[f'{lst.port}/{lst.proto}']}"
            for lst in facts.listeners
            if f"{lst.port}/{lst.proto}" in p.ports and not lst.address.startswith(LOOPBACK)
        }
    )
    return (
        Outcome.fail(observed=bad, expected="[]") if bad else Outcome.ok(observed=[], expected="[]")
    )


@check("svc.windows_protocols", needs="host")
def windows_protocols(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: SMBv1 is off, no Telnet/TFTP/FTP feature is installed and Remote Desktop
    requires NLA. Does not prove: that Remote Desktop is needed or restricted by address."""
    hard = facts.hardening
    if hard is None or hard.smb1_enabled is None or hard.insecure_features is None:
        return Outcome.unknown("outcome.not_collected", what="protocols")
    bad = list(hard.insecure_features)
    if hard.smb1_enabled:
        bad.append("SMBv1")
    if hard.rdp_enabled and not hard.rdp_nla:
        bad.append("RDP without NLA")
    return (
        Outcome.fail(observed=sorted(bad), expected="[]")
        if bad
        else Outcome.ok(observed=[], expected="[]")
    )
