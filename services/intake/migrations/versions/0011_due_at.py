"""The disposal deadline routing set at dispatch, in the case read model.

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

S = "intake"


def upgrade() -> None:
    op.add_column("cases", sa.Column("due_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("cases", sa.Column("time_limit", sa.String(40)), schema=S)


def downgrade() -> None:
    op.drop_column("cases", "time_limit", schema=S)
    op.drop_column("cases", "due_at", schema=S)
