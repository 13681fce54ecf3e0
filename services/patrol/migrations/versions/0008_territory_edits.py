"""The territory edited through the API: points and officers retired rather than deleted
(plans and check-ins refer to them), rows edited since the data set marked (a newer data set
does not overwrite them), and the change log of who changed what and why.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    for table in ("patrol_point", "officer", "route"):
        op.add_column(table, sa.Column("edited_at", sa.DateTime(timezone=True)), schema=S)
    for table in ("patrol_point", "officer"):
        op.add_column(table, sa.Column("retired_at", sa.DateTime(timezone=True)), schema=S)
    op.create_table(
        "territory_change",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("before", postgresql.JSONB),
        sa.Column("after", postgresql.JSONB),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_sub", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_territory_change_subject", "territory_change", ["subject"], schema=S)


def downgrade() -> None:
    op.drop_table("territory_change", schema=S)
    for table in ("patrol_point", "officer"):
        op.drop_column(table, "retired_at", schema=S)
    for table in ("patrol_point", "officer", "route"):
        op.drop_column(table, "edited_at", schema=S)
