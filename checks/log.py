"""Audit logging, authentication events and log retention (L2-LOG-*)."""

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


class AuditRequirement(Params):
    name: str
    setting: int  # bitmask: 1 success, 2 failure, 3 both


class AuditPolicyParams(Params):
    subcategories: dict[str, AuditRequirement]  # GUID (upper case, no braces) → need


@check("log.audit_policy", needs="host", params=AuditPolicyParams)
def audit_policy(facts: HostFacts, p: AuditPolicyParams) -> Outcome:
    """Pass proves: each audit subcategory the pack requires records the success and failure events
    it asks for. Does not prove: that the Security log is kept long enough or read."""
    if facts.audit_policy is None:
        return Outcome.unknown("outcome.not_collected", what="audit policy")
    missing = sorted(
        need.name
        for guid, need in p.subcategories.items()
        if facts.audit_policy.get(guid.upper(), 0) & need.setting != need.setting
    )
    expected = ", ".join(sorted(n.name for n in p.subcategories.values()))
    return (
        Outcome.fail(observed=missing, expected=expected, note="outcome.audit_missing")
        if missing
        else Outcome.ok(observed=[], expected=expected)
    )
