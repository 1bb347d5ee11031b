"""Scheduled audits: systemd units that `systemd-analyze verify` accepts, the timer spec that
was asked for, and the reporting calendar behind `auditor status`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.schedule import Plan, annual_due, cron_line, install, on_calendar, quarterly_due
from tests.helpers import auditor_cli

ROOT = Path(__file__).resolve().parents[1]


def systemd_verify(service: Path, timer: Path) -> subprocess.CompletedProcess[str]:
    """systemd's own judge of the unit files."""
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(service), str(timer)],
        capture_output=True,
        text=True,
        check=False,
    )


def plan(tmp_path: Path, every: str) -> Plan:
    import getpass

    return Plan(
        inventory=ROOT / "inventory.example.yaml",
        out_dir=tmp_path / "reports",
        home=tmp_path / "home",
        user=getpass.getuser(),
        every=every,
        upload_to="https://soc.example.invalid",
        ca_bundle=None,
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
@pytest.mark.parametrize(
    ("every", "expected"),
    [
        ("weekly", "Mon *-*-* 00:00:00"),
        ("monthly", "*-*-01 00:00:00"),
        ("Sat *-*-* 02:30", "Sat *-*-* 02:30:00"),
    ],
)
def test_units_verify_and_timer_is_what_was_asked(
    tmp_path: Path, every: str, expected: str
) -> None:
    paths = install(plan(tmp_path, every), tmp_path / "units")
    service, timer = paths
    assert "SuccessExitStatus=1" in service.read_text()
    assert "ExecStartPost=" in service.read_text()
    assert ' "upload" "--to" "https://soc.example.invalid"' in service.read_text()
    verify = systemd_verify(service, timer)
    assert verify.returncode == 0, verify.stderr
    spec = timer.read_text().split("OnCalendar=")[1].split("\n")[0]
    assert spec == on_calendar(every)
    normalized = subprocess.run(
        ["systemd-analyze", "calendar", spec], capture_output=True, text=True, check=True
    ).stdout
    assert f"Normalized form: {expected}" in normalized


def test_cron_fallback(tmp_path: Path) -> None:
    line = cron_line(plan(tmp_path, "monthly"))
    assert line.startswith("17 2 1 * * ") and " audit -i " in line
    with pytest.raises(ValueError):
        cron_line(plan(tmp_path, "Sat *-*-* 02:30"))


def test_reporting_calendar() -> None:
    assert quarterly_due(dt.date(2026, 11, 25), 15) == dt.date(2027, 1, 15)
    assert quarterly_due(dt.date(2026, 4, 15), 15) == dt.date(2026, 4, 15)
    assert annual_due(dt.date(2026, 11, 25), 12, 20) == dt.date(2026, 12, 20)
    assert annual_due(dt.date(2026, 12, 21), 12, 20) == dt.date(2027, 12, 20)


def test_status_command(tmp_path: Path) -> None:
    env = {**os.environ, "AUDITOR_HOME": str(tmp_path)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "status",
            "-i",
            str(ROOT / "inventory.example.yaml"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert info["last_audit"] is None and info["pending_uploads"] == 0
    assert info["days_to_annual"] >= 0 and info["next_annual_report"].endswith("-12-20")


def test_cli_cron_line(tmp_path: Path) -> None:
    def cron(every: str) -> subprocess.CompletedProcess[str]:
        return auditor_cli(
            "schedule",
            "install",
            "-i",
            str(ROOT / "inventory.example.yaml"),
            "-o",
            str(tmp_path / "r"),
            "--every",
            every,
            "--cron",
            home=tmp_path,
        )

    run = cron("weekly")
    assert run.returncode == 0 and run.stdout.startswith("17 2 * * 1 ")
    bad = cron("Sat 02:30")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--user", "nobody\nUser=root"),
        ("--user", "root nobody"),
        ("--every", "weekly\nExecStartPre=/bin/sh -c id"),
        ("--every", "%n"),
        ("--upload-to", "https://soc\nExecStartPost=/bin/rm -rf /"),
        ("--upload-to", "https://soc/%h"),
        ("-o", "reports\x1b]0;pwned\x07"),
    ],
)
def test_values_that_would_add_directives_are_refused(
    tmp_path: Path, option: str, value: str
) -> None:
    args = {"-o": str(tmp_path / "reports"), "--user": "nobody", "--every": "weekly"}
    args[option] = value
    flat = [x for pair in args.items() for x in pair]
    run = auditor_cli(
        "--lang",
        "en",
        "schedule",
        "install",
        "-i",
        str(ROOT / "inventory.example.yaml"),
        *flat,
        "--unit-dir",
        str(tmp_path / "units"),
        home=tmp_path / "home",
    )
    assert run.returncode == 2, run.stderr
    assert "is not allowed" in run.stderr and "\x1b]" not in run.stderr.replace("\\x1b", "")
    assert not (tmp_path / "units").exists()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_quotes_spaces_and_dollars_in_paths_stay_one_argument(tmp_path: Path) -> None:
    """The near miss: an odd but harmless folder name is quoted, not refused."""
    odd = tmp_path / 'Báo cáo "quý" $HOME'
    made = Plan(
        inventory=ROOT / "inventory.example.yaml",
        out_dir=odd,
        home=tmp_path / "home",
        user="nobody",
        every="weekly",
    )
    service, timer = install(made, tmp_path / "units")
    text = service.read_text()
    assert '/Báo cáo \\"quý\\" $$HOME"' in text and "User=nobody" in text
    verify = systemd_verify(service, timer)
    assert verify.returncode == 0, verify.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_a_schedule_systemd_would_reject_is_refused_before_writing(tmp_path: Path) -> None:
    def install(every: str) -> subprocess.CompletedProcess[str]:
        return auditor_cli(
            *("schedule", "install", "-i", str(ROOT / "inventory.example.yaml")),
            *("-o", str(tmp_path / "r"), "--every", every, "--unit-dir", str(tmp_path / "u")),
            home=tmp_path,
        )

    bad = install("fortnightly")
    assert bad.returncode == 2 and "fortnightly" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "u").exists()  # nothing written
    good = install("Mon *-*-* 07:00")  # the near miss: an expression systemd accepts
    assert good.returncode == 0, good.stderr
    assert "OnCalendar=Mon *-*-* 07:00" in (tmp_path / "u" / "commune-auditor.timer").read_text()


def test_status_says_dates_as_the_officer_reads_them(tmp_path: Path) -> None:
    env = {**os.environ, "AUDITOR_HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "status", "-i", str(ROOT / "inventory.example.yaml")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert re.search(r"20/12/\d{4}", run.stdout) and not re.search(r"\d{4}-\d{2}-\d{2}", run.stdout)
