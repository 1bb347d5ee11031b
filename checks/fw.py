"""Host firewall is on (L2-CFG-FW-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts


@check("fw.host_enabled", needs="host")
def host_enabled(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: a host firewall is on (on Windows: all three profiles present and on). Does not
    prove: that its rules block what they should; a missing profile is unknown."""
    fw = facts.firewall
    if fw is None or fw.enabled is None:
        return Outcome.unknown("outcome.not_collected", what="firewall")
    observed = f"{fw.backend or '-'}: {fw.detail}"
    return (
        Outcome.ok(observed=observed, expected="on")
        if fw.enabled
        else Outcome.fail(observed=observed, expected="on")
    )
