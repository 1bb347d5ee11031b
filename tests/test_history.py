"""The findings lifecycle over a sequence of audits, waivers, N/A, due dates and exports —
against SQLite and a real PostgreSQL started for the test run."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from auditor.checking import Registry, discover
from auditor.engine import evaluate
from auditor.facts import AssetFacts, Declared, Encryption, Firewall, HostFacts, PasswordPolicy
from auditor.inventory import Asset
from auditor.messages.catalogue import Messages
from auditor.policy import Pack, load_policy
from auditor.results import Evaluation, ReqStatus
from auditor.store.export import findings_table, requirements_table
from auditor.store.history import AuditMeta, Store, compare, history_for
from auditor.store.models import EventRow, FindingRow
from auditor.tables import write_table
from tests.helpers import host
from tests.pg import Cluster, why_not_available

ORG = "UBND xã Thử — Tỉnh Thử"
ASSET = Asset.model_validate({"id": "pc1", "name": "PC 1", "kind": "linux", "connection": "local"})
DAY0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    cluster = Cluster.temporary()
    url = cluster.start()
    yield url
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path}/history.db", org=ORG)
        return
    url: str = request.getfixturevalue("pg_url")
    store = Store(url, org=ORG)
    yield store
    from auditor.store.models import Base

    Base.metadata.drop_all(store.engine)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return discover()


@pytest.fixture(scope="module")
def pack(registry: Registry) -> Pack:
    return load_policy("nd85-level2", registry)


def facts(firewall_on: bool) -> dict[str, AssetFacts]:
    h: HostFacts = host(
        firewall=Firewall(enabled=firewall_on, backend="ufw"),
        password_policy=PasswordPolicy(max_age_days=99999),  # medium severity: fails
        encryption=Encryption(root_encrypted=False),  # low severity: fails
    )
    return {"pc1": AssetFacts(asset_id="pc1", declared=Declared(kind="linux"), host=h)}


def audit(
    store: Store,
    pack: Pack,
    registry: Registry,
    when: dt.datetime,
    firewall_on: bool,
    report_id: str,
) -> Evaluation:
    return record_audit(store, pack, registry, when, facts(firewall_on), report_id)


def record_audit(
    store: Store,
    pack: Pack,
    registry: Registry,
    when: dt.datetime,
    asset_facts: dict[str, AssetFacts],
    report_id: str,
) -> Evaluation:
    """Evaluate `asset_facts` for ASSET and record the audit in `store`, as the CLI does."""
    evaluation = evaluate(
        pack, [ASSET], asset_facts, {}, registry, when.date(), store.exemptions(when.date())
    )
    with store.transaction() as session:
        store.record(
            session,
            AuditMeta(report_id, when, "UBND xã Thử", pack.id, pack.digest()),
            evaluation,
            {r.id: r.severity.value for r in pack.requirements},
            {k.value: v for k, v in pack.sla_days.items()},
            "can-bo-it",
        )
        store.set_report_digest(session, report_id, "0" * 64)
    return evaluation


def finding(store: Store, requirement: str, asset: str = "pc1") -> FindingRow:
    with store.transaction() as session:
        row = session.scalar(
            select(FindingRow).where(
                FindingRow.requirement == requirement, FindingRow.asset_id == asset
            )
        )
        assert row is not None
        return row


def test_open_resolved_reopened_with_history(store: Store, pack: Pack, registry: Registry) -> None:
    audit(store, pack, registry, DAY0, firewall_on=False, report_id="a1")
    fw = finding(store, "L2-CFG-FW-01")
    assert (fw.status, fw.severity, fw.due) == ("open", "high", dt.date(2026, 11, 9))
    audit(store, pack, registry, DAY0 + dt.timedelta(days=3), firewall_on=True, report_id="a2")
    assert finding(store, "L2-CFG-FW-01").status == "resolved"
    audit(store, pack, registry, DAY0 + dt.timedelta(days=6), firewall_on=False, report_id="a3")
    fw = finding(store, "L2-CFG-FW-01")
    assert fw.status == "reopened" and fw.due == dt.date(2026, 11, 15)
    with store.transaction() as session:
        kinds = [
            e.kind
            for e in session.scalars(
                select(EventRow).where(EventRow.finding_id == fw.id).order_by(EventRow.id)
            )
        ]
        assert kinds == ["open", "resolved", "reopened"]
        changes = compare(session, "a2", "a3")
        assert [(c.asset_id, c.requirement) for c in changes.regressed] == [("pc1", "L2-CFG-FW-01")]
        assert ("pc1", "L2-CFG-FW-01") not in {(c.asset_id, c.requirement) for c in changes.new}
        fixed = compare(session, "a1", "a2").fixed
        assert [(c.asset_id, c.requirement) for c in fixed] == [("pc1", "L2-CFG-FW-01")]
        history = history_for(session, "a3", dt.date(2026, 11, 20))
    assert [p.report_id for p in history.trend] == ["a1", "a2", "a3"]
    plan_ids = [(p.asset_id, p.requirement) for p in history.plan]
    assert ("pc1", "L2-CFG-FW-01") in plan_ids
    overdue = [p for p in history.plan if p.overdue]
    assert overdue and all(p.due is not None for p in overdue)
    assert history.plan[: len(overdue)] == overdue  # overdue first


def test_due_dates_follow_policy_sla(store: Store, pack: Pack, registry: Registry) -> None:
    audit(store, pack, registry, DAY0, firewall_on=False, report_id="b1")
    sla = {k.value: v for k, v in pack.sla_days.items()}
    levels = {}
    for requirement in ("L2-CFG-FW-01", "L2-ACC-PWD-02", "L2-AST-ENC-01"):
        row = finding(store, requirement)
        levels[row.severity] = row.due
        assert row.due == DAY0.date() + dt.timedelta(days=sla[row.severity]), requirement
    assert set(levels) == {"high", "medium", "low"}


def test_waiver_shows_waived_then_reopens_on_expiry(
    store: Store, pack: Pack, registry: Registry
) -> None:
    audit(store, pack, registry, DAY0, firewall_on=False, report_id="c1")
    fw = finding(store, "L2-CFG-FW-01")
    store.accept(
        fw.id, "Máy sắp thay thế", dt.date(2026, 11, 12), "Chủ tịch UBND xã", "can-bo-it", DAY0
    )
    during = audit(
        store, pack, registry, DAY0 + dt.timedelta(days=5), firewall_on=False, report_id="c2"
    )
    status = {r.requirement: r.assets.get("pc1") for r in during.requirements}
    assert status["L2-CFG-FW-01"] is ReqStatus.waived  # waived, never passed
    assert finding(store, "L2-CFG-FW-01").status == "waived"
    after = audit(
        store, pack, registry, DAY0 + dt.timedelta(days=15), firewall_on=False, report_id="c3"
    )
    status = {r.requirement: r.assets.get("pc1") for r in after.requirements}
    assert status["L2-CFG-FW-01"] is ReqStatus.not_met
    assert finding(store, "L2-CFG-FW-01").status == "reopened"
    assert store.expire_waivers(dt.date(2027, 1, 1), "x", DAY0) == 0


def test_waiver_expiry_without_an_audit(store: Store, pack: Pack, registry: Registry) -> None:
    audit(store, pack, registry, DAY0, firewall_on=False, report_id="d1")
    fw = finding(store, "L2-CFG-FW-01")
    store.accept(fw.id, "tạm", dt.date(2026, 11, 10), "Chủ tịch", "it", DAY0)
    assert store.expire_waivers(dt.date(2026, 11, 11), "it", DAY0) == 1
    assert finding(store, "L2-CFG-FW-01").status == "reopened"


def test_not_applicable_per_asset(store: Store, pack: Pack, registry: Registry) -> None:
    store.mark_not_applicable("pc1", "L2-CFG-FW-01", "Máy không nối mạng", "it", DAY0)
    evaluation = audit(store, pack, registry, DAY0, firewall_on=False, report_id="e1")
    status = {r.requirement: r.assets.get("pc1") for r in evaluation.requirements}
    assert status["L2-CFG-FW-01"] is ReqStatus.not_applicable
    with store.transaction() as session:
        assert (
            session.scalar(select(FindingRow).where(FindingRow.requirement == "L2-CFG-FW-01"))
            is None
        )


def test_exports_with_vietnamese_headers(
    store: Store, pack: Pack, registry: Registry, tmp_path: Path
) -> None:
    audit(store, pack, registry, DAY0, firewall_on=False, report_id="f1")
    fw = finding(store, "L2-CFG-FW-01")
    store.assign(fw.id, "Nguyễn Văn An", None, "it", DAY0)
    t = Messages("vi")
    with store.transaction() as session:
        findings_rows = findings_table(session, store.org, t)
        requirement_rows = requirements_table(session, store.org, t, None)
    write_table(findings_rows, tmp_path / "f.xlsx", t("export.findings_sheet"))
    write_table(requirement_rows, tmp_path / "r.csv", t("export.requirements_sheet"))
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert sheet is not None and sheet.title == "Phát hiện"
    header = [c.value for c in sheet[1]]
    assert header[:8] == [
        "Số",
        "Tài sản",
        "Yêu cầu",
        "Tên yêu cầu",
        "Mức độ",
        "Trạng thái",
        "Người phụ trách",
        "Hạn xử lý",
    ]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    fw_row = next(r for r in values if r[2] == "L2-CFG-FW-01")
    assert fw_row[3] == "Bật tường lửa trên máy"
    assert fw_row[4:7] == ["Cao", "Đang mở", "Nguyễn Văn An"]
    assert isinstance(fw_row[7], dt.datetime)  # a real date cell, shown dd/mm/yyyy
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet.column_dimensions["D"].width > 20
    assert len(values) == len(findings_rows) - 1
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Yêu cầu", "Tên yêu cầu", "Kết quả", "Tài sản đạt", "Tài sản chưa đạt"]
    assert ["L2-CFG-FW-01", "Bật tường lửa trên máy", "Không đạt", "", "pc1"] in rows
    with pytest.raises(ValueError):
        write_table(requirement_rows, tmp_path / "r.ods", "x")


def test_exports_keep_formula_like_text_as_text(tmp_path: Path) -> None:
    """An owner or waiver reason typed as a formula is written as text, never as a formula."""
    rows = [
        ["Số", "Người phụ trách"],
        ["1", '=HYPERLINK("http://x.invalid","bấm")'],
        ["2", "+84 900 000"],
        ["3", "@SUM(A1)"],
        ["4", "Nguyễn Văn An"],  # the near miss: ordinary text stays as it is
    ]
    write_table(rows, tmp_path / "f.xlsx", "Phát hiện")
    write_table(rows, tmp_path / "f.csv", "Phát hiện")
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert sheet is not None
    cells = [sheet.cell(row=r, column=2) for r in range(2, 6)]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s"]
    assert cells[0].value == '=HYPERLINK("http://x.invalid","bấm")'
    read = list(csv.reader((tmp_path / "f.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [r[1] for r in read[1:]] == [
        '\'=HYPERLINK("http://x.invalid","bấm")',
        "'+84 900 000",
        "'@SUM(A1)",
        "Nguyễn Văn An",
    ]


def test_head_revision_is_alembics_and_an_uptodate_db_skips_alembic(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from auditor.sqlstore import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    url = f"sqlite:///{tmp_path / 'h.db'}"
    probe = (
        "import sys\nfrom auditor.store.history import Store\n"
        f"Store({url!r}, org='x')\nprint('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert first.stdout.strip() == "True", first.stderr  # a new database is migrated
    assert second.stdout.strip() == "False", second.stderr  # an up-to-date one is not touched


def test_findings_list_reads_right_and_never_obeys_data(
    pack: Pack, registry: Registry, tmp_path: Path
) -> None:
    """Columns sit under their headers; an owner named like rich markup or carrying a
    terminal escape is printed as text (no crash, no escape reaching the terminal)."""
    url = f"sqlite:///{tmp_path}/history.db"
    store = Store(url, org=ORG)
    audit(store, pack, registry, DAY0, firewall_on=False, report_id="m1")
    fw = finding(store, "L2-CFG-FW-01")
    store.assign(fw.id, "[/bold]An\x1b]0;pwned\x07", None, "it", DAY0)
    run = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "--lang", "vi", "findings", "list", "--db", url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert run.returncode == 0, run.stderr
    assert "\x1b" not in run.stdout and "[/bold]An\\u001b]0;pwned\\u0007" in run.stdout
    lines = run.stdout.splitlines()
    header = next(line for line in lines if "Yêu cầu" in line)
    row = next(line for line in lines if "L2-CFG-FW-01" in line)
    assert header.index("Yêu cầu") == row.index("L2-CFG-FW-01")
    assert header.index("Số") < header.index("Tài sản") < header.index("Yêu cầu")


def test_uncollected_assets_and_missing_documents_enter_the_plan(
    store: Store, pack: Pack, registry: Registry
) -> None:
    """Not assessed is not fine: an asset that could not be collected and a document never
    recorded each become a finding with a due date; collecting it later resolves it."""
    from auditor.facts import CollectionFailure

    unreachable = {
        "pc1": AssetFacts(
            asset_id="pc1",
            declared=Declared(kind="linux"),
            failures=[CollectionFailure(source="ssh", code="collect.timeout")],
        )
    }

    record_audit(store, pack, registry, DAY0, unreachable, "u1")
    fw = finding(store, "L2-CFG-FW-01")
    assert fw.status == "open" and fw.due is not None and fw.due > DAY0.date()
    policy = finding(store, "L2-MGMT-POL-01", asset="*")  # the security policy never recorded
    assert policy.status == "open" and policy.due is not None
    record_audit(store, pack, registry, DAY0 + dt.timedelta(days=7), facts(firewall_on=True), "u2")
    assert finding(store, "L2-CFG-FW-01").status == "resolved"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet, on each dialect (PostgreSQL's emptied after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/history.db"
        return
    url: str = request.getfixturevalue("pg_url")
    yield url
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def test_a_shared_store_is_split_by_organisation_when_migrated(empty_url: str) -> None:
    """A store of two communes made before histories were kept apart (revision 0002): after
    the migration each organisation opens only what its own audits made (a mark is the
    organisation's audited last at its time); the schema is then the models'."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import DateTime, bindparam, create_engine, text

    from auditor.inventory import Organisation
    from auditor.sqlstore import alembic_config
    from auditor.store.models import Base

    engine = create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        audit = (
            "INSERT INTO audits VALUES (:id, :at, :org, 'nd85-level2', 'd', 'x', "
            "0, 0, 1, 0, 0.5, 1)"
        )
        finding = (
            "INSERT INTO findings (asset_id, requirement, status, severity, first_audit, "
            "last_audit, waiver_reason, waiver_until, updated_at) VALUES ('pc1', "
            "'L2-CFG-FW-01', 'waived', 'high', :audit, :audit, :reason, '2099-01-01', :at)"
        )
        mark = "INSERT INTO not_applicable VALUES ('*', 'L2-NET-WIFI-01', :reason, 'an', :at)"

        def run(sql: str, **values: object) -> None:  # times bound as the store binds them
            at = bindparam("at", type_=DateTime(timezone=True))
            connection.execute(text(sql).bindparams(at), values)

        later = DAY0 + dt.timedelta(days=1)
        run(mark, reason="không có Wi-Fi", at=DAY0)
        run(audit, id="a-thu", at=DAY0, org="UBND xã Thử")
        run(finding, audit="a-thu", reason="thử", at=DAY0)
        run(audit, id="a-khac", at=later, org="UBND xã Khác")
        incident = (
            "INSERT INTO incidents (detected_at, kind, severity, description, actions, "
            "reported_to, reported_at, recorded_by, recorded_at) VALUES (:at, 'malware', "
            "'high', 'Mã độc', '', 'PA05', :at, 'an', :at)"
        )
        run(incident, at=DAY0)  # recorded while xã Thử was the last audited
    engine.dispose()

    def organisation(name: str) -> Organisation:
        return Organisation.model_validate(
            {
                "name": name,
                "commune": name.removeprefix("UBND "),
                "province": "Sơn La",
                "security_officer": {"name": "An"},
                "incident_contact": {"name": "An"},
            }
        )

    other = Store.for_organisation(organisation("UBND xã Khác"), empty_url)
    assert other.exemptions(DAY0.date()) == {}  # neither the waiver nor the older mark
    with other.transaction() as session:
        assert history_for(session, "a-khac", DAY0.date()).plan == []
        assert history_for(session, "a-khac", DAY0.date()).changes.previous_report_id is None
    mine = Store.for_organisation(organisation("UBND xã Thử"), empty_url)
    assert set(mine.exemptions(DAY0.date())) == {("pc1", "L2-CFG-FW-01"), ("*", "L2-NET-WIFI-01")}
    assert mine.org == "UBND xã Thử — Sơn La" and set(mine.organisations()) == {
        mine.org,
        other.org,
    }
    with mine.transaction() as session:
        assert [i.asset_id for i in history_for(session, "a-thu", DAY0.date()).plan] == ["pc1"]
        from auditor.store.incidents import incidents_between

        (kept,) = incidents_between(session, mine.org)
        # the one reported_to/reported_at pair became a notice; its record is its history
        assert [(r.kind, r.to, r.reference) for r in kept.sent] == [("notice", "PA05", None)]
        assert [e.kind for e in kept.history] == ["recorded"]
        assert incidents_between(session, other.org) == []
    # the same asset and requirement may now be a finding of each organisation
    record_audit(other, *_pack_registry(), later, facts(False), "k2")
    with other.transaction() as session:
        ids = {(f.org, f.asset_id) for f in session.scalars(select(FindingRow))}
    assert (mine.org, "pc1") in ids and (other.org, "pc1") in ids
    with mine.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def _pack_registry() -> tuple[Pack, Registry]:
    registry = discover()
    return load_policy("nd85-level2", registry), registry
