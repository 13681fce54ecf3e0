"""The stage clock: the command centre's own limits (verify, accept, file, dispatch, check),
counted from when the case entered the stage; the watch flags a stage that ran over.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column("case_state", sa.Column("stage", sa.String(20)), schema=S)
    op.add_column("case_state", sa.Column("stage_due_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("case_state", sa.Column("stage_overdue_at", sa.DateTime(timezone=True)), schema=S)
    op.create_index(
        "ix_case_state_stage_watch",
        "case_state",
        ["stage_due_at"],
        schema=S,
        postgresql_where=sa.text("stage IS NOT NULL AND stage_overdue_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_state_stage_watch", "case_state", schema=S)
    for column in ("stage_overdue_at", "stage_due_at", "stage"):
        op.drop_column("case_state", column, schema=S)
