"""Media: uploaded photos and videos, attached to a case when it is reported.

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

S = "intake"


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey(f"{S}.cases.id")),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("original_type", sa.String(50), nullable=False),
        sa.Column("public_type", sa.String(50), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("has_thumbnail", sa.Boolean, nullable=False),
        sa.Column("location_removed", sa.Boolean, nullable=False),
        sa.Column("uploaded_by_sub", sa.String(100), nullable=False),
        sa.Column("uploaded_by_role", sa.String(30), nullable=False),
        sa.Column(
            "uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=S,
    )
    op.create_index("ix_media_case_id", "media", ["case_id"], schema=S)
    op.create_index("ix_media_sha256", "media", ["sha256"], schema=S)
    # the housekeeping purge of uploads never attached to a case
    op.create_index(
        "ix_media_unattached",
        "media",
        ["uploaded_at"],
        schema=S,
        postgresql_where=sa.text("case_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("media", schema=S)
