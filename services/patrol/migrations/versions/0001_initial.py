"""Patrol schema: zone types, grids, patrol points, routes, officers.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from zg_common.messaging import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    create_common_tables_v1(op, S)
    op.create_table(
        "zone_type",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        schema=S,
    )
    op.create_table(
        "grid",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("zone_type", sa.String(20), sa.ForeignKey(f"{S}.zone_type.id"), nullable=False),
        sa.Column("area_m2", sa.Integer, nullable=False),
        sa.Column("geometry", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "patrol_point",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False, unique=True),
        sa.Column(
            "grid_id", sa.String(20), sa.ForeignKey(f"{S}.grid.id"), nullable=False, index=True
        ),
        sa.Column("object_type", sa.String(40), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("work_focus", sa.Text, nullable=False),
        sa.Column("standard", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        schema=S,
    )
    op.create_table(
        "route",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column(
            "grid_id", sa.String(20), sa.ForeignKey(f"{S}.grid.id"), nullable=False, index=True
        ),
        sa.Column("point_ids", postgresql.JSONB, nullable=False),
        sa.Column("length_m", sa.Integer, nullable=False),
        sa.Column("geometry", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "officer",
        sa.Column("badge", sa.String(10), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column(
            "grid_id", sa.String(20), sa.ForeignKey(f"{S}.grid.id"), nullable=False, index=True
        ),
        sa.Column("shift", sa.String(20), nullable=False),
        sa.Column("certificate", sa.String(50), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "officer",
        "route",
        "patrol_point",
        "grid",
        "zone_type",
        "refdata_load",
        "processed_event",
        "outbox",
    ):
        op.drop_table(table, schema=S)
