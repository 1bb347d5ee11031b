"""Password policy: length, complexity, history and age (L2-ACC-PWD-*)."""

from __future__ import annotations

from auditor.checking import Outcome, check
from auditor.facts import AssetFacts, HostFacts

from ._params import MaxDays, Params


class MinLength(Params):
    min_length: int


class MinClasses(Params):
    min_classes: int


WINDOWS_MAX_CLASSES = 3  # "Password must meet complexity requirements": 3 of the 4 classes


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
