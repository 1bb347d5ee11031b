"""The clock is synchronised (L2-LOG-NTP-01)."""

from __future__ import annotations

from auditor.checking import Outcome, check
from auditor.facts import HostFacts

from ._params import Params


class TimeLimits(Params):
    max_offset_s: float | None = None  # judged where the daemon reports its offset
    max_sync_age_s: float | None = None  # judged where it reports its last good sync
    max_skew_s: float | None = None  # host clock against the auditor's, where measured


@check("time.sync", needs="host", params=TimeLimits)
def time_sync(facts: HostFacts, p: TimeLimits) -> Outcome:
    """Pass proves: the system reports its clock NTP-synchronised and, where the daemon reports
    them, the offset and the time since the last good sync are within the pack's limits, and,
    where measured, its clock agrees with the auditor's. Does not prove: anything when a time
    service merely runs (unknown)."""
    skew, most = facts.clock_skew_s, p.max_skew_s
    if skew is not None and most is not None and abs(skew) > most:
        return Outcome.fail(
            observed=f"{skew:+.0f} s", expected=f"≤ {most:g} s", note="outcome.clock_skew"
        )
    t = facts.time
    if t is None:
        return Outcome.unknown("outcome.not_collected", what="time sync")
    if t.synchronized is False:
        return Outcome.fail(observed="not synchronized", expected="synchronized")
    if t.synchronized is True:
        if t.offset_s is not None and p.max_offset_s is not None and t.offset_s > p.max_offset_s:
            return Outcome.fail(observed=f"{t.offset_s:.3f} s", expected=f"≤ {p.max_offset_s:g} s")
        age, limit = t.last_sync_age_s, p.max_sync_age_s
        if age is not None and limit is not None and age > limit:
            return Outcome.fail(
                observed=f"{age / 3600:.1f} h",
                expected=f"≤ {limit / 3600:g} h",
                note="outcome.sync_too_old",
            )
        seen = "synchronized" if t.offset_s is None else f"synchronized, {t.offset_s:.3f} s"
        return Outcome.ok(observed=seen, expected="synchronized")
    if t.service:
        return Outcome.unknown("outcome.time_service_only", service=t.service)
    return Outcome.fail(observed="no time service", expected="synchronized")
