"""What every command shares: the `main` group, common options, language, error printing,
and helpers that more than one command family needs (verified reports, the history store,
PDF signing choices). Only the `auditor.cli` package knows click."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from auditor.cli.i18n import TranslatedGroup
from auditor.errors import InputError, SigningError, StoreError
from auditor.messages.catalogue import LANGS, Messages
from auditor.paths import (
    default_key_dir,
    default_outbox,
)
from auditor.runtime import EXIT_INPUT
from auditor.textsafe import SafeConsole, printable

if TYPE_CHECKING:
    from cryptography import x509

    from auditor.inventory import Organisation
    from auditor.report.model import Report
    from auditor.report.pades import SignerSpec
    from auditor.store.history import Store

err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


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
            # file:line: field: message — only the parts that are known (no "-: -:")
            where = p.file + (f":{p.line}" if p.line else "") + (f": {p.field}" if p.field else "")
            err.print(f"  {where}: {t(p.code, **p.params)}", markup=False)
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
    except Exception as exc:
        if not _database_error(exc):
            raise
        # the history database could not be written or reached
        _fail(_t()("store.db_failed", detail=database_reason(exc)))


def database_reason(exc: BaseException) -> str:
    """Why the database failed, in the driver's words (first line; no URL, no password)."""
    reason = str(getattr(exc, "orig", None) or "").strip().splitlines()
    return printable(reason[0][:300]) if reason else type(exc).__name__


def _database_error(exc: BaseException) -> bool:
    """A SQLAlchemy error — judged without importing SQLAlchemy into commands that never
    touched a database (it costs a tenth of a second at start-up)."""
    module = sys.modules.get("sqlalchemy.exc")
    return module is not None and isinstance(exc, module.SQLAlchemyError)


def secret_file(path: Path) -> str:
    """A passphrase, token, PIN or password from a file nobody else can read; never from the
    command line."""
    if path.stat().st_mode & 0o077:
        mode = oct(path.stat().st_mode & 0o777)
        _fail(_t()("keys.secret_too_open", path=str(path), mode=mode))
    return path.read_bytes().decode("utf-8").rstrip("\r\n")


def _passphrase(passphrase_file: Path | None) -> bytes | None:
    """From a 0600 file (never the command line) or $AUDITOR_KEY_PASSPHRASE."""
    if passphrase_file is not None:
        return secret_file(passphrase_file).encode() or None
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


@click.group(cls=TranslatedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang",
    type=LANG_OPTION,
    default=lambda: os.environ.get("AUDITOR_LANG", "vi"),
    show_default="vi | $AUDITOR_LANG",
    help="Language of messages and reports.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the result.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Also print each phase and asset as plain log lines."
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append a plain log line per event to this file (created 0600).",
)
@click.option("--no-color", is_flag=True, help="No colours or live display (also: NO_COLOR=1).")
@click.version_option(package_name="commune-auditor", prog_name="auditor")
@click.pass_context
def main(
    ctx: click.Context,
    lang: str,
    quiet: bool,
    verbose: bool,
    log_file: Path | None,
    no_color: bool,
) -> None:
    """Audit a commune's IT assets against level-2 security requirements (NĐ 85/2016,
    TCVN 11930; current refs NĐ 331/2026, TCVN 14423) and write a signed report.

    \b
    Typical first run:
      auditor inventory validate inventory.yaml
      auditor audit -i inventory.yaml -o out/
      auditor verify out/
    """
    ctx.obj = {"lang": lang, "quiet": quiet, "verbose": verbose, "log_file": log_file}
    if no_color:
        err.no_color = True
    # paramiko and netmiko log a device closing its side as "Socket exception" on stderr;
    # every failure that matters reaches the report as a coded collection failure instead.
    for library in ("paramiko", "netmiko"):
        logging.getLogger(library).addHandler(logging.NullHandler())
        logging.getLogger(library).propagate = False


# ------------------------------------------------------------------ verify
def _verified_report(directory: Path) -> tuple[Report, str]:
    """The report of a directory whose signature and evidence verify, with the sha256 of the
    very report.json bytes verified (what a PDF is bound to); else exit 1 saying why.
    Nothing (PDF, annual view) is ever made from a changed report."""
    from auditor.report.verify import verify_dir

    t = _t()
    verdict = verify_dir(directory, _anchors(()))
    if not verdict.ok or verdict.report is None:
        err.print(t("verify.failed"), markup=False)
        for code, params in verdict.problems:
            err.print("  - " + t(code, **params), markup=False)
        sys.exit(1)
    return verdict.report, verdict.report_sha256


def _anchors(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    """Trusted certificates: those given, else this machine's own signing certificate."""
    from cryptography import x509

    from auditor.report.signing import CERT_FILE

    chosen = list(paths) or [p for p in [default_key_dir() / CERT_FILE] if p.exists()]
    return [c for p in chosen for c in x509.load_pem_x509_certificates(p.read_bytes())]


# ------------------------------------------------------------------ history
ORG_OPTION = click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Whose history: the organisation of this inventory [default: ./inventory.yaml, "
    "else the only organisation in the history database].",
)
HERE = Path("inventory.yaml")


def _store(
    db_url: str | None,
    inventory_path: Path | None = None,
    *,
    organisation: Organisation | None = None,
    any_org: bool = False,
) -> Store:
    """The history of one organisation: the inventory's given, else ./inventory.yaml's,
    else the only one the database holds (several and none chosen is refused, naming them).
    `any_org` is for commands that name a finding by its number, which carries its own."""
    from sqlalchemy.exc import SQLAlchemyError

    from auditor.store.history import Store

    if organisation is None and not any_org and (inventory_path is not None or HERE.is_file()):
        from auditor.inventory import load_inventory

        with _input_errors():
            organisation = load_inventory(inventory_path or HERE).organisation
    try:
        if organisation is not None:
            return Store.for_organisation(organisation, db_url)
        store = Store(db_url, org="")
        known = {} if any_org else store.organisations()
    except SQLAlchemyError as exc:
        _fail(_t()("store.db_failed", detail=database_reason(exc)))
    if len(known) > 1:
        _fail(_t()("store.which_org", names="; ".join(sorted(known.values()))))
    return store.scoped(next(iter(known), ""))


@contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except StoreError as exc:
        _fail(_t()(exc.code, detail=exc.detail))


def not_blank(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A text a record stands on (a waiver's reason, who approved it): never empty or blank,
    never a control character."""
    if value is None:
        return None
    if not value.strip() or any(not ch.isprintable() for ch in value):
        raise click.BadParameter(_t()("cli.blank_value"))
    return value.strip()


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: YYYY-MM-DD") from None


# ------------------------------------------------------------------ pdf
@dataclass(frozen=True)
class SignerArgs:
    """The signer's own credential as given (`signer_options`), turned into a key by
    `spec()`: never the auditor's key, which only certifies."""

    passphrase_file: Path | None
    tsa: str | None
    p12: Path | None
    module: Path | None
    slot: int | None
    token: str | None
    key_label: str | None
    cert_label: str | None
    cert_file: Path | None
    pin_file: Path | None

    def spec(self) -> SignerSpec:
        """Which key signs the PDF: a PKCS#11 token or a PKCS#12 file; without either,
        SigningError (the tool's key never signs for the person or the agency)."""
        from auditor.report.pades import Pkcs12Signer, TokenSigner

        if self.module is not None:
            if self.pin_file is not None:
                pin = secret_file(self.pin_file).strip()
            else:
                pin = click.prompt(_t()("pdf.pin_prompt"), hide_input=True)
            return TokenSigner(
                module=self.module,
                pin=pin,
                key_label=self.key_label or "",
                slot=self.slot,
                token_label=self.token,
                cert_label=self.cert_label,
                cert_file=self.cert_file,
            )
        if self.p12 is not None:
            return Pkcs12Signer(path=self.p12, passphrase=_passphrase(self.passphrase_file))
        raise SigningError("pdf.needs_credential")


@dataclass(frozen=True)
class DocumentArgs:
    number: str | None
    proposals: tuple[str, ...]  # as click gives a repeated option


@dataclass(frozen=True)
class CertifierArgs:
    """The auditor's own key, which certifies every PDF the tool writes (never a person's or
    the agency's credential: those sign afterwards with `auditor cosign`)."""

    key_dir: Path | None
    passphrase_file: Path | None
    tsa: str | None

    def spec(self) -> SignerSpec:
        from auditor.report.pades import KeyFileSigner

        return KeyFileSigner(
            key_dir=self.key_dir or default_key_dir(),
            passphrase=_passphrase(self.passphrase_file),
        )


def _write_pdf(
    out_dir: Path,
    report: Report,
    report_sha256: str,
    lang: str,
    certifier: CertifierArgs,
    document: DocumentArgs,
) -> Path:
    """report.pdf, certified and bound to the report.json whose sha256 is given."""
    from auditor.report.pades import write_signed_pdf
    from auditor.report.pdf import render_pdf, report_context

    t = Messages(lang)
    location = f"{report.organisation.commune}, {report.organisation.province}"
    try:
        context = report_context(
            report, lang, document.number, document.proposals, report_sha256=report_sha256
        )
        path = write_signed_pdf(
            out_dir,
            report,
            lang,
            certifier.spec(),
            number=document.number,
            reason=t("pdf.signature_reason"),
            location=location,
            tsa_url=certifier.tsa,
            rendered=render_pdf(report, lang, context=context),
            report_sha256=report_sha256,
        )
    except ImportError:
        _fail(t("pdf.missing_dependency"))
    queue_pdf(out_dir, report.report_id)
    return path


def queue_pdf(directory: Path, report_id: str) -> None:
    """The report's signed PDF goes to the province with it (or after it, if it was sent)."""
    from auditor.upload.outbox import Outbox

    if default_outbox().is_dir():  # nothing was ever queued on this machine otherwise
        Outbox(default_outbox()).attach_pdf(directory, report_id)


def _number(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Refuse a malformed document number before any work is done."""
    from auditor.report.official import document_number

    if value is None:
        return None
    try:
        document_number(value, "BC-UBND")
    except ValueError:
        raise click.BadParameter(_t()("doc.bad_number", value=value)) from None
    return value


DOCUMENT_OPTIONS = [
    click.option(
        "--number",
        default=None,
        callback=_number,
        help="Document number: '5' prints 'Số: 05/BC-UBND' (the symbol is the inventory's "
        "documents.symbol), or give it whole, e.g. '12/BC-UBND'. Left blank for the clerk "
        "when not given.",
    ),
    click.option(
        "--proposal",
        "proposals",
        multiple=True,
        help="A proposal to the province (repeatable); replaces documents.proposals.",
    ),
]

TSA = click.option("--tsa", default=None, help="RFC 3161 time-stamp URL (PAdES B-T).")
CERTIFIER_OPTIONS = [KEY_DIR, PASSFILE, TSA]
SIGNER_OPTIONS = [
    click.option(
        "--passphrase-file",
        type=EXISTING_FILE,
        help="File holding the PKCS#12 password (or set AUDITOR_KEY_PASSPHRASE).",
    ),
    TSA,
    click.option(
        "--p12",
        type=EXISTING_FILE,
        default=None,
        help="The signer's PKCS#12 (.p12/.pfx) certificate and key.",
    ),
    click.option(
        "--pkcs11-module",
        "module",
        type=EXISTING_FILE,
        default=None,
        help="PKCS#11 module of a USB token (e.g. the CA's .so/.dll).",
    ),
    click.option("--pkcs11-slot", "slot", type=int, default=None, help="Token slot number."),
    click.option(
        "--pkcs11-token", "token", default=None, help="Token label (instead of the slot)."
    ),
    click.option(
        "--pkcs11-key", "key_label", default=None, help="Label of the signing key on the token."
    ),
    click.option(
        "--pkcs11-cert", "cert_label", default=None, help="Label of the certificate on the token."
    ),
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


def _gathering(
    options: list[Any],
    cls: type[Any],
    name: str,
    func: Callable[..., None],
) -> Callable[..., None]:
    """Add `options` to a command and hand them to it as one `cls` object named `name`."""
    fields = list(cls.__dataclass_fields__)

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> None:
        values = {f: kwargs.pop(f) for f in fields}
        func(**kwargs, **{name: cls(**values)})

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def signer_options(func: Callable[..., None]) -> Callable[..., None]:
    """The credential that signs a PDF, given to the command as `signer: SignerArgs`."""
    return _gathering(SIGNER_OPTIONS, SignerArgs, "signer", func)


def certifier_options(func: Callable[..., None]) -> Callable[..., None]:
    """The auditor's key that certifies a PDF, given as `certifier: CertifierArgs`."""
    return _gathering(CERTIFIER_OPTIONS, CertifierArgs, "certifier", func)


def document_options(func: Callable[..., None]) -> Callable[..., None]:
    """Number and proposals of an official document, given as `document: DocumentArgs`."""
    return _gathering(DOCUMENT_OPTIONS, DocumentArgs, "document", func)
