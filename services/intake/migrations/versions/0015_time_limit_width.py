"""A case's time limit as routing words it takes up to 80 characters (routing's own width): an
extended limit (`2 working_days + 48 working_hours`) no longer fits 40 and its step could not
be followed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.alter_column("cases", "time_limit", type_=sa.String(80), schema=S)


def downgrade() -> None:
    op.alter_column("cases", "time_limit", type_=sa.String(40), schema=S)
