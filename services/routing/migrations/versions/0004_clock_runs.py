"""The clock across pauses (挂账) and the request awaiting approval.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    # working minutes used in earlier runs of the clock (before a hang, say)
    op.add_column(
        "case_state",
        sa.Column("used_before_minutes", sa.Integer, nullable=False, server_default="0"),
        schema=S,
    )
    op.add_column("case_state", sa.Column("time_limit", sa.String(80)), schema=S)
    # what a pending request asked for (the hours of an extension), until it is decided
    op.add_column(
        "case_state",
        sa.Column("pending", postgresql.JSONB, nullable=False, server_default="{}"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column("case_state", "pending", schema=S)
    op.drop_column("case_state", "time_limit", schema=S)
    op.drop_column("case_state", "used_before_minutes", schema=S)
