"""Point codes that can be revoked and check-ins that can be flagged: a point's code serial
(reissuing the code raises it; older codes are void) and an accepted check-in's flags (no
reported track near the point, a colleague's visit).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "patrol"


def upgrade() -> None:
    op.add_column(
        "patrol_point",
        sa.Column("code_serial", sa.Integer, nullable=False, server_default="0"),
        schema=S,
    )
    op.add_column(
        "checkin",
        sa.Column("flags", postgresql.JSONB, nullable=False, server_default="[]"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column("checkin", "flags", schema=S)
    op.drop_column("patrol_point", "code_serial", schema=S)
