"""Commands that deliver reports and keep the calendar: upload, receiver, schedule, status."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from cryptography import x509

from auditor.cli.app import (
    DB_OPTION,
    EXISTING_FILE,
    _anchors,
    _fail,
    _input_errors,
    _store,
    _t,
    err,
    main,
    secret_file,
)
from auditor.cli.console import echo
from auditor.paths import (
    auditor_home,
    default_known_hosts,
    default_outbox,
)
from auditor.runtime import default_actor
from auditor.textsafe import printable


# ------------------------------------------------------------------ delivery
def _reason(code: str, detail: str) -> str:
    """A receiver's or the network's reason in the user's words; an unknown code (it comes
    from the peer) is shown escaped, never obeyed by the terminal."""
    t = _t()
    if t.has(code):
        return t(code, detail=printable(detail, 200))
    return printable(code, 200) + (f" ({printable(detail, 200)})" if detail else "")


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
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Allow an http:// receiver (a lab only: the token and report travel in clear text).",
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
    insecure_http: bool,
    sftp: str | None,
    sftp_key: Path | None,
    attempts: int,
    as_json: bool,
) -> None:
    """Send every queued report, retrying with backoff; a report is never sent twice.

    Exit 0 when the outbox is empty afterwards, 1 when some reports still wait or were refused.
    """
    from auditor.upload.outbox import Outbox

    # httpx and paramiko's SFTP are imported only by the command that sends
    from auditor.upload.sender import upload_pending
    from auditor.upload.transport import HttpsTransport, SftpTransport, Transport

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
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme == "http" and not insecure_http:
            _fail(t("upload.http_refused"))
        if scheme not in ("http", "https"):
            _fail(t("upload.bad_url", url=printable(url)))
        if scheme == "http":
            err.print(t("upload.http_warning"), markup=False)
        transport = HttpsTransport(
            url=url,
            ca_bundle=ca_bundle,
            client_cert=client_cert,
            client_key=client_key,
            token=secret_file(token_file).strip() if token_file else None,
        )
    else:
        raise click.UsageError("give --to URL or --sftp user@host:port:/dir")
    outbox = Outbox(default_outbox())
    result = upload_pending(outbox, transport, _anchors(()), attempts=attempts)
    if as_json:
        echo(
            json.dumps(
                {
                    "sent": result.sent,
                    "rejected": result.rejected,
                    "waiting": result.waiting,
                    "held": result.held,
                    "pdf_refused": result.pdf_refused,
                },
                ensure_ascii=False,
            )
        )
    else:
        for report_id in result.sent:
            echo(t("upload.sent", id=report_id))
        for report_id, reason in result.pdf_refused.items():
            why = _reason(reason, "")
            err.print(t("upload.pdf_refused", id=report_id, reason=why), markup=False)
        for report_id, reason in result.rejected.items():
            why = _reason(reason, result.details.get(report_id, ""))
            err.print(t("upload.rejected", id=report_id, reason=why), markup=False)
        for report_id, reason in result.waiting.items():
            why = _reason(reason, result.details.get(report_id, ""))
            err.print(t("upload.waiting", id=report_id, reason=why), markup=False)
        for report_id, reason in result.held.items():
            why = _reason(reason, result.details.get(report_id, ""))
            err.print(t("upload.held", id=report_id, reason=why), markup=False)
    done = not result.rejected and not result.waiting and not result.held
    sys.exit(0 if done else 1)


@main.group()
def receiver() -> None:
    """The province side: collect and verify reports from communes."""


RECEIVER_DB = click.option(
    "--db",
    "db_url",
    default="sqlite:///received.db",
    show_default=True,
    help="The receiver's store: sqlite:///FILE or postgresql+psycopg://USER@HOST/DB.",
)


def _receiver_modules() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        _fail(_t()("receiver.missing_extra"))


@receiver.command("serve")
@RECEIVER_DB
@click.option(
    "--trust",
    "trust",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Trusted commune certificates or the province CA (PEM files or folders); repeatable.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--cert", "tls_cert", type=EXISTING_FILE, required=True, help="Server TLS certificate (PEM)."
)
@click.option(
    "--key", "tls_key", type=EXISTING_FILE, required=True, help="Server TLS private key (PEM)."
)
@click.option("--max-body-mb", default=32, show_default=True, help="Largest upload accepted.")
@click.option("--max-uploads", default=4, show_default=True, help="Uploads verified at once.")
@click.option("--max-connections", default=256, show_default=True, help="Open connections.")
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    help="Seconds for the TLS handshake, then again for a request's headers.",
)
@click.option(
    "--body-timeout", default=60.0, show_default=True, help="Seconds for a request's body."
)
@click.option(
    "--proxy",
    "proxies",
    multiple=True,
    help="Address of a reverse proxy in front (nginx, Caddy), repeatable: its connections are "
    "not held to one client's share, and the client address is read from its "
    "X-Forwarded-For (from nobody else).",
)
def receiver_serve(
    db_url: str,
    trust: tuple[Path, ...],
    host: str,
    port: int,
    tls_cert: Path,
    tls_key: Path,
    max_body_mb: int,
    max_uploads: int,
    max_connections: int,
    header_timeout: float,
    body_timeout: float,
    proxies: tuple[str, ...],
) -> None:
    """Serve the receiver over HTTPS.

    Communes upload with their own token (`auditor receiver commune add`), and a report is
    accepted only when its signing certificate is the one registered for that commune.
    Every read (receipts, the communes list) needs a province account (`auditor receiver
    admin add-user`). One access-log line per request goes to stderr.
    """
    _receiver_modules()
    import logging

    from auditor.cli.console import CatalogueFormatter
    from auditor.receiver.app import Limits, create_app
    from auditor.receiver.server import (
        ServerLimits,
        raise_descriptor_limit,
        serve,
        server_config,
    )

    t = _t()
    logging.basicConfig(level=logging.INFO)
    for handler in logging.getLogger().handlers:  # the library's coded records, in words
        handler.setFormatter(CatalogueFormatter(t, named=True))
    # everything is checked before "listening on" is said: a mismatched key, a trust file
    # that is not PEM, a database that cannot be opened, a port that is taken
    anchors = _serve_trust(list(trust))
    _check_tls(tls_cert, tls_key)
    limits = Limits(
        max_body=max_body_mb * 1024 * 1024,
        concurrent_uploads=max_uploads,
        body_timeout_s=body_timeout,
    )
    try:
        app = create_app(db_url, anchors, limits=limits)
    except Exception as exc:  # SQLAlchemy: a bad URL, an unreachable or unwritable store
        _fail(t("receiver.db_unusable", detail=printable(str(exc).splitlines()[0][:300])))
    _check_port(host, port)
    say = logging.getLogger("auditor.receiver").info
    store = app.state.engine.url.render_as_string(hide_password=True)
    say(t("receiver.log.listening", host=host, port=port, trusted=len(anchors), store=store))
    say(t("receiver.log.descriptors", limit=raise_descriptor_limit()))
    server_limits = ServerLimits(
        max_connections=max_connections,
        header_timeout_s=header_timeout,
        proxies=frozenset(_proxy_address(p) for p in proxies),
    )
    config = server_config(
        app,
        host=host,
        port=port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        limits=server_limits,
        t=t,
        log_level="warning",
    )
    serve(config, server_limits, t)


def _proxy_address(text: str) -> str:
    """A proxy's address as the connection shows it (an IP address, not a name)."""
    import ipaddress

    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise click.BadParameter(
            _t()("receiver.bad_proxy", value=text), param_hint="--proxy"
        ) from None


def _serve_trust(paths: list[Path]) -> list[x509.Certificate]:
    from auditor.receiver.app import load_trust

    try:
        anchors = load_trust(paths)
    except (ValueError, OSError) as exc:
        _fail(_t()("receiver.trust_unreadable", paths=", ".join(map(str, paths)), detail=str(exc)))
    if not anchors:
        _fail(_t()("receiver.trust_empty", paths=", ".join(map(str, paths))))
    return anchors


def _check_tls(cert: Path, key: Path) -> None:
    """The server's certificate and key load and belong together."""
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, OSError) as exc:
        _fail(_t()("receiver.tls_unusable", cert=str(cert), key=str(key), detail=str(exc)))


def _check_port(host: str, port: int) -> None:
    """The address can be listened on now (not taken, allowed for this user)."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        _fail(_t()("receiver.port_unusable", host=host, port=port, detail=exc.strerror or exc))


@receiver.command("demo")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--communes",
    type=click.IntRange(1, 5000),
    default=120,
    show_default=True,
    help="How many communes to generate.",
)
@click.option(
    "--reports",
    type=click.IntRange(1, 20),
    default=4,
    show_default=True,
    help="Signed reports per commune.",
)
@click.option(
    "--db",
    "db_url",
    default=None,
    help="Fill this store instead (e.g. postgresql://…) [default: DIRECTORY/received.db].",
)
def receiver_demo(directory: Path, communes: int, reports: int, db_url: str | None) -> None:
    """Fill a throwaway store with a generated province (communes with their own keys and
    signed quarterly reports, verdicts drawn at random) to look at the dashboard.

    \b
    Then run the command it prints and open https://127.0.0.1:8443/ in a browser.
    """
    _receiver_modules()
    from auditor.receiver.demo import make_demo

    t = _t()
    if directory.exists() and any(directory.iterdir()):
        _fail(t("receiver.demo_not_empty", path=str(directory)))
    demo = make_demo(directory, communes, reports, db_url=db_url)
    echo(t("receiver.demo_ready", communes=demo.communes, reports=demo.reports))
    echo(
        f"  auditor receiver serve --db {demo.db_url} --trust {demo.trust} "
        f"--cert {demo.tls_cert} --key {demo.tls_key}"
    )
    echo(t("receiver.demo_login", user=demo.username, file=demo.password_file))


@receiver.group("commune")
def receiver_commune() -> None:
    """The registry of communes: which signing certificate belongs to which commune."""


@receiver_commune.command("add")
@click.argument("name")
@click.option(
    "--cert",
    "cert_path",
    type=EXISTING_FILE,
    required=True,
    help="The commune's signing certificate (PEM).",
)
@click.option(
    "--area",
    default=None,
    help="The province's grouping of the commune (e.g. a former district), for the filters.",
)
@RECEIVER_DB
def receiver_commune_add(name: str, cert_path: Path, area: str | None, db_url: str) -> None:
    """Register NAME (exactly as its reports name the organisation) with its certificate.

    Prints the commune's upload token once: give it to the commune's officer, who keeps it
    in a 0600 file for `auditor upload --token-file`.
    """
    _receiver_modules()
    from cryptography import x509

    from auditor.receiver.store import RegistryError, add_commune, open_store
    from auditor.report.signing import fingerprint

    t = _t()
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        _fail(t("receiver.cert_unreadable", path=str(cert_path)))
    try:
        token = add_commune(open_store(db_url), name, fingerprint(cert), area)
    except RegistryError as exc:
        _fail(t(exc.code, detail=exc.detail))
    echo(t("receiver.commune_added", name=name, fingerprint=fingerprint(cert)))
    echo(token)


@receiver_commune.command("set-area")
@click.argument("name")
@click.argument("area")
@RECEIVER_DB
def receiver_commune_set_area(name: str, area: str, db_url: str) -> None:
    """Put the registered commune NAME in AREA (an empty AREA takes it out of any area).

    Areas are the province's own grouping for the dashboard's filter: districts ended with
    the 2025 reform, so a province names them itself, e.g. "Mai Sơn (huyện cũ)".
    """
    _receiver_modules()
    from auditor.receiver.store import RegistryError, open_store, set_area

    t = _t()
    try:
        set_area(open_store(db_url), name, area)
    except RegistryError as exc:
        _fail(t(exc.code, detail=exc.detail))
    echo(t("receiver.area_set", name=name, area=area.strip() or "—"))


@receiver.group("admin")
def receiver_admin() -> None:
    """Province staff accounts for reading the communes' reports."""


@receiver_admin.command("add-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "admin"]), default="viewer", show_default=True)
@click.option(
    "--password-file",
    type=EXISTING_FILE,
    default=None,
    help="File (mode 0600) holding the password; else it is asked twice.",
)
@RECEIVER_DB
def receiver_add_user(username: str, role: str, password_file: Path | None, db_url: str) -> None:
    """Create a province account (password hashed with argon2, at least 12 characters)."""
    _receiver_modules()
    from auditor.receiver.accounts import add_account
    from auditor.receiver.store import RegistryError, open_store

    t = _t()
    password = secret_file(password_file) if password_file else None
    if password is None:
        password = click.prompt(
            t("receiver.password_prompt"), hide_input=True, confirmation_prompt=True
        )
    try:
        add_account(open_store(db_url), username, password, role)
    except RegistryError as exc:
        _fail(t(exc.code, detail=exc.detail))
    echo(t("receiver.account_added", name=username, role=t(f"dash.roles.{role}")))


def _account_change(username: str, db_url: str, change: str, value: str = "") -> None:
    """Apply one lifecycle change to an account; its sessions end with it."""
    _receiver_modules()
    from auditor.receiver.accounts import change_account
    from auditor.receiver.store import RegistryError, open_store

    t = _t()
    try:
        change_account(open_store(db_url), change, username, value)
    except RegistryError as exc:
        _fail(t(exc.code, detail=exc.detail))
    echo(t("receiver.account_changed", name=username))


@receiver_admin.command("disable")
@click.argument("username")
@RECEIVER_DB
def receiver_disable(username: str, db_url: str) -> None:
    """Lock an account out (its sessions end at once); `enable` lets it in again."""
    _account_change(username, db_url, "disable")


@receiver_admin.command("enable")
@click.argument("username")
@RECEIVER_DB
def receiver_enable(username: str, db_url: str) -> None:
    """Let a disabled or locked-out account log in again."""
    _account_change(username, db_url, "enable")


@receiver_admin.command("remove")
@click.argument("username")
@RECEIVER_DB
def receiver_remove(username: str, db_url: str) -> None:
    """Delete an account (its sessions end at once). The last admin cannot be removed."""
    _account_change(username, db_url, "remove")


@receiver_admin.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["viewer", "admin"]))
@RECEIVER_DB
def receiver_set_role(username: str, role: str, db_url: str) -> None:
    """Make an account a viewer or an admin (its sessions end; it logs in again)."""
    _account_change(username, db_url, "set-role", role)


@receiver_admin.command("passwd")
@click.argument("username")
@click.option(
    "--password-file",
    type=EXISTING_FILE,
    default=None,
    help="File (mode 0600) holding the new password; else it is asked twice.",
)
@RECEIVER_DB
def receiver_passwd(username: str, password_file: Path | None, db_url: str) -> None:
    """Set a new password (at least 12 characters); every session of the account ends."""
    t = _t()
    password = secret_file(password_file) if password_file else None
    if password is None:
        password = click.prompt(
            t("receiver.password_prompt"), hide_input=True, confirmation_prompt=True
        )
    _account_change(username, db_url, "passwd", password)


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
    from auditor.schedule import Plan, UnsafeValue, calendar_problem, cron_line, install

    try:
        plan = Plan(
            inventory=inventory_path.resolve(),
            out_dir=out_dir.resolve(),
            home=auditor_home().resolve(),
            user=user or default_actor(),
            every=every,
            upload_to=upload_to,
            ca_bundle=ca_bundle.resolve() if ca_bundle else None,
        )
    except UnsafeValue as exc:
        _fail(_t()("schedule.unsafe_value", name=exc.name, value=printable(repr(exc.value), 200)))
    if not cron and (problem := calendar_problem(every)) is not None:  # what systemd would say
        raise click.BadParameter(
            _t()("schedule.bad_calendar", value=printable(every, 100), detail=printable(problem)),
            param_hint="--every",
        )
    if cron:
        try:
            echo(cron_line(plan), nl=False)
        except ValueError:
            raise click.UsageError("--cron takes --every daily, weekly or monthly") from None
        return
    with _input_errors():
        for path in install(plan, unit_dir):
            echo(str(path))


@schedule.command("show")
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/etc/systemd/system"),
    show_default=True,
)
def schedule_show(unit_dir: Path) -> None:
    """Print the installed units."""
    from auditor.schedule import UNIT

    for suffix in (".service", ".timer"):
        path = unit_dir / f"{UNIT}{suffix}"
        echo(f"# {path}\n{path.read_text() if path.exists() else '-'}")


@schedule.command("remove")
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/etc/systemd/system"),
    show_default=True,
)
def schedule_remove(unit_dir: Path) -> None:
    """Delete the units (disable the timer first: systemctl disable --now …)."""
    from auditor.schedule import remove

    for path in remove(unit_dir):
        echo(str(path))


@main.command("status")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@DB_OPTION
def status_command(inventory_path: Path, as_json: bool, db_url: str | None) -> None:
    """Last audit, open findings, next report deadlines and days left, last delivery."""
    from auditor.inventory import load_inventory
    from auditor.schedule import annual_due, quarterly_due
    from auditor.store.queries import latest_audit, open_findings
    from auditor.upload.outbox import Outbox

    t = _t()
    with _input_errors():
        inv = load_inventory(inventory_path)
    today = dt.datetime.now(dt.UTC).date()
    reporting = inv.organisation.reporting
    month, day = (int(x) for x in reporting.annual_due.split("-"))
    quarterly = quarterly_due(today, reporting.quarterly_due_day)
    annual = annual_due(today, month, day)
    store = _store(db_url, organisation=inv.organisation)
    with store.transaction() as session:
        last = latest_audit(session, store.org)
        open_count = open_findings(session, store.org)
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
        echo(json.dumps(info, ensure_ascii=False))
        return
    from auditor.report.html import hm
    from auditor.report.official import dmy

    received = str((latest or {}).get("received_at") or "")
    try:  # the receipt's ISO time, said as the officer reads times (Vietnam time)
        last_delivery = hm(dt.datetime.fromisoformat(received)) if received else "—"
    except ValueError:
        last_delivery = printable(received, 40)
    echo(
        t(
            "status_cmd.last_audit",
            at=hm(last.generated_at) if last else "—",
            id=info["last_report_id"] or "—",
            open=open_count,
        )
    )
    echo(t("status_cmd.quarterly", date=dmy(quarterly), days=(quarterly - today).days))
    echo(t("status_cmd.annual", date=dmy(annual), days=(annual - today).days))
    echo(t("status_cmd.delivery", pending=info["pending_uploads"], last=last_delivery))
