"""Periodic audits (a systemd timer, or a cron line where systemd is absent) and the
organisation's reporting calendar (quarterly and annual due dates)."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

UNIT = "commune-auditor"
PRESETS = {"daily": "daily", "weekly": "weekly", "monthly": "monthly"}


class UnsafeValue(ValueError):
    """A value that would change the meaning of a unit file or cron line: refused."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(name)
        self.name, self.value = name, value


_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}\$?")
_CALENDAR = re.compile(r"[A-Za-z0-9 *:,./~+-]{1,100}")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f%\u2028\u2029]")


@dataclass(frozen=True)
class Plan:
    """What the scheduled job runs, and as whom. Checked on creation: a newline, '%' or a
    control character in any value could add a directive (User=root) to the unit."""

    inventory: Path
    out_dir: Path
    home: Path
    user: str
    every: str  # systemd OnCalendar expression
    upload_to: str | None = None
    ca_bundle: Path | None = None

    def __post_init__(self) -> None:
        if not _USER.fullmatch(self.user):
            raise UnsafeValue("--user", self.user)
        if not _CALENDAR.fullmatch(self.every):
            raise UnsafeValue("--every", self.every)
        for name, value in (
            ("-i", self.inventory),
            ("-o", self.out_dir),
            ("AUDITOR_HOME", self.home),
            ("--upload-to", self.upload_to),
            ("--ca-bundle", self.ca_bundle),
            ("auditor", auditor_binary()),
        ):
            if value is not None and _FORBIDDEN.search(str(value)):
                raise UnsafeValue(name, str(value))


def systemd_quote(value: str) -> str:
    """One argument for ExecStart=/Environment=: double-quoted, with backslash, quote and
    '$' escaped (systemd would expand $VAR); '%' and control characters never get here."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
    return f'"{escaped}"'


def _exec(args: list[str]) -> str:
    return " ".join(systemd_quote(a) for a in args)


def on_calendar(every: str) -> str:
    """weekly | monthly | daily, or any systemd OnCalendar expression (checked by systemd)."""
    return PRESETS.get(every, every)


def calendar_problem(every: str) -> str | None:
    """What systemd says is wrong with an OnCalendar expression, before a timer it would
    reject is written; None when it parses (or systemd-analyze is not there to ask)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None or every in PRESETS:
        return None
    import subprocess

    try:
        done = subprocess.run(
            [analyze, "calendar", "--", on_calendar(every)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode == 0:
        return None
    return (done.stderr.strip() or done.stdout.strip() or "invalid")[:200]


def auditor_binary() -> str:
    found = shutil.which("auditor")
    return found or str(Path(sys.executable).parent / "auditor")


def service_unit(plan: Plan) -> str:
    binary = auditor_binary()
    audit = _exec([binary, "audit", "-i", str(plan.inventory), "-o", str(plan.out_dir)])
    lines = [
        "[Unit]",
        "Description=commune-auditor: scheduled level-2 security audit",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"User={plan.user}",
        f"Environment={systemd_quote(f'AUDITOR_HOME={plan.home}')}",
        # exit 1 means "findings", a normal outcome for a scheduled audit
        "SuccessExitStatus=1",
        f"ExecStart={audit}",
    ]
    if plan.upload_to:
        upload = [binary, "upload", "--to", plan.upload_to]
        if plan.ca_bundle:
            upload += ["--ca-bundle", str(plan.ca_bundle)]
        lines.append(f"ExecStartPost={_exec(upload)}")
    return "\n".join(lines) + "\n"


def timer_unit(plan: Plan) -> str:
    return (
        "\n".join(
            [
                "[Unit]",
                "Description=commune-auditor: run the audit periodically",
                "",
                "[Timer]",
                f"OnCalendar={on_calendar(plan.every)}",
                "Persistent=true",
                "RandomizedDelaySec=15min",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ]
        )
        + "\n"
    )


def cron_line(plan: Plan) -> str:
    """For machines without systemd: weekly/monthly/daily only."""
    when = {"daily": "17 2 * * *", "weekly": "17 2 * * 1", "monthly": "17 2 1 * *"}
    if plan.every not in when:
        raise ValueError(plan.every)
    audit = shlex.join(
        [auditor_binary(), "audit", "-i", str(plan.inventory), "-o", str(plan.out_dir)]
    )
    return f"{when[plan.every]} {plan.user} AUDITOR_HOME={shlex.quote(str(plan.home))} {audit}\n"


def install(plan: Plan, unit_dir: Path) -> list[Path]:
    from auditor.fileio import atomic_write

    written = []
    for suffix, text in ((".service", service_unit(plan)), (".timer", timer_unit(plan))):
        path = unit_dir / f"{UNIT}{suffix}"
        atomic_write(path, text.encode(), mode=0o644)
        written.append(path)
    return written


def remove(unit_dir: Path) -> list[Path]:
    gone = []
    for suffix in (".service", ".timer"):
        path = unit_dir / f"{UNIT}{suffix}"
        if path.exists():
            path.unlink()
            gone.append(path)
    return gone


def quarterly_due(today: dt.date, due_day: int) -> dt.date:
    """Next quarterly report date: `due_day` of the month after each quarter ends."""
    for year in (today.year, today.year + 1):
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, min(due_day, 28))
            if day >= today:
                return day
    raise AssertionError("unreachable")


def annual_due(today: dt.date, month: int, day: int) -> dt.date:
    this_year = dt.date(today.year, month, day)
    return this_year if this_year >= today else dt.date(today.year + 1, month, day)
