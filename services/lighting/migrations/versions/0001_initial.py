"""Lighting schema: messaging tables, cabinets, circuits and lights with their latest reports,
faults and the energy per circuit and night.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from zg_common.messaging import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "lighting"
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_common_tables_v1(op, S)
    op.create_table(
        "cabinet",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        schema=S,
    )
    op.create_table(
        "circuit",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("road", sa.String(60), nullable=False),
        sa.Column("cabinet_id", sa.String(20), sa.ForeignKey(f"{S}.cabinet.id"), nullable=False),
        schema=S,
    )
    op.create_table(
        "light",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("pole", sa.String(60), nullable=False),
        sa.Column("circuit_id", sa.String(20), sa.ForeignKey(f"{S}.circuit.id"), nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lamp_w", sa.Integer, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("dim_pct", sa.Integer),
        sa.Column("power_w", sa.Float),
        sa.Column("fault_code", sa.String(40)),
        sa.Column("reported_at", TZ),
        sa.Column("problem", sa.String(20)),
        sa.Column("problem_since", TZ),
        sa.CheckConstraint("state IN ('unknown', 'on', 'off', 'dimmed')", name="ck_light_state"),
        schema=S,
    )
    op.create_index("ix_lighting_light_circuit_id", "light", ["circuit_id"], schema=S)
    op.create_table(
        "fault",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("circuit_id", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("lights", sa.Integer, nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("cleared_at", TZ),
        sa.CheckConstraint("scope IN ('circuit', 'pole')", name="ck_fault_scope"),
        schema=S,
    )
    op.create_index(
        "ux_fault_open",
        "fault",
        ["scope", "target"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_index("ix_fault_opened", "fault", ["opened_at"], schema=S)
    op.create_table(
        "energy_night",
        sa.Column("circuit_id", sa.String(20), primary_key=True),
        sa.Column("night", sa.Date, primary_key=True),
        sa.Column("wh", sa.Float, nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "energy_night",
        "fault",
        "light",
        "circuit",
        "cabinet",
        "refdata_load",
        "processed_event",
        "outbox",
    ):
        op.drop_table(table, schema=S)
