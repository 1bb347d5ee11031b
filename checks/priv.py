"""Privileged accounts: one root, declared sudoers (L2-ACC-PRIV-01)."""

from __future__ import annotations

from auditor.checking import NoParams, Outcome, check
from auditor.facts import AssetFacts, HostFacts


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
