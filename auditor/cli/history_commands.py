"""Commands that follow findings: findings, diff, history, export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

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
from auditor.runtime import default_actor
from auditor.textsafe import SafeConsole, cell, echo, printable

if TYPE_CHECKING:
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
    from rich.table import Table
    from sqlalchemy import select

    from auditor.store.models import FindingRow

    t = _t()
    store = _store(db_url, inventory_path)
    today = dt.datetime.now(dt.UTC).date()
    store.expire_waivers(today, default_actor(), dt.datetime.now(dt.UTC))
    with store.transaction() as session:
        mine = select(FindingRow).where(FindingRow.org == store.org)
        rows = list(session.scalars(mine.order_by(FindingRow.due, FindingRow.id)))
    wanted = ["open", "reopened", "waived"] if status == "active" else [status]
    rows = [
        r
        for r in rows
        if r.status in wanted
        and (asset is None or r.asset_id == asset)
        and (severity is None or r.severity == severity)
        and (not overdue or (r.due is not None and r.due < today and r.status != "waived"))
    ]
    rows.sort(key=lambda r: (not (r.due is not None and r.due < today), r.due or dt.date.max))
    if as_json:
        echo(json.dumps([_finding_dict(r, today) for r in rows], ensure_ascii=False))
        return
    if not rows:  # an empty table reads as a broken command
        echo(t("history.no_findings"))
        return
    table = Table(title=t("export.findings_sheet"))
    # identifiers and dates are never cut or folded (an 80-column terminal, a pipe): the
    # words around them wrap instead
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
        late = r.due is not None and r.due < today and r.status != "waived"
        table.add_row(
            *map(
                cell,
                (
                    r.id,
                    r.asset_id,
                    r.requirement,
                    t(f"severity.{r.severity}"),
                    t(f"finding.{r.status}"),
                    r.owner or "—",
                    f"{r.due or '—'}{' !' if late else ''}",
                ),
            )
        )
    SafeConsole(highlight=False, soft_wrap=True).print(table)


def _finding_dict(row: FindingRow, today: dt.date) -> dict[str, Any]:
    return {
        "id": row.id,
        "asset": row.asset_id,
        "requirement": row.requirement,
        "severity": row.severity,
        "status": row.status,
        "owner": row.owner,
        "due": row.due.isoformat() if row.due else None,
        "overdue": row.due is not None and row.due < today and row.status != "waived",
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
    from sqlalchemy import select

    from auditor.store.models import EventRow

    t = _t()
    store = _store(db_url, any_org=True)
    with _store_errors(), store.transaction() as session:
        row = store.finding(session, finding_id)
        events = list(
            session.scalars(
                select(EventRow)
                .where(EventRow.finding_id == row.id)
                .order_by(EventRow.at, EventRow.id)
            )
        )
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
    from auditor.store.db import from_store

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
    from sqlalchemy import select

    from auditor.store.history import compare
    from auditor.store.models import AuditRow

    t = _t()
    store = _store(db_url, any_org=True)
    with store.transaction() as session:
        resolved = []
        for prefix in (audit_a, audit_b):
            found = session.scalars(
                select(AuditRow.id).where(AuditRow.id.startswith(prefix, autoescape=True)).limit(2)
            ).all()
            if len(found) != 1:
                code = "store.unknown_audit" if not found else "store.ambiguous_audit"
                _fail(t(code, detail=prefix))
            resolved.append(found[0])
        owners = set(session.scalars(select(AuditRow.org).where(AuditRow.id.in_(resolved))))
        if len(owners) > 1:  # two communes' audits have nothing to compare
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
    from sqlalchemy import func, select

    from auditor.store.models import AuditRow, ResultRow

    t = _t()
    store = _store(db_url, inventory_path)
    with store.transaction() as session:
        rows = session.execute(
            select(AuditRow.id, AuditRow.generated_at, ResultRow.status, func.count())
            .join(ResultRow, ResultRow.audit_id == AuditRow.id)
            .where(AuditRow.org == store.org, ResultRow.asset_id == asset_id)
            .group_by(AuditRow.id, AuditRow.generated_at, ResultRow.status)
            .order_by(AuditRow.generated_at)
        ).all()
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
    from auditor.store.export import EXTENSIONS, findings_table, requirements_table, write_table

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


# ------------------------------------------------------------------ incidents
def _moment(value: str) -> dt.datetime:
    """'2026-05-03 09:30' (Vietnam time unless an offset is given) → an aware datetime."""
    from auditor.report.official import VIETNAM

    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(_t()("incident.bad_time", value=value)) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM)


INCIDENT_KINDS = ["malware", "intrusion", "dos", "defacement", "phishing", "data_leak", "other"]


@main.group()
def incidents() -> None:
    """The incident register: every incident handled, for the annual report and the
    incident-response requirements."""


CHANNELS = ["email", "qlvb", "paper", "phone", "portal", "other"]
CHANNEL_OPTION = click.option(
    "--channel",
    type=click.Choice(CHANNELS),
    default="other",
    show_default=True,
    help="How it was sent: email, qlvb (the document system), paper, phone, portal.",
)
REFERENCE_OPTION = click.option(
    "--reference",
    default=None,
    help="The number of the notice or report sent (e.g. '12/TB-UBND'): its evidence.",
)


@incidents.command("add")
@click.option(
    "--at",
    "detected",
    required=True,
    help="When it was detected: 'YYYY-MM-DD HH:MM' (Vietnam time).",
)
@click.option(
    "--type", "kind", type=click.Choice(INCIDENT_KINDS), required=True, help="What happened."
)
@click.option(
    "--severity",
    type=click.Choice(["low", "medium", "high", "serious"]),
    required=True,
    help="How bad ('serious': a notice within 24 hours and a report within 72 under NĐ 331).",
)
@click.option("--description", required=True, help="What was seen, in a sentence or two.")
@click.option("--actions", default="", help="What was done about it.")
@click.option("--system", default=None, help="Id of the information system concerned.")
@click.option("--asset", "asset_id", default=None, help="Id of the asset concerned.")
@click.option("--reported-to", default=None, help="Who was notified, e.g. 'Công an tỉnh (PA05)'.")
@click.option("--reported-at", default=None, help="When they were notified: 'YYYY-MM-DD HH:MM'.")
@CHANNEL_OPTION
@REFERENCE_OPTION
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The organisation's inventory: whose register, and what --system and --asset "
    "must name [default: ./inventory.yaml, else the only organisation in the history].",
)
@BY_OPTION
@DB_OPTION
def incidents_add(
    detected: str,
    kind: str,
    severity: str,
    description: str,
    actions: str,
    system: str | None,
    asset_id: str | None,
    reported_to: str | None,
    reported_at: str | None,
    channel: str,
    reference: str | None,
    inventory_path: Path | None,
    actor: str | None,
    db_url: str | None,
) -> None:
    """Record an incident in the register (it appears in the annual report), with the
    notice already sent if any; says at once what is due by when, or already late."""
    from pydantic import ValidationError

    from auditor.incidents import Incident
    from auditor.store.incidents import add_incident

    t = _t()
    if inventory_path is not None:
        from auditor.inventory import load_inventory

        with _input_errors():
            inv = load_inventory(inventory_path)
        if system is not None and system not in {s.id for s in inv.systems}:
            raise click.BadParameter(t("incident.unknown_system", id=system), param_hint="--system")
        if asset_id is not None and asset_id not in {a.id for a in inv.assets}:
            raise click.BadParameter(t("incident.unknown_asset", id=asset_id), param_hint="--asset")
    if (reported_to is None) != (reported_at is None):
        _fail(t("incident.notice_needs_both"))
    sent = (
        [_sent("notice", reported_to, reported_at, channel, reference)]
        if reported_to and reported_at
        else []
    )
    try:
        incident = Incident(
            detected_at=_moment(detected),
            system=system,
            asset_id=asset_id,
            kind=kind,
            severity=severity,
            description=description,
            actions=actions,
            recorded_by=actor or default_actor(),
            recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sent=sent,
        )
    except ValidationError as exc:
        _invalid(exc)
    if sent and sent[0].at < incident.detected_at:
        _fail(t("incident.reported_before_detected"))
    _not_in_future(incident.detected_at, *(s.at for s in sent))
    store = _store(db_url, inventory_path)
    with _store_errors(), store.transaction() as session:
        saved = add_incident(session, store.org, incident)
    echo(t("incident.added", id=saved.id))
    _say_deadlines(saved)


def _invalid(exc: Any) -> NoReturn:
    """A field of an incident that does not validate, named (never pydantic's English)."""
    _fail(_t()("incident.invalid", field=".".join(str(p) for p in exc.errors()[0]["loc"])))


def _sent(kind: str, to: str, at: str, channel: str, reference: str | None) -> Any:
    """A report sent about an incident, from the command line, or a named refusal."""
    from pydantic import ValidationError

    from auditor.incidents import SentReport

    try:
        return SentReport.model_validate(
            {"kind": kind, "at": _moment(at), "to": to, "channel": channel, "reference": reference}
        )
    except ValidationError as exc:
        _invalid(exc)


def _not_in_future(*moments: dt.datetime) -> None:
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # a clock a little ahead is fine
    if any(m > now for m in moments):
        _fail(_t()("incident.in_future"))


def _say_deadlines(incident: Any) -> None:
    """What the incident owes under the text in force on its day: late ones as a warning
    on stderr at once, pending ones with their due time."""
    from auditor.cli.app import err
    from auditor.incidents import deadlines
    from auditor.report.official import dmy, vn_time

    t = _t()
    rule, owed = deadlines(incident)
    now = dt.datetime.now(dt.UTC)
    for due in owed:
        state = due.state(now)
        if state == "on_time":
            continue
        words = t(
            f"incident.deadline.{state}",
            report=t(f"incident.sent_kind.{due.kind}"),
            due=f"{dmy(due.due)} {vn_time(due.due):%H:%M}",
            basis=rule.basis.vi if rule and t.lang == "vi" else rule.basis.en if rule else "",
            id=incident.id,
        )
        err.print(words, markup=False) if state == "late" else echo(words)


@incidents.command("update")
@click.argument("incident_id", type=int)
@click.option("--note", default="", help="What was found or done since, in a sentence or two.")
@click.option(
    "--sent",
    "sent_kind",
    type=click.Choice(["notice", "report", "final"]),
    default=None,
    help="A report was sent: the first notice, the report (cause, scope, remedy), the final one.",
)
@click.option("--to", "sent_to", default=None, help="To whom it was sent (with --sent).")
@click.option("--at", "sent_at", default=None, help="When it was sent: 'YYYY-MM-DD HH:MM'.")
@CHANNEL_OPTION
@REFERENCE_OPTION
@ORG_OPTION
@BY_OPTION
@DB_OPTION
def incidents_update(
    incident_id: int,
    note: str,
    sent_kind: str | None,
    sent_to: str | None,
    sent_at: str | None,
    channel: str,
    reference: str | None,
    inventory_path: Path | None,
    actor: str | None,
    db_url: str | None,
) -> None:
    """Add to an incident what happened since: a note, a report sent (to whom, when, how,
    its number). Nothing recorded is rewritten; every addition is in its history."""

    from auditor.store.incidents import update_incident

    t = _t()
    sent = None
    if sent_kind is not None:
        if not sent_to or not sent_at:
            _fail(t("incident.sent_needs_to_and_at"))
        sent = _sent(sent_kind, sent_to, sent_at, channel, reference)
        _not_in_future(sent.at)
    elif not note.strip():
        _fail(t("incident.nothing_to_add"))
    store = _store(db_url, inventory_path)
    with _store_errors(), store.transaction() as session:
        updated = update_incident(
            session,
            store.org,
            incident_id,
            actor=actor or default_actor(),
            now=dt.datetime.now(dt.UTC).replace(microsecond=0),
            note=note.strip(),
            sent=sent,
        )
    echo(t("incident.updated", id=incident_id))
    _say_deadlines(updated)


@incidents.command("close")
@click.argument("incident_id", type=int)
@click.option(
    "--result", required=True, callback=not_blank, help="How the response ended, in a sentence."
)
@click.option("--at", "closed_at", default=None, help="When it ended [default: now].")
@ORG_OPTION
@BY_OPTION
@DB_OPTION
def incidents_close(
    incident_id: int,
    result: str,
    closed_at: str | None,
    inventory_path: Path | None,
    actor: str | None,
    db_url: str | None,
) -> None:
    """Close an incident with the result of the response (once; later facts are added with
    `incidents update`)."""
    from auditor.store.incidents import close_incident

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    at = _moment(closed_at) if closed_at else now
    _not_in_future(at)
    store = _store(db_url, inventory_path)
    with _store_errors(), store.transaction() as session:
        close_incident(
            session,
            store.org,
            incident_id,
            actor=actor or default_actor(),
            now=now,
            at=at,
            result=result,
        )
    echo(_t()("incident.closed", id=incident_id))


def _incident_dict(incident: Any) -> dict[str, Any]:
    from auditor.incidents import deadlines

    rule, owed = deadlines(incident)
    now = dt.datetime.now(dt.UTC)
    return dict(incident.model_dump(mode="json")) | {
        "rule": rule.id if rule else None,
        "deadlines": [
            {"report": d.kind, "due": d.due.isoformat(), "state": d.state(now)} for d in owed
        ],
    }


@incidents.command("list")
@click.option(
    "--year", type=int, default=None, help="Only the reporting period ending 14/12 of YEAR."
)
@click.option("--json", "as_json", is_flag=True)
@ORG_OPTION
@DB_OPTION
def incidents_list(
    year: int | None, as_json: bool, inventory_path: Path | None, db_url: str | None
) -> None:
    """List recorded incidents, oldest first, with whether each was reported in time."""
    from rich.table import Table

    from auditor.incidents import reporting_state
    from auditor.report.annual import period_bounds
    from auditor.report.official import dmy, vn_time
    from auditor.store.incidents import incidents_between

    t = _t()
    now = dt.datetime.now(dt.UTC)
    start, end = period_bounds(year) if year else (None, None)
    store = _store(db_url, inventory_path)
    with _store_errors(), store.transaction() as session:
        found = incidents_between(session, store.org, start, end)
    if as_json:
        echo(json.dumps([_incident_dict(i) for i in found], ensure_ascii=False))
        return
    if not found:
        echo(t("incident.none"))
        return
    table = Table(show_header=True, header_style="bold", box=None)
    for key in ("id", "detected", "type", "severity", "where", "reporting", "description"):
        table.add_column(t("incident.col." + key))
    for i in found:
        table.add_row(
            str(i.id),
            f"{dmy(i.detected_at)} {vn_time(i.detected_at):%H:%M}",
            t("incident.kind." + i.kind),
            t("incident.severity." + i.severity),
            cell(" / ".join(x for x in (i.system, i.asset_id) if x) or "—"),
            t(f"incident.state.{reporting_state(i, now)}")
            + (f" · {t('incident.state.closed')}" if i.closed_at else ""),
            cell(i.description if len(i.description) <= 60 else i.description[:59] + "…"),
        )
    SafeConsole().print(table)


@incidents.command("show")
@click.argument("incident_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@ORG_OPTION
@DB_OPTION
def incidents_show(
    incident_id: int, as_json: bool, inventory_path: Path | None, db_url: str | None
) -> None:
    """Show one incident in full: the reports it owed and sent, and its whole history."""
    from auditor.incidents import deadlines
    from auditor.report.official import dmy, vn_time
    from auditor.store.incidents import get_incident

    t = _t()
    store = _store(db_url, inventory_path)
    with _store_errors(), store.transaction() as session:
        incident = get_incident(session, store.org, incident_id)
    if incident is None:
        _fail(t("incident.not_found", id=incident_id))
    if as_json:
        echo(json.dumps(_incident_dict(incident), ensure_ascii=False))
        return

    def when(moment: dt.datetime | None) -> str:
        return f"{dmy(moment)} {vn_time(moment):%H:%M}" if moment else "—"

    lines = [
        (t("incident.col.id"), str(incident.id)),
        (t("incident.col.detected"), when(incident.detected_at)),
        (t("incident.col.type"), t("incident.kind." + incident.kind)),
        (t("incident.col.severity"), t("incident.severity." + incident.severity)),
        (t("incident.col.system"), incident.system or "—"),
        (t("incident.col.asset"), incident.asset_id or "—"),
        (t("incident.col.description"), incident.description),
        (t("incident.col.actions"), incident.actions or "—"),
        (t("incident.col.recorded_by"), incident.recorded_by),
        (t("incident.col.closed"), when(incident.closed_at)),
    ]
    for label, value in lines:
        echo(f"{label}: {printable(value, 5000)}")
    rule, owed = deadlines(incident)
    now = dt.datetime.now(dt.UTC)
    if rule is not None:
        basis = rule.basis.vi if t.lang == "vi" else rule.basis.en
        echo(t("incident.rule", basis=basis))
    for due in owed:
        echo(
            f"  {t(f'incident.sent_kind.{due.kind}')}: {t('incident.due')} {when(due.due)} — "
            f"{t(f'incident.state.{due.state(now)}')}"
        )
    echo(t("incident.col.sent") + ":")
    for sent in incident.sent:
        how = [t(f"incident.channel.{sent.channel}")]
        if sent.reference:
            how.append(t("incident.number", number=printable(sent.reference, 100)))
        what = t(f"incident.sent_kind.{sent.kind}")
        echo(f"  {when(sent.at)}  {what} → {printable(sent.to, 300)} ({', '.join(how)})")
    if not incident.sent:
        echo("  —")
    echo(t("incident.col.history") + ":")
    for event in incident.history:
        detail = event.detail if event.kind != "sent" else ""
        echo(
            f"  {when(event.at)}  {printable(event.actor, 200)}  "
            f"{t(f'incident.event.{event.kind}')}{': ' + printable(detail, 2000) if detail else ''}"
        )
