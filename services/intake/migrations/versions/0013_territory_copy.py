"""Intake's copy of patrol's territory follows patrol's events: each grid and point remembers
the time of the change it holds (older events are ignored), and a retired point stays, marked,
for the cases that refer to it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    for table in ("grid", "patrol_point"):
        op.add_column(table, sa.Column("changed_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column(
        "patrol_point",
        sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column("patrol_point", "retired", schema=S)
    for table in ("grid", "patrol_point"):
        op.drop_column(table, "changed_at", schema=S)
