"""one history per organisation

Every audit, finding, not-applicable mark and incident gains `org`, whose history it is.
Rows of a store made before this carry the organisation *name* their audits recorded (a
legacy key, claimed by the inventory of that name when it first opens the store, see
`Store.for_organisation`); a mark or incident belongs to the organisation audited last at
its time, and one made before any audit carries "" (claimed by the first organisation).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# the name PostgreSQL gave the unnamed UNIQUE (asset_id, requirement) of 0001; on SQLite the
# batch copy names the reflected constraint by this convention so it can be dropped
OLD_UNIQUE = {"postgresql": "findings_asset_id_requirement_key"}
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}

# the organisation audited last at a row's own time, else the last one audited at all
_ORG_AT = """
COALESCE(
  (SELECT a.organisation FROM audits a WHERE a.generated_at <= {table}.{time}
   ORDER BY a.generated_at DESC LIMIT 1),
  (SELECT a.organisation FROM audits a ORDER BY a.generated_at DESC LIMIT 1),
  '')
"""


def _add_org(table: str, *, index: bool = True) -> None:
    op.add_column(table, sa.Column("org", sa.String(400), nullable=False, server_default=""))
    if index:
        op.create_index(f"ix_{table}_org", table, ["org"])


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _add_org("audits")
    op.execute("UPDATE audits SET org = organisation")

    _add_org("findings")
    op.execute(
        "UPDATE findings SET org = COALESCE("
        "(SELECT a.organisation FROM audits a WHERE a.id = findings.first_audit), '')"
    )
    with op.batch_alter_table("findings", naming_convention=CONVENTION) as batch:
        batch.drop_constraint(
            OLD_UNIQUE.get(dialect, "uq_findings_asset_id_requirement"), type_="unique"
        )
        batch.create_unique_constraint(
            "uq_findings_org_asset_requirement", ["org", "asset_id", "requirement"]
        )

    _add_org("incidents")
    op.execute(
        "UPDATE incidents SET org = " + _ORG_AT.format(table="incidents", time="recorded_at")
    )

    # a new primary key: the table is rebuilt (both dialects alike), its rows copied with
    # their organisation
    op.create_table(
        "not_applicable_new",
        sa.Column("org", sa.String(400), nullable=False, server_default=""),
        sa.Column("asset_id", sa.String(length=64), nullable=False),
        sa.Column("requirement", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "asset_id", "requirement"),
    )
    op.execute(
        "INSERT INTO not_applicable_new (org, asset_id, requirement, reason, marked_by, at) "
        "SELECT "
        + _ORG_AT.format(table="not_applicable", time="at")
        + ", asset_id, requirement, reason, marked_by, at FROM not_applicable"
    )
    op.drop_table("not_applicable")
    op.rename_table("not_applicable_new", "not_applicable")


def downgrade() -> None:
    raise NotImplementedError("a store split by organisation cannot be merged back safely")
