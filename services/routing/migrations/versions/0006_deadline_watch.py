"""Deadline watch: when a running clock passes 80 % of its limit (warn) and its deadline
(overdue), once per run of the clock.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column("case_state", sa.Column("warn_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("case_state", sa.Column("warned_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("case_state", sa.Column("overdue_at", sa.DateTime(timezone=True)), schema=S)
    # the watch's two questions, answered from indexes over running clocks only
    op.create_index(
        "ix_case_state_warn_due",
        "case_state",
        ["warn_at"],
        schema=S,
        postgresql_where=sa.text("clock_started_at IS NOT NULL AND warned_at IS NULL"),
    )
    op.create_index(
        "ix_case_state_overdue_due",
        "case_state",
        ["due_at"],
        schema=S,
        postgresql_where=sa.text("clock_started_at IS NOT NULL AND overdue_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_state_overdue_due", table_name="case_state", schema=S)
    op.drop_index("ix_case_state_warn_due", table_name="case_state", schema=S)
    for name in ("overdue_at", "warned_at", "warn_at"):
        op.drop_column("case_state", name, schema=S)
