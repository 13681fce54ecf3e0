"""Missed visits owe a make-up visit (补巡) in the next plan.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    op.create_table(
        "makeup_visit",
        sa.Column("missed_visit_id", sa.String(60), primary_key=True),
        sa.Column("point_id", sa.String(20), nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_day", sa.Date),
        schema=S,
    )
    op.create_index(
        "ix_plan_visit_open_window",
        "plan_visit",
        ["window_end"],
        schema=S,
        postgresql_where=sa.text("status IN ('planned', 'unplanned')"),
    )


def downgrade() -> None:
    op.drop_index("ix_plan_visit_open_window", "plan_visit", schema=S)
    op.drop_table("makeup_visit", schema=S)
