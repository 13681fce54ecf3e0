"""Visits carry their place (a case task, 核实/核查, is not at a patrol point); officers'
absences (a drop-out mid-shift, leave) so that every later planning leaves them out.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    op.add_column("plan_visit", sa.Column("lat", sa.Float), schema=S)
    op.add_column("plan_visit", sa.Column("lon", sa.Float), schema=S)
    op.execute(
        "UPDATE patrol.plan_visit v SET lat = p.lat, lon = p.lon "
        "FROM patrol.patrol_point p WHERE p.id = v.point_id"
    )
    op.execute("DELETE FROM patrol.plan_visit WHERE lat IS NULL")  # points removed since
    op.alter_column("plan_visit", "lat", nullable=False, schema=S)
    op.alter_column("plan_visit", "lon", nullable=False, schema=S)
    op.alter_column("plan_visit", "point_id", nullable=True, schema=S)
    op.alter_column("plan_visit", "run_id", nullable=True, schema=S)
    op.create_index(
        "ix_plan_visit_case",
        "plan_visit",
        ["case_id"],
        schema=S,
        postgresql_where=sa.text("case_id IS NOT NULL"),
    )
    op.create_table(
        "officer_absence",
        sa.Column("id", sa.Integer, sa.Identity(always=True), primary_key=True),
        sa.Column("badge", sa.String(10), sa.ForeignKey("patrol.officer.badge"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("shift", sa.String(20), nullable=False),
        sa.Column("from_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_officer_absence_day", "officer_absence", ["day", "shift"], schema=S)


def downgrade() -> None:
    op.drop_table("officer_absence", schema=S)
    op.drop_index("ix_plan_visit_case", "plan_visit", schema=S)
    op.execute("DELETE FROM patrol.plan_visit WHERE point_id IS NULL OR run_id IS NULL")
    op.alter_column("plan_visit", "run_id", nullable=False, schema=S)
    op.alter_column("plan_visit", "point_id", nullable=False, schema=S)
    op.drop_column("plan_visit", "lon", schema=S)
    op.drop_column("plan_visit", "lat", schema=S)
