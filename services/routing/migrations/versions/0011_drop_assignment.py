"""The assignment table goes: nothing read it, and everything it held is in `case_state` (the
department, its calendar, limit and deadline) and in the dispatch's transition (the rule).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.drop_table("assignment", schema=S)


def downgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column(
            "department_id",
            sa.String(50),
            sa.ForeignKey(f"{S}.department.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("rule_id", sa.String(30)),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False, server_default="normal"),
        sa.Column("calendar_id", sa.String(20)),
        sa.Column("time_limit", sa.String(40)),
        sa.Column("due_at", sa.DateTime(timezone=True), index=True),
        schema=S,
    )
