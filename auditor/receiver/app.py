"""A small ASGI app (Starlette): accepts a report, verifies its CMS signature against the
province's trust store, stores it once by report id, and answers with a hashed receipt.

POST /api/reports    {"report_id", "report": base64, "signature": base64}
GET  /api/reports/ID the receipt of a stored report
GET  /api/communes   per organisation: the latest report and whether it is overdue
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy import DateTime, LargeBinary, String, create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from auditor.report.model import parse_report
from auditor.report.signing import verify_detached

MAX_BODY = 32 * 1024 * 1024


class Base(DeclarativeBase):
    pass


class Received(Base):
    __tablename__ = "received_reports"

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(300), index=True)
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signer: Mapped[str] = mapped_column(String(500))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


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
    return JSONResponse({"error": code}, status_code=status)


def create_app(db_url: str, trust: list[x509.Certificate], overdue_days: int = 92) -> Starlette:
    engine = create_engine(db_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA journal_mode=WAL"))
    Base.metadata.create_all(engine)

    async def post_report(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _error(413, "receiver.too_large")
        try:
            body = json.loads(raw)
            content = base64.b64decode(body["report"], validate=True)
            signature = base64.b64decode(body["signature"], validate=True)
            claimed = str(body["report_id"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return _error(400, "receiver.bad_request")
        check = verify_detached(content, signature, trust)
        if not check.intact:
            return _error(422, check.problems[0] if check.problems else "verify.bad_signature")
        if not check.trusted:
            return _error(403, "verify.untrusted_signer")
        try:
            report = parse_report(content)
        except ValueError:
            return _error(422, "verify.report_unreadable")
        if report.report_id != claimed:
            return _error(422, "receiver.id_mismatch")
        digest = hashlib.sha256(content).hexdigest()
        with Session(engine) as session:
            existing = session.get(Received, claimed)
            if existing is not None:
                if existing.sha256 != digest:
                    return _error(409, "receiver.replayed_id")
                return JSONResponse(receipt(existing), status_code=200)
            row = Received(
                report_id=claimed,
                sha256=digest,
                organisation=report.organisation.name,
                generated_at=report.generated_at,
                received_at=datetime.now(UTC),
                signer=check.signer_subject,
                content=content,
                signature=signature,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # the same report raced in on another connection
                session.rollback()
                existing = session.get(Received, claimed)
                if existing is None or existing.sha256 != digest:
                    return _error(409, "receiver.replayed_id")
                return JSONResponse(receipt(existing), status_code=200)
            return JSONResponse(receipt(row), status_code=201)

    async def get_report(request: Request) -> JSONResponse:
        with Session(engine) as session:
            row = session.get(Received, request.path_params["report_id"])
            return JSONResponse(receipt(row)) if row else _error(404, "receiver.not_found")

    async def communes(_request: Request) -> JSONResponse:
        now = datetime.now(UTC)
        latest: dict[str, Received] = {}
        with Session(engine) as session:
            for row in session.scalars(select(Received)):
                current = latest.get(row.organisation)
                if current is None or row.generated_at > current.generated_at:
                    latest[row.organisation] = row
        out = [
            {
                "organisation": org,
                "report_id": row.report_id,
                "generated_at": row.generated_at.astimezone(UTC).isoformat(),
                "overdue": row.generated_at.astimezone(UTC) < now - timedelta(days=overdue_days),
            }
            for org, row in sorted(latest.items())
        ]
        return JSONResponse(out)

    return Starlette(
        routes=[
            Route("/api/reports", post_report, methods=["POST"]),
            Route("/api/reports/{report_id}", get_report, methods=["GET"]),
            Route("/api/communes", communes, methods=["GET"]),
        ]
    )


def load_trust(paths: list[Path]) -> list[x509.Certificate]:
    """Trusted commune certificates or CAs: PEM files, or every *.pem in given folders."""
    files = [f for p in paths for f in (sorted(p.glob("*.pem")) if p.is_dir() else [p])]
    return [c for f in files for c in x509.load_pem_x509_certificates(f.read_bytes())]
