"""Video-index schema: messaging tables (the camera registry comes with its issue).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op

from zg_common.messaging import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "video_index"


def upgrade() -> None:
    create_common_tables_v1(op, S)


def downgrade() -> None:
    for table in ("refdata_load", "processed_event", "outbox"):
        op.drop_table(table, schema=S)
