"""Scoring's facts of patrol: grids (areas) and officers as a copy of the territory, who was on
which shift where, the patrol visits planned, the check-ins, the missed visits and the point
ratings (officer points and grid indicators); the rebuild jobs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "scoring"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "grid",
        sa.Column("id", sa.String(50), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("zone_type", sa.String(20), nullable=False),
        sa.Column("area_m2", sa.BigInteger, nullable=False),
        sa.Column("changed_at", TS),
        schema=S,
    )
    op.create_table(
        "officer",
        sa.Column("id", sa.String(30), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("grid_id", sa.String(50), nullable=False, index=True),
        sa.Column("shift", sa.String(20), nullable=False),
        sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("changed_at", TS),
        schema=S,
    )
    op.create_table(
        "shift_assignment",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("shift", sa.String(20), primary_key=True),
        sa.Column("badge", sa.String(30), primary_key=True),
        sa.Column("grid_id", sa.String(50), nullable=False),
        sa.Column("shift_start", TS),
        sa.Column("shift_end", TS),
        sa.Column("version", sa.BigInteger, nullable=False),
        schema=S,
    )
    op.create_index(
        "ix_shift_assignment_span",
        "shift_assignment",
        ["grid_id", "shift_start", "shift_end"],
        schema=S,
    )
    op.create_table(
        "planned_visit",
        sa.Column("visit_id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("badge", sa.String(30)),
        sa.Column("grid_id", sa.String(50), nullable=False),
        sa.Column("point_id", sa.String(50)),
        sa.Column("window_start", TS, nullable=False, index=True),
        sa.Column("window_end", TS, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        schema=S,
    )
    op.create_table(
        "checkin",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("badge", sa.String(30)),
        sa.Column("grid_id", sa.String(50)),
        sa.Column("point_id", sa.String(50)),
        sa.Column("visit_id", sa.String(80), index=True),
        sa.Column("at", TS, nullable=False, index=True),
        schema=S,
    )
    op.create_table(
        "visit_missed",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("visit_id", sa.String(80), nullable=False),
        sa.Column("grid_id", sa.String(50), nullable=False),
        sa.Column("point_id", sa.String(50), nullable=False),
        sa.Column("badge", sa.String(30)),
        sa.Column("window_end", TS, nullable=False),
        sa.Column("at", TS, nullable=False, index=True),
        schema=S,
    )
    op.create_table(
        "point_rating",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("point_id", sa.String(50), nullable=False),
        sa.Column("grid_id", sa.String(50), nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("at", TS, nullable=False, index=True),
        schema=S,
    )

    op.create_table(
        "rebuild_job",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("heartbeat_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("events", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("error", sa.String(200)),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "rebuild_job",
        "point_rating",
        "visit_missed",
        "checkin",
        "planned_visit",
        "shift_assignment",
        "officer",
        "grid",
    ):
        op.drop_table(table, schema=S)
