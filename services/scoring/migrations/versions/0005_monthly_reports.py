"""Monthly reports as they stood when their month was closed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "scoring"


def upgrade() -> None:
    op.create_table(
        "monthly_report",
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", JSONB, nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("monthly_report", schema=S)
