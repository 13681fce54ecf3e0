"""A camera import is a job (zg_common.jobs): the job table, and the files waiting to be
imported.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from zg_common.jobs import create_job_table_v1

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_job_table_v1(op, "video_index")
    op.create_table(
        "import_file",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        schema="video_index",
    )


def downgrade() -> None:
    op.drop_table("import_file", schema="video_index")
    op.drop_table("job", schema="video_index")
