"""Supported OS, no unapproved software, encryption at rest (L2-AST-*)."""

from __future__ import annotations

import re
from datetime import date
from fnmatch import translate
from functools import lru_cache

from auditor.checking import Outcome, Status, check
from auditor.facts import HostFacts

from ._params import Params, support_ends


class EolTable(Params):
    """distro id → version → end-of-support date (an updatable table in the policy)."""

    eol: dict[str, dict[str, date]]


class SoftwareRules(Params):
    deny: list[str]
    allow: list[str] | None = None


@check("sw.os_supported", needs="host", params=EolTable)
def os_supported(facts: HostFacts, p: EolTable) -> Outcome:
    """Pass proves: the operating system release is supported by its vendor on the audit date
    according to the pack's table. Does not prove: that its updates are installed."""
    distro, version = facts.os.distro_id, facts.os.version_id
    if not distro or not version:
        return Outcome.unknown("outcome.not_collected", what="OS release")
    table = p.eol.get(distro, {})
    end = table.get(version) or table.get(version.split(".")[0])
    observed = f"{facts.os.name or distro} {version}"
    return support_ends(observed, end, facts.collected_at.date())


@check("sw.unapproved", needs="host", params=SoftwareRules)
def unapproved(facts: HostFacts, p: SoftwareRules) -> Outcome:
    """Pass proves: no package in the list matches the pack's deny list (or falls outside its allow
    list). Does not prove: anything about software installed outside the package list; an empty
    list is unknown."""
    if not facts.packages:  # no list, or an empty one (no dpkg/rpm answered): unknown
        return Outcome.unknown("outcome.not_collected", what="installed software")
    names = list(facts.packages)
    deny = _matcher(tuple(p.deny))
    bad = {n for n in names if deny.match(n.lower())}
    if p.allow is not None:
        allow = _matcher(tuple(p.allow))
        bad |= {n for n in names if not allow.match(n.lower())}
    if bad:
        return Outcome.fail(observed=sorted(bad)[:50], expected="[]", count=len(bad))
    return Outcome.ok(observed=[], expected="[]", count=len(names))


class DataVolumes(Params):
    data_volumes: bool = True  # must fixed data volumes (D:, E: …) be encrypted too?


@check("enc.at_rest", needs="host", params=DataVolumes)
def at_rest(facts: HostFacts, p: DataVolumes) -> Outcome:
    """Pass proves: the system volume is encrypted (LUKS; BitLocker on the OS volume). Does not
    prove: that the recovery key is stored safely."""
    enc = facts.encryption
    if enc is None or enc.root_encrypted is None:
        return Outcome.unknown("outcome.not_collected", what="disk encryption")
    if not enc.root_encrypted:
        return Outcome.fail(observed=enc.encrypted_volumes, expected="system volume encrypted")
    plain = [v.name for v in enc.volumes if not v.encrypted and v.kind in ("fixed", "unknown")]
    if p.data_volumes and plain:
        return Outcome.fail(
            observed=plain,
            expected="every fixed volume encrypted",
            note="outcome.data_volume_plain",
        )
    removable = [v.name for v in enc.volumes if not v.encrypted and v.kind == "removable"]
    note = "outcome.removable_unencrypted" if removable else None
    return Outcome(
        status=Status.passed,
        observed=enc.encrypted_volumes,
        expected="system volume encrypted",
        note=note,
        params={"volumes": ", ".join(removable)} if removable else {},
    )


@lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled regex for a list of shell patterns: O(packages), not packages × patterns."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(translate(pat.lower()) for pat in patterns))
