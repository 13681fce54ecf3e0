"""The disposal deadline of an assignment: the category's limit for the case's urgency, counted
in the working calendar of the department it is dispatched to.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column(
        "assignment",
        sa.Column("urgency", sa.String(10), nullable=False, server_default="normal"),
        schema=S,
    )
    op.add_column("assignment", sa.Column("calendar_id", sa.String(20)), schema=S)
    op.add_column("assignment", sa.Column("time_limit", sa.String(40)), schema=S)
    op.add_column("assignment", sa.Column("due_at", sa.DateTime(timezone=True)), schema=S)
    op.create_index("ix_assignment_due_at", "assignment", ["due_at"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_assignment_due_at", table_name="assignment", schema=S)
    for name in ("due_at", "time_limit", "calendar_id", "urgency"):
        op.drop_column("assignment", name, schema=S)
