"""Accounts: built-in, inactive, leavers, empty and factory passwords, expiry (L2-ACC-*,
L2-MGMT-HR-03)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import AssetFacts, HostFacts

from ._params import Params, days_between, host_clock


class HumanAccounts(Params):
    max_days: int
    min_uid: int


@check("acct.no_empty_password", needs="host")
def no_empty_password(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: no account in /etc/shadow has an empty password. Does not prove: that the set
    passwords are strong or not the vendor's default."""
    accounts = facts.accounts
    if accounts is None or all(a.password is None for a in accounts):
        return Outcome.unknown("outcome.not_collected", what="password states")
    empty = sorted(a.name for a in accounts if a.password == "empty")
    return (
        Outcome.fail(observed=empty, expected="[]")
        if empty
        else Outcome.ok(observed=[], expected="[]")
    )


@check("acct.no_factory_password", needs="host")
def no_factory_password(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: no account's stored password is its image's factory password (pi/raspberry,
    ubuntu/ubuntu, kali/kali …), as the host's own crypt verifies each listed pair. Does not
    prove: anything about passwords outside that list."""
    accounts = facts.accounts
    if accounts is None or all(a.factory_password is None for a in accounts):
        return Outcome.unknown("outcome.not_collected", what="factory passwords")
    unchecked = sorted(a.name for a in accounts if a.factory_password is None)
    factory = sorted(a.name for a in accounts if a.factory_password)
    if factory:
        return Outcome.fail(observed=factory, expected="[]")
    if unchecked:
        return Outcome.unknown("outcome.factory_unchecked", accounts=", ".join(unchecked))
    return Outcome.ok(observed=[], expected="[]")


@check("acct.inactive", needs="host", params=HumanAccounts)
def inactive(facts: HostFacts, p: HumanAccounts) -> Outcome:
    """Pass proves: no enabled personal account has gone unused for more than the pack's number of
    days. Does not prove: that the remaining accounts belong to current staff."""
    if facts.accounts is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    people = [
        a
        for a in facts.accounts
        if a.can_login and a.builtin is None and (a.uid is None or p.min_uid <= a.uid < 65534)
    ]
    if any(a.never_logged_in is None and a.last_login is None for a in people):
        return Outcome.unknown("outcome.not_collected", what="last logins")
    stale = sorted(
        a.name
        for a in people
        if a.never_logged_in
        or (a.last_login is not None and days_between(a.last_login, host_clock(facts)) > p.max_days)
    )
    if stale:
        return Outcome.fail(observed=stale, expected=f"≤ {p.max_days}")
    return Outcome.ok(observed=[], expected=f"≤ {p.max_days}")


@check("acct.leavers", needs="asset", params=HumanAccounts)
def leavers(facts: AssetFacts, p: HumanAccounts) -> Outcome:
    """Pass proves: every enabled personal account is one the inventory lists as current staff or
    administrator. Does not prove: that the inventory's staff list itself is up to date."""
    accounts = facts.host.accounts if facts.host else None
    if accounts is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    if facts.declared.users is None:
        return Outcome.unknown("outcome.users_not_declared")
    known = {n.lower() for n in [*facts.declared.users, *facts.declared.admins]}
    people = [
        a
        for a in accounts
        if a.can_login and a.builtin is None and (a.uid is None or p.min_uid <= a.uid < 65534)
    ]
    extra = sorted(a.name for a in people if a.name.lower() not in known)
    if extra:
        return Outcome.fail(observed=extra, expected="[]", note="outcome.unknown_accounts")
    return Outcome.ok(observed=[], expected="[]")


@check("acct.builtin_disabled", needs="host")
def builtin_disabled(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: the built-in Administrator and Guest accounts are disabled. Does not prove:
    that no other local account has administrator rights."""
    if facts.accounts is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    builtins = [a for a in facts.accounts if a.builtin]
    if not builtins:
        return Outcome.unknown("outcome.not_collected", what="built-in accounts")
    enabled = sorted(f"{a.name} ({a.builtin})" for a in builtins if a.can_login)
    return (
        Outcome.fail(observed=enabled, expected="[]")
        if enabled
        else Outcome.ok(observed=[], expected="[]")
    )


@check("acct.password_expires", needs="host")
def password_expires(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: no enabled personal account is set to "password never expires". Does not prove:
    that passwords are actually changed on time."""
    if facts.accounts is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    people = [a for a in facts.accounts if a.can_login and a.builtin is None]
    if any(a.password_never_expires is None for a in people):
        return Outcome.unknown("outcome.not_collected", what="password expiry")
    never = sorted(a.name for a in people if a.password_never_expires)
    return (
        Outcome.fail(observed=never, expected="[]", note="outcome.never_expires")
        if never
        else Outcome.ok(observed=[], expected="[]")
    )
