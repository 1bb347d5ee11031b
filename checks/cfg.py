"""Windows hardening settings: AutoRun and automatic logon (L2-CFG-*)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts


@check("cfg.autorun_disabled", needs="host")
def autorun_disabled(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: AutoRun is off for every drive type by policy. Does not prove: that users
    cannot open files from USB drives."""
    hard = facts.hardening
    if hard is None or hard.autorun_disabled is None:
        return Outcome.unknown("outcome.not_collected", what="AutoRun")
    if hard.autorun_disabled:
        return Outcome.ok(observed="off", expected="off")
    return Outcome.fail(observed="on", expected="off")


@check("cfg.no_autologon", needs="host")
def no_autologon(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: Windows does not log on by itself and keeps no DefaultPassword. Does not prove:
    that the session locks when left."""
    hard = facts.hardening
    if hard is None or hard.autologon is None:
        return Outcome.unknown("outcome.not_collected", what="auto-logon")
    found = [
        name
        for name, bad in (
            ("AutoAdminLogon=1", hard.autologon),
            ("DefaultPassword", hard.default_password_stored),
        )
        if bad
    ]
    if found:
        return Outcome.fail(observed=found, expected="[]")
    return Outcome.ok(observed=[], expected="[]")
