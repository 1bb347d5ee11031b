"""Alembic environment of the receiver's store: runs on the connection it is handed, with
its own version table so it may share a PostgreSQL database with other schemas."""

from __future__ import annotations

from alembic import context

from auditor.receiver.store import VERSION_TABLE, Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
