"""Scoring schema: messaging tables and the per-department daily counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from zg_common.messaging import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "scoring"


def upgrade() -> None:
    create_common_tables_v1(op, S)
    op.create_table(
        "department_day",
        sa.Column("department_id", sa.String(50), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("dispatched", sa.Integer, nullable=False, server_default="0"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("department_day", "refdata_load", "processed_event", "outbox"):
        op.drop_table(table, schema=S)
