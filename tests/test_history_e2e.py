"""Three audits of a PC whose state changes: open → resolved → reopened, seen by the CLI
(findings, diff, history, export) and in the report; and a killed audit never leaves a
half-written history."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.helpers import FIXTURES, ORG, archive_review
from tests.helpers import auditor_cli as cli

FIXTURE = (FIXTURES / "windows" / "win11-25h2-hardened.json").read_text(encoding="utf-8")


def setup(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        ORG
        + f"""assets:
  - {{id: pc-chutich, name: PC Chủ tịch, kind: windows, connection: import, admins: [quantri],
     users: [chutich]}}
settings:
  imports_dir: {tmp_path}/imports
"""
        + archive_review(tmp_path),
        encoding="utf-8",
    )
    return home, inv


def audit_with_firewall(tmp_path: Path, home: Path, inv: Path, public_on: bool) -> str:
    doc = FIXTURE.replace(
        '{"Name":"Public","Enabled":1', '{"Name":"Public","Enabled":' + ("1" if public_on else "0")
    )
    facts = tmp_path / "facts.json"
    facts.write_text(doc, encoding="utf-8")
    assert (
        cli("import", str(facts), "--asset", "pc-chutich", "-i", str(inv), home=home).returncode
        == 0
    )
    run = cli("audit", "-i", str(inv), "-o", str(tmp_path / "out"), "--json", home=home)
    assert run.returncode in (0, 1), run.stderr
    return str(json.loads(run.stdout)["report_id"])


def test_three_audits_open_resolved_reopened(tmp_path: Path) -> None:
    home, inv = setup(tmp_path)
    first = audit_with_firewall(tmp_path, home, inv, public_on=False)
    listed = json.loads(cli("findings", "list", "--json", home=home).stdout)
    fw = next(f for f in listed if f["requirement"] == "L2-CFG-FW-01")
    assert fw["status"] == "open" and fw["asset"] == "pc-chutich" and fw["severity"] == "high"
    os.environ["COLUMNS"] = "80"  # an 80-column terminal, or a pipe: ids are never cut
    try:
        table = cli("findings", "list", home=home).stdout
    finally:
        del os.environ["COLUMNS"]
    assert max(len(line) for line in table.splitlines()) <= 80
    for finding in listed:
        assert finding["requirement"] in table and finding["asset"] in table, finding
        assert finding["due"] in table
    assert (
        cli("findings", "assign", str(fw["id"]), "--owner", "Nguyễn Văn An", home=home).returncode
        == 0
    )
    past = cli(  # a due date already gone is refused, not taken silently
        *("findings", "assign", str(fw["id"]), "--owner", "An", "--due", "2020-01-01"),
        home=home,
    )
    assert past.returncode == 2 and "01/01/2020" in past.stderr, past.stderr
    future = cli(
        *("incidents", "add", "--at", "2099-01-01 08:00", "--type", "malware"),
        *("--severity", "medium", "--description", "Thử"),
        home=home,
    )
    assert future.returncode == 2 and "tương lai" in future.stderr, future.stderr
    assert (
        cli(
            "findings", "note", str(fw["id"]), "Đã báo nhà cung cấp", "--by", "an", home=home
        ).returncode
        == 0
    )

    second = audit_with_firewall(tmp_path, home, inv, public_on=True)
    resolved = json.loads(
        cli("findings", "list", "--status", "resolved", "--json", home=home).stdout
    )
    assert fw["id"] in [f["id"] for f in resolved]

    third = audit_with_firewall(tmp_path, home, inv, public_on=False)
    active = json.loads(cli("findings", "list", "--json", home=home).stdout)
    again = next(f for f in active if f["id"] == fw["id"])
    assert again["status"] == "reopened" and again["owner"] == "Nguyễn Văn An"

    diff = json.loads(cli("diff", second[:8], third[:8], "--json", home=home).stdout)  # prefixes
    assert {"asset_id": "pc-chutich", "requirement": "L2-CFG-FW-01"} in diff["regressed"]
    nobody = cli("--lang", "en", "history", "pc-khong-co", home=home)
    assert nobody.returncode == 2 and "No audit has recorded an asset pc-khong-co" in nobody.stderr
    nothing = cli("--lang", "en", "diff", "zzzz", third, home=home)
    assert nothing.returncode == 2 and "No audit zzzz" in nothing.stderr
    fixed = json.loads(cli("diff", first, second, "--json", home=home).stdout)["fixed"]
    assert {"asset_id": "pc-chutich", "requirement": "L2-CFG-FW-01"} in fixed

    shown = cli("--lang", "en", "findings", "show", str(fw["id"]), home=home).stdout
    for word in ("Open", "Resolved", "Reopened", "Assigned", "Note", "Đã báo nhà cung cấp"):
        assert word in shown, word
    assert "Requirement: " in shown and "Checks: fw." in shown  # what it asks, how to fix
    assert "auditor checks show" in shown
    vietnamese = cli("findings", "show", str(fw["id"]), home=home).stdout
    for word in ("Giao xử lý", "Ghi chú", "Yêu cầu: ", "Kiểm tra: "):
        assert word in vietnamese, word
    assert " assigned " not in vietnamese and " note " not in vietnamese
    assert shown.startswith(f"#{fw['id']}  L2-CFG-FW-01") and "{" not in shown  # a card, not JSON
    assert "Owner: Nguyễn Văn An" in shown
    card = json.loads(cli("findings", "show", str(fw["id"]), "--json", home=home).stdout)
    assert card["owner"] == "Nguyễn Văn An" and len(card["events"]) >= 3
    history = json.loads(cli("history", "pc-chutich", "--json", home=home).stdout)
    assert [h["report_id"] for h in history] == [first, second, third]

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "TÁI DIỄN" in html and "L2-CFG-FW-01@pc-chutich" in html
    assert '<svg class="chart"' in html and "<polyline" in html
    svg = html.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    labels = re.findall(r'<text class="x"[^>]*>([^<]+)<', svg)
    assert len(re.findall(r'<text class="v"', svg)) == 6  # every point's number beside it
    assert len(labels) == 3 and len(set(labels)) == 3  # three audits, three distinct dates
    remediation = html.split("Danh sách việc cần khắc phục", 1)[1]
    assert f'<a title="auditor findings show {fw["id"]}">{fw["id"]}</a>' in remediation
    assert "Nguyễn Văn An" in html.split("Kế hoạch khắc phục")[1]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [p["report_id"] for p in report["history"]["trend"]] == [first, second, third]
    assert cli("verify", str(tmp_path / "out"), home=home).returncode == 0

    assert cli("export", "findings", "-o", str(tmp_path / "f.xlsx"), home=home).returncode == 0
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert sheet is not None and [c.value for c in sheet[1]][:3] == ["Số", "Tài sản", "Yêu cầu"]
    assert any(row[5].value == "Tái diễn" for row in sheet.iter_rows(min_row=2))  # after the title
    assert all(isinstance(row[0].value, int) for row in sheet.iter_rows(min_row=2))  # "Số": numbers

    waiver = cli(
        "findings",
        "accept",
        str(fw["id"]),
        "--reason",
        "Thay máy mới tháng 12",
        "--until",
        "2099-01-01",
        "--approved-by",
        "Chủ tịch UBND xã",
        home=home,
    )
    assert waiver.returncode == 0, waiver.stderr
    past = cli(
        "findings",
        "accept",
        str(fw["id"]),
        "--reason",
        "x",
        "--until",
        "2001-01-01",
        "--approved-by",
        "y",
        home=home,
    )
    assert past.returncode == 2 and "Traceback" not in past.stderr
    for reason, approver in (("   ", "Chủ tịch UBND xã"), ("Thay máy", ""), ("Thay máy", " \t ")):
        blank = cli(
            *("--lang", "en", "findings", "accept", str(fw["id"]), "--reason", reason),
            *("--until", "2099-01-01", "--approved-by", approver),
            home=home,
        )
        assert blank.returncode == 2 and "Must not be empty or blank" in blank.stderr, blank.stderr
    # not applicable: only to an asset of the inventory and a requirement of its pack
    for asset, requirement, named in (
        ("pc-khong-co", "L2-NET-WIFI-01", "pc-khong-co"),
        ("pc-chutich", "L2-KHONG-CO-01", "L2-KHONG-CO-01"),
    ):
        wrong = cli(
            *("findings", "not-applicable", asset, requirement, "--reason", "Không có"),
            *("-i", str(inv)),
            home=home,
        )
        assert wrong.returncode == 2 and named in wrong.stderr, wrong.stderr
        assert "Traceback" not in wrong.stderr
    marked = cli(
        *("findings", "not-applicable", "*", "L2-NET-WIFI-01", "--reason", "Không có Wi-Fi"),
        *("-i", str(inv)),
        home=home,
    )
    assert marked.returncode == 0, marked.stderr
    # the named officer is a mandatory document: its risk cannot be accepted
    everything = json.loads(cli("findings", "list", "--json", home=home).stdout)
    officer = next(f for f in everything if f["requirement"] == "L2-MGMT-ORG-01")
    refused = cli(
        "--lang",
        "en",
        "findings",
        "accept",
        str(officer["id"]),
        "--reason",
        "Chưa có người",
        "--until",
        "2099-01-01",
        "--approved-by",
        "Chủ tịch UBND xã",
        home=home,
    )
    assert refused.returncode == 2 and "cannot be accepted" in refused.stderr
    audit_with_firewall(tmp_path, home, inv, public_on=False)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    fw_req = next(
        r for r in report["evaluation"]["requirements"] if r["requirement"] == "L2-CFG-FW-01"
    )
    assert fw_req["assets"]["pc-chutich"] == "waived"


def _run_killed(
    home: Path, inv: Path, out: Path, kill_at: str | None, counts: Path | None = None
) -> int:
    """An audit run under tests.killpoint: SIGKILLed at `kill_at` ("sql:17", "commit:2",
    "replace:1"), or run whole while counting its steps into `counts`."""
    env = {**os.environ, "AUDITOR_HOME": str(home), "PYTHONPATH": str(Path.cwd())}
    env.pop("KILL_AT", None)
    if kill_at:
        env["KILL_AT"] = kill_at
    if counts:
        env["KILL_COUNT"] = str(counts)
    command = [sys.executable, "-m", "tests.killpoint", "audit", "-i", str(inv), "-o", str(out)]
    return subprocess.run(command, env=env, capture_output=True, check=False).returncode


def _assert_consistent(database: Path, step: str) -> None:
    """What a kill may leave: no database, or one at a known revision with every table of it,
    each audit recorded whole with its report digest, no finding without its audit."""
    if database.exists():
        _assert_whole(database, step)
    # and it opens: a missing or old database is made or migrated whole on the next run
    from auditor.sqlstore import current_revision, head_revision
    from auditor.store.history import Store

    engine = Store(f"sqlite:///{database}", org="x").engine
    assert current_revision(engine) == head_revision(), step
    engine.dispose()
    assert not list(database.parent.glob(".history.db.*.new*")), step  # no temporary left


def _assert_whole(database: Path, step: str) -> None:
    from auditor.sqlstore import _revisions

    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", step
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"alembic_version", "audits", "results", "findings"} <= tables, (step, tables)
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert revision in _revisions("auditor.store"), (step, revision)
        for audit_id, digest in db.execute("SELECT id, report_sha256 FROM audits").fetchall():
            assert digest is not None and len(digest) == 64, step  # recorded whole
            count = db.execute(
                "SELECT count(*) FROM results WHERE audit_id = ?", (audit_id,)
            ).fetchone()[0]
            assert count > 0, step
        orphans = db.execute(
            "SELECT count(*) FROM findings WHERE first_audit NOT IN (SELECT id FROM audits)"
        ).fetchone()[0]
        assert orphans == 0, step


def _kill_points(counts: Path, sql_stride: int) -> list[str]:
    """Every commit, the first rename (the new database's own; else the first report file,
    written inside the audit's transaction) before and after it, and every `sql_stride`-th
    SQL statement of a whole run."""
    counted = json.loads(counts.read_text(encoding="utf-8"))
    points = [f"sql:{n}" for n in range(1, counted["sql"] + 1, sql_stride)]
    points += [f"commit:{n}" for n in range(1, counted["commit"] + 1)]
    return [*points, "replace:1", "replaced:1"]


@pytest.mark.slow
def test_killed_audits_leave_the_store_consistent(tmp_path: Path) -> None:
    """An audit killed at each step of creating the store, migrating an older one and
    recording an audit leaves a store that is whole (or absent) and opens; the next audit
    then runs and verifies. Deterministic: the steps are counted, then each is killed."""
    import shutil

    from sqlalchemy import create_engine

    from auditor.sqlstore import alembic_config

    template, inv = setup(tmp_path)
    facts = tmp_path / "facts.json"
    facts.write_text(FIXTURE, encoding="utf-8")
    assert (
        cli("import", str(facts), "--asset", "pc-chutich", "-i", str(inv), home=template).returncode
        == 0
    )
    # a store an older version left at revision 0001, to be migrated
    older = tmp_path / "older"
    shutil.copytree(template, older)
    from alembic import command

    engine = create_engine(f"sqlite:///{older / 'history.db'}")
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    # a store whose first audit is recorded, for kills while recording the second
    recorded = tmp_path / "recorded"
    shutil.copytree(template, recorded)
    assert _run_killed(recorded, inv, tmp_path / "first", None) in (0, 1)

    scenarios = {"new": template, "older": older, "recorded": recorded}
    for name, base in scenarios.items():
        counts = tmp_path / f"{name}.counts.json"
        scratch = tmp_path / f"{name}-count"
        shutil.copytree(base, scratch)
        assert _run_killed(scratch, inv, tmp_path / "out-count", None, counts) in (0, 1)
        points = _kill_points(counts, sql_stride={"new": 16, "older": 5, "recorded": 4}[name])
        for point in points:
            home = tmp_path / f"{name}-{point.replace(':', '-')}"
            shutil.copytree(base, home)
            code = _run_killed(home, inv, tmp_path / "out", point)
            assert code == -signal.SIGKILL, (name, point, code)
            _assert_consistent(home / "history.db", f"{name} {point}")
            shutil.rmtree(home)
    final = cli("audit", "-i", str(inv), "-o", str(tmp_path / "final"), "--json", home=older)
    assert final.returncode in (0, 1), final.stderr
    assert cli("verify", str(tmp_path / "final"), home=older).returncode == 0


def test_an_empty_store_file_left_by_an_older_version_is_made_whole(tmp_path: Path) -> None:
    """An older version created the file first and migrated after; a kill in between left
    an empty file. It is treated as missing: made whole, never read as a store without tables."""
    from auditor.sqlstore import current_revision, head_revision
    from auditor.store.history import Store

    database = tmp_path / "history.db"
    database.touch(mode=0o600)
    engine = Store(f"sqlite:///{database}", org="x").engine
    assert current_revision(engine) == head_revision()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM audits").fetchone()[0] == 0
    assert database.stat().st_mode & 0o777 == 0o600


def test_a_store_path_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    from auditor.store.history import Store

    (tmp_path / "elsewhere.db").touch()
    (tmp_path / "history.db").symlink_to(tmp_path / "elsewhere.db")
    with pytest.raises(OSError, match="symbolic link"):
        Store(f"sqlite:///{tmp_path / 'history.db'}", org="x")


def test_two_organisations_on_one_machine_never_share_decisions(tmp_path: Path) -> None:
    """A waiver, a finding and an incident of one commune never reach another commune's
    report or lists, though both use one history database and the same asset ids."""
    home, inv_a = setup(tmp_path)
    inv_b = tmp_path / "b" / "inventory.yaml"
    inv_b.parent.mkdir()
    inv_b.write_text(
        inv_a.read_text(encoding="utf-8").replace("UBND xã Thử", "UBND xã Khác"), encoding="utf-8"
    )
    audit_with_firewall(tmp_path, home, inv_a, public_on=False)
    mine = json.loads(cli("findings", "list", "--json", "-i", str(inv_a), home=home).stdout)
    fw = next(f for f in mine if f["requirement"] == "L2-CFG-FW-01")
    waived = cli(
        *("findings", "accept", str(fw["id"]), "--reason", "Chờ thay máy của xã Thử"),
        *("--until", "2099-12-31", "--approved-by", "Chủ tịch xã Thử"),
        home=home,
    )
    assert waived.returncode == 0, waived.stderr
    incident = cli(
        *("incidents", "add", "--at", "2026-05-03 09:30", "--type", "malware"),
        *("--severity", "medium", "--description", "Sự cố của xã Thử", "-i", str(inv_a)),
        home=home,
    )
    assert incident.returncode == 0, incident.stderr

    audit_with_firewall(tmp_path, home, inv_b, public_on=False)
    report = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    assert "UBND xã Khác" in report
    assert "Chờ thay máy" not in report and "Chủ tịch xã Thử" not in report
    verdict = next(
        r
        for r in json.loads(report)["evaluation"]["requirements"]
        if r["requirement"] == "L2-CFG-FW-01"
    )
    assert verdict["assets"]["pc-chutich"] == "not_met", verdict

    theirs = json.loads(cli("findings", "list", "--json", "-i", str(inv_b), home=home).stdout)
    fw_b = next(f for f in theirs if f["requirement"] == "L2-CFG-FW-01")
    assert fw_b["id"] != fw["id"] and fw_b["status"] == "open"
    assert fw["id"] not in {f["id"] for f in theirs}
    listed = json.loads(cli("incidents", "list", "--json", "-i", str(inv_b), home=home).stdout)
    assert listed == []
    # two organisations and none chosen: refused, naming both, never a mixed list
    which = cli("findings", "list", home=home)
    assert which.returncode == 2, which.stdout
    assert "UBND xã Thử" in which.stderr and "UBND xã Khác" in which.stderr
    assert "-i" in which.stderr
