"""communes carry an area: the province's own grouping (e.g. a former district)

Revision ID: r0002
Revises: r0001
"""

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("area", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.drop_column("area")
