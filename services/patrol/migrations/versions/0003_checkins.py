"""Every scan of a patrol point's code: accepted check-ins (on time, early, late, unplanned)
and refused ones with their reason.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    op.create_table(
        "checkin",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("badge", sa.String(20)),
        sa.Column("actor_sub", sa.String(100), nullable=False),
        sa.Column("point_id", sa.String(20)),
        sa.Column("visit_id", sa.String(60)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(30)),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("accuracy_m", sa.Float, nullable=False),
        sa.Column("distance_m", sa.Float),
        sa.Column("mock_location", sa.Boolean, nullable=False),
        schema=S,
    )
    op.add_column("plan_visit", sa.Column("done_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("plan_visit", sa.Column("done_by", sa.String(20)), schema=S)
    op.create_index("ix_plan_visit_point", "plan_visit", ["point_id", "window_start"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_plan_visit_point", "plan_visit", schema=S)
    op.drop_column("plan_visit", "done_by", schema=S)
    op.drop_column("plan_visit", "done_at", schema=S)
    op.drop_table("checkin", schema=S)
