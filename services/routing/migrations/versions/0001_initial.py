"""Routing schema: departments, grids, routing rules, fallback owner, assignments.

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

S = "routing"


def upgrade() -> None:
    create_common_tables_v1(op, S)
    op.create_table(
        "department",
        sa.Column("id", sa.String(50), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("calendar", sa.String(20), nullable=False),
        sa.Column("grids", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "grid",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("zone_type", sa.String(20), nullable=False),
        sa.Column("geometry", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.String(30), primary_key=True),
        sa.Column("category", sa.String(10), nullable=False, index=True),
        sa.Column("grid_id", sa.String(20), sa.ForeignKey(f"{S}.grid.id")),
        sa.Column(
            "department_id", sa.String(50), sa.ForeignKey(f"{S}.department.id"), nullable=False
        ),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=S,
    )
    op.create_table(
        "routing_setting",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "fallback_department_id",
            sa.String(50),
            sa.ForeignKey(f"{S}.department.id"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name="routing_setting_single_row"),
        schema=S,
    )
    op.create_table(
        "assignment",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column(
            "department_id",
            sa.String(50),
            sa.ForeignKey(f"{S}.department.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("rule_id", sa.String(30)),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "assignment",
        "routing_setting",
        "routing_rule",
        "grid",
        "department",
        "refdata_load",
        "processed_event",
        "outbox",
    ):
        op.drop_table(table, schema=S)
