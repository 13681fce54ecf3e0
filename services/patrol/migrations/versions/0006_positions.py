"""Officers' positions during a shift: the track (kept 30 days) and the latest fix of each.

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

S = "patrol"


def upgrade() -> None:
    op.create_table(
        "officer_position",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("badge", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("accuracy_m", sa.Float, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_officer_position_badge_at", "officer_position", ["badge", "at"], schema=S)
    op.create_index("ix_officer_position_received", "officer_position", ["received_at"], schema=S)
    op.create_table(
        "officer_latest",
        sa.Column("badge", sa.String(10), sa.ForeignKey("patrol.officer.badge"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("accuracy_m", sa.Float, nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("officer_latest", schema=S)
    op.drop_table("officer_position", schema=S)
