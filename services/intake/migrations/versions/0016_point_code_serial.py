"""The copy of patrol's points holds each point's code serial: a resident's report "there"
comes with the point's signed code, and a code of an older serial (the point's code was
reissued) is refused.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.add_column(
        "patrol_point",
        sa.Column("code_serial", sa.Integer, nullable=False, server_default="0"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column("patrol_point", "code_serial", schema=S)
