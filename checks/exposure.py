"""Insecure services listening or reachable (L2-CFG-SVC-01, L2-VUL-SCAN-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts, ScanFacts

from ._params import PortList

LOOPBACK = ("127.", "::1")


@check("svc.insecure_listeners", needs="host", params=PortList)
def insecure_listeners(facts: HostFacts, p: PortList) -> Outcome:
    """No insecure protocol (telnet, FTP, TFTP, r-services…) listens beyond loopback."""
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
    """nmap finds none of the insecure ports open on the asset's address."""
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
    """A port and service scan of the asset ran in this audit and reached it."""
    if not facts.host_up:
        return Outcome.unknown("outcome.host_not_answering", address=facts.address)
    return Outcome.ok(
        observed=[f"{o.port}/{o.proto} {o.service or '?'}" for o in facts.open_ports],
        note="outcome.scan_done",
        address=facts.address,
    )
