"""each received report gets a digest of its figures, so that the province's pages never
parse every report (written at receipt; older reports are digested on first listing)

Revision ID: r0005
Revises: r0004
"""

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_digests",
        sa.Column("report_id", sa.String(36), primary_key=True),
        sa.Column("digest", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_digests")
