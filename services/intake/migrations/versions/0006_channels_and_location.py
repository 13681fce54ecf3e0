"""Every channel's case: address, urgency, the datum it was given in, grid and nearest patrol
point resolved at intake, the patrol task, external references (12345 order numbers, camera
alarms), officers' self-handled reports; idempotency keys; intake's copy of the territory.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.create_table(
        "grid",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("zone_type", sa.String(20), nullable=False),
        sa.Column("geometry", postgresql.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "patrol_point",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("object_type", sa.String(30), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        schema=S,
    )
    for column in (
        sa.Column("address", sa.String(200)),
        sa.Column("urgency", sa.String(10), nullable=False, server_default="normal"),
        sa.Column("crs", sa.String(10), nullable=False, server_default="WGS84"),
        sa.Column("patrol_point_id", sa.String(20)),
        sa.Column("patrol_point_distance_m", sa.Float),
        sa.Column("patrol_task_id", sa.String(50)),
        sa.Column("external_system", sa.String(30)),
        sa.Column("external_id", sa.String(100)),
        sa.Column("camera_id", sa.String(50)),
        sa.Column("media_url", sa.String(500)),
        sa.Column("resolved_on_site", sa.Boolean, nullable=False, server_default=sa.false()),
    ):
        op.add_column("cases", column, schema=S)
    op.create_index(
        "ux_cases_external_ref",
        "cases",
        ["external_system", "external_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_table(
        "idempotency_key",
        sa.Column("caller_sub", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=S,
    )
    op.create_index("ix_idempotency_key_created", "idempotency_key", ["created_at"], schema=S)


def downgrade() -> None:
    op.drop_table("idempotency_key", schema=S)
    op.drop_index("ux_cases_external_ref", table_name="cases", schema=S)
    for name in (
        "resolved_on_site",
        "media_url",
        "camera_id",
        "external_id",
        "external_system",
        "patrol_task_id",
        "patrol_point_distance_m",
        "patrol_point_id",
        "crs",
        "urgency",
        "address",
    ):
        op.drop_column("cases", name, schema=S)
    op.drop_table("patrol_point", schema=S)
    op.drop_table("grid", schema=S)
