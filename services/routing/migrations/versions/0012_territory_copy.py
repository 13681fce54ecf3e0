"""Routing's copy of patrol's grids follows patrol's events: each grid remembers the time of
the change it holds (older events are ignored).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("grid", sa.Column("changed_at", sa.DateTime(timezone=True)), schema="routing")


def downgrade() -> None:
    op.drop_column("grid", "changed_at", schema="routing")
