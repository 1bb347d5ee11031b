"""The province's receiver (Starlette): accepts a commune's signed report, verifies it, binds
it to the commune that holds the signing certificate, stores it once and answers with a
hashed receipt. Every read needs a province account.

POST /api/reports    Bearer <commune upload token>; multipart/form-data with the parts
                     report_id, report, signature and optionally pdf (the commune's signed
                     PDF of that report, PAdES); or, from earlier versions, the JSON
                     {"report_id", "report", "signature", "pdf"} with base64 fields
GET  /api/reports/ID HTTP Basic (province account): the receipt of a stored report
GET  /api/communes   HTTP Basic (province account): per commune, the latest report, overdue

Hostile input is refused before it costs anything: the token before the body, the declared
and the streamed size before buffering, a slow body by a deadline, a busy receiver with 503.
Signature checks and database work run in worker threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auditor.receiver.accounts import Busy, authenticate
from auditor.receiver.dashboard import dashboard_routes
from auditor.receiver.digest import digest_of
from auditor.receiver.limits import LoginLimits
from auditor.receiver.province import commune_rows
from auditor.receiver.store import (
    Commune,
    Received,
    ReportDigest,
    commune_by_token,
    open_store,
    streams_content,
    write_content,
)
from auditor.receiver.upload import (
    BadUpload,
    Upload,
    read_multipart,
    read_report,
    read_upload,
    spool,
)
from auditor.report.signing import fingerprint, verify_detached

log = logging.getLogger("auditor.receiver")


@dataclass(frozen=True)
class Limits:
    max_body: int = 32 * 1024 * 1024
    concurrent_uploads: int = 4
    body_timeout_s: float = 60.0
    clock_skew: timedelta = timedelta(minutes=5)


class Refusal(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


def receipt(row: Received) -> dict[str, Any]:
    body = {
        "report_id": row.report_id,
        "sha256": row.sha256,
        "organisation": row.organisation,
        "received_at": row.received_at.astimezone(UTC).isoformat(),
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    return {**body, "receipt_sha256": hashlib.sha256(canonical).hexdigest()}


def _error(status: int, code: str) -> JSONResponse:
    headers = {"Retry-After": "5"} if status in (429, 503) else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Basic realm="province"'}
    return JSONResponse({"error": code}, status_code=status, headers=headers)


def _who(request: Request, name: str) -> None:
    request.scope.setdefault("state", {})["who"] = name


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Refusal(401, "receiver.auth_required")
    return value.strip()


async def _spool_body(request: Request, limits: Limits) -> IO[bytes]:
    """The body in a spooled temporary file (memory up to 1 MiB, then disk), refused by its
    declared length and by a running count while streaming, and by a deadline."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limits.max_body):
        raise Refusal(413, "receiver.too_large")
    body, size = spool(), 0
    try:
        async with asyncio.timeout(limits.body_timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limits.max_body:
                    raise Refusal(413, "receiver.too_large")
                body.write(chunk)
    except TimeoutError:
        body.close()
        raise Refusal(408, "receiver.body_timeout") from None
    except ClientDisconnect:
        body.close()
        raise Refusal(400, "receiver.bad_request") from None
    except Refusal:
        body.close()
        raise
    return body


def _receive(
    engine: Engine,
    trust: list[x509.Certificate],
    limits: Limits,
    commune: Commune,
    body: IO[bytes],
    content_type: str,
) -> JSONResponse:
    """Read, verify and store one spooled upload (in a worker thread): multipart as
    `auditor upload` sends it, or the JSON envelope of earlier versions."""
    try:
        if content_type.lower().startswith("multipart/"):
            upload = read_multipart(body, content_type)
        else:
            upload = read_upload(body)
    except BadUpload as bad:
        raise Refusal(bad.status, bad.code) from None
    finally:
        body.close()
    try:
        return _accept(engine, trust, limits, commune, upload)
    finally:
        upload.close()


def create_app(
    db_url: str, trust: list[x509.Certificate], limits: Limits | None = None
) -> Starlette:
    engine = open_store(db_url)
    limits = limits or Limits()
    logins = LoginLimits()
    uploads = asyncio.Semaphore(limits.concurrent_uploads)

    async def post_report(request: Request) -> JSONResponse:
        try:
            token = _bearer(request)
            commune = await run_in_threadpool(commune_by_token, engine, token)
            if commune is None:
                raise Refusal(401, "receiver.bad_token")
            _who(request, commune.name)
            if uploads.locked():
                raise Refusal(503, "receiver.busy")
            async with uploads:
                body = await _spool_body(request, limits)
                kind = request.headers.get("content-type", "")
                return await run_in_threadpool(_receive, engine, trust, limits, commune, body, kind)
        except Refusal as refusal:
            return _error(refusal.status, refusal.code)

    async def get_report(request: Request) -> JSONResponse:
        try:
            await _province_account(request)
        except Refusal as refusal:
            return _error(refusal.status, refusal.code)
        report_id = request.path_params["report_id"]
        row = await run_in_threadpool(_load_receipt, engine, report_id)
        return JSONResponse(row) if row else _error(404, "receiver.not_found")

    async def communes(request: Request) -> JSONResponse:
        try:
            await _province_account(request)
        except Refusal as refusal:
            return _error(refusal.status, refusal.code)
        return JSONResponse(await run_in_threadpool(_communes, engine))

    async def _province_account(request: Request) -> None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            raise Refusal(401, "receiver.auth_required")
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, binascii.Error):
            raise Refusal(401, "receiver.auth_required") from None
        source = request.client.host if request.client else "?"
        if logins.wait(source, user):  # before any hashing: a flood costs nothing but this
            raise Refusal(429, "receiver.too_many_logins")
        try:
            account = await run_in_threadpool(authenticate, engine, user, password)
        except Busy:
            raise Refusal(429, "receiver.too_many_logins") from None
        if account is None:
            raise Refusal(401, "receiver.bad_login")
        logins.succeeded(source, user)
        _who(request, f"province:{account.username}")

    app = Starlette(
        routes=[
            Route("/api/reports", post_report, methods=["POST"]),
            Route("/api/reports/{report_id}", get_report, methods=["GET"]),
            Route("/api/communes", communes, methods=["GET"]),
            *dashboard_routes(engine, trust),
        ]
    )
    app.state.engine = engine
    return app


def _accept(
    engine: Engine,
    trust: list[x509.Certificate],
    limits: Limits,
    commune: Commune,
    upload: Upload,
) -> JSONResponse:
    """Verify (certificates valid now), bind to the commune, store once. In a worker thread.
    A report sent again with its PDF (made or countersigned after the first upload) keeps
    its row and gains the PDF."""
    now = datetime.now(UTC)
    claimed, digest = upload.report_id, upload.sha256
    check = verify_detached(upload.content, upload.signature, trust, at=now)
    if not check.intact:
        raise Refusal(422, check.problems[0] if check.problems else "verify.bad_signature")
    if not check.trusted or check.signer_cert is None:
        raise Refusal(403, check.problems[0] if check.problems else "verify.untrusted_signer")
    signer_sha256 = fingerprint(check.signer_cert)
    if signer_sha256 != commune.cert_sha256:
        raise Refusal(403, "receiver.signer_not_bound")
    try:
        report = read_report(upload.content)
    except BadUpload as bad:
        raise Refusal(bad.status, bad.code) from None
    if report.report_id != claimed:
        raise Refusal(422, "receiver.id_mismatch")
    if report.organisation.name != commune.name:
        raise Refusal(422, "receiver.organisation_mismatch")
    if report.generated_at > now + limits.clock_skew:
        raise Refusal(422, "receiver.future_report")
    generated_at, summary = report.generated_at, digest_of(report).model_dump_json()
    del report
    if upload.pdf is not None:
        _check_pdf(upload.pdf, trust, commune, claimed, digest)
    streamed = streams_content(engine)  # else the report's bytes are one value, held here
    row = Received(
        report_id=claimed,
        sha256=digest,
        organisation=commune.name,
        generated_at=generated_at,
        received_at=now,
        signer=check.signer_subject[:500],
        signer_sha256=signer_sha256,
        content=b"" if streamed else upload.read_content(),
        signature=upload.signature,
        pdf=upload.pdf,
    )
    with Session(engine, expire_on_commit=False) as session:
        existing = session.get(Received, claimed)
        if existing is None:
            session.add(row)
            session.add(ReportDigest(report_id=claimed, digest=summary))
            try:
                session.flush()
                if streamed:
                    write_content(session, claimed, upload.content)
                session.commit()
                return JSONResponse(receipt(row), status_code=201)
            except IntegrityError:  # the same report raced in on another connection
                session.rollback()
                existing = session.get(Received, claimed)
        if existing is None or existing.sha256 != digest:
            raise Refusal(409, "receiver.replayed_id")
        if upload.pdf is not None and existing.pdf != upload.pdf:
            existing.pdf = upload.pdf  # verified above, bound to these very bytes
            session.commit()
        return JSONResponse(receipt(existing), status_code=200)


def _check_pdf(
    pdf: bytes, trust: list[x509.Certificate], commune: Commune, report_id: str, digest: str
) -> None:
    """The PDF must be certified by the commune's own registered certificate, changed since
    only by signing the person's and the agency's planned fields, every signature trusted
    now, and bound (in its certified revision) to this report's id and hash."""
    from auditor.report.pades import bound_to, verify_pdf

    verdict = verify_pdf(pdf, trust)
    if not verdict.ok:
        problem = verdict.problem_codes()[0] if verdict.problems else "pdf.unsigned"
        raise Refusal(422, "receiver." + problem.replace(".", "_", 1))
    if verdict.signer_sha256[0] != commune.cert_sha256:
        raise Refusal(403, "receiver.pdf_signer_not_bound")
    if not bound_to(verdict, report_id, digest):
        raise Refusal(422, "receiver.pdf_not_bound")


def _load_receipt(engine: Engine, report_id: str) -> dict[str, Any] | None:
    if len(report_id) > 36:
        return None
    with Session(engine) as session:
        row = session.get(Received, report_id)
        return receipt(row) if row else None


def _communes(engine: Engine) -> list[dict[str, Any]]:
    """Every registered commune (and any organisation that reported) with its latest report;
    overdue by its own quarterly reporting calendar, as the dashboard judges it. A commune
    that never reported is listed, overdue, with no report."""
    return [
        {
            "organisation": row.name,
            "report_id": row.report_id,
            "generated_at": row.generated_at.astimezone(UTC).isoformat()
            if row.generated_at
            else None,
            "overdue": row.overdue,
        }
        for row in commune_rows(engine)
    ]


class AccessLog:
    """One line per request: client, who, method, path, status, bytes sent, milliseconds.
    Never a header value (tokens and passwords travel in headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status, sent = 0, 0

        async def counting(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            client = scope.get("client") or ("-", 0)
            who = scope.get("state", {}).get("who", "-")
            path = scope["path"][:200].encode("unicode_escape").decode("ascii")
            log.info(
                "%s %s %s %s %d %d %.0fms",
                client[0],
                who,
                scope["method"],
                path,
                status,
                sent,
                (time.perf_counter() - start) * 1000,
            )


def load_trust(paths: list[Path]) -> list[x509.Certificate]:
    """Trusted commune certificates or CAs: PEM files, or every *.pem in given folders."""
    files = [f for p in paths for f in (sorted(p.glob("*.pem")) if p.is_dir() else [p])]
    return [c for f in files for c in x509.load_pem_x509_certificates(f.read_bytes())]
