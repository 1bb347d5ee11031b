"""Accounts lock after repeated failed logins (L2-ACC-LOCK-01)."""

from __future__ import annotations

from auditor.checking import Outcome, check
from auditor.facts import HostFacts

from ._params import Params


class MaxAttempts(Params):
    max_attempts: int


class MinSeconds(Params):
    min_seconds: int


@check("lockout.threshold", needs="host", params=MaxAttempts)
def lockout_threshold(facts: HostFacts, p: MaxAttempts) -> Outcome:
    """Pass proves: accounts lock after at most the pack's number of failed logins. Does not prove:
    that services outside PAM or Windows logon (web applications) lock too."""
    return Outcome.at_most(
        facts.lockout.threshold if facts.lockout else None,
        p.max_attempts,
        what="lockout threshold",
        zero_means_unlimited=True,
    )


@check("lockout.duration", needs="host", params=MinSeconds)
def lockout_duration(facts: HostFacts, p: MinSeconds) -> Outcome:
    """Pass proves: a locked account stays locked at least the pack's time (or until an
    administrator unlocks it). Does not prove: that lockouts are noticed and investigated."""
    lock = facts.lockout
    if lock is not None and lock.threshold == 0:
        return Outcome.fail(observed=0, expected=f"≥ {p.min_seconds}", note="outcome.no_lockout")
    seconds = lock.duration_s if lock else None
    if seconds == 0:
        return Outcome.ok(observed=0, expected=f"≥ {p.min_seconds}", note="outcome.admin_unlock")
    return Outcome.at_least(seconds, p.min_seconds, what="lockout duration")
