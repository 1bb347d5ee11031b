"""What a port scan of the asset shows (L2-VUL-SCAN-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import ScanFacts

from ._params import PortList


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
