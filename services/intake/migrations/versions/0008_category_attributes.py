"""Per-category questions (Open311 service attributes) and the answers a case carries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.add_column(
        "category",
        sa.Column("attributes", postgresql.JSONB, nullable=False, server_default="[]"),
        schema=S,
    )
    op.add_column(
        "cases",
        sa.Column("attributes", postgresql.JSONB, nullable=False, server_default="{}"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column("cases", "attributes", schema=S)
    op.drop_column("category", "attributes", schema=S)
