"""The video index's copy of patrol's grids (to place cameras in them), kept current by patrol's
events; it read grids.geojson at every start before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grid",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("geometry", JSONB, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True)),
        schema="video_index",
    )


def downgrade() -> None:
    op.drop_table("grid", schema="video_index")
