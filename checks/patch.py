"""Operating system and package patches are current (L2-VUL-PATCH-01)."""

from __future__ import annotations

from auditor.checking import Outcome, check
from auditor.facts import HostFacts

from ._params import MaxDays, Params, days_between, host_clock


class MaxPending(Params):
    max_pending: int
    # the pack's choice: count every pending update, not only those from the security
    # pocket or with a security advisory (a commune plan may say "mọi bản cập nhật")
    count_all_updates: bool = False


@check("patch.last_update_age", needs="host", params=MaxDays)
def last_update_age(facts: HostFacts, p: MaxDays) -> Outcome:
    """Pass proves: the last successful package installation or upgrade is at most the pack's
    number of days old. Does not prove: that every package is current."""
    if facts.patching is None or facts.patching.last_update is None:
        return Outcome.unknown("outcome.not_collected", what="last update")
    age = round(days_between(facts.patching.last_update, host_clock(facts)), 1)
    return Outcome.at_most(age, p.max_days, what="last update")


@check("patch.pending_security", needs="host", params=MaxPending)
def pending_security(facts: HostFacts, p: MaxPending) -> Outcome:
    """Pass proves: no more than the pack's number of security updates wait to be installed. Does
    not prove: anything about software outside the package manager."""
    if p.count_all_updates:
        every = facts.patching.pending_updates if facts.patching else None
        return Outcome.at_most(every, p.max_pending, what="pending updates")
    pending = facts.patching.pending_security if facts.patching else None
    return Outcome.at_most(pending, p.max_pending, what="pending security updates")
