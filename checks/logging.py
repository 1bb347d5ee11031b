"""Audit logging, log retention and time synchronisation (L2-LOG-*)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts

from ._params import Params


class MinDays(Params):
    min_days: int


@check("log.enabled", needs="host")
def enabled(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: system events are recorded persistently by auditd, a persistent journal or a
    syslog daemon. Does not prove: which events are recorded (see the login and privilege
    check)."""
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


@check("log.auth_events", needs="host")
def auth_events(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: logins, failed logins and sudo use are recorded where they are kept (auditd,
    the auth log file, a persistent journal). Does not prove: that anyone reads them."""
    log = facts.logging
    if log is None or log.audit_daemon is None:
        return Outcome.unknown("outcome.not_collected", what="auth logging")
    if log.audit_daemon:
        return Outcome.ok(observed="auditd", expected="logins and sudo recorded")
    found = []
    if log.syslog_daemon and log.auth_file_events:
        found.append(f"auth log: {log.auth_file_events}")
    if log.journald_persistent and log.journal_auth_events:
        found.append(f"journal: {log.journal_auth_events}")
    if found:
        return Outcome.ok(observed=found, expected="logins and sudo recorded")
    if log.syslog_daemon or log.journald_persistent:
        # a log is kept, but no login or sudo line was seen in it: not proven either way
        return Outcome.unknown("outcome.auth_events_not_seen")
    return Outcome.fail(observed="no kept log", expected="logins and sudo recorded")


@check("log.retention", needs="host", params=MinDays)
def retention(facts: HostFacts, p: MinDays) -> Outcome:
    """Pass proves: rotated logs are configured to be kept at least the pack's number of days. Does
    not prove: that the disk has room for them or that they are backed up."""
    days = facts.logging.retention_days if facts.logging else None
    return Outcome.at_least(days, p.min_days, what="log retention")


class TimeLimits(Params):
    max_offset_s: float | None = None  # judged where the daemon reports its offset
    max_sync_age_s: float | None = None  # judged where it reports its last good sync


@check("time.sync", needs="host", params=TimeLimits)
def time_sync(facts: HostFacts, p: TimeLimits) -> Outcome:
    """Pass proves: the system reports its clock NTP-synchronised and, where the daemon reports
    them, the offset and the time since the last good sync are within the pack's limits. Does
    not prove: anything when a time service merely runs (unknown)."""
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
