"""Insecure services listening or reachable (L2-CFG-SVC-01, L2-VUL-SCAN-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts, ScanFacts

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


@check("scan.insecure_ports", needs="scan", params=PortList)
def insecure_ports(facts: ScanFacts, p: PortList) -> Outcome:
    """Pass proves: nmap found none of the listed insecure ports open on the asset's address in
    this audit. Does not prove: anything about ports not listed or addresses not scanned."""
    if not facts.host_up:
        return Outcome.unknown("outcome.host_not_answering", address=facts.address)
    bad = sorted(
        f"{o.port}/{o.proto} {p.ports[f'{o.port}/{o.proto}']}"
        for o in facts.open_ports
        if f"{o.port}/{o.proto}" in p.ports
    )
    return (
        Outcome.fail(observed=bad, expected="[]") if bad else Outcome.ok(observed=[], expected="[]")
    )


@check("scan.performed", needs="scan")
def performed(facts: ScanFacts, _: NoParams) -> Outcome:
    """Pass proves: a port and service scan of the asset ran in this audit and reached it. Does not
    prove: that the scan found everything (firewalled ports look closed)."""
    if not facts.host_up:
        return Outcome.unknown("outcome.host_not_answering", address=facts.address)
    return Outcome.ok(
        observed=[f"{o.port}/{o.proto} {o.service or '?'}" for o in facts.open_ports],
        note="outcome.scan_done",
        address=facts.address,
    )
