"""Long jobs as resources (zg_common.jobs): a day's plan is a job, not a long request.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op

from zg_common.jobs import create_job_table_v1

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_job_table_v1(op, "patrol")


def downgrade() -> None:
    op.drop_table("job", schema="patrol")
