"""The screen locks itself when the PC is left (L2-CFG-LOCK-01)."""

from __future__ import annotations

from dataclasses import replace

from auditor.checking import Outcome, check
from auditor.facts import HostFacts

from ._params import Params


class MaxSeconds(Params):
    max_seconds: int


@check("lock.screen", needs="host", params=MaxSeconds)
def screen_lock(facts: HostFacts, p: MaxSeconds) -> Outcome:
    """Pass proves: the session locks after at most the pack's idle time (policy or secure screen
    saver). Does not prove: that users do not switch it off on purpose."""
    lock = facts.screen_lock
    if lock is None:
        return Outcome.unknown("outcome.not_collected", what="screen lock")
    if not lock.timeout_s or not lock.secure:
        return Outcome.fail(
            observed=lock.source, expected=f"≤ {p.max_seconds} s", note="outcome.no_screen_lock"
        )
    result = Outcome.at_most(lock.timeout_s, p.max_seconds, what="screen lock")
    return replace(result, note="outcome.lock_source", params={"source": lock.source})
