"""Residents' ratings of a patrol point after scanning its code (supervision, 监督).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    op.create_table(
        "point_rating",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column(
            "point_id", sa.String(20), sa.ForeignKey("patrol.patrol_point.id"), nullable=False
        ),
        sa.Column("rater_sub", sa.String(100), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("point_id", "rater_sub", "day", name="uq_point_rating_once_a_day"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_point_rating_score"),
        schema=S,
    )
    op.create_index("ix_point_rating_point_day", "point_rating", ["point_id", "day"], schema=S)


def downgrade() -> None:
    op.drop_table("point_rating", schema=S)
