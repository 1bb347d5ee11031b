"""Who may log in to a Windows PC: the password and lockout policy (secedit), the local
users and the members of Administrators."""

from __future__ import annotations

from typing import Any

from auditor.collect.windows_sections.document import integer, truthy, when
from auditor.facts import Account, LockoutPolicy, PasswordPolicy, Privileges


def password_policy(sec: Any) -> PasswordPolicy | None:
    if not isinstance(sec, dict) or not sec:
        return None
    max_age = integer(sec.get("MaximumPasswordAge"))
    complexity = integer(sec.get("PasswordComplexity"))
    return PasswordPolicy(
        min_length=integer(sec.get("MinimumPasswordLength")),
        min_classes=None if complexity is None else (3 if complexity == 1 else 1),
        max_age_days=None if max_age is None else (0 if max_age < 0 else max_age),
        history=integer(sec.get("PasswordHistorySize")),
        source="secedit",
    )


def lockout(sec: Any) -> LockoutPolicy | None:
    if not isinstance(sec, dict) or "LockoutBadCount" not in sec:
        return None
    threshold = integer(sec.get("LockoutBadCount"))
    minutes = integer(sec.get("LockoutDuration"))
    duration = None if minutes is None else (0 if minutes < 0 else minutes * 60)
    return LockoutPolicy(threshold=threshold, duration_s=duration, source="secedit")


def accounts(users: list[dict[str, Any]] | None) -> list[Account] | None:
    if users is None:
        return None
    out = []
    for u in users:
        sid = str(u.get("SID") or "")
        builtin = (
            "administrator" if sid.endswith("-500") else "guest" if sid.endswith("-501") else None
        )
        last = when(u.get("LastLogon"))
        expires = truthy(u.get("PasswordExpires"))
        out.append(
            Account(
                name=str(u.get("Name")),
                sid=sid or None,
                builtin=builtin,
                can_login=not truthy(u.get("Disabled")),
                password_never_expires=None if expires is None else not expires,
                last_login=last,
                never_logged_in=last is None,
            )
        )
    return out


def privileges(members: list[dict[str, Any]] | None, hostname: str | None) -> Privileges | None:
    if members is None:
        return None
    names = []
    for m in members:
        if str(m.get("SID") or "").endswith("-500"):
            continue  # the built-in Administrator is judged by L2-ACC-DEF-01
        domain = str(m.get("Domain") or "")
        local = hostname is not None and domain.lower() == hostname.lower()
        names.append(str(m.get("Name")) if local or not domain else f"{domain}\\{m.get('Name')}")
    return Privileges(uid0_accounts=[], sudo_users=sorted(names))
