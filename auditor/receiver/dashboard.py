"""The province's web pages on the receiver: log in, the communes table, the requirement ×
commune heat map, one commune (its reports, the latest rendered, its signature checked,
the signed bundle to download). Server-rendered, readable without JavaScript, Vietnamese
first (`?lang=en` switches).

Sessions are signed cookies (itsdangerous, a key made when the server starts), HttpOnly and
SameSite=Strict; every form carries a CSRF token bound to the session; passwords are checked
by the argon2 accounts with their lockout.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import threading
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from cryptography import x509
from cryptography.x509.oid import NameOID
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from auditor.deadlines import overdue
from auditor.messages.catalogue import Messages
from auditor.receiver.accounts import (
    ACCOUNT_CHANGES,
    SLOT_WAIT_S,
    Busy,
    Login,
    add_account,
    authenticate,
    change_account,
    end_sessions,
    session_valid,
)
from auditor.receiver.limits import LoginLimits
from auditor.receiver.province import (
    CommuneRow,
    HeatRow,
    area_totals,
    commune_rows,
    commune_trend,
    heat_map,
    heat_matrix,
    province_view,
    received,
    report_of,
    reports_of,
)
from auditor.receiver.province_charts import commune_chart, province_charts
from auditor.receiver.store import (
    Account,
    Commune,
    RegistryError,
    add_commune,
    reset_token,
    revoke_commune,
    set_area,
)
from auditor.report.html import environment, load_resource, render_html
from auditor.report.model import PlanItem
from auditor.report.official import vn_date, vn_time
from auditor.report.outputs import PDF, REPORT, SIGNATURE
from auditor.report.signing import fingerprint, verify_detached
from auditor.sqlstore import from_store
from auditor.tables import Cell, table_bytes

COOKIE = "province_session"
LOGIN_CSRF = "province_login_csrf"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_HOURS = 8


class Sessions:
    """Signed, time-limited session cookies; the key lives as long as the server."""

    def __init__(self) -> None:
        self._signer = URLSafeTimedSerializer(secrets.token_bytes(32), salt="province-session")

    def make(self, login: Login) -> str:
        return self._signer.dumps(
            {
                "user": login.username,
                "role": login.role,
                "gen": login.generation,
                "csrf": secrets.token_urlsafe(24),
            }
        )

    def read(self, request: Request) -> dict[str, str] | None:
        cookie = request.cookies.get(COOKIE)
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self._signer.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("gen"), int):
            return None  # a cookie of an older server, or not ours
        return data


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _linker(lang: str) -> Any:
    """`link(path, **query)`: a link that keeps the page language."""

    def link(path: str, **params: str) -> str:
        query = {**params, **({"lang": "en"} if lang == "en" else {})}
        return path + ("?" + urlencode(query) if query else "")

    return link


def late_today(plan: list[PlanItem], today: date | None = None) -> list[tuple[PlanItem, bool]]:
    """Each plan item with whether it is overdue on the day the page is viewed (the report
    said so on its own day; an accepted risk is never overdue)."""
    day = today or vn_date(datetime.now(UTC))
    return [(p, overdue(p.due, p.status, day)) for p in plan]


PAGE_ROWS = 100  # communes per page of the list (a province has up to ~2,000)


def signer_name(subject: str | None) -> str:
    """The signer as a person reads it: the certificate's common name, not its whole
    distinguished name ("CN=…,O=…,C=VN"); the subject as stored when it has no CN."""
    if not subject:
        return "—"
    try:
        name = x509.Name.from_rfc4514_string(subject)
    except ValueError:
        return subject
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else subject


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def _page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    lang = _lang(request)
    html = (
        environment()
        .get_template(template)
        .render(
            t=Messages(lang),
            lang=lang,
            css=Markup(load_resource("dashboard.css") or ""),  # our package data, not input
            when=lambda moment: (
                vn_time(from_store(moment)).strftime("%d/%m/%Y %H:%M") if moment else "—"
            ),
            link=_linker(lang),
            quote=quote,
            signer_name=signer_name,
            **context,
        )
    )
    return private(request, HTMLResponse(html, status_code=status))


def _missing(request: Request, session: dict[str, str]) -> Response:
    """A page that does not exist, said in the dashboard's language (not an empty 404)."""
    return _page(request, "dashboard-missing.html.j2", 404, session=session, why="dash.not_found")


def private(request: Request, response: Response) -> Response:
    """Headers of every page with the communes' data: not stored by a browser or a proxy,
    not framed, HTTPS remembered."""
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.url.scheme == "https":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def _registry(engine: Engine) -> tuple[list[Account], list[Commune]]:
    with Session(engine, expire_on_commit=False) as session:
        accounts = list(session.scalars(select(Account).order_by(Account.username)))
        communes = list(session.scalars(select(Commune).order_by(Commune.name)))
    return accounts, communes


def communes_table(rows: list[CommuneRow], t: Messages) -> list[list[Cell]]:
    """The communes table as the page shows it, for a spreadsheet."""
    header: list[Cell] = [
        t("dash.commune"),
        t("dash.area"),
        t("dash.last_report"),
        t("dash.overdue"),
        t("dash.signer"),
        t("dash.signature"),
        *(t("status." + s) for s in ("met", "partly_met", "not_met", "not_assessed")),
        t("dash.coverage"),
        t("dash.high_gaps"),
        t("dash.trend"),
    ]
    body: list[list[Cell]] = [
        [
            r.name,
            r.area or "",
            vn_date(r.generated_at) if r.generated_at else "",
            t("value.yes") if r.overdue else t("value.no"),
            r.signer,
            _signature_word(r, t),
            *(r.counts.get(s, 0) for s in ("met", "partly_met", "not_met", "not_assessed")),
            round(r.coverage * 100),
            r.high_gaps,
            r.trend,
        ]
        for r in rows
    ]
    return [header, *body]


def _signature_word(row: CommuneRow, t: Messages) -> str:
    if row.signature_ok is None:
        return "—"
    return t("dash.sig_valid") if row.signature_ok else t("dash.sig_invalid")


def heat_table(heat: list[HeatRow], t: Messages) -> list[list[Cell]]:
    header: list[Cell] = [
        t("dash.requirement"),
        t("report.severity"),
        t("dash.failing_communes"),
        t("dash.reporting"),
        t("dash.communes"),
    ]
    body: list[list[Cell]] = [
        [
            f"{h.requirement} {h.title}",
            t("severity." + h.severity),
            len(h.failing),
            h.reporting,
            ", ".join(h.failing),
        ]
        for h in heat
    ]
    return [header, *body]


Page = Callable[[Request, dict[str, str]], Awaitable[Response]]


def _csrf_ok(form: Any, session: dict[str, str]) -> bool:
    """The form carries the token of this session (compared in constant time)."""
    return secrets.compare_digest(str(form.get("csrf", "")), session["csrf"])


def _filter(rows: list[CommuneRow], request: Request) -> list[CommuneRow]:
    q = request.query_params
    text = q.get("q", "").strip().lower()[:100]
    picked = [
        r
        for r in rows
        if (not text or text in r.name.lower())
        and (q.get("overdue") != "1" or r.overdue)
        and (q.get("high") != "1" or r.high_gaps > 0)
        and (not q.get("failing") or q.get("failing") in r.failing)
        and (not q.get("level") or str(r.level) == q.get("level"))
        and (not q.get("area") or r.area == q.get("area"))
    ]
    keys = {
        "name": lambda r: r.name,
        "area": lambda r: (r.area is None, r.area or "", r.name),
        "date": lambda r: r.generated_at or datetime.min.astimezone(),
        "not_met": lambda r: -r.counts.get("not_met", 0),
        "high": lambda r: -r.high_gaps,
    }
    return sorted(picked, key=keys.get(q.get("sort", "name"), keys["name"]))


def dashboard_routes(engine: Engine, trust: list[x509.Certificate]) -> list[Route]:
    sessions = Sessions()
    # parse the latest reports once at start, not on the first officer's request
    threading.Thread(target=commune_rows, args=(engine, trust), daemon=True).start()

    limits = LoginLimits()

    def login_page(
        request: Request, error: str | None = None, status: int = 200, retry: int = 0
    ) -> Response:
        """The form, with a fresh CSRF token also set as a cookie (double submit): a login
        posted from another site carries no matching pair."""
        token = secrets.token_urlsafe(24)
        response = _page(
            request,
            "dashboard-login.html.j2",
            status,
            error=error,
            csrf=token,
            next=request.query_params.get("next", "/"),
        )
        response.set_cookie(
            LOGIN_CSRF, token, httponly=True, samesite="strict", secure=_secure(request)
        )
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_page(request)
        form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
        expected = request.cookies.get(LOGIN_CSRF, "")
        if not expected or not secrets.compare_digest(str(form.get("csrf", "")), expected):
            return login_page(request, "dash.login_expired", 403)
        user, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:512]
        source = request.client.host if request.client else "?"
        retry = limits.wait(source, user)
        if retry:  # decided before any hashing: a flood costs nothing but this
            return login_page(request, "dash.too_many_logins", 429, retry)
        try:
            account = await run_in_threadpool(authenticate, engine, user, password)
        except Busy:
            return login_page(request, "dash.too_many_logins", 429, int(SLOT_WAIT_S))
        if account is None:
            return login_page(request, "dash.bad_login", 401)
        limits.succeeded(source, user)
        target = str(form.get("next", "/"))
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # never an open redirect
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            sessions.make(account),
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
        response.delete_cookie(LOGIN_CSRF)
        return response

    def signed_in(page: Page) -> Callable[[Request], Awaitable[Response]]:
        """The page for a signed-in user; anyone else goes to the login page and back."""

        async def handler(request: Request) -> Response:
            session = sessions.read(request)
            if session is not None and not await run_in_threadpool(
                session_valid, engine, session["user"], session["role"], int(session["gen"])
            ):
                session = None  # removed, disabled, demoted, logged out or new password
            if session is None:
                path = request.url.path + ("?" + request.url.query if request.url.query else "")
                return RedirectResponse("/login?" + urlencode({"next": path}), status_code=303)
            return await page(request, session)

        return handler

    async def logout(request: Request) -> Response:
        session = sessions.read(request)
        form = await request.form(max_files=0, max_fields=2, max_part_size=256)
        if session is None or not _csrf_ok(form, session):
            return Response(status_code=403)
        with contextlib.suppress(RegistryError):  # an account removed meanwhile has none
            await run_in_threadpool(end_sessions, engine, session["user"])
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @signed_in
    async def communes(request: Request, session: dict[str, str]) -> Response:
        rows, quarters = await run_in_threadpool(province_view, engine, trust)
        t = Messages(_lang(request))
        charts = province_charts(quarters, area_totals(rows, t("dash.no_area")), t)
        shown = _filter(rows, request)
        pages = max(1, -(-len(shown) // PAGE_ROWS))
        asked = request.query_params.get("page", "1")
        page = min(max(int(asked), 1), pages) if asked.isdigit() and len(asked) < 7 else 1
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        return _page(
            request,
            "dashboard-communes.html.j2",
            rows=shown[(page - 1) * PAGE_ROWS : page * PAGE_ROWS],
            matching=len(shown),
            page=page,
            pages=pages,
            page_link=lambda n: "/?" + urlencode({**query, "page": str(n)}),
            total=len(rows),
            charts=charts,
            areas=sorted({r.area for r in rows if r.area}),
            levels=sorted({r.level for r in rows if r.level}),
            session=session,
            query=dict(request.query_params),
        )

    @signed_in
    async def heatmap(request: Request, session: dict[str, str]) -> Response:
        rows = await run_in_threadpool(commune_rows, engine, trust)
        heat = await run_in_threadpool(heat_map, rows, _lang(request))
        unassigned = Messages(_lang(request))("dash.no_area")
        areas, matrix = heat_matrix(heat, rows, unassigned)
        return _page(
            request,
            "dashboard-heatmap.html.j2",
            heat=heat,
            areas=areas,
            matrix=matrix,
            session=session,
        )

    @signed_in
    async def commune(request: Request, session: dict[str, str]) -> Response:
        name = request.path_params["name"][:300]
        reports = await run_in_threadpool(reports_of, engine, name)
        latest = (
            await run_in_threadpool(received, engine, reports[0].report_id) if reports else None
        )
        if latest is None:
            return _page(request, "dashboard-missing.html.j2", 404, session=session)
        # as the province received it: the certificate had to be valid then
        check = await run_in_threadpool(
            verify_detached,
            latest.content,
            latest.signature,
            trust,
            at=from_store(latest.received_at),
        )
        report = report_of(latest)
        points = await run_in_threadpool(commune_trend, engine, name)
        return _page(
            request,
            "dashboard-commune.html.j2",
            name=name,
            reports=reports,
            latest=latest,
            report=report,
            check=check,
            cert_sha256=fingerprint(check.signer_cert) if check.signer_cert else "",
            plan=late_today(report.history.plan if report.history else []),
            trend_chart=commune_chart(points, Messages(_lang(request))),
            session=session,
        )

    @signed_in
    async def report_html(request: Request, session: dict[str, str]) -> Response:
        row = await run_in_threadpool(received, engine, request.path_params["report_id"])
        if row is None:
            return _missing(request, session)
        html = await run_in_threadpool(render_html, report_of(row), _lang(request))
        policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        return private(request, HTMLResponse(html, headers={"Content-Security-Policy": policy}))

    @signed_in
    async def bundle(request: Request, session: dict[str, str]) -> Response:
        row = await run_in_threadpool(received, engine, request.path_params["report_id"])
        if row is None:
            return _missing(request, session)
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(REPORT, row.content)
            archive.writestr(SIGNATURE, row.signature)
            if row.pdf is not None:  # signed by the commune (PAdES), checked on receipt
                archive.writestr(PDF, row.pdf)
        zipped = Response(
            data.getvalue(),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{row.report_id}.zip"'},
        )
        return private(request, zipped)  # a commune's evidence is never kept in a cache

    @signed_in
    async def export(request: Request, session: dict[str, str]) -> Response:
        what, suffix = request.path_params["what"], "." + request.path_params["suffix"]
        if what not in ("communes", "heatmap") or suffix not in (".xlsx", ".csv"):
            return _missing(request, session)
        t = Messages(_lang(request))
        rows = await run_in_threadpool(commune_rows, engine, trust)
        if what == "communes":
            table = communes_table(_filter(rows, request), t)
        else:
            heat = await run_in_threadpool(heat_map, rows, _lang(request))
            table = heat_table(heat, t)
        data = await run_in_threadpool(table_bytes, table, suffix, t(f"dash.{what}"))
        media = "text/csv; charset=utf-8" if suffix == ".csv" else XLSX_MEDIA
        disposition = f'attachment; filename="{what}{suffix}"'
        exported = Response(data, media_type=media, headers={"Content-Disposition": disposition})
        return private(request, exported)

    @signed_in
    async def admin(request: Request, session: dict[str, str]) -> Response:
        if session.get("role") != "admin":
            return _page(
                request, "dashboard-missing.html.j2", 403, session=session, why="dash.not_allowed"
            )
        notice: str | None = None
        t_name = "PEM"
        error: tuple[str, dict[str, str]] | None = None
        token: str | None = None
        if request.method == "POST":
            form = await request.form(max_files=0, max_fields=8, max_part_size=65536)
            if not _csrf_ok(form, session):
                return Response(status_code=403)
            try:
                if form.get("action") == "add-user":
                    await run_in_threadpool(
                        add_account,
                        engine,
                        str(form.get("username", ""))[:64],
                        str(form.get("password", "")),
                        str(form.get("role", "viewer")),
                    )
                    notice = "dash.user_added"
                elif form.get("action") in ACCOUNT_CHANGES:
                    action = str(form.get("action"))
                    user = str(form.get("username", ""))[:64]
                    value = str(form.get("value", ""))[:512]
                    await run_in_threadpool(change_account, engine, action, user, value)
                    notice = f"dash.account_{action.replace('-', '_')}"
                elif form.get("action") == "add-commune":
                    pem = str(form.get("cert", "")).encode()
                    cert = x509.load_pem_x509_certificate(pem)
                    token = await run_in_threadpool(
                        add_commune,
                        engine,
                        str(form.get("name", ""))[:300],
                        fingerprint(cert),
                        str(form.get("area", ""))[:200],
                    )
                    notice = "dash.commune_added"
                elif form.get("action") == "set-area":
                    name, area = str(form.get("name", ""))[:300], str(form.get("area", ""))[:200]
                    await run_in_threadpool(set_area, engine, name, area)
                    notice = "dash.area_set"
                elif form.get("action") == "reset-token":
                    name = str(form.get("name", ""))[:300]
                    token = await run_in_threadpool(reset_token, engine, name)
                    notice = "dash.token_reset"
                elif form.get("action") == "revoke":
                    await run_in_threadpool(revoke_commune, engine, str(form.get("name", ""))[:300])
                    notice = "dash.commune_revoked"
            except RegistryError as exc:
                error = (exc.code, {"detail": str(exc.detail)})
            except ValueError:
                error = ("receiver.cert_unreadable", {"path": t_name})
        accounts, registry = await run_in_threadpool(_registry, engine)
        return _page(
            request,
            "dashboard-admin.html.j2",
            session=session,
            accounts=accounts,
            registry=registry,
            notice=notice,
            error=error,
            token=token,
        )

    return [
        Route("/admin", admin, methods=["GET", "POST"]),
        Route("/export/{what}.{suffix}", export, methods=["GET"]),
        Route("/", communes, methods=["GET"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/heatmap", heatmap, methods=["GET"]),
        Route("/communes/{name:path}", commune, methods=["GET"]),
        Route("/reports/{report_id}/html", report_html, methods=["GET"]),
        Route("/reports/{report_id}/bundle.zip", bundle, methods=["GET"]),
    ]
