"""Supported operating system and no unapproved software (L2-AST-SW-*, L2-VUL-*)."""

from __future__ import annotations

import re
from datetime import date
from fnmatch import translate
from functools import lru_cache

from auditor.checking import Outcome, check
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


@lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled regex for a list of shell patterns: O(packages), not packages × patterns."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(translate(pat.lower()) for pat in patterns))


class WindowsEol(Params):
    """Edition id → support class, and build → support class → end of support."""

    editions: dict[str, str]
    eol: dict[int, dict[str, date]]


@check("sw.windows_supported", needs="host", params=WindowsEol)
def windows_supported(facts: HostFacts, p: WindowsEol) -> Outcome:
    """Pass proves: the Windows build and edition still get security updates on the audit date
    according to the pack's table. Does not prove: that they are installed."""
    build, edition = facts.os.build, facts.os.edition
    if build is None or not edition:
        return Outcome.unknown("outcome.not_collected", what="Windows build")
    support = next(
        (
            cls
            for prefix, cls in sorted(p.editions.items(), key=lambda i: -len(i[0]))
            if edition.startswith(prefix)
        ),
        None,
    )
    observed = f"{facts.os.name or 'Windows'} {facts.os.display_version or ''} ({build}, {edition})"
    end = p.eol.get(build, {}).get(support or "")
    return support_ends(observed, end, facts.collected_at.date())
