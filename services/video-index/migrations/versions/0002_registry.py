"""The camera registry: every camera with its kind, owner, place, view and stream, its health;
the cameras linked to each case; the alarms received from video analytics.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "video_index"


def upgrade() -> None:
    op.create_table(
        "camera",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("grid_id", sa.String(20)),
        sa.Column("height_m", sa.Float),
        sa.Column("heading_deg", sa.Float),
        sa.Column("fov_deg", sa.Float, nullable=False),
        sa.Column("range_m", sa.Float, nullable=False),
        sa.Column("stream_url", sa.String(500)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("position_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "kind IN ('public_security', 'compound', 'body', 'vehicle')", name="ck_camera_kind"
        ),
        sa.CheckConstraint(
            "status IN ('unknown', 'online', 'offline', 'fault')", name="ck_camera_status"
        ),
        sa.CheckConstraint("fov_deg > 0 AND fov_deg <= 360", name="ck_camera_fov"),
        sa.CheckConstraint("range_m > 0", name="ck_camera_range"),
        schema=S,
    )
    op.create_index("ix_camera_updated", "camera", ["updated_at"], schema=S)
    op.create_index("ix_camera_grid", "camera", ["grid_id"], schema=S)
    op.create_index(
        "ix_camera_heard",
        "camera",
        ["last_heartbeat_at"],
        schema=S,
        postgresql_where=sa.text("status IN ('online', 'fault') AND retired_at IS NULL"),
    )
    op.create_table(
        "case_camera",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("camera_id", sa.String(40), primary_key=True),
        sa.Column("distance_m", sa.Float, nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "camera_alarm",
        sa.Column("partner", sa.String(100), primary_key=True),
        sa.Column("alarm_id", sa.String(100), primary_key=True),
        sa.Column("camera_id", sa.String(40), nullable=False),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("camera_alarm", schema=S)
    op.drop_table("case_camera", schema=S)
    op.drop_table("camera", schema=S)
