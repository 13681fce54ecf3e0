"""Who reported a case (the verified caller), for the row-level rules; never shown to others.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.add_column("cases", sa.Column("reporter_sub", sa.String(100)), schema=S)
    op.add_column("cases", sa.Column("reporter_role", sa.String(30)), schema=S)
    op.create_index("ix_cases_reporter_sub", "cases", ["reporter_sub"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_cases_reporter_sub", table_name="cases", schema=S)
    op.drop_column("cases", "reporter_role", schema=S)
    op.drop_column("cases", "reporter_sub", schema=S)
