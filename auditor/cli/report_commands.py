"""Commands that make and check reports: audit, verify, pdf, annual, keys."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from auditor.cli.app import (
    DB_OPTION,
    EXISTING_FILE,
    KEY_DIR,
    LANG_OPTION,
    PASSFILE,
    CertifierArgs,
    DocumentArgs,
    SignerArgs,
    _anchors,
    _fail,
    _input_errors,
    _lang,
    _passphrase,
    _t,
    _verified_report,
    _write_pdf,
    certifier_options,
    document_options,
    err,
    main,
    queue_pdf,
    signer_options,
)
from auditor.cli.console import echo
from auditor.fileio import atomic_write
from auditor.messages.catalogue import Messages
from auditor.paths import (
    default_key_dir,
    default_known_hosts,
)
from auditor.textsafe import printable

if TYPE_CHECKING:
    from cryptography import x509

    from auditor.progress import Progress
    from auditor.report.model import Report
    from auditor.report.pades import PdfVerdict, Role


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
@click.option(
    "--no-history",
    is_flag=True,
    help="An experiment: not recorded in the history store and not queued for the province.",
)
@click.option(
    "--pdf",
    "make_pdf",
    is_flag=True,
    help="Also write report.pdf signed with PAdES (needs the [pdf] extra).",
)
@click.option(
    "--fixes",
    is_flag=True,
    help="Also write fixes/<asset>.<ext>: the commands that fix each asset's failures, "
    "for you to review and run (the tool never runs them).",
)
@document_options
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
    fixes: bool,
    document: DocumentArgs,
    as_json: bool,
) -> None:
    """Collect facts from every asset, judge them, write and sign the report.

    Exit code 0 when every applicable requirement is met, 1 when there are findings,
    2 for bad input, 3 when some asset could not be collected.
    """
    from auditor.collect.local import started_early
    from auditor.inputs import load_inputs

    t = _t()
    if make_pdf and not _pdf_extra_installed():  # say so now, not after the whole audit
        _fail(t("pdf.missing_dependency"))
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        _fail(t("cli.out_not_folder", path=str(out_dir)))  # before collecting, not after
    lang = report_lang or _lang()
    keys = key_dir or default_key_dir()
    with _input_errors():
        inputs = load_inputs(inventory_path)  # every input problem is shown before anything runs
        with started_early(inputs.inventory.assets) as early, _progress(t) as tick:
            from auditor.audit import run_audit  # its modules load while this host is read

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
                fixes=fixes,
                inputs=inputs,
                early=early,
            )
    report = result.report
    if make_pdf:
        if not _t_quiet():
            err.print(t("cli.phase_start", phase=t("cli.phase.sign")), markup=False)
        with _input_errors():
            from auditor.report.pades import report_digest

            certifier = CertifierArgs(keys, passphrase_file, None)
            _write_pdf(out_dir, report, report_digest(out_dir), lang, certifier, document)
        err.print(t("pdf.still_to_sign", dir=out_dir), markup=False)
    if result.key_created:
        err.print(t("keys.auto_created", dir=keys), markup=False)
    if as_json:
        echo(_result_json(report, out_dir, result.exit_code))
    else:
        _say_result(t, report)
        _summary_of_files(t, out_dir, report, make_pdf)
    sys.exit(result.exit_code)


def _waived(report: Any) -> list[str]:
    return [r.requirement for r in report.evaluation.requirements if r.status.value == "waived"]


def _result_json(report: Any, out_dir: Path, exit_code: int) -> str:
    """The audit's outcome for scripts: counts, coverage, failures by asset, waivers."""
    summary = report.evaluation.summary
    failures = {a.id: [f.code for f in a.failures] for a in report.assets if a.failures}
    return json.dumps(
        {
            "report_id": report.report_id,
            "out": str(out_dir),
            "exit_code": exit_code,
            "counts": summary.counts,
            "coverage": summary.coverage,
            "collection_failures": failures,
            "waived": _waived(report),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _say_result(t: Messages, report: Any) -> None:
    """The closing lines: the counts, the accepted risks, each asset that could not be
    collected with its reason and what to do about it."""
    summary = report.evaluation.summary
    c = summary.counts
    echo(
        t(
            "cli.result",
            met=c["met"],
            partly=c["partly_met"],
            not_met=c["not_met"],
            not_assessed=c["not_assessed"],
            coverage=f"{summary.coverage:.0%}",
        )
    )
    waived = _waived(report)
    if waived:
        echo(t("cli.waived", count=len(waived), ids=", ".join(waived)))
    failed = [a.id for a in report.assets if a.failures]
    if failed:
        echo(t("cli.collection_errors", count=len(failed), assets=", ".join(failed)))
    for asset in report.assets:
        for failure in asset.failures:
            reason = t(failure.code, detail=printable(failure.detail, 200))
            fix = f" → {t('fix.' + failure.code)}" if t.has("fix." + failure.code) else ""
            echo(f"  {printable(asset.id)}: {reason}{fix}")


def _summary_of_files(t: Messages, out_dir: Path, report: Any, made_pdf: bool) -> None:
    """The files written, the archive made, and what changed since the last audit."""
    names = ["report.json", "report.json.p7s", "report.html"] + (["report.pdf"] if made_pdf else [])
    echo(t("cli.files", files=", ".join(names), dir=out_dir))
    if report.previous_report_sha256 is not None:
        archived = sorted((out_dir / "archive").glob("*"), key=lambda p: p.stat().st_mtime)
        if archived:
            echo(t("cli.archived", path=archived[-1]))
    changes = report.history.changes if report.history else None
    if changes is not None and changes.previous_report_id is not None:
        echo(
            t(
                "cli.changes",
                new=len(changes.new),
                fixed=len(changes.fixed),
                regressed=len(changes.regressed),
            )
        )


def _t_quiet() -> bool:
    return bool(click.get_current_context().obj.get("quiet"))


def _pdf_extra_installed() -> bool:
    from importlib.util import find_spec

    try:
        return all(find_spec(name) is not None for name in ("weasyprint", "pyhanko"))
    except ValueError:  # a module set to None in sys.modules: blocked, as good as absent
        return False


@contextmanager
def _progress(t: Messages) -> Iterator[Progress]:
    """Live display on a terminal; plain log lines otherwise (and into --log-file); nothing
    with --quiet. The plain lines and the library's own records (collection, judgement,
    store, upload) reach the same handlers."""
    from auditor.cli.console import LiveProgress, LogProgress, drop_handlers, log_handlers
    from auditor.progress import Silent

    options = click.get_current_context().obj
    streams: list[IO[str]] = []
    log_path: Path | None = options.get("log_file")
    with contextlib.ExitStack() as stack:
        if log_path is not None:
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            streams.append(stack.enter_context(os.fdopen(fd, "a", encoding="utf-8")))
        live = err.is_terminal and not err.no_color and not options.get("quiet")
        if (not live and not options.get("quiet")) or (live and options.get("verbose")):
            streams.append(sys.stderr)
        handlers = log_handlers(t, streams)
        stack.callback(drop_handlers, handlers)
        plain = LogProgress(t) if streams else None
        if live:
            with LiveProgress(t, err, also=plain) as shown:
                yield shown
        else:
            yield plain or Silent()


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
    from auditor.report.verify import verify_dir

    t = _t()
    certs = _anchors(anchors)
    verdict = verify_dir(directory, certs)
    pdfs = []
    for name in ("report.pdf", "annual-report.pdf"):
        if not (directory / name).exists():
            continue
        pdf = _checked_pdf(directory / name, certs, verdict.report, verdict.report_sha256)
        verdict.problems += pdf.problems
        pdfs.append((name, pdf))
    if as_json:
        echo(
            json.dumps(
                {
                    "valid": verdict.ok,
                    "signer": verdict.signer,
                    "archived_checked": verdict.archived_checked,
                    "evidence_checked": verdict.evidence_checked,
                    "problems": [code for code, _ in verdict.problems],
                    "pdfs": {name: _pdf_json(pdf) for name, pdf in pdfs},
                },
                ensure_ascii=False,
            )
        )
    elif verdict.ok:
        echo(t("verify.ok", subject=printable(verdict.signer), count=verdict.evidence_checked))
        if verdict.archived_checked:
            echo(t("verify.chain_ok", count=verdict.archived_checked))
        for name, pdf in pdfs:
            echo(t("pdf.valid", file=name))
            _print_signatures(t, pdf.verdict, echo)
            if pdf.verdict.missing_roles:
                roles = ", ".join(t(f"pdf.role_{role}") for role in pdf.verdict.missing_roles)
                echo(t("pdf.missing_roles", file=name, roles=roles))
    else:
        err.print(t("verify.failed"), markup=False)
        for code, params in verdict.problems:
            err.print("  - " + t(code, **params), markup=False)
        for _name, pdf in pdfs:
            _print_signatures(t, pdf.verdict, lambda line: err.print(line, markup=False))
    sys.exit(0 if verdict.ok else 1)


@dataclass
class CheckedPdf:
    """A PDF's verdict with its problems worded for the directory it lies in."""

    verdict: PdfVerdict
    problems: list[tuple[str, dict[str, str]]]


def _checked_pdf(
    path: Path, anchors: list[x509.Certificate], report: Report | None, report_sha256: str
) -> CheckedPdf:
    """verify_pdf, and the binding to `report` read from the PDF's certified revision."""
    try:
        from auditor.report.pades import bound_to, verify_pdf
    except ImportError:
        _fail(_t()("pdf.missing_dependency"))
    t = _t()
    verdict = verify_pdf(path, anchors)
    problems = [
        (code, {**params, "file": path.name, **_role_words(t, params)})
        for code, params in verdict.problems
    ]
    if (
        report is not None
        and verdict.signed
        and not bound_to(verdict, report.report_id, report_sha256)
    ):
        problems.append(("pdf.other_report", {"file": path.name}))
    return CheckedPdf(verdict, problems)


def _role_words(t: Messages, params: dict[str, str]) -> dict[str, str]:
    """A signature's role in the reader's words, never the raw token."""
    return {"role": t(f"pdf.role_{params['role']}")} if "role" in params else {}


def _pdf_json(pdf: CheckedPdf) -> dict[str, Any]:
    return {
        "problems": [code for code, _ in pdf.problems],
        "missing": pdf.verdict.missing_roles,
        "signatures": [
            {
                "field": s.field_name,
                "role": s.role,
                "name": s.name,
                "title": s.title,
                "organisation": s.organisation,
                "signed_at": s.signed_at.isoformat() if s.signed_at else None,
                "intact": s.intact,
                "trusted": s.trusted,
                "cert_sha256": s.cert_sha256,
            }
            for s in pdf.verdict.signatures
        ],
    }


def _print_signatures(t: Messages, verdict: PdfVerdict, out: Callable[[str], None]) -> None:
    """One line per signature: its role, the signer's name from the certificate, when, and
    whether it is trusted."""
    from auditor.report.official import stamp_time

    for index, seen in enumerate(verdict.signatures, 1):
        out(
            t(
                "pdf.signature_line",
                index=index,
                role=t(f"pdf.role_{seen.role}"),
                name=printable(seen.name),
                title=f" ({printable(seen.title)})" if seen.title else "",
                time=stamp_time(t.lang, seen.signed_at) if seen.signed_at else "—",
                trust=t("pdf.trusted") if seen.trusted else t("pdf.not_trusted"),
            )
        )


@main.command("pdf")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "report_lang",
    type=LANG_OPTION,
    default=None,
    help="PDF language [default: the global --lang].",
)
@document_options
@certifier_options
def pdf_command(
    directory: Path, report_lang: str | None, document: DocumentArgs, certifier: CertifierArgs
) -> None:
    """Render report.pdf, the official document, from a signed report.json, and certify it
    with the auditor's key (an invisible PAdES certification that binds it to report.json).

    The JSON report is verified first: a PDF is never made from a changed report. The
    competent person and the agency then sign their prepared fields with `auditor cosign`
    (or the clerk's signing software); nothing else may be added after the certification.
    """
    t = _t()
    lang = report_lang or _lang()
    report, digest = _verified_report(directory)
    with _input_errors():
        path = _write_pdf(directory, report, digest, lang, certifier, document)
    echo(t("pdf.written", path=path))
    err.print(t("pdf.still_to_sign", dir=directory), markup=False)


@main.command("cosign")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--as",
    "role",
    type=click.Choice(["person", "agency"]),
    default="person",
    show_default=True,
    help="Whose signature: the competent person (chairman, or vice-chairman for him) or the "
    "agency (the People's Committee, with its seal).",
)
@click.option(
    "--file",
    "file_name",
    type=click.Choice(["report.pdf", "annual-report.pdf"]),
    default="report.pdf",
    show_default=True,
    help="Which PDF of DIRECTORY to sign.",
)
@click.option(
    "--image",
    type=EXISTING_FILE,
    default=None,
    help="PNG with a transparent background: the person's signature (blue) or the seal (red, "
    "drawn at documents.seal_mm).",
)
@click.option(
    "--name",
    default=None,
    help="A name the certificate must also carry, besides the one the document prints "
    "(documents.signatory for the person, the organisation for the agency).",
)
@click.option(
    "--ca",
    "anchors",
    multiple=True,
    type=EXISTING_FILE,
    help="Certificate (PEM) trusted for the signatures already on the PDF, besides this "
    "machine's own; repeatable.",
)
@click.option("--lang", "report_lang", type=LANG_OPTION, default=None)
@signer_options
def cosign_command(
    directory: Path,
    role: Role,
    file_name: str,
    image: Path | None,
    name: str | None,
    anchors: tuple[Path, ...],
    report_lang: str | None,
    signer: SignerArgs,
) -> None:
    """Sign a certified PDF as the competent person (ô 7c) or as the agency (ô 8), each with
    their own certificate (PKCS#12 or a PKCS#11 USB token), as NĐ 30/2020 makes an
    electronic original.

    \b
    Examples:
      auditor cosign out/ --as person --p12 chu-tich.p12 --image chu-ky.png
      auditor cosign out/ --as agency --pkcs11-module /usr/lib/ca-token.so \\
          --pkcs11-key "UBND xa Muong La" --image con-dau.png
    Before signing, the PDF is verified and must be bound to report.json in DIRECTORY; the
    names in the signature are read from the certificate. `auditor verify` and `pdfsig`
    show every signature.
    """
    from auditor.report.images import signature_image
    from auditor.report.outputs import PDF
    from auditor.report.pades import Countersignature, countersign_pdf

    t = _t()
    lang = report_lang or _lang()
    report, digest = _verified_report(directory)
    path = directory / file_name
    if not path.is_file():
        _fail(t("pdf.no_pdf", file=file_name))
    trusted = _anchors(()) + (_anchors(anchors) if anchors else [])
    checked = _checked_pdf(path, trusted, report, digest)
    if checked.problems:
        reasons = "; ".join(t(code, **params) for code, params in checked.problems)
        _fail(t("pdf.not_verified", file=file_name, reason=reasons))
    organisation = report.organisation
    signatory = organisation.documents.signatory
    printed = (signatory.name if signatory else "") if role == "person" else organisation.name
    with _input_errors():
        signing = Countersignature(
            role=role,
            spec=signer.spec(),
            expected_names=(printed, name or ""),
            image=signature_image(image, role) if image else None,
            reason=t("pdf.cosign_reason") if role == "person" else t("pdf.agency_reason"),
            location=f"{organisation.commune}, {organisation.province}",
            tsa_url=signer.tsa,
        )
        try:
            countersign_pdf(path, signing, checked.verdict, lang)
        except ImportError:
            _fail(t("pdf.missing_dependency"))
    if file_name == PDF:  # the countersigned report replaces the one queued or sent
        queue_pdf(directory, report.report_id)
    echo(t("pdf.cosigned", role=t(f"pdf.role_{role}"), path=path))


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
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="Reporting year: the period 15/12 of YEAR-1 to 14/12 of YEAR [default: the year "
    "of the report, so a run on 20/12 reports the period that has just ended].",
)
@click.option(
    "--pdf",
    "make_pdf",
    is_flag=True,
    help="Also write annual-report.pdf, signed (PAdES).",
)
@DB_OPTION
@document_options
@certifier_options
def annual_command(
    directory: Path,
    out_file: Path | None,
    report_lang: str | None,
    year: int | None,
    make_pdf: bool,
    db_url: str | None,
    document: DocumentArgs,
    certifier: CertifierArgs,
) -> None:
    """Render the annual report of the period (15/12–14/12) from the history store (audits,
    gaps fixed and open, incidents) and the signed report.json of the latest audit, which is
    verified first."""
    from auditor.cli.app import _store, _store_errors
    from auditor.report.annual import (
        annual_context,
        annual_template,
        data_cutoff,
        render_annual,
        reporting_period,
        reporting_year,
    )
    from auditor.report.official import dmy, vn_date
    from auditor.report.pades import write_signed_pdf
    from auditor.report.pdf import render_pdf
    from auditor.store.period import period_history

    t = _t()
    report, digest = _verified_report(directory)
    lang = report_lang or _lang()
    current = reporting_year(vn_date(report.generated_at))
    if year is not None and year > current:  # a period the report cannot speak for yet
        err.print(t("annual.future_year", year=year, current=current), markup=False)
    year = year or current
    cutoff = data_cutoff(year, vn_date(report.generated_at))
    if cutoff is not None:  # the figures stop before the period does
        end = reporting_period(year)[1]
        err.print(t("annual.partial", date=dmy(cutoff), end=dmy(end)), markup=False)
    store = _store(db_url, organisation=report.organisation)
    with _store_errors(), store.transaction() as session:
        history = period_history(session, store.org, year)
    options: dict[str, Any] = {
        "year": year,
        "number": document.number,
        "proposals": document.proposals,
    }
    target = out_file or directory / "annual-report.html"
    with _input_errors():
        atomic_write(target, render_annual(report, lang, history, **options).encode())
        echo(t("annual.written", path=target))
        if make_pdf:
            try:
                context = annual_context(report, lang, history, **options, report_sha256=digest)
                template = annual_template(report)
                rendered = render_pdf(report, lang, template=template, context=context)
                pdf = write_signed_pdf(
                    directory,
                    report,
                    lang,
                    certifier.spec(),
                    number=document.number,
                    reason=t("annual.title", year=year),
                    location=report.organisation.commune,
                    rendered=rendered,
                    filename="annual-report.pdf",
                    tsa_url=certifier.tsa,
                    report_sha256=digest,
                )
            except ImportError:
                _fail(t("pdf.missing_dependency"))
            echo(t("pdf.written", path=pdf))
            err.print(t("pdf.still_to_sign", dir=directory), markup=False)


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
    from auditor.report.signing import fingerprint, init_keys

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
    echo(_t()("keys.created", dir=target))
    echo(f"SHA256 {fingerprint(signer.cert)}")


@keys.command("import")
@click.argument("p12", type=EXISTING_FILE)
@KEY_DIR
@PASSFILE
@click.option("--force", is_flag=True, help="Replace an existing key.")
def keys_import(p12: Path, key_dir: Path | None, passphrase_file: Path | None, force: bool) -> None:
    """Import a key and certificate from a PKCS#12 (.p12/.pfx) file issued by a CA."""
    from auditor.report.signing import fingerprint, import_p12

    target = key_dir or default_key_dir()
    with _input_errors():
        signer = import_p12(target, p12.read_bytes(), _passphrase(passphrase_file), force=force)
    echo(_t()("keys.imported", dir=target))
    echo(f"{signer.cert.subject.rfc4514_string()}\nSHA256 {fingerprint(signer.cert)}")


@keys.command("show")
@KEY_DIR
@click.option("--json", "as_json", is_flag=True, help="Print the certificate's details as JSON.")
def keys_show(key_dir: Path | None, as_json: bool) -> None:
    """Show the signing certificate: subject, validity, fingerprint."""
    from cryptography import x509

    from auditor.report.signing import CERT_FILE, fingerprint

    cert_path = (key_dir or default_key_dir()) / CERT_FILE
    if not cert_path.exists():
        _fail(_t()("keys.missing", detail=cert_path.parent))
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if as_json:
        details = {
            "subject": cert.subject.rfc4514_string(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "sha256": fingerprint(cert),
            "path": str(cert_path),
        }
        echo(json.dumps(details, ensure_ascii=False))
        return
    echo(
        f"{cert.subject.rfc4514_string()}\n{cert.not_valid_before_utc} → "
        f"{cert.not_valid_after_utc}\nSHA256 {fingerprint(cert)}\n{cert_path}"
    )
