"""The standard's base counters per department and day, from the lifecycle's steps.

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

S = "scoring"
COUNTERS = (
    "redispatched",
    "returned",
    "reworked",
    "extended",
    "hung",
    "disposed",
    "disposed_on_time",
    "overdue",
)


def upgrade() -> None:
    for name in COUNTERS:
        op.add_column(
            "department_day",
            sa.Column(name, sa.Integer, nullable=False, server_default="0"),
            schema=S,
        )


def downgrade() -> None:
    for name in COUNTERS:
        op.drop_column("department_day", name, schema=S)
