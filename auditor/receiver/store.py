"""The province's receiving store: received reports, the registry of communes (which signing
certificate and which upload token belong to which commune) and province staff accounts.

SQLite for a demo, PostgreSQL for a province, through the same SQLAlchemy models.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import unicodedata
from datetime import UTC, datetime
from typing import IO

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from auditor.errors import CodedError
from auditor.sqlstore import Migrations, open_engine


class RegistryError(CodedError):
    """A commune or account that cannot be registered as asked."""


class Base(DeclarativeBase):
    pass


class Received(Base):
    __tablename__ = "received_reports"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(300), index=True)  # bound to the signer
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signer: Mapped[str] = mapped_column(String(500))
    signer_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    # the signed PDF the commune sent with it (PAdES, bound to this report), if it did
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ReportDigest(Base):
    """The figures the province's pages need of a received report (`digest.Digest` as
    JSON), in a table of their own: in SQLite a column after a report's content is reached
    only by reading through the content, so the listing never touches that table's rows."""

    __tablename__ = "report_digests"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    digest: Mapped[str] = mapped_column(Text)


AREA_MAX = 100


def clean_area(area: str | None) -> str | None:
    """An area as stored: trimmed, one line, None when empty; too long, or holding a
    control character (it would reach terminals and spreadsheets), is refused."""
    text = " ".join((area or "").split())
    if len(text) > AREA_MAX:
        raise RegistryError("receiver.area_too_long", str(AREA_MAX))
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise RegistryError("receiver.area_invalid", repr(text)[1:-1][:AREA_MAX])
    return text or None


class Commune(Base):
    """A commune the province accepts reports from: its signing certificate and upload token."""

    __tablename__ = "communes"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    cert_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the province's own grouping for its filters: districts ended with the 2025 reform,
    # so a province names its areas itself (a former district, a cluster, a border zone)
    area: Mapped[str | None] = mapped_column(String(AREA_MAX), nullable=True)


class Account(Base):
    """A province staff account (argon2 password hash; locked after repeated failures)."""

    __tablename__ = "accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # bumped on logout, password or role change, disable: every older session ends
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


VERSION_TABLE = "receiver_alembic_version"


def open_store(db_url: str) -> Engine:
    """Open the store and bring its schema to the newest migration (a new SQLite file is
    private to its owner). A store made before migrations existed is recorded as the first
    revision, which is exactly the schema it has, and the later migrations run on it."""
    return open_engine(db_url, Migrations("auditor.receiver", VERSION_TABLE, "received_reports"))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_commune(engine: Engine, name: str, cert_sha256: str, area: str | None = None) -> str:
    """Register a commune's signing certificate; return its new upload token (shown once)."""
    area = clean_area(area)
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        if session.get(Commune, name) is not None:
            raise RegistryError("receiver.commune_exists", name)
        clash = session.scalar(select(Commune).where(Commune.cert_sha256 == cert_sha256))
        if clash is not None:
            raise RegistryError("receiver.cert_registered", clash.name)
        session.add(
            Commune(
                name=name,
                cert_sha256=cert_sha256,
                token_sha256=token_digest(token),
                added_at=datetime.now(UTC),
                area=area,
            )
        )
        session.commit()
    return token


def commune_by_token(engine: Engine, token: str) -> Commune | None:
    with Session(engine) as session:
        return session.scalar(select(Commune).where(Commune.token_sha256 == token_digest(token)))


def reset_token(engine: Engine, name: str) -> str:
    """Give a commune a new upload token (the old one stops working at once); shown once."""
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        commune = session.get(Commune, name)
        if commune is None:
            raise RegistryError("receiver.no_commune", name)
        commune.token_sha256 = token_digest(token)
        session.commit()
    return token


def set_area(engine: Engine, name: str, area: str | None) -> None:
    """Put a registered commune in an area (or in none, given an empty one)."""
    area = clean_area(area)
    with Session(engine) as session:
        commune = session.get(Commune, name)
        if commune is None:
            raise RegistryError("receiver.no_commune", name)
        commune.area = area
        session.commit()


def revoke_commune(engine: Engine, name: str) -> None:
    """Take a commune off the registry: its token and certificate are refused from now on;
    the reports it sent stay, as they were received."""
    with Session(engine) as session:
        commune = session.get(Commune, name)
        if commune is None:
            raise RegistryError("receiver.no_commune", name)
        session.delete(commune)
        session.commit()


def streams_content(engine: Engine) -> bool:
    """Whether a report's bytes go into its row a slice at a time (SQLite's incremental blob
    I/O) rather than as one value the database library copies again."""
    return engine.dialect.name == "sqlite"


def write_content(session: Session, report_id: str, content: IO[bytes]) -> None:
    """Fill the stored row's report from `content` a MiB at a time, in the session's own
    transaction (SQLite): the row gets a zero-filled blob of the right size, then the bytes."""
    content.seek(0, 2)
    size = content.tell()
    session.execute(
        update(Received).where(Received.report_id == report_id).values(content=func.zeroblob(size))
    )
    rowid: int = session.execute(
        select(literal_column("rowid")).where(Received.report_id == report_id)
    ).scalar_one()
    sqlite: sqlite3.Connection = session.connection().connection.driver_connection  # type: ignore[assignment]
    content.seek(0)
    with sqlite.blobopen(Received.__tablename__, "content", rowid) as blob:
        while chunk := content.read(1 << 20):
            blob.write(chunk)
