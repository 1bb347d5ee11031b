"""Accounts, the password and lockout policy (login.defs, pwquality, PAM, faillock),
factory logins and who may use sudo.

Every parser is defensive: the text comes from a machine we do not trust, may be truncated
or garbage, and an unreadable section is `None` (unknown), never a pass."""

from __future__ import annotations

from datetime import datetime

from auditor.collect.linux.sections import int_or_none, key_values
from auditor.facts import (
    Account,
    LockoutPolicy,
    PasswordPolicy,
    Privileges,
)

NOLOGIN_SHELLS = ("nologin", "/bin/false", "/usr/bin/false", "/bin/sync")


def _module_args(pam: str, module: str, stack: str) -> dict[str, str] | None:
    """Arguments of the first active `stack` line (auth, password…) loading `module`."""
    for line in pam.splitlines():
        tokens = line.split()
        if not tokens or tokens[0].lstrip("-") != stack:
            continue
        idx = next((i for i, tok in enumerate(tokens) if tok.endswith(module)), None)
        if idx is not None:
            args = tokens[idx + 1 :]
            return key_values("\n".join(args), "=") | {t: "" for t in args if "=" not in t}
    return None


def password_policy(
    login_defs: str | None, pwq: str | None, pam: str | None
) -> PasswordPolicy | None:
    if login_defs is None and pam is None:
        return None
    defs = key_values(login_defs)
    max_days = int_or_none(defs.get("PASS_MAX_DAYS"))
    if not pam:
        return PasswordPolicy(max_age_days=max_days, source="login.defs")
    args = _module_args(pam, "pam_pwquality.so", "password") or _module_args(
        pam, "pam_cracklib.so", "password"
    )
    unix = _module_args(pam, "pam_unix.so", "password") or {}
    history_args = _module_args(pam, "pam_pwhistory.so", "password") or {}
    history = int_or_none(history_args.get("remember")) or int_or_none(unix.get("remember"))
    if args is None:
        return PasswordPolicy(
            min_length=int_or_none(unix.get("minlen")) or 6,
            min_classes=1,
            max_age_days=max_days,
            history=history,
            source="pam_unix",
        )
    conf = key_values(pwq, "=") | args
    credits = sum(
        1
        for key in ("dcredit", "ucredit", "lcredit", "ocredit")
        if (int_or_none(conf.get(key)) or 0) < 0
    )
    classes = max(int_or_none(conf.get("minclass")) or 0, credits) or 1
    return PasswordPolicy(
        min_length=int_or_none(conf.get("minlen")) or 8,
        min_classes=classes,
        max_age_days=max_days,
        history=history,
        source="pam_pwquality",
    )


def lockout(pam: str | None, faillock_conf: str | None) -> LockoutPolicy | None:
    if not pam:
        return None
    for module, defaults in (
        ("pam_faillock.so", {"deny": "3", "unlock_time": "600"}),
        ("pam_tally2.so", {"deny": "0", "unlock_time": "0"}),
    ):
        args = _module_args(pam, module, "auth")
        if args is not None:
            conf = (
                defaults
                | (key_values(faillock_conf, "=") if module == "pam_faillock.so" else {})
                | args
            )
            return LockoutPolicy(
                threshold=int_or_none(conf.get("deny")),
                duration_s=int_or_none(conf.get("unlock_time")),
                source=module,
            )
    return LockoutPolicy(threshold=0, duration_s=None, source="pam (no lockout module)")


def _default_logins(body: str | None) -> tuple[set[str], set[str]] | None:
    """(accounts whose hash verifies a factory password, accounts whose hash the host's
    crypt could not check); None when the section could not be produced or stopped before
    its end marker (perl died, the output was cut): silence never means "none found"."""
    if body is None or "@@done" not in body.splitlines():
        return None
    found, unchecked = set(), set()
    for line in body.splitlines():
        if line == "@@done":
            continue
        if line.startswith("@@unsupported "):
            unchecked.add(line.removeprefix("@@unsupported ").strip())
        elif line.strip():
            found.add(line.strip())
    return found, unchecked


def accounts(
    passwd: str | None,
    shadow: str | None,
    lastlog: str | None,
    default_logins: str | None = None,
) -> list[Account] | None:
    if passwd is None:
        return None
    defaults = _default_logins(default_logins)
    states: dict[str, str] = {}
    max_days: dict[str, int] = {}
    if shadow and not shadow.startswith("@@unreadable"):
        for line in shadow.splitlines():
            parts = line.split(":")
            if len(parts) >= 2 and parts[1] in ("set", "empty", "locked"):
                states[parts[0]] = parts[1]
            if len(parts) >= 4 and parts[3].isdigit():
                max_days[parts[0]] = int(parts[3])
    logins = _lastlog(lastlog)
    out = []
    for line in passwd.splitlines():
        parts = line.split(":")
        if len(parts) < 7 or not parts[2].isdigit():
            continue
        shell = parts[6]
        state = states.get(parts[0])
        login = logins.get(parts[0])
        out.append(
            Account(
                name=parts[0],
                uid=int(parts[2]),
                shell=shell,
                can_login=not shell.endswith(NOLOGIN_SHELLS) and state != "locked",
                password=state,
                password_max_days=max_days.get(parts[0]),
                factory_password=None
                if defaults is None or parts[0] in defaults[1]
                else parts[0] in defaults[0],
                last_login=login if isinstance(login, datetime) else None,
                never_logged_in=None if login is None else login == "never",
            )
        )
    return out


def _lastlog(body: str | None) -> dict[str, datetime | str]:
    out: dict[str, datetime | str] = {}
    for line in (body or "").splitlines()[1:]:
        parts = line.split()
        if not parts:
            continue
        if "**Never logged in**" in line:
            out[parts[0]] = "never"
            continue
        try:
            out[parts[0]] = datetime.strptime(" ".join(parts[-6:]), "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            continue
    return out


def _group_members(passwd: str, group: str | None) -> dict[str, set[str]]:
    """Every group's members by group name: those listed in /etc/group and those whose
    primary group it is in /etc/passwd."""
    listed: dict[str, set[str]] = {}
    gid_of: dict[str, str] = {}
    for line in (group or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 3:
            gid_of[parts[0]] = parts[2]
        if len(parts) >= 4:
            listed[parts[0]] = {m for m in parts[3].split(",") if m}
    primary: dict[str, set[str]] = {}
    for line in passwd.splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            primary.setdefault(parts[3], set()).add(parts[0])
    return {
        name: listed.get(name, set()) | primary.get(gid_of.get(name, ""), set())
        for name in set(listed) | set(gid_of)
    }


_NOT_A_RULE = ("Defaults", "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "#", "@")


def _sudo_users(sudoers: str, members: dict[str, set[str]]) -> list[str]:
    """The users a sudoers rule names, directly or through a %group."""
    users: set[str] = set()
    for line in sudoers.splitlines():
        if line.startswith(_NOT_A_RULE) or "=" not in line:
            continue
        for name in line.split()[0].split(","):
            users |= members.get(name[1:], set()) if name.startswith("%") else {name}
    return sorted(users)


def privileges(passwd: str | None, group: str | None, sudoers: str | None) -> Privileges | None:
    if passwd is None:
        return None
    uid0 = [
        p.split(":")[0]
        for p in passwd.splitlines()
        if len(p.split(":")) >= 3 and p.split(":")[2] == "0"
    ]
    if sudoers is None or sudoers.startswith("@@unreadable"):
        return Privileges(uid0_accounts=uid0, sudo_users=None)
    if sudoers.startswith("@@absent"):  # sudo not installed: nobody can use it
        return Privileges(uid0_accounts=uid0, sudo_users=[])
    return Privileges(
        uid0_accounts=uid0, sudo_users=_sudo_users(sudoers, _group_members(passwd, group))
    )
