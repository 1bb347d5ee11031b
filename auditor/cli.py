"""The `auditor` command line. Parses options, calls the library, prints in vi or en.

Exit codes: 0 all requirements met, 1 findings, 2 usage or input error,
3 some assets could not be collected.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from cryptography import x509
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from auditor import __version__
from auditor.audit import EXIT_INPUT, run_audit, signer_for
from auditor.checking import discover
from auditor.collect.ssh import fetch_host_key, pin_host_key
from auditor.collect.windows import windows_script
from auditor.errors import CollectionError, InputError
from auditor.fileio import atomic_write
from auditor.importing import import_facts
from auditor.inventory import Connection, load_inventory
from auditor.messages.catalogue import LANGS, Messages
from auditor.paths import default_imports_dir, default_key_dir, default_known_hosts
from auditor.policy import builtin_packs, load_policy
from auditor.report.model import Report
from auditor.report.pades import (
    KeyFileSigner,
    Pkcs12Signer,
    SignerSpec,
    TokenSigner,
    verify_pdf,
    write_signed_pdf,
)
from auditor.report.signing import CERT_FILE, SigningError, fingerprint, import_p12, init_keys
from auditor.report.verify import verify_dir

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


def _passphrase(passphrase_file: Path | None) -> bytes | None:
    """From a file (never the command line) or $AUDITOR_KEY_PASSPHRASE."""
    if passphrase_file is not None:
        return passphrase_file.read_bytes().rstrip(b"\r\n") or None
    env = os.environ.get("AUDITOR_KEY_PASSPHRASE")
    return env.encode() if env else None


LANG_OPTION = click.Choice(LANGS)
KEY_DIR = click.option(
    "--key-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Signing key directory [default: $AUDITOR_HOME/keys].",
)
PASSFILE = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
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
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
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
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Sign the PDF with this PKCS#12 (.p12/.pfx).",
    ),
    click.option(
        "--pkcs11-module",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="PKCS#11 module of a USB token (e.g. the CA's .so/.dll).",
    ),
    click.option("--pkcs11-slot", type=int, default=None, help="Token slot number."),
    click.option("--pkcs11-token", default=None, help="Token label (instead of the slot)."),
    click.option("--pkcs11-key", default=None, help="Label of the signing key on the token."),
    click.option("--pkcs11-cert", default=None, help="Label of the certificate on the token."),
    click.option(
        "--cert-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Signer certificate (PEM) when the token has none.",
    ),
    click.option(
        "--pin-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
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
    anchors = _anchors(())
    verdict = verify_dir(directory, anchors)
    if not verdict.ok or verdict.report is None:
        err.print(t("verify.failed"), markup=False)
        for code, params in verdict.problems:
            err.print("  - " + t(code, **params), markup=False)
        sys.exit(1)
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
        path = _write_pdf(directory, verdict.report, lang, spec, number, tsa)
    click.echo(t("pdf.written", path=path))


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
@click.argument("p12", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
@click.argument("facts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
