"""The compounds' registered residents from the access service's events (counts only).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "scoring"


def upgrade() -> None:
    op.create_table(
        "occupancy_fact",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("compound_id", sa.String(20), nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("residents", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index(
        "ix_occupancy_fact_compound_at", "occupancy_fact", ["compound_id", "at"], schema=S
    )


def downgrade() -> None:
    op.drop_table("occupancy_fact", schema=S)
