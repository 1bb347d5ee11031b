"""Open the history store: SQLite (WAL, foreign keys) by default, PostgreSQL by URL, with
Alembic migrations applied on open so an older database is brought up to date first."""

from __future__ import annotations

import errno
import fcntl
import glob
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from auditor.logs import event as log_event

if TYPE_CHECKING:
    from alembic.config import Config

from auditor.paths import auditor_home


def to_store(moment: datetime) -> datetime:
    """A time as the stores keep and compare it: in UTC (SQLite keeps the wall-clock digits
    and drops the zone, so every time written must be UTC)."""
    return moment.astimezone(UTC)


def from_store(moment: datetime) -> datetime:
    """A time read back from a store: SQLite returns it without its zone, which is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def default_url() -> str:
    return f"sqlite:///{auditor_home() / 'history.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a committed audit survives a power cut
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config(package: str = "auditor.store") -> Config:
    """Migrations of the history store, or of another store with its own `migrations/`
    folder (the province receiver)."""
    from alembic.config import Config  # only when a migration runs: alembic is slow to import

    config = Config()
    config.set_main_option("script_location", str(files(package).joinpath("migrations")))
    return config


def _driver_url(url: str) -> str:
    """postgresql:// means psycopg 3."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for PostgreSQL and for an in-memory database)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def _engine(url: str, *, transactional_ddl: bool = False) -> Engine:
    """An engine with the SQLite pragmas. With `transactional_ddl` every transaction on
    SQLite is a real `BEGIN IMMEDIATE … COMMIT` around DDL too (the sqlite3 module otherwise
    commits before each CREATE/ALTER, so a migration killed half-way would stay half-done):
    SQLAlchemy's documented recipe, used only while migrating."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if transactional_ddl:
            event.listen(engine, "connect", _driver_transactions_off)
            event.listen(engine, "begin", _begin_immediate)
    return engine


def _driver_transactions_off(dbapi_connection: Any, _record: Any) -> None:
    # Batch migrations copy and drop tables; with foreign keys on, dropping a parent table
    # would cascade into its children's rows.
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def _creation_lock(path: Path) -> Iterator[None]:
    """Serialise processes that find the database missing: one creates it, the others then
    open what it made."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
    fd = os.open(path.with_name(f".{path.name}.lock"), flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _create_sqlite(path: Path, schema: Migrations) -> None:
    """Create the SQLite file already migrated: the schema is built in a private temporary
    file beside it, which then replaces the name in one rename. A process killed at any
    moment leaves either no database, an empty file an older version left (treated as
    missing), or a complete one — never a file without its tables."""
    with _creation_lock(path):
        if path.exists() and path.stat().st_size > 0:
            return  # another process made it while we waited
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.new*"):
            stale.unlink(missing_ok=True)  # a creator killed before its rename (we hold the lock)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        os.close(os.open(temporary, flags, 0o600))
        try:
            engine = _engine(f"sqlite:///{temporary}", transactional_ddl=True)
            try:
                schema.apply(engine, made_before_migrations=False)
            finally:
                engine.dispose()  # the last close checkpoints and removes the -wal file
            os.replace(temporary, path)
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        finally:
            for leftover in (temporary, *_sqlite_sidecars(temporary)):
                leftover.unlink(missing_ok=True)


def _sqlite_sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


@dataclass(frozen=True)
class Migrations:
    """Which migration line a store follows: the history store's, or another package's
    (the province receiver keeps its own in its own version table)."""

    package: str = "auditor.store"
    version_table: str = "alembic_version"
    # A table whose presence without a version row means the schema was made by create_all
    # before migrations existed (the receiver's first stores).
    legacy_table: str | None = None

    def apply(self, engine: Engine, *, made_before_migrations: bool) -> None:
        migrate(
            engine,
            self.package,
            self.version_table,
            made_before_migrations=made_before_migrations,
        )


def open_engine(url: str | None = None, schema: Migrations | None = None) -> Engine:
    """Open a store at its newest schema. A new SQLite file (0600, in a folder made 0700,
    never through a symlink) appears only once it holds the whole schema; an older one is
    migrated in one transaction, so a kill leaves it at its old revision or the new one."""
    schema = schema or Migrations()
    url = _driver_url(url or default_url())
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.is_symlink():
            raise OSError(errno.ELOOP, "refusing a symbolic link", str(path))
        if not path.exists() or path.stat().st_size == 0:
            _create_sqlite(path, schema)
    engine = _engine(url)
    current = current_revision(engine, schema.version_table)
    if current == head_revision(schema.package):
        return engine
    made_before_migrations = (
        current is None
        and schema.legacy_table is not None
        and inspect(engine).has_table(schema.legacy_table)
    )
    migrating = _engine(url, transactional_ddl=True)
    try:
        schema.apply(migrating, made_before_migrations=made_before_migrations)
    finally:
        migrating.dispose()
    return engine


def migrate(
    engine: Engine,
    package: str = "auditor.store",
    version_table: str = "alembic_version",
    *,
    made_before_migrations: bool = False,
) -> None:
    """Bring the schema to the newest migration (nothing to do when it is there already).
    A schema `made_before_migrations` (by create_all) is exactly the first migration's: it
    is recorded as that revision, and the later ones then run on it."""
    if current_revision(engine, version_table) == head_revision(package):
        return
    from alembic import command

    config = alembic_config(package)
    before = current_revision(engine, version_table)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if made_before_migrations:
            command.stamp(config, _revisions(package)[0])
        command.upgrade(config, "head")
    store = logging.getLogger("auditor.store")
    if before is None:  # a new store (made in a temporary file first): nothing to name yet
        log_event(store, logging.INFO, "log.store.created")
    else:
        where = engine.url.render_as_string(hide_password=True)
        log_event(store, logging.INFO, "log.store.migrated", store=where)


def _revisions(package: str) -> list[str]:
    """The package's migration ids, oldest first (they form one line)."""
    parent_of: dict[str, str | None] = {}
    for script in files(package).joinpath("migrations", "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        source = script.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*"([^"]+)"', source, re.M)
        down = re.search(r'^down_revision\s*=\s*"([^"]+)"', source, re.M)
        if rev:
            parent_of[rev.group(1)] = down.group(1) if down else None
    child_of = {parent: rev for rev, parent in parent_of.items()}
    line, current = [], child_of.get(None)
    while current is not None:
        line.append(current)
        current = child_of.get(current)
    return line


def head_revision(package: str = "auditor.store") -> str:
    """The newest migration's id: the last of the line."""
    return _revisions(package)[-1]


def current_revision(engine: Engine, version_table: str = "alembic_version") -> str | None:
    """The schema version recorded in the database, or None for a new or foreign one."""
    if not re.fullmatch(r"[a-z_]+", version_table):
        raise ValueError(version_table)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT version_num FROM {version_table}")).scalar()
    except DBAPIError:
        return None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
