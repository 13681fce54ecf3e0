"""The lifecycle state of every case routing drives, its SLA clock, and the log of transitions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.create_table(
        "case_state",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.String(30), nullable=False),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("grid_id", sa.String(20)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("department_id", sa.String(50)),
        sa.Column("calendar_id", sa.String(20)),
        # the disposal clock: working time allowed, when it (re)started, when it is due
        sa.Column("limit_minutes", sa.Integer),
        sa.Column("clock_started_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("paused_at", sa.DateTime(timezone=True)),
        sa.Column("reworks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("returns", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index(
        "ix_case_state_department_due", "case_state", ["department_id", "due_at"], schema=S
    )
    op.create_index("ix_case_state_status", "case_state", ["status"], schema=S)
    op.create_table(
        "case_transition",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column(
            "case_id", sa.Uuid, sa.ForeignKey(f"{S}.case_state.case_id"), nullable=False, index=True
        ),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(30), nullable=False),
        sa.Column("to_status", sa.String(30), nullable=False),
        sa.Column("actor_sub", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=False),
        sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("case_transition", schema=S)
    op.drop_table("case_state", schema=S)
