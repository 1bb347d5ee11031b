"""Windows-only settings: real-time protection, screen lock, AutoRun, auto-logon, legacy
protocols, built-in accounts, audit policy, supported release and browsers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from auditor.checking import NoParams, Outcome, check
from auditor.facts import HostFacts

from ._params import Params, support_ends
from .antivirus import ProductNames


class MaxSeconds(Params):
    max_seconds: int


class AuditRequirement(Params):
    name: str
    setting: int  # bitmask: 1 success, 2 failure, 3 both


class AuditPolicyParams(Params):
    subcategories: dict[str, AuditRequirement]  # GUID (upper case, no braces) → need


class WindowsEol(Params):
    """Edition id → support class, and build → support class → end of support."""

    editions: dict[str, str]
    eol: dict[int, dict[str, date]]


class BrowserMinimum(Params):
    min_major: dict[str, int]


@check("av.realtime", needs="host", params=ProductNames)
def realtime(facts: HostFacts, p: ProductNames) -> Outcome:
    """Pass proves: at least one active anti-malware product reports real-time protection on. Does
    not prove: that it detects every threat."""
    if facts.antimalware is None:
        return Outcome.unknown("outcome.not_collected", what="anti-malware")
    active = [prod for prod in facts.antimalware.products if not prod.passive]
    on = sorted(prod.name for prod in active if prod.realtime)
    if on:
        return Outcome.ok(observed=on, expected="≥ 1")
    procs = set(facts.processes or [])
    silent = sorted(name for name, binaries in p.products.items() if procs.intersection(binaries))
    if silent:
        return Outcome.unknown("outcome.realtime_unreported", products=", ".join(silent))
    if any(prod.realtime is None for prod in active):
        return Outcome.unknown("outcome.not_collected", what="real-time protection")
    return Outcome.fail(observed=[], expected="≥ 1", note="outcome.no_realtime")


@check("lock.screen", needs="host", params=MaxSeconds)
def screen_lock(facts: HostFacts, p: MaxSeconds) -> Outcome:
    """Pass proves: the session locks after at most the pack's idle time (policy or secure screen
    saver). Does not prove: that users do not switch it off on purpose."""
    lock = facts.screen_lock
    if lock is None:
        return Outcome.unknown("outcome.not_collected", what="screen lock")
    if not lock.timeout_s or not lock.secure:
        return Outcome.fail(
            observed=lock.source, expected=f"≤ {p.max_seconds} s", note="outcome.no_screen_lock"
        )
    result = Outcome.at_most(lock.timeout_s, p.max_seconds, what="screen lock")
    return replace(result, note="outcome.lock_source", params={"source": lock.source})


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


@check("svc.windows_protocols", needs="host")
def windows_protocols(facts: HostFacts, _: NoParams) -> Outcome:
    """Pass proves: SMBv1 is off, no Telnet/TFTP/FTP feature is installed and Remote Desktop
    requires NLA. Does not prove: that Remote Desktop is needed or restricted by address."""
    hard = facts.hardening
    if hard is None or hard.smb1_enabled is None or hard.insecure_features is None:
        return Outcome.unknown("outcome.not_collected", what="protocols")
    bad = list(hard.insecure_features)
    if hard.smb1_enabled:
        bad.append("SMBv1")
    if hard.rdp_enabled and not hard.rdp_nla:
        bad.append("RDP without NLA")
    return (
        Outcome.fail(observed=sorted(bad), expected="[]")
        if bad
        else Outcome.ok(observed=[], expected="[]")
    )


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


@check("browser.supported", needs="host", params=BrowserMinimum)
def browsers_supported(facts: HostFacts, p: BrowserMinimum) -> Outcome:
    """Pass proves: every installed browser the version table knows is at or above its minimum
    version. Does not prove: anything about a browser the table does not list (unknown)."""
    if facts.browsers is None:
        return Outcome.unknown("outcome.not_collected", what="browsers")
    old, unlisted = [], []
    for browser in facts.browsers:
        minimum = p.min_major.get(browser.name)
        major = browser.version.split(".")[0]
        if minimum is None:
            unlisted.append(f"{browser.name} {browser.version}")
        elif not major.isdigit() or int(major) < minimum:
            where = f" [{browser.user}]" if browser.user else ""
            old.append(f"{browser.name} {browser.version}{where} (< {minimum})")
    if old:
        return Outcome.fail(observed=sorted(old), expected="≥ min")
    if unlisted:  # no minimum known for it: its support cannot be judged
        return Outcome.unknown("outcome.browser_unlisted", browsers=", ".join(sorted(unlisted)))
    return Outcome.ok(observed=[f"{b.name} {b.version}" for b in facts.browsers], expected="≥ min")
