"""The `auditor` command line. Parses options, calls the library, prints in vi or en.

Exit codes: 0 all requirements met, 1 findings, 2 usage or input error,
3 some assets could not be collected.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from cryptography import x509
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from auditor import __version__
from auditor.audit import EXIT_INPUT, default_actor, run_audit, signer_for
from auditor.checking import discover
from auditor.collect.ssh import fetch_host_key, pin_host_key
from auditor.collect.windows import windows_script
from auditor.errors import CollectionError, InputError
from auditor.fileio import atomic_write
from auditor.importing import import_facts
from auditor.inventory import Connection, load_inventory
from auditor.messages.catalogue import LANGS, Messages
from auditor.paths import (
    auditor_home,
    default_imports_dir,
    default_key_dir,
    default_known_hosts,
    default_outbox,
)
from auditor.policy import builtin_packs, diff_packs, load_policy
from auditor.report.annual import annual_context, render_annual
from auditor.report.model import Report
from auditor.report.pades import (
    KeyFileSigner,
    Pkcs12Signer,
    SignerSpec,
    TokenSigner,
    verify_pdf,
    write_signed_pdf,
)
from auditor.report.pdf import render_pdf
from auditor.report.signing import CERT_FILE, SigningError, fingerprint, import_p12, init_keys
from auditor.report.verify import verify_dir
from auditor.schedule import (
    UNIT,
    Plan,
    annual_due,
    cron_line,
    install,
    quarterly_due,
    remove,
)
from auditor.store.export import findings_table, requirements_table, write_table
from auditor.store.history import Store, StoreError, compare
from auditor.store.models import AuditRow, EventRow, FindingRow, ResultRow
from auditor.upload.outbox import Outbox
from auditor.upload.sender import upload_pending
from auditor.upload.transport import HttpsTransport, SftpTransport, Transport

err = Console(stderr=True, highlight=False, soft_wrap=True)


def _lang() -> str:
    return str(click.get_current_context().obj["lang"])


def _t() -> Messages:
    return Messages(_lang())


def _fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    err.print(message, markup=False)
    sys.exit(code)


def _print_problems(exc: InputError) -> NoReturn:
    t = _t()
    by_file: dict[str, list[Any]] = {}
    for p in exc.problems:
        by_file.setdefault(p.file, []).append(p)
    for file, problems in by_file.items():
        err.print(t("cli.error_count", count=len(problems), file=file), markup=False)
        for p in problems:
            err.print(
                "  "
                + t(
                    "cli.problem",
                    file=p.file,
                    line=p.line or "-",
                    field=p.field or "-",
                    message=t(p.code, **p.params),
                ),
                markup=False,
            )
    sys.exit(EXIT_INPUT)


@contextmanager
def _input_errors() -> Iterator[None]:
    """Every known input failure becomes a clear message and exit code 2, never a traceback."""
    try:
        yield
    except InputError as exc:
        _print_problems(exc)
    except SigningError as exc:
        _fail(_t()(exc.code, detail=exc.detail))
    except OSError as exc:
        _fail(_t()("cli.write_failed", path=exc.filename or "?", detail=exc.strerror or str(exc)))
    except SQLAlchemyError as exc:  # the history database could not be written or reached
        detail = getattr(exc, "orig", None) or type(exc).__name__
        _fail(_t()("store.db_failed", detail=str(detail)))


def _passphrase(passphrase_file: Path | None) -> bytes | None:
    """From a file (never the command line) or $AUDITOR_KEY_PASSPHRASE."""
    if passphrase_file is not None:
        return passphrase_file.read_bytes().rstrip(b"\r\n") or None
    env = os.environ.get("AUDITOR_KEY_PASSPHRASE")
    return env.encode() if env else None


DB_OPTION = click.option(
    "--db",
    "db_url",
    default=lambda: os.environ.get("AUDITOR_DB"),
    help="History database URL: sqlite:///path or postgresql://user@host/db "
    "[default: $AUDITOR_DB, else $AUDITOR_HOME/history.db].",
)
BY_OPTION = click.option(
    "--by",
    "actor",
    default=None,
    help="Who does this, for the findings history [default: login name].",
)


EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
LANG_OPTION = click.Choice(LANGS)
KEY_DIR = click.option(
    "--key-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Signing key directory [default: $AUDITOR_HOME/keys].",
)
PASSFILE = click.option(
    "--passphrase-file",
    type=EXISTING_FILE,
    help="File holding the key passphrase (or set AUDITOR_KEY_PASSPHRASE).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang",
    type=LANG_OPTION,
    default=lambda: os.environ.get("AUDITOR_LANG", "vi"),
    show_default="vi, or $AUDITOR_LANG",
    help="Language of messages and reports.",
)
@click.version_option(__version__, prog_name="auditor")
@click.pass_context
def main(ctx: click.Context, lang: str) -> None:
    """Audit a commune's IT assets against level-2 security requirements (NĐ 85/2016,
    TCVN 11930; current refs NĐ 331/2026, TCVN 14423) and write a signed report.

    \b
    Typical first run:
      auditor inventory validate inventory.yaml
      auditor audit -i inventory.yaml -o out/
      auditor verify out/
    """
    ctx.obj = {"lang": lang}


# ------------------------------------------------------------------ audit
@main.command()
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Inventory YAML describing your assets.",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory for report.json, report.json.p7s, report.html and evidence/. "
    "An earlier report there is moved to archive/ first.",
)
@click.option(
    "--lang",
    "report_lang",
    type=LANG_OPTION,
    default=None,
    help="Report language [default: the global --lang].",
)
@KEY_DIR
@PASSFILE
@click.option(
    "--known-hosts",
    type=click.Path(path_type=Path),
    default=None,
    help="Pinned SSH host keys [default: $AUDITOR_HOME/known_hosts].",
)
@DB_OPTION
@click.option("--no-history", is_flag=True, help="Do not record this audit in the history store.")
@click.option(
    "--pdf",
    "make_pdf",
    is_flag=True,
    help="Also write report.pdf signed with PAdES (needs the [pdf] extra).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def audit(
    inventory_path: Path,
    out_dir: Path,
    report_lang: str | None,
    key_dir: Path | None,
    passphrase_file: Path | None,
    known_hosts: Path | None,
    db_url: str | None,
    no_history: bool,
    make_pdf: bool,
    as_json: bool,
) -> None:
    """Collect facts from every asset, judge them, write and sign the report.

    Exit code 0 when every applicable requirement is met, 1 when there are findings,
    2 for bad input, 3 when some asset could not be collected.
    """
    t = _t()
    lang = report_lang or _lang()
    keys = key_dir or default_key_dir()
    with _input_errors():
        inventory = load_inventory(inventory_path)
        with _progress(len(inventory.assets), t) as tick:
            result = run_audit(
                inventory_path,
                out_dir,
                lang=lang,
                key_dir=keys,
                passphrase=_passphrase(passphrase_file),
                known_hosts=known_hosts or default_known_hosts(),
                progress=tick,
                db_url=db_url,
                record=not no_history,
            )
    report = result.report
    if make_pdf:
        with _input_errors():
            _write_pdf(
                out_dir,
                report,
                lang,
                KeyFileSigner(key_dir=keys, passphrase=_passphrase(passphrase_file)),
                None,
                None,
            )
    summary = report.evaluation.summary
    failed_assets = [a.id for a in report.assets if a.failures]
    if result.key_created:
        err.print(t("keys.auto_created", dir=keys), markup=False)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "report_id": report.report_id,
                    "out": str(out_dir),
                    "exit_code": result.exit_code,
                    "counts": summary.counts,
                    "coverage": summary.coverage,
                    "collection_failures": {
                        a.id: [f.code for f in a.failures] for a in report.assets if a.failures
                    },
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
    else:
        c = summary.counts
        click.echo(
            t(
                "cli.result",
                met=c["met"],
                partly=c["partly_met"],
                not_met=c["not_met"],
                not_assessed=c["not_assessed"],
                coverage=f"{summary.coverage:.0%}",
            )
        )
        if failed_assets:
            click.echo(
                t(
                    "cli.collection_errors",
                    count=len(failed_assets),
                    assets=", ".join(failed_assets),
                )
            )
        click.echo(t("cli.written", path=out_dir / "report.html"))
    sys.exit(result.exit_code)


@contextmanager
def _progress(total: int, t: Messages) -> Iterator[Callable[[str, str], None]]:
    """A progress bar on stderr for multi-host work; silent for a single asset."""
    if total < 2 or not err.is_terminal:
        yield lambda _asset, _event: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(t("cli.collecting"), total=total)

        def tick(_asset: str, event: str) -> None:
            if event == "scan":
                bar.update(task, description=t("cli.scanning"))
            else:
                bar.advance(task)

        yield tick


# ------------------------------------------------------------------ verify
def _verified_report(directory: Path) -> Report:
    """The report of a directory whose signature and evidence verify; else exit 1 saying why.
    Nothing (PDF, annual view) is ever made from a changed report."""
    t = _t()
    verdict = verify_dir(directory, _anchors(()))
    if not verdict.ok or verdict.report is None:
        err.print(t("verify.failed"), markup=False)
        for code, params in verdict.problems:
            err.print("  - " + t(code, **params), markup=False)
        sys.exit(1)
    return verdict.report


def _anchors(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    """Trusted certificates: those given, else this machine's own signing certificate."""
    chosen = list(paths) or [p for p in [default_key_dir() / CERT_FILE] if p.exists()]
    return [c for p in chosen for c in x509.load_pem_x509_certificates(p.read_bytes())]


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--ca",
    "anchors",
    multiple=True,
    type=EXISTING_FILE,
    help="Trusted certificate (PEM); repeatable. Default: this machine's own signing certificate.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def verify(directory: Path, anchors: tuple[Path, ...], as_json: bool) -> None:
    """Check a report's signature, its signer and every evidence file's hash.

    Exit code 0 when valid, 1 when anything was changed or the signer is not trusted.
    """
    t = _t()
    certs = _anchors(anchors)
    verdict = verify_dir(directory, certs)
    pdf_problems: list[str] = []
    pdf = None
    if (directory / "report.pdf").exists():
        try:
            pdf = verify_pdf(directory / "report.pdf", certs)
        except ImportError:
            _fail(t("pdf.missing_dependency"))
        pdf_problems = pdf.problems
        verdict.problems += [(code, {}) for code in pdf.problems]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "valid": verdict.ok,
                    "signer": verdict.signer,
                    "evidence_checked": verdict.evidence_checked,
                    "problems": [code for code, _ in verdict.problems],
                    "pdf_problems": pdf_problems,
                },
                ensure_ascii=False,
            )
        )
    elif verdict.ok:
        click.echo(t("verify.ok", subject=verdict.signer, count=verdict.evidence_checked))
        if pdf is not None:
            click.echo(t("pdf.valid", signer=pdf.signer, coverage=t("pdf.covered")))
    else:
        err.print(t("verify.failed"), markup=False)
        for code, params in verdict.problems:
            err.print("  - " + t(code, **params), markup=False)
    sys.exit(0 if verdict.ok else 1)


# ------------------------------------------------------------------ history
def _store(db_url: str | None) -> Store:
    try:
        return Store(db_url)
    except SQLAlchemyError as exc:
        _fail(_t()("store.db_failed", detail=type(exc).__name__))


@contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except StoreError as exc:
        _fail(_t()(exc.code, detail=exc.detail))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: YYYY-MM-DD") from None


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
@DB_OPTION
def findings_list(
    status: str,
    asset: str | None,
    severity: str | None,
    overdue: bool,
    as_json: bool,
    db_url: str | None,
) -> None:
    """List findings (active ones by default), overdue first."""
    t = _t()
    store = _store(db_url)
    today = dt.datetime.now(dt.UTC).date()
    store.expire_waivers(today, default_actor(), dt.datetime.now(dt.UTC))
    with store.transaction() as session:
        rows = list(session.scalars(select(FindingRow).order_by(FindingRow.due, FindingRow.id)))
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
        click.echo(json.dumps([_finding_dict(r, today) for r in rows], ensure_ascii=False))
        return
    table = Table(t("export.findings_sheet"))
    for column in ("id", "asset", "requirement", "severity", "state", "owner", "due"):
        table.add_column(t(f"export.{column}"))
    for r in rows:
        late = r.due is not None and r.due < today and r.status != "waived"
        table.add_row(
            str(r.id),
            r.asset_id,
            r.requirement,
            t(f"severity.{r.severity}"),
            t(f"finding.{r.status}"),
            r.owner or "—",
            f"{r.due or '—'}{' !' if late else ''}",
        )
    Console(highlight=False, soft_wrap=True).print(table)


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
@DB_OPTION
def findings_show(finding_id: int, db_url: str | None) -> None:
    """One finding with the history of every state change (who, when)."""
    t = _t()
    store = _store(db_url)
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
        click.echo(json.dumps(_finding_dict(row, today), ensure_ascii=False, indent=1))
        for e in events:
            kind = t("finding." + e.kind) if t.has("finding." + e.kind) else e.kind
            audit = f"  [{e.audit_id}]" if e.audit_id else ""
            click.echo(f"{e.at.isoformat()}  {e.actor}  {kind}  {e.detail or ''}{audit}")


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
    with _store_errors():
        _store(db_url).assign(
            finding_id,
            owner,
            _date(due) if due else None,
            actor or default_actor(),
            dt.datetime.now(dt.UTC),
        )
    click.echo(_t()("store.assigned", id=finding_id, owner=owner))


@findings.command("note")
@click.argument("finding_id", type=int)
@click.argument("text")
@BY_OPTION
@DB_OPTION
def findings_note(finding_id: int, text: str, actor: str | None, db_url: str | None) -> None:
    """Add a note to a finding's history."""
    with _store_errors():
        _store(db_url).note(finding_id, text, actor or default_actor(), dt.datetime.now(dt.UTC))
    click.echo(_t()("store.noted", id=finding_id))


@findings.command("accept")
@click.argument("finding_id", type=int)
@click.option("--reason", required=True, help="Why the risk is accepted.")
@click.option("--until", "until", required=True, help="Last day of the waiver (YYYY-MM-DD).")
@click.option("--approved-by", required=True, help="Who approved it (name, title).")
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
    """Accept the risk until a date: reported as waived (never as passed), reopens after."""
    with _store_errors():
        _store(db_url).accept(
            finding_id,
            reason,
            _date(until),
            approved_by,
            actor or default_actor(),
            dt.datetime.now(dt.UTC),
        )
    click.echo(_t()("store.accepted", id=finding_id, until=until))


@findings.command("not-applicable")
@click.argument("asset_id")
@click.argument("requirement")
@click.option("--reason", required=True, help="Why, e.g. 'no Wi-Fi at this office'.")
@BY_OPTION
@DB_OPTION
def findings_not_applicable(
    asset_id: str, requirement: str, reason: str, actor: str | None, db_url: str | None
) -> None:
    """Mark a requirement not applicable to one asset (or "*" for the organisation)."""
    _store(db_url).mark_not_applicable(
        asset_id, requirement, reason, actor or default_actor(), dt.datetime.now(dt.UTC)
    )
    click.echo(_t()("store.marked_na", requirement=requirement, asset=asset_id))


@main.command("diff")
@click.argument("audit_a")
@click.argument("audit_b")
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
def diff_command(audit_a: str, audit_b: str, as_json: bool, db_url: str | None) -> None:
    """What changed between two audits (report ids): new, fixed, regressed, unchanged."""
    t = _t()
    store = _store(db_url)
    with store.transaction() as session:
        for audit_id in (audit_a, audit_b):
            if session.get(AuditRow, audit_id) is None:
                _fail(t("store.unknown_audit", detail=audit_id))
        changes = compare(session, audit_a, audit_b)
    if as_json:
        click.echo(changes.model_dump_json())
        return
    for key, items in (
        ("history.regressed", changes.regressed),
        ("history.new", changes.new),
        ("history.fixed", changes.fixed),
    ):
        click.echo(f"{t(key)} ({len(items)}):")
        for c in items:
            click.echo(f"  {c.requirement}  {c.asset_id}")
    click.echo(t("history.unchanged", count=changes.unchanged))


@main.command("history")
@click.argument("asset_id")
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
def history_command(asset_id: str, as_json: bool, db_url: str | None) -> None:
    """Each audit's result for one asset, oldest first."""
    t = _t()
    store = _store(db_url)
    with store.transaction() as session:
        rows = session.execute(
            select(AuditRow.id, AuditRow.generated_at, ResultRow.status, func.count())
            .join(ResultRow, ResultRow.audit_id == AuditRow.id)
            .where(ResultRow.asset_id == asset_id)
            .group_by(AuditRow.id, AuditRow.generated_at, ResultRow.status)
            .order_by(AuditRow.generated_at)
        ).all()
    audits: dict[str, dict[str, Any]] = {}
    for audit_id, when, status, count in rows:
        audits.setdefault(audit_id, {"report_id": audit_id, "at": when.isoformat()})[status] = count
    if as_json:
        click.echo(json.dumps(list(audits.values()), ensure_ascii=False))
        return
    for entry in audits.values():
        counts = ", ".join(
            f"{t('status.' + k)}: {v}" for k, v in entry.items() if k not in ("report_id", "at")
        )
        click.echo(f"{entry['at']}  {entry['report_id']}  {counts}")


@main.command("export")
@click.argument("what", type=click.Choice(["findings", "requirements"]))
@click.option(
    "-o",
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .xlsx (Excel) or .csv (UTF-8 with BOM).",
)
@click.option("--audit", "audit_id", default=None, help="Report id [default: the newest].")
@DB_OPTION
def export_command(what: str, out_file: Path, audit_id: str | None, db_url: str | None) -> None:
    """Export findings or the per-requirement status, with headers in your language."""
    t = _t()
    store = _store(db_url)
    with store.transaction() as session:
        rows = (
            findings_table(session, t)
            if what == "findings"
            else requirements_table(session, t, audit_id)
        )
    with _input_errors():
        write_table(rows, out_file, t(f"export.{what}_sheet"))
    click.echo(t("store.exported", count=len(rows) - 1, path=out_file))


# ------------------------------------------------------------------ delivery
def _secret_file(path: Path | None) -> str | None:
    """A token or password from a file nobody else can read; never from the command line."""
    if path is None:
        return None
    if path.stat().st_mode & 0o077:
        _fail(_t()("keys.too_open", detail=str(path)))
    return path.read_text(encoding="utf-8").strip()


@main.command("upload")
@click.option("--to", "url", default=None, help="Receiver base URL, e.g. https://soc.tinh.gov.vn")
@click.option(
    "--ca-bundle",
    type=EXISTING_FILE,
    default=None,
    help="The province's CA certificate(s) to verify the receiver.",
)
@click.option(
    "--client-cert",
    type=EXISTING_FILE,
    default=None,
    help="Commune certificate for mutual TLS (PEM).",
)
@click.option(
    "--client-key",
    type=EXISTING_FILE,
    default=None,
    help="Its private key (PEM, mode 0600).",
)
@click.option(
    "--token-file",
    type=EXISTING_FILE,
    default=None,
    help="File (mode 0600) holding a bearer token, if the SOC uses one.",
)
@click.option("--sftp", default=None, help="SFTP drop instead: user@host:port:/remote/dir")
@click.option(
    "--sftp-key",
    type=EXISTING_FILE,
    default=None,
    help="SSH key for the SFTP drop.",
)
@click.option("--attempts", default=5, show_default=True, help="Tries per report this run.")
@click.option("--json", "as_json", is_flag=True)
def upload_command(
    url: str | None,
    ca_bundle: Path | None,
    client_cert: Path | None,
    client_key: Path | None,
    token_file: Path | None,
    sftp: str | None,
    sftp_key: Path | None,
    attempts: int,
    as_json: bool,
) -> None:
    """Send every queued report, retrying with backoff; a report is never sent twice.

    Exit 0 when the outbox is empty afterwards, 1 when some reports still wait or were refused.
    """
    t = _t()
    transport: Transport
    if sftp:
        match = re.fullmatch(r"([^@]+)@([^:]+):(\d+):(/.*)", sftp)
        if match is None or sftp_key is None:
            raise click.UsageError("--sftp user@host:port:/dir needs --sftp-key")
        transport = SftpTransport(
            host=match.group(2),
            port=int(match.group(3)),
            user=match.group(1),
            key_file=sftp_key,
            known_hosts=default_known_hosts(),
            remote_dir=match.group(4),
        )
    elif url:
        transport = HttpsTransport(
            url=url,
            ca_bundle=ca_bundle,
            client_cert=client_cert,
            client_key=client_key,
            token=_secret_file(token_file),
        )
    else:
        raise click.UsageError("give --to URL or --sftp user@host:port:/dir")
    outbox = Outbox(default_outbox())
    result = upload_pending(outbox, transport, _anchors(()), attempts=attempts)
    if as_json:
        click.echo(
            json.dumps(
                {"sent": result.sent, "rejected": result.rejected, "waiting": result.waiting},
                ensure_ascii=False,
            )
        )
    else:
        for report_id in result.sent:
            click.echo(t("upload.sent", id=report_id))
        for report_id, reason in result.rejected.items():
            err.print(t("upload.rejected", id=report_id, reason=reason), markup=False)
        for report_id, reason in result.waiting.items():
            err.print(t("upload.waiting", id=report_id, reason=reason), markup=False)
    sys.exit(0 if not result.rejected and not result.waiting else 1)


@main.group()
def receiver() -> None:
    """The province side: collect and verify reports from communes."""


@receiver.command("serve")
@click.option("--db", "db_url", default="sqlite:///received.db", show_default=True)
@click.option(
    "--trust",
    "trust",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Trusted commune certificates or CAs (PEM files or folders); repeatable.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True)
@click.option(
    "--cert",
    "tls_cert",
    type=EXISTING_FILE,
    required=True,
    help="Server certificate (PEM).",
)
@click.option(
    "--key",
    "tls_key",
    type=EXISTING_FILE,
    required=True,
    help="Server private key (PEM).",
)
def receiver_serve(
    db_url: str, trust: tuple[Path, ...], host: str, port: int, tls_cert: Path, tls_key: Path
) -> None:
    """Serve the receiver over HTTPS (uvicorn)."""
    try:
        import uvicorn

        from auditor.receiver.app import create_app, load_trust
    except ImportError:
        _fail("pip install 'commune-auditor[receiver]'")
    app = create_app(db_url, load_trust(list(trust)))
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert),
        ssl_keyfile=str(tls_key),
        log_level="warning",
    )


# ------------------------------------------------------------------ schedule / status
@main.group()
def schedule() -> None:
    """Run audits on their own: a systemd timer (or a cron line without systemd)."""


@schedule.command("install")
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    required=True,
    type=EXISTING_FILE,
)
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--every",
    default="weekly",
    show_default=True,
    help="weekly, monthly, daily, or a systemd OnCalendar expression.",
)
@click.option("--user", default=None, help="Run as this user [default: the current one].")
@click.option("--upload-to", default=None, help="Also send each report to this receiver URL.")
@click.option("--ca-bundle", type=EXISTING_FILE, default=None)
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/etc/systemd/system"),
    show_default=True,
)
@click.option(
    "--cron", is_flag=True, help="Print a line for /etc/cron.d instead (machines without systemd)."
)
def schedule_install(
    inventory_path: Path,
    out_dir: Path,
    every: str,
    user: str | None,
    upload_to: str | None,
    ca_bundle: Path | None,
    unit_dir: Path,
    cron: bool,
) -> None:
    """Write commune-auditor.service and .timer (then: systemctl enable --now
    commune-auditor.timer). Paths are made absolute so the job runs from anywhere."""
    plan = Plan(
        inventory=inventory_path.resolve(),
        out_dir=out_dir.resolve(),
        home=auditor_home().resolve(),
        user=user or default_actor(),
        every=every,
        upload_to=upload_to,
        ca_bundle=ca_bundle.resolve() if ca_bundle else None,
    )
    if cron:
        try:
            click.echo(cron_line(plan), nl=False)
        except ValueError:
            raise click.UsageError("--cron takes --every daily, weekly or monthly") from None
        return
    with _input_errors():
        for path in install(plan, unit_dir):
            click.echo(str(path))


@schedule.command("show")
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/etc/systemd/system"),
    show_default=True,
)
def schedule_show(unit_dir: Path) -> None:
    """Print the installed units."""
    for suffix in (".service", ".timer"):
        path = unit_dir / f"{UNIT}{suffix}"
        click.echo(f"# {path}\n{path.read_text() if path.exists() else '-'}")


@schedule.command("remove")
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/etc/systemd/system"),
    show_default=True,
)
def schedule_remove(unit_dir: Path) -> None:
    """Delete the units (disable the timer first: systemctl disable --now …)."""
    for path in remove(unit_dir):
        click.echo(str(path))


@main.command("status")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
def status_command(inventory_path: Path, as_json: bool, db_url: str | None) -> None:
    """Last audit, open findings, next report deadlines and days left, last delivery."""
    t = _t()
    with _input_errors():
        inv = load_inventory(inventory_path)
    today = dt.datetime.now(dt.UTC).date()
    reporting = inv.organisation.reporting
    month, day = (int(x) for x in reporting.annual_due.split("-"))
    quarterly = quarterly_due(today, reporting.quarterly_due_day)
    annual = annual_due(today, month, day)
    store = _store(db_url)
    with store.transaction() as session:
        last = session.scalars(select(AuditRow).order_by(AuditRow.generated_at.desc())).first()
        open_count = (
            session.scalar(
                select(func.count())
                .select_from(FindingRow)
                .where(FindingRow.status.in_(["open", "reopened"]))
            )
            or 0
        )
    outbox = Outbox(default_outbox())
    sent = outbox.sent()
    latest = max(
        (
            json.loads((i.path / "receipt.json").read_text())
            for i in sent
            if (i.path / "receipt.json").exists()
        ),
        key=lambda r: str(r.get("received_at", "")),
        default=None,
    )
    info = {
        "last_audit": last.generated_at.isoformat() if last else None,
        "last_report_id": last.id if last else None,
        "open_findings": open_count,
        "next_quarterly_report": quarterly.isoformat(),
        "days_to_quarterly": (quarterly - today).days,
        "next_annual_report": annual.isoformat(),
        "days_to_annual": (annual - today).days,
        "pending_uploads": len(outbox.pending()),
        "last_delivery": latest,
    }
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(
        t(
            "status_cmd.last_audit",
            at=info["last_audit"] or "—",
            id=info["last_report_id"] or "—",
            open=open_count,
        )
    )
    click.echo(t("status_cmd.quarterly", date=quarterly.isoformat(), days=(quarterly - today).days))
    click.echo(t("status_cmd.annual", date=annual.isoformat(), days=(annual - today).days))
    click.echo(
        t(
            "status_cmd.delivery",
            pending=info["pending_uploads"],
            last=(latest or {}).get("received_at", "—"),
        )
    )


# ------------------------------------------------------------------ pdf
def _signer_spec(
    key_dir: Path | None,
    passphrase_file: Path | None,
    p12: Path | None,
    module: Path | None,
    slot: int | None,
    token: str | None,
    key_label: str | None,
    cert_label: str | None,
    cert_file: Path | None,
    pin_file: Path | None,
) -> SignerSpec:
    """Which key signs the PDF: a PKCS#11 token, a PKCS#12 file, or the auditor's key."""
    if module is not None:
        if pin_file is not None:
            if pin_file.stat().st_mode & 0o077:
                _fail(_t()("keys.too_open", detail=str(pin_file)))
            pin = pin_file.read_text(encoding="utf-8").strip()
        else:
            pin = click.prompt(_t()("pdf.pin_prompt"), hide_input=True)
        return TokenSigner(
            module=module,
            pin=pin,
            key_label=key_label or "",
            slot=slot,
            token_label=token,
            cert_label=cert_label,
            cert_file=cert_file,
        )
    if p12 is not None:
        return Pkcs12Signer(path=p12, passphrase=_passphrase(passphrase_file))
    return KeyFileSigner(
        key_dir=key_dir or default_key_dir(), passphrase=_passphrase(passphrase_file)
    )


def _write_pdf(
    out_dir: Path, report: Report, lang: str, spec: SignerSpec, number: str | None, tsa: str | None
) -> Path:
    t = Messages(lang)
    location = f"{report.organisation.commune}, {report.organisation.province}"
    try:
        return write_signed_pdf(
            out_dir,
            report,
            lang,
            spec,
            number=number,
            reason=t("pdf.signature_reason"),
            location=location,
            tsa_url=tsa,
        )
    except ImportError:
        _fail(t("pdf.missing_dependency"))


PDF_OPTIONS = [
    click.option("--number", default=None, help="Document number, e.g. '12/BC-UBND'."),
    click.option("--tsa", default=None, help="RFC 3161 time-stamp URL (PAdES B-T)."),
    click.option(
        "--p12",
        type=EXISTING_FILE,
        default=None,
        help="Sign the PDF with this PKCS#12 (.p12/.pfx).",
    ),
    click.option(
        "--pkcs11-module",
        type=EXISTING_FILE,
        default=None,
        help="PKCS#11 module of a USB token (e.g. the CA's .so/.dll).",
    ),
    click.option("--pkcs11-slot", type=int, default=None, help="Token slot number."),
    click.option("--pkcs11-token", default=None, help="Token label (instead of the slot)."),
    click.option("--pkcs11-key", default=None, help="Label of the signing key on the token."),
    click.option("--pkcs11-cert", default=None, help="Label of the certificate on the token."),
    click.option(
        "--cert-file",
        type=EXISTING_FILE,
        default=None,
        help="Signer certificate (PEM) when the token has none.",
    ),
    click.option(
        "--pin-file",
        type=EXISTING_FILE,
        default=None,
        help="File (mode 0600) with the token PIN; else it is asked.",
    ),
]


def pdf_options(func: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(PDF_OPTIONS):
        func = option(func)
    return func


@main.command("pdf")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "report_lang",
    type=LANG_OPTION,
    default=None,
    help="PDF language [default: the global --lang].",
)
@KEY_DIR
@PASSFILE
@pdf_options
def pdf_command(
    directory: Path,
    report_lang: str | None,
    key_dir: Path | None,
    passphrase_file: Path | None,
    number: str | None,
    tsa: str | None,
    p12: Path | None,
    pkcs11_module: Path | None,
    pkcs11_slot: int | None,
    pkcs11_token: str | None,
    pkcs11_key: str | None,
    pkcs11_cert: str | None,
    cert_file: Path | None,
    pin_file: Path | None,
) -> None:
    """Render report.pdf from a signed report.json and sign it (PAdES).

    The JSON report is verified first: a PDF is never made from a changed report.
    """
    t = _t()
    lang = report_lang or _lang()
    report = _verified_report(directory)
    with _input_errors():
        spec = _signer_spec(
            key_dir,
            passphrase_file,
            p12,
            pkcs11_module,
            pkcs11_slot,
            pkcs11_token,
            pkcs11_key,
            pkcs11_cert,
            cert_file,
            pin_file,
        )
        path = _write_pdf(directory, report, lang, spec, number, tsa)
    click.echo(t("pdf.written", path=path))


@main.command("annual")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output HTML [default: DIRECTORY/annual-report.html].",
)
@click.option("--lang", "report_lang", type=LANG_OPTION, default=None)
@click.option(
    "--pdf",
    "make_pdf",
    is_flag=True,
    help="Also write annual-report.pdf, signed (PAdES) with the auditor's key.",
)
@KEY_DIR
@PASSFILE
def annual_command(
    directory: Path,
    out_file: Path | None,
    report_lang: str | None,
    make_pdf: bool,
    key_dir: Path | None,
    passphrase_file: Path | None,
) -> None:
    """Render the annual self-assessment report (period 15/12–14/12, per criteria group)
    from a signed report.json; the JSON is verified first."""
    t = _t()
    report = _verified_report(directory)
    lang = report_lang or _lang()
    target = out_file or directory / "annual-report.html"
    with _input_errors():
        atomic_write(target, render_annual(report, lang).encode())
        click.echo(t("annual.written", path=target))
        if make_pdf:
            spec = KeyFileSigner(
                key_dir=key_dir or default_key_dir(), passphrase=_passphrase(passphrase_file)
            )
            try:
                rendered = render_pdf(
                    report, lang, template="annual.html.j2", context=annual_context(report, lang)
                )
                pdf = write_signed_pdf(
                    directory,
                    report,
                    lang,
                    spec,
                    number=None,
                    reason=t("annual.title", year=report.generated_at.year),
                    location=report.organisation.commune,
                    rendered=rendered,
                    filename="annual-report.pdf",
                )
            except ImportError:
                _fail(t("pdf.missing_dependency"))
            click.echo(t("pdf.written", path=pdf))


# ------------------------------------------------------------------ keys
@main.group()
def keys() -> None:
    """Manage the signing key and certificate used for reports."""


@keys.command("init")
@click.option("--org", required=True, help="Organisation name, e.g. 'UBND xã Mường La'.")
@click.option("--commune", default=None, help="Commune (locality) for the certificate.")
@click.option("--province", default=None, help="Province for the certificate.")
@click.option("--days", default=1095, show_default=True, help="Certificate validity in days.")
@KEY_DIR
@PASSFILE
@click.option("--force", is_flag=True, help="Replace an existing key.")
def keys_init(
    org: str,
    commune: str | None,
    province: str | None,
    days: int,
    key_dir: Path | None,
    passphrase_file: Path | None,
    force: bool,
) -> None:
    """Create an ECDSA P-256 key (mode 0600) and a self-signed certificate."""
    target = key_dir or default_key_dir()
    with _input_errors():
        signer = init_keys(
            target,
            org,
            commune=commune,
            province=province,
            passphrase=_passphrase(passphrase_file),
            days=days,
            force=force,
        )
    click.echo(_t()("keys.created", dir=target))
    click.echo(f"SHA256 {fingerprint(signer.cert)}")


@keys.command("import")
@click.argument("p12", type=EXISTING_FILE)
@KEY_DIR
@PASSFILE
@click.option("--force", is_flag=True, help="Replace an existing key.")
def keys_import(p12: Path, key_dir: Path | None, passphrase_file: Path | None, force: bool) -> None:
    """Import a key and certificate from a PKCS#12 (.p12/.pfx) file issued by a CA."""
    target = key_dir or default_key_dir()
    with _input_errors():
        signer = import_p12(target, p12.read_bytes(), _passphrase(passphrase_file), force=force)
    click.echo(_t()("keys.imported", dir=target))
    click.echo(f"{signer.cert.subject.rfc4514_string()}\nSHA256 {fingerprint(signer.cert)}")


@keys.command("show")
@KEY_DIR
def keys_show(key_dir: Path | None) -> None:
    """Show the signing certificate: subject, validity, fingerprint."""
    cert_path = (key_dir or default_key_dir()) / CERT_FILE
    if not cert_path.exists():
        _fail(_t()("keys.missing", detail=cert_path.parent))
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    click.echo(
        f"{cert.subject.rfc4514_string()}\n{cert.not_valid_before_utc} → "
        f"{cert.not_valid_after_utc}\nSHA256 {fingerprint(cert)}\n{cert_path}"
    )


# ------------------------------------------------------------------ policy
@main.group()
def policy() -> None:
    """Inspect and validate policy packs."""


@policy.command("validate")
@click.argument("pack", default="nd85-level2")
@click.option(
    "--overrides",
    type=click.Path(path_type=Path),
    default=None,
    help="Local tailoring file to validate with the pack.",
)
def policy_validate(pack: str, overrides: Path | None) -> None:
    """Validate a pack (built-in name or YAML file) and optional overrides."""
    with _input_errors():
        loaded = load_policy(pack, discover(), overrides)
    click.echo(
        _t()("policy.valid", id=loaded.id, version=loaded.version, count=len(loaded.requirements))
    )


@policy.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True)
def policy_diff(old: str, new: str, as_json: bool) -> None:
    """What changes for a commune moving from pack OLD to pack NEW (e.g. nd85-level2 to
    nd331-level2): requirements added or removed, thresholds, checks and parameters."""
    t = _t()
    registry = discover()
    with _input_errors():
        changes = diff_packs(load_policy(old, registry), load_policy(new, registry), _lang())
    if as_json:
        click.echo(
            json.dumps(
                [{"requirement": r, "kind": k, "detail": d} for r, k, d in changes],
                ensure_ascii=False,
            )
        )
        return
    for requirement, kind, detail in changes:
        click.echo(f"{requirement:22} {t('policy.diff_' + kind):22} {detail}")
    click.echo(t("policy.diff_total", count=len(changes)))


@policy.command("list")
def policy_list() -> None:
    """List the built-in policy packs."""
    for name in builtin_packs():
        click.echo(name)


@policy.command("show")
@click.argument("requirement")
@click.option("--pack", default="nd85-level2", show_default=True)
def policy_show(requirement: str, pack: str) -> None:
    """Show one requirement: titles, references, threshold and checks with parameters."""
    t, lang = _t(), _lang()
    with _input_errors():
        loaded = load_policy(pack, discover())
    if requirement not in loaded.ids():
        _fail(t("policy.unknown_requirement", id=requirement))
    req = loaded.requirement(requirement)
    click.echo(f"{req.id} — {req.title(lang)}")
    click.echo(
        f"  {t('report.group')}: {t('group.' + req.group)}; "
        f"{t('report.severity')}: {t('severity.' + req.severity.value)}"
    )
    click.echo(f"  {t('report.legacy')}: {req.refs.legacy}")
    click.echo(f"  {t('report.current')}: {req.refs.current}")
    if req.threshold:
        click.echo(f"  {t('report.threshold')}: {req.threshold(lang)}")
    if req.applies_to:
        click.echo(f"  {t('report.kind')}: {', '.join(k.value for k in req.applies_to)}")
    for ref in req.checks:
        params = json.dumps(ref.params, ensure_ascii=False, default=str) if ref.params else ""
        click.echo(f"  {t('report.check')}: {ref.id} — {t('check.' + ref.id + '.title')} {params}")
    if req.attestation:
        click.echo(f"  {t('report.attestation')}: review {req.attestation.review_months} months")


# ------------------------------------------------------------------ inventory
@main.group()
def inventory() -> None:
    """Check the inventory file."""


@inventory.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
def inventory_validate(path: Path) -> None:
    """Report every problem in the inventory at once, with file, line and field."""
    with _input_errors():
        inv = load_inventory(path)
    click.echo(_t()("inventory.valid", assets=len(inv.assets), org=inv.organisation.name))


# ------------------------------------------------------------------ collect / import
@main.group()
def collect() -> None:
    """Get the collector scripts to run on machines the auditor cannot reach."""


@collect.command("windows-script")
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the script to this file instead of standard output.",
)
def collect_windows_script(out_file: Path | None) -> None:
    """Print the read-only PowerShell fact script for Windows PCs.

    \b
    On the PC (as administrator), from a USB stick:
      powershell -NoProfile -ExecutionPolicy Bypass -File collect.ps1 -OutFile facts.json
    Back at the auditing machine:
      auditor import facts.json --asset pc-van-thu -i inventory.yaml
    """
    text = windows_script()
    if out_file is None:
        click.echo(text, nl=False)
    else:
        with _input_errors():
            atomic_write(out_file, text.encode("utf-8-sig"))


@main.command("import")
@click.argument("facts_file", type=EXISTING_FILE)
@click.option("--asset", "asset_id", required=True, help="Inventory id of the PC.")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@KEY_DIR
@PASSFILE
def import_command(
    facts_file: Path,
    asset_id: str,
    inventory_path: Path,
    key_dir: Path | None,
    passphrase_file: Path | None,
) -> None:
    """Import a facts file produced by the Windows script for an `import` asset.

    The file is checked, stored with its sha256, import time and host name, and that record
    is signed with your key: a later edit of the stored file makes the audit refuse it.
    """
    t = _t()
    with _input_errors():
        inv = load_inventory(inventory_path)
        asset = next((a for a in inv.assets if a.id == asset_id), None)
        if asset is None:
            _fail(t("cli.unknown_asset", id=asset_id))
        if asset.connection is not Connection.import_:
            _fail(t("import.not_import", id=asset_id))
        org = inv.organisation
        signer, created = signer_for(
            key_dir or default_key_dir(),
            _passphrase(passphrase_file),
            org.name,
            org.commune,
            org.province,
        )
        try:
            record = import_facts(
                facts_file, asset, inv.settings.imports_dir or default_imports_dir(), signer
            )
        except CollectionError as exc:
            _fail(f"{facts_file}: {t(exc.code, detail=exc.detail)}")
    if created:
        err.print(t("keys.auto_created", dir=key_dir or default_key_dir()), markup=False)
    host = record.hostname or "?"
    if host.lower() not in (asset.id.lower(), asset.name.lower()):
        err.print(t("import.host_mismatch", host=host, asset=asset.id), markup=False)
    click.echo(t("import.done", host=host, asset=asset.id, sha256=record.sha256[:16]))


# ------------------------------------------------------------------ hosts
@main.group()
def hosts() -> None:
    """Pin SSH host keys so that audits refuse impostors."""


@hosts.command("trust")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@click.argument("asset_ids", nargs=-1)
@click.option("--known-hosts", type=click.Path(path_type=Path), default=None)
@click.option("--yes", is_flag=True, help="Do not ask; pin what the host presents.")
@click.option("--replace", is_flag=True, help="Replace a key that changed (after checking!).")
def hosts_trust(
    inventory_path: Path,
    asset_ids: tuple[str, ...],
    known_hosts: Path | None,
    yes: bool,
    replace: bool,
) -> None:
    """Fetch each SSH asset's host key, show its fingerprint and pin it.

    Compare the fingerprint with the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*.pub)
    before accepting. Without ASSET_IDS, every ssh asset of the inventory is offered.
    """
    t = _t()
    with _input_errors():
        inv = load_inventory(inventory_path)
    store = known_hosts or inv.settings.known_hosts or default_known_hosts()
    ids = list(asset_ids) or [a.id for a in inv.assets if a.connection is Connection.ssh]
    status = 0
    for asset_id in ids:
        asset = next((a for a in inv.assets if a.id == asset_id), None)
        if asset is None:
            _fail(t("cli.unknown_asset", id=asset_id))
        if asset.connection is not Connection.ssh:
            err.print(t("hosts.not_ssh", id=asset_id), markup=False)
            status = EXIT_INPUT
            continue
        try:
            seen = fetch_host_key(asset, inv.settings.ssh_timeout_s)
            if not yes and not click.confirm(
                t("hosts.confirm", host=seen.host_id, fingerprint=seen.fingerprint)
            ):
                click.echo(t("hosts.skipped", host=seen.host_id))
                continue
            result = pin_host_key(store, seen, replace=replace)
        except CollectionError as exc:
            err.print(f"{asset_id}: {t(exc.code, detail=exc.detail)}", markup=False)
            status = 3
            continue
        click.echo(
            t("hosts.trusted", host=seen.host_id, fingerprint=seen.fingerprint, result=result)
        )
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
