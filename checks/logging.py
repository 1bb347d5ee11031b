"""Audit logging, log retention and time synchronisation (L2-LOG-*)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts

from ._params import Params


class MinDays(Params):
    min_days: int


@check("log.enabled", needs="host")
def enabled(facts: HostFacts, _: NoParams) -> Outcome:
    """System events are recorded persistently: auditd, persistent journald or syslog."""
    log = facts.logging
    if log is None or (log.audit_daemon is None and log.journald_persistent is None):
        return Outcome.unknown("outcome.not_collected", what="logging")
    sources = [
        name
        for name, on in (
            ("auditd", log.audit_daemon),
            ("journald (persistent)", log.journald_persistent),
            ("syslog", log.syslog_daemon),
        )
        if on
    ]
    return (
        Outcome.ok(observed=sources, expected="≥ 1")
        if sources
        else Outcome.fail(observed=[], expected="auditd | journald | syslog")
    )


@check("log.retention", needs="host", params=MinDays)
def retention(facts: HostFacts, p: MinDays) -> Outcome:
    """Rotated logs are kept at least `min_days` days (logrotate rotate × period)."""
    days = facts.logging.retention_days if facts.logging else None
    return Outcome.at_least(days, p.min_days, what="log retention")


@check("time.sync", needs="host")
def time_sync(facts: HostFacts, _: NoParams) -> Outcome:
    """The clock is synchronised (NTP) so that log times can be trusted."""
    t = facts.time
    if t is None:
        return Outcome.unknown("outcome.not_collected", what="time sync")
    if t.synchronized is True:
        return Outcome.ok(observed="synchronized", expected="synchronized")
    if t.synchronized is False:
        return Outcome.fail(observed="not synchronized", expected="synchronized")
    if t.service:
        return Outcome.ok(
            observed=t.service, expected="synchronized", note="outcome.time_service_only"
        )
    return Outcome.fail(observed="no time service", expected="synchronized")
