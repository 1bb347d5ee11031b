"""Commands of the incident register: add, update, close, list, show, and the notice or
report an incident owes as an official document."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import click

from auditor.cli.app import (
    BY_OPTION,
    DB_OPTION,
    LANG_OPTION,
    ORG_OPTION,
    CertifierArgs,
    _fail,
    _gathering,
    _input_errors,
    _lang,
    _store,
    _store_errors,
    _t,
    certifier_options,
    err,
    main,
    not_blank,
)
from auditor.cli.console import echo
from auditor.fileio import atomic_write
from auditor.runtime import default_actor
from auditor.textsafe import SafeConsole, cell, printable

if TYPE_CHECKING:
    from auditor.incidents import SentKind


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


@dataclass(frozen=True)
class IncidentFacts:
    """The facts the report forms ask for beyond the first entry, as given on the command
    line (each optional, added to the incident's history; the latest value counts)."""

    detection_method: str | None
    affected: str | None
    cause: str | None
    requests: str | None

    def given(self) -> dict[Any, str]:
        """The facts given, trimmed; blank ones dropped."""
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return {k: v.strip() for k, v in values.items() if v and v.strip()}


DETAIL_OPTIONS = [
    click.option("--detected-by", "detection_method", default=None,
                 help="How it was found (an alert, a user, the SOC, …)."),
    click.option("--affected", default=None,
                 help="What it touched: services, data, addresses, domains."),
    click.option("--cause", default=None, help="Its cause, once known."),
    click.option("--requests", default=None,
                 help="Support asked of the province or the national team."),
]  # fmt: skip


def detail_options(func: Callable[..., None]) -> Callable[..., None]:
    """The form's facts, given to the command as `facts: IncidentFacts`."""
    return _gathering(DETAIL_OPTIONS, IncidentFacts, "facts", func)


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
@detail_options
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
    facts: IncidentFacts,
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
        saved = add_incident(session, store.org, incident, facts.given())
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
@detail_options
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
    facts: IncidentFacts,
    inventory_path: Path | None,
    actor: str | None,
    db_url: str | None,
) -> None:
    """Add to an incident what happened since: a note, a report sent (to whom, when, how,
    its number). Nothing recorded is rewritten; every addition is in its history."""

    from auditor.store.incidents import update_incident

    t = _t()
    sent = None
    details = facts.given()
    if sent_kind is not None:
        if not sent_to or not sent_at:
            _fail(t("incident.sent_needs_to_and_at"))
        sent = _sent(sent_kind, sent_to, sent_at, channel, reference)
        _not_in_future(sent.at)
    elif not note.strip() and not details:
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
            details=details,
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
        *((t(f"incident.field.{k}"), v) for k, v in incident.details.items()),
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
        if event.kind == "detail":
            field, _, value = detail.partition("=")
            detail = f"{t(f'incident.field.{field}')} = {value}"
        echo(
            f"  {when(event.at)}  {printable(event.actor, 200)}  "
            f"{t(f'incident.event.{event.kind}')}{': ' + printable(detail, 2000) if detail else ''}"
        )


@incidents.command("report")
@click.argument("incident_id", type=int)
@click.option(
    "--kind",
    type=click.Choice(["notice", "report", "final"]),
    default="notice",
    show_default=True,
    help="Which document: the notice, the report (cause, scope, remedy; TT 20's Mẫu 03), or "
    "the final report once the incident is closed (Mẫu 04).",
)
@click.option("--to", "addressee", default=None, help="Kính gửi: the body it is sent to.")
@click.option("--number", default=None, help="Its number once registered, e.g. 12 or 12/TB-UBND.")
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Existing folder to write incident-ID-KIND.html (and .pdf, .json) into.",
)
@click.option("--lang", "doc_lang", type=LANG_OPTION, default=None)
@click.option("--pdf", "make_pdf", is_flag=True, help="Also write the PDF, certified (PAdES).")
@certifier_options
@ORG_OPTION
@DB_OPTION
def incidents_report(
    incident_id: int,
    kind: str,
    addressee: str | None,
    number: str | None,
    out_dir: Path,
    doc_lang: str | None,
    make_pdf: bool,
    certifier: CertifierArgs,
    inventory_path: Path | None,
    db_url: str | None,
) -> None:
    """Make the notice or report an incident owes as an official document (NĐ 30/2020),
    with the fields the forms of the rules in force on its day ask for, filled from the
    register and the inventory; what the register does not hold is left blank and named."""
    from auditor.inventory import load_inventory
    from auditor.report.incident_doc import (
        incident_context,
        record_bytes,
        record_digest,
        render_incident_html,
    )
    from auditor.store.incidents import get_incident

    t = _t()
    lang = doc_lang or _lang()
    path = inventory_path or Path("inventory.yaml")
    if not path.is_file():
        _fail(t("incident.needs_inventory"))
    with _input_errors():
        inventory = load_inventory(path)
    store = _store(db_url, path)
    with _store_errors(), store.transaction() as session:
        incident = get_incident(session, store.org, incident_id)
    if incident is None:
        _fail(t("incident.not_found", id=incident_id))
    if kind == "final" and incident.closed_at is None:
        _fail(t("incident_doc.not_closed", id=incident_id))
    made = dt.datetime.now(dt.UTC).replace(microsecond=0)
    document = cast("SentKind", kind)
    record = record_bytes(inventory, incident, document, made)
    digest = record_digest(record)
    context = incident_context(
        inventory,
        incident,
        document,
        lang,
        made=made,
        number=number,
        addressee=addressee,
        record_sha256=digest,
    )
    stem = out_dir / f"incident-{incident_id}-{kind}"
    html = render_incident_html(context)
    with _input_errors():
        atomic_write(stem.with_suffix(".json"), record)
        atomic_write(stem.with_suffix(".html"), html.encode())
    echo(t("incident_doc.written", path=stem.with_suffix(".html")))
    missing = [line.label for line in context["lines"] if line.missing]
    if missing or not context["addressee"]:
        labels = missing + ([] if context["addressee"] else [t("mau08.to").rstrip(":")])
        err.print(t("incident_doc.missing", fields="; ".join(labels), id=incident_id), markup=False)
    if make_pdf:
        _incident_pdf(stem, html, inventory, certifier, context, digest)
        echo(t("incident_doc.written", path=stem.with_suffix(".pdf")))


def _incident_pdf(
    stem: Path,
    html: str,
    inventory: Any,
    certifier: CertifierArgs,
    context: dict[str, Any],
    digest: str,
) -> None:
    """The document as PDF, certified with the auditor's key and bound to its record (the
    JSON beside it, by name and sha256)."""
    try:
        from auditor.report.pades import binding_keywords, certify_pdf
        from auditor.report.pdf import render_document
    except ImportError:
        _fail(_t()("pdf.missing_dependency"))
    org = inventory.organisation
    with _input_errors():
        rendered = render_document(html, org.documents.seal_mm)
        data = certify_pdf(
            rendered,
            certifier.spec(),
            reason=f"{context['doc_kind']} — {context['abstract']}",
            location=org.commune,
            keywords=binding_keywords(stem.name, digest),
            tsa_url=certifier.tsa,
        )
        atomic_write(stem.with_suffix(".pdf"), data)
