"""Intake schema: categories, district, cases and their status history, messaging tables.

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

S = "intake"


def upgrade() -> None:
    create_common_tables_v1(op, S)
    op.create_table(
        "category",
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("parent_code", sa.String(10), sa.ForeignKey(f"{S}.category.code")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("duplicate_radius_m", sa.Integer),
        sa.Column("duplicate_window_h", sa.Integer),
        schema=S,
    )
    op.create_table(
        "district",
        sa.Column("id", sa.String(50), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("geometry", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
        sa.Column("number", sa.String(30), nullable=False, unique=True),
        sa.Column("category", sa.String(10), sa.ForeignKey(f"{S}.category.code"), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("grid_id", sa.String(20)),
        sa.Column("zone_type", sa.String(20)),
        sa.Column("department_id", sa.String(50)),
        sa.Column("department_name", sa.String(200)),
        sa.Column(
            "reported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=S,
    )
    op.create_index("ix_cases_status_reported", "cases", ["status", "reported_at"], schema=S)
    op.create_table(
        "case_status_change",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey(f"{S}.cases.id"), nullable=False, index=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("event_id", sa.String(64)),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "case_status_change",
        "cases",
        "district",
        "category",
        "refdata_load",
        "processed_event",
        "outbox",
    ):
        op.drop_table(table, schema=S)
