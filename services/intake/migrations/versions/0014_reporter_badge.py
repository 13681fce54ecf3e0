"""An officer's report keeps the officer's badge: scoring counts it for the officer's points
(积分) and against 漏报, from `intake.case.reported.v1` and `intake.case.merged.v1`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.add_column("cases", sa.Column("reporter_badge", sa.String(30)), schema=S)


def downgrade() -> None:
    op.drop_column("cases", "reporter_badge", schema=S)
