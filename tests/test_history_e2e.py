"""Three audits of a PC whose state changes: open → resolved → reopened, seen by the CLI
(findings, diff, history, export) and in the report; and a killed audit never leaves a
half-written history."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from tests.helpers import FIXTURES, ORG
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
  import_max_age_days: 3650
""",
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
    assert (
        cli("findings", "assign", str(fw["id"]), "--owner", "Nguyễn Văn An", home=home).returncode
        == 0
    )
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
    for word in ("Open", "Resolved", "Reopened", "assigned", "Đã báo nhà cung cấp"):
        assert word in shown, word
    assert shown.startswith(f"#{fw['id']}  L2-CFG-FW-01") and "{" not in shown  # a card, not JSON
    assert "Owner: Nguyễn Văn An" in shown
    card = json.loads(cli("findings", "show", str(fw["id"]), "--json", home=home).stdout)
    assert card["owner"] == "Nguyễn Văn An" and len(card["events"]) >= 3
    history = json.loads(cli("history", "pc-chutich", "--json", home=home).stdout)
    assert [h["report_id"] for h in history] == [first, second, third]

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "TÁI DIỄN" in html and "L2-CFG-FW-01@pc-chutich" in html
    assert '<svg class="trend"' in html and "<polyline" in html
    svg = html.split('<svg class="trend"', 1)[1].split("</svg>", 1)[0]
    labels = re.findall(r'text-anchor="middle">([^<]+)<', svg)
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


def test_killed_audits_leave_the_store_consistent(tmp_path: Path) -> None:
    home, inv = setup(tmp_path)
    facts = tmp_path / "facts.json"
    facts.write_text(FIXTURE, encoding="utf-8")
    assert (
        cli("import", str(facts), "--asset", "pc-chutich", "-i", str(inv), home=home).returncode
        == 0
    )
    env = {**os.environ, "AUDITOR_HOME": str(home)}
    database = home / "history.db"
    for seed in range(5):
        delay = random.Random(seed).uniform(0.4, 2.5)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "auditor.cli",
                "audit",
                "-i",
                str(inv),
                "-o",
                str(tmp_path / f"out{seed}"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if database.exists():
            with sqlite3.connect(database) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                audits = db.execute("SELECT id, report_sha256 FROM audits").fetchall()
                for audit_id, digest in audits:
                    assert digest is not None and len(digest) == 64  # recorded whole
                    count = db.execute(
                        "SELECT count(*) FROM results WHERE audit_id = ?", (audit_id,)
                    ).fetchone()[0]
                    assert count > 0
                orphans = db.execute(
                    "SELECT count(*) FROM findings WHERE first_audit NOT IN (SELECT id FROM audits)"
                ).fetchone()[0]
                assert orphans == 0
    final = cli("audit", "-i", str(inv), "-o", str(tmp_path / "final"), "--json", home=home)
    assert final.returncode in (0, 1), final.stderr
    assert cli("verify", str(tmp_path / "final"), home=home).returncode == 0
