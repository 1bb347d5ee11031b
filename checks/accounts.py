"""Passwords, lockout, privileged and inactive accounts (L2-ACC-*)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import AssetFacts, HostFacts

from ._params import MaxDays, Params, days_between


class MinLength(Params):
    min_length: int


class MinClasses(Params):
    min_classes: int


WINDOWS_MAX_CLASSES = 3  # "Password must meet complexity requirements": 3 of the 4 classes


class MaxAttempts(Params):
    max_attempts: int


class MinSeconds(Params):
    min_seconds: int


class HumanAccounts(Params):
    max_days: int
    min_uid: int


@check("pwd.min_length", needs="host", params=MinLength)
def min_length(facts: HostFacts, p: MinLength) -> Outcome:
    """Pass proves: the system enforces at least the pack's minimum password length. Does not
    prove: that existing passwords, set before the rule, meet it."""
    policy = facts.password_policy
    return Outcome.at_least(
        policy.min_length if policy else None, p.min_length, what="password length"
    )


@check("pwd.complexity", needs="host", params=MinClasses)
def complexity(facts: HostFacts, p: MinClasses) -> Outcome:
    """Pass proves: the system enforces at least the pack's number of character classes. Does not
    prove: that existing passwords, set before the rule, meet it."""
    policy = facts.password_policy
    if (
        policy is not None
        and policy.source == "secedit"
        and policy.min_classes == WINDOWS_MAX_CLASSES
        and p.min_classes > WINDOWS_MAX_CLASSES
    ):
        # Windows' complexity rule is "3 of 4 classes" and nothing stricter can be set:
        # neither a pass nor a failure by construction — a procedural control must cover it
        return Outcome.unknown(
            "outcome.windows_max_classes", required=p.min_classes, enforced=WINDOWS_MAX_CLASSES
        )
    return Outcome.at_least(
        policy.min_classes if policy else None, p.min_classes, what="character classes"
    )


class MinRemembered(Params):
    min_remembered: int


@check("pwd.history", needs="host", params=MinRemembered)
def history(facts: HostFacts, p: MinRemembered) -> Outcome:
    """Pass proves: the system refuses at least the pack's number of last passwords when one is
    changed. Does not prove: that the new password differs by more than a character."""
    policy = facts.password_policy
    return Outcome.at_least(
        policy.history if policy else None, p.min_remembered, what="password history"
    )


@check("pwd.max_age", needs="host", params=MaxDays)
def max_age(facts: HostFacts, p: MaxDays) -> Outcome:
    """Pass proves: passwords expire after at most the pack's number of days. Does not prove: that
    they are changed to something new."""
    return _policy_max_age(facts, p.max_days)


def _policy_max_age(facts: HostFacts, limit: int) -> Outcome:
    policy = facts.password_policy
    days = policy.max_age_days if policy else None
    if days is not None and days <= 0:
        return Outcome.fail(observed=days, expected=f"≤ {limit}", note="outcome.never_expires")
    return Outcome.at_most(days, limit, what="password age")


@check("pwd.admin_max_age", needs="asset", params=MaxDays)
def admin_max_age(facts: AssetFacts, p: MaxDays) -> Outcome:
    """Pass proves: every administrator's password expires after at most the pack's number of
    days (Linux: each admin account's own maximum; Windows: the machine policy, which covers
    every local account). Does not prove: that users' passwords follow the same."""
    host = facts.host
    if host is None:
        return Outcome.unknown("outcome.not_collected", what="password policy")
    if host.os.family == "windows":
        return _policy_max_age(host, p.max_days)
    admins = set(facts.declared.admins)
    if host.privileges is not None:
        admins |= set(host.privileges.sudo_users or []) | set(host.privileges.uid0_accounts)
    accounts = [a for a in host.accounts or [] if a.name in admins and a.can_login]
    if host.accounts is None or not accounts:
        return Outcome.unknown("outcome.not_collected", what="administrator accounts")
    unknown = [a.name for a in accounts if a.password_max_days is None]
    if unknown:
        return Outcome.unknown("outcome.not_collected", what="shadow (needs root)")
    long = sorted(
        f"{a.name}: {a.password_max_days}"
        for a in accounts
        if not 0 < (a.password_max_days or 0) <= p.max_days
    )
    if long:
        return Outcome.fail(observed=long, expected=f"≤ {p.max_days}")
    return Outcome.ok(observed=sorted(a.name for a in accounts), expected=f"≤ {p.max_days}")


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
        or (
            a.last_login is not None and days_between(a.last_login, facts.collected_at) > p.max_days
        )
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


@check("priv.single_uid0", needs="host")
def single_uid0(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: only root has user id 0. Does not prove: who knows root's password."""
    if facts.privileges is None:
        return Outcome.unknown("outcome.not_collected", what="accounts")
    others = sorted(n for n in facts.privileges.uid0_accounts if n != "root")
    return (
        Outcome.fail(observed=others, expected="[root]")
        if others
        else Outcome.ok(observed=["root"], expected="[root]")
    )


@check("priv.sudo_declared", needs="asset")
def sudo_declared(facts: AssetFacts, _: NoParams) -> Outcome:
    """Pass proves: everyone with sudo rights is listed as an administrator of the asset. Does not
    prove: that those people still need the rights."""
    priv = facts.host.privileges if facts.host else None
    if priv is None or priv.sudo_users is None:
        return Outcome.unknown("outcome.not_collected", what="sudoers")
    allowed = set(facts.declared.admins) | {"root"}
    extra = sorted(set(priv.sudo_users) - allowed)
    if extra:
        return Outcome.fail(
            observed=extra, expected=", ".join(sorted(allowed)), note="outcome.undeclared_admins"
        )
    return Outcome.ok(observed=sorted(priv.sudo_users), expected=", ".join(sorted(allowed)))
