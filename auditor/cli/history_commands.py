"""Commands that follow findings: findings, diff, history, export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor.cli.app import (
    BY_OPTION,
    DB_OPTION,
    ORG_OPTION,
    _date,
    _fail,
    _input_errors,
    _store,
    _store_errors,
    _t,
    main,
    not_blank,
)
from auditor.cli.console import echo
from auditor.deadlines import overdue as is_overdue
from auditor.runtime import default_actor
from auditor.textsafe import SafeConsole, cell

if TYPE_CHECKING:
    from auditor.messages.catalogue import Messages
    from auditor.store.models import FindingRow


@main.group()
def findings() -> None:
    """Follow every failed item until it is fixed: list, show, assign, note, accept."""


@findings.command("list")
@click.option(
    "--status",
    type=click.Choice(["open", "reopened", "waived", "resolved", "active"]),
    default="active",
    show_default=True,
    help="Which findings.",
)
@click.option("--asset", default=None, help="Only this asset id.")
@click.option("--severity", type=click.Choice(["high", "medium", "low"]), default=None)
@click.option("--overdue", is_flag=True, help="Only findings past their due date.")
@click.option("--json", "as_json", is_flag=True)
@ORG_OPTION
@DB_OPTION
def findings_list(
    status: str,
    asset: str | None,
    severity: str | None,
    overdue: bool,
    as_json: bool,
    inventory_path: Path | None,
    db_url: str | None,
) -> None:
    """List findings (active ones by default), overdue first."""
    from auditor.store.queries import findings_of

    t = _t()
    store = _store(db_url, inventory_path)
    today = dt.datetime.now(dt.UTC).date()
    store.expire_waivers(today, default_actor(), dt.datetime.now(dt.UTC))
    with store.transaction() as session:
        rows = findings_of(session, store.org)
    rows = _chosen(rows, status, asset, severity, overdue, today)
    if as_json:
        echo(json.dumps([_finding_dict(r, today) for r in rows], ensure_ascii=False))
        return
    if not rows:  # an empty table reads as a broken command
        echo(t("history.no_findings"))
        return
    SafeConsole(highlight=False, soft_wrap=True).print(_findings_table(rows, today, t))


def _chosen(
    rows: list[FindingRow],
    status: str,
    asset: str | None,
    severity: str | None,
    overdue: bool,
    today: dt.date,
) -> list[FindingRow]:
    """The findings the filters keep, overdue ones first, then by due date."""
    wanted = ["open", "reopened", "waived"] if status == "active" else [status]
    kept = [
        r
        for r in rows
        if r.status in wanted
        and (asset is None or r.asset_id == asset)
        and (severity is None or r.severity == severity)
        and (not overdue or is_overdue(r.due, r.status, today))
    ]
    return sorted(kept, key=lambda r: (not is_overdue(r.due, "", today), r.due or dt.date.max))


def _findings_table(rows: list[FindingRow], today: dt.date, t: Messages) -> Any:
    """The findings as a table whose identifiers and dates are never cut or folded (an
    80-column terminal, a pipe): the words around them wrap instead."""
    from rich.table import Table

    table = Table(title=t("export.findings_sheet"))
    whole = {"id": "id", "asset": "asset_id", "requirement": "requirement", "due": "due"}
    for column in ("id", "asset", "requirement", "severity", "state", "owner", "due"):
        header = t(f"export.{column}")
        if column in whole:
            values = [str(getattr(r, whole[column]) or "—") for r in rows]
            width = max(len(v) for v in [*values, header]) + (2 if column == "due" else 0)
            table.add_column(header, no_wrap=True, min_width=width)
        else:
            table.add_column(header, overflow="fold", ratio=1)
    for r in rows:
        late = " !" if is_overdue(r.due, r.status, today) else ""
        shown = (
            r.id, r.asset_id, r.requirement, t(f"severity.{r.severity}"),
            t(f"finding.{r.status}"), r.owner or "—", f"{r.due or '—'}{late}",
        )  # fmt: skip
        table.add_row(*map(cell, shown))
    return table


def _finding_dict(row: FindingRow, today: dt.date) -> dict[str, Any]:
    return {
        "id": row.id,
        "asset": row.asset_id,
        "requirement": row.requirement,
        "severity": row.severity,
        "status": row.status,
        "owner": row.owner,
        "due": row.due.isoformat() if row.due else None,
        "overdue": is_overdue(row.due, row.status, today),
        "waiver_reason": row.waiver_reason,
        "waiver_until": row.waiver_until.isoformat() if row.waiver_until else None,
        "approved_by": row.waiver_approved_by,
    }


@findings.command("show")
@click.argument("finding_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the finding and its events as JSON.")
@DB_OPTION
def findings_show(finding_id: int, as_json: bool, db_url: str | None) -> None:
    """One finding as a card, with the history of every state change (who, when)."""
    from auditor.store.queries import finding_events

    t = _t()
    store = _store(db_url, any_org=True)
    with _store_errors(), store.transaction() as session:
        row = store.finding(session, finding_id)
        events = finding_events(session, row.id)
        today = dt.datetime.now(dt.UTC).date()
        card = _finding_dict(row, today)
        history = [
            {
                "at": _when(e.at),
                "actor": e.actor,
                "event": t("finding." + e.kind) if t.has("finding." + e.kind) else e.kind,
                "detail": e.detail or "",
                "audit": e.audit_id,
            }
            for e in events
        ]
    if as_json:
        echo(json.dumps({**card, "events": history}, ensure_ascii=False, indent=1))
        return
    echo(f"#{card['id']}  {card['requirement']}  —  {card['asset']}")
    requirement = _requirement(card["requirement"])
    fields = (
        ("finding.title", requirement.title(t.lang) if requirement else None),
        ("export.severity", t(f"severity.{card['severity']}")),
        ("export.state", t(f"finding.{card['status']}") + (" !" if card["overdue"] else "")),
        ("export.owner", card["owner"] or "—"),
        ("export.due", _day(card["due"])),
        ("export.waiver_reason", card["waiver_reason"]),
        ("export.waiver_until", _day(card["waiver_until"]) if card["waiver_until"] else None),
        ("export.approved_by", card["approved_by"]),
        ("finding.checks", ", ".join(c.id for c in requirement.checks) if requirement else None),
        ("finding.last_audit", row.last_audit[:8]),
    )
    for key, value in fields:
        if value:
            echo(f"  {t(key)}: {value}")
    if requirement and requirement.checks:
        echo(f"  {t('finding.how_to_fix')}")
    echo("")
    for event in history:
        audit = f"  [{event['audit'][:8]}]" if event["audit"] else ""
        echo(f"  {event['at']}  {event['actor']}  {event['event']}  {event['detail']}{audit}")


def _requirement(requirement_id: str) -> Any:
    """The requirement as the shipped packs define it (the last pack that has it)."""
    from auditor.checking import discover
    from auditor.policy import builtin_requirements

    found = [r for r in builtin_requirements(discover()) if r.id == requirement_id]
    return found[-1] if found else None


def _day(iso: str | None) -> str:
    """An ISO date as dd/mm/yyyy, the one way dates are shown on the console."""
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "—"


def _when(moment: dt.datetime) -> str:
    """A time as dd/mm/yyyy HH:MM in the machine's local time zone."""
    from auditor.sqlstore import from_store

    return from_store(moment).astimezone().strftime("%d/%m/%Y %H:%M")


@findings.command("assign")
@click.argument("finding_id", type=int)
@click.option("--owner", required=True, help="Who fixes it.")
@click.option("--due", default=None, help="New due date (YYYY-MM-DD).")
@BY_OPTION
@DB_OPTION
def findings_assign(
    finding_id: int, owner: str, due: str | None, actor: str | None, db_url: str | None
) -> None:
    """Give a finding an owner (and optionally a new due date)."""
    from auditor.report.official import dmy, vn_date

    new_due = _date(due) if due else None
    if new_due is not None and new_due < vn_date(dt.datetime.now(dt.UTC)):
        raise click.BadParameter(_t()("finding.due_in_past", due=dmy(new_due)), param_hint="--due")
    with _store_errors():
        _store(db_url, any_org=True).assign(
            finding_id,
            owner,
            new_due,
            actor or default_actor(),
            dt.datetime.now(dt.UTC),
        )
    echo(_t()("store.assigned", id=finding_id, owner=owner))


@findings.command("note")
@click.argument("finding_id", type=int)
@click.argument("text")
@BY_OPTION
@DB_OPTION
def findings_note(finding_id: int, text: str, actor: str | None, db_url: str | None) -> None:
    """Add a note to a finding's history."""
    with _store_errors():
        _store(db_url, any_org=True).note(
            finding_id, text, actor or default_actor(), dt.datetime.now(dt.UTC)
        )
    echo(_t()("store.noted", id=finding_id))


def _not_waivable() -> set[str]:
    from auditor.checking import discover
    from auditor.policy import builtin_requirements

    return {r.id for r in builtin_requirements(discover()) if not r.waivable}


@findings.command("accept")
@click.argument("finding_id", type=int)
@click.option("--reason", required=True, callback=not_blank, help="Why the risk is accepted.")
@click.option("--until", "until", required=True, help="Last day of the waiver (YYYY-MM-DD).")
@click.option(
    "--approved-by", required=True, callback=not_blank, help="Who approved it (name, title)."
)
@BY_OPTION
@DB_OPTION
def findings_accept(
    finding_id: int,
    reason: str,
    until: str,
    approved_by: str,
    actor: str | None,
    db_url: str | None,
) -> None:
    """Accept the risk until a date: reported as waived (never as passed), reopens after.

    Mandatory documents (the pack's `waivable: false` requirements: the level decision, the
    named officer, the security policy) cannot be waived."""
    store = _store(db_url, any_org=True)
    with _store_errors(), store.transaction() as session:
        requirement = store.finding(session, finding_id).requirement
    if requirement in _not_waivable():
        _fail(_t()("store.not_waivable", requirement=requirement))
    with _store_errors():
        store.accept(
            finding_id,
            reason,
            _date(until),
            approved_by,
            actor or default_actor(),
            dt.datetime.now(dt.UTC),
        )
    echo(_t()("store.accepted", id=finding_id, until=until))


@findings.command("not-applicable")
@click.argument("asset_id")
@click.argument("requirement")
@click.option(
    "--reason", required=True, callback=not_blank, help="Why, e.g. 'no Wi-Fi at this office'."
)
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="inventory.yaml",
    show_default=True,
    help="The inventory whose assets and policy pack the asset and requirement must be in.",
)
@BY_OPTION
@DB_OPTION
def findings_not_applicable(
    asset_id: str,
    requirement: str,
    reason: str,
    inventory_path: Path,
    actor: str | None,
    db_url: str | None,
) -> None:
    """Mark a requirement not applicable to one asset (or "*" for the organisation)."""
    from auditor.checking import discover
    from auditor.inventory import load_inventory
    from auditor.policy import load_policy

    t = _t()
    with _input_errors():
        inventory = load_inventory(inventory_path)
        pack = load_policy(inventory.policy, discover(), inventory.overrides)
    assets = {a.id for a in inventory.assets} | {"*"}
    if asset_id not in assets:
        raise click.BadParameter(t("finding.unknown_asset", id=asset_id), param_hint="ASSET_ID")
    if requirement not in pack.ids():
        raise click.BadParameter(
            t("finding.unknown_requirement", id=requirement, pack=pack.id),
            param_hint="REQUIREMENT",
        )
    _store(db_url, inventory_path).mark_not_applicable(
        asset_id, requirement, reason, actor or default_actor(), dt.datetime.now(dt.UTC)
    )
    echo(_t()("store.marked_na", requirement=requirement, asset=asset_id))


@main.command("diff")
@click.argument("audit_a")
@click.argument("audit_b")
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
def diff_command(audit_a: str, audit_b: str, as_json: bool, db_url: str | None) -> None:
    """What changed between two audits (report ids, or a unique start of one): new, fixed,
    regressed, unchanged."""
    from auditor.store.history import compare
    from auditor.store.queries import audits_starting, owners_of

    t = _t()
    store = _store(db_url, any_org=True)
    with store.transaction() as session:
        resolved = []
        for prefix in (audit_a, audit_b):
            found = audits_starting(session, prefix)
            if len(found) != 1:
                code = "store.unknown_audit" if not found else "store.ambiguous_audit"
                _fail(t(code, detail=prefix))
            resolved.append(found[0])
        if len(owners_of(session, resolved)) > 1:  # two communes' audits have nothing to compare
            _fail(t("store.audits_of_two_orgs"))
        changes = compare(session, resolved[0], resolved[1])
    if as_json:
        echo(changes.model_dump_json())
        return
    for key, items in (
        ("history.regressed", changes.regressed),
        ("history.new", changes.new),
        ("history.fixed", changes.fixed),
    ):
        echo(f"{t(key)} ({len(items)}):")
        for c in items:
            echo(f"  {c.requirement}  {c.asset_id}")
    echo(t("history.unchanged", count=changes.unchanged))


@main.command("history")
@click.argument("asset_id")
@click.option("--json", "as_json", is_flag=True)
@ORG_OPTION
@DB_OPTION
def history_command(
    asset_id: str, as_json: bool, inventory_path: Path | None, db_url: str | None
) -> None:
    """Each audit's result for one asset, oldest first."""
    from auditor.store.queries import asset_results

    t = _t()
    store = _store(db_url, inventory_path)
    with store.transaction() as session:
        rows = asset_results(session, store.org, asset_id)
    if not rows:  # no audit ever judged it: a typo, or an asset not in any inventory
        _fail(t("store.unknown_asset", detail=asset_id))
    audits: dict[str, dict[str, Any]] = {}
    for audit_id, when, status, count in rows:
        audits.setdefault(audit_id, {"report_id": audit_id, "at": when.isoformat()})[status] = count
    if as_json:
        echo(json.dumps(list(audits.values()), ensure_ascii=False))
        return
    for entry in audits.values():
        counts = ", ".join(
            f"{t('status.' + k)}: {v}" for k, v in entry.items() if k not in ("report_id", "at")
        )
        echo(f"{entry['at']}  {entry['report_id']}  {counts}")


@main.command("export")
@click.argument("what", type=click.Choice(["findings", "requirements"]))
@click.option(
    "-o",
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .xlsx (Excel) or .csv (UTF-8 with BOM); the extension decides.",
)
@click.option("--audit", "audit_id", default=None, help="Report id [default: the newest].")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@ORG_OPTION
@DB_OPTION
def export_command(
    what: str,
    out_file: Path,
    audit_id: str | None,
    as_json: bool,
    inventory_path: Path | None,
    db_url: str | None,
) -> None:
    """Export findings or the per-requirement status, with headers in your language."""
    from auditor.store.export import findings_table, requirements_table
    from auditor.tables import EXTENSIONS, write_table

    t = _t()
    if out_file.suffix.lower() not in EXTENSIONS:  # refused before anything is read
        _fail(t("export.bad_extension", suffix=out_file.suffix or "—"))
    if not out_file.parent.is_dir():  # a typo in a folder name does not create folders
        _fail(t("export.no_folder", folder=str(out_file.parent)))
    store = _store(db_url, inventory_path)
    with store.transaction() as session:
        rows = (
            findings_table(session, store.org, t)
            if what == "findings"
            else requirements_table(session, store.org, t, audit_id)
        )
    with _input_errors():
        write_table(rows, out_file, t(f"export.{what}_sheet"))
    if as_json:
        echo(json.dumps({"path": str(out_file), "rows": len(rows) - 1}, ensure_ascii=False))
        return
    echo(t("store.exported", count=len(rows) - 1, path=out_file))
