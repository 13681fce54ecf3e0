"""Stream tickets spent: a live-map stream ticket opens one stream, once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "gateway"


def upgrade() -> None:
    op.create_table(
        "stream_ticket",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("sub", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_stream_ticket_expires_at", "stream_ticket", ["expires_at"], schema=S)


def downgrade() -> None:
    op.drop_table("stream_ticket", schema=S)
