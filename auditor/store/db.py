"""Open the history store: SQLite (WAL, foreign keys) by default, PostgreSQL by URL, with
Alembic migrations applied on open so an older database is brought up to date first."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

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


def private_engine(url: str) -> Engine:
    """An engine for `url` (postgresql:// means psycopg 3); a new SQLite file is created
    0600 in a folder created 0700, never through a symlink."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            os.close(os.open(path, flags, 0o600))
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_engine(url: str | None = None) -> Engine:
    """Create the engine, make the SQLite folder, and migrate the schema to the newest."""
    engine = private_engine(url or default_url())
    migrate(engine)
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
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if made_before_migrations:
            command.stamp(config, _revisions(package)[0])
        command.upgrade(config, "head")


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
