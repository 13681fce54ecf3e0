"""Daily patrol plans: each run, and every visit of the day with its officer, order, arrival
and state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    op.create_table(
        "plan_run",
        sa.Column("id", sa.Integer, sa.Identity(always=True), primary_key=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(100), nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("visits", sa.Integer, nullable=False),
        sa.Column("planned", sa.Integer, nullable=False),
        sa.Column("length_m", sa.Integer, nullable=False),
        sa.Column("unplanned_by_reason", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "plan_visit",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey(f"{S}.plan_run.id"), nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("shift", sa.String(20), nullable=False),
        sa.Column("point_id", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(36)),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("officer_badge", sa.String(10)),
        sa.Column("seq", sa.Integer),
        sa.Column("eta", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index(
        "ix_plan_visit_day_officer", "plan_visit", ["day", "officer_badge", "seq"], schema=S
    )
    op.create_index("ix_plan_visit_window_end", "plan_visit", ["window_end"], schema=S)


def downgrade() -> None:
    op.drop_table("plan_visit", schema=S)
    op.drop_table("plan_run", schema=S)
