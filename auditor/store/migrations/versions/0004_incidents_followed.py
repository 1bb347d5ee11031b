"""incidents followed to closure

The reports sent about an incident become rows of `incident_sent` (the one `reported_to` /
`reported_at` pair of 0002 moves there as a notice sent by an unnamed channel, without a
number); every change is an `incident_events` row (each existing incident gets its
"recorded" entry); an incident can be closed.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_to", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_sent_incident_id", "incident_sent", ["incident_id"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events", ["incident_id"])
    op.execute(
        "INSERT INTO incident_sent (incident_id, kind, at, sent_to, channel, reference) "
        "SELECT id, 'notice', reported_at, COALESCE(reported_to, '—'), 'other', NULL "
        "FROM incidents WHERE reported_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO incident_events (incident_id, at, actor, kind, detail) "
        "SELECT id, recorded_at, recorded_by, 'recorded', '' FROM incidents"
    )
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("reported_to")
        batch.drop_column("reported_at")
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the reports sent cannot be folded back into one pair")
