"""The reporter's contact (name, phone), private: shown to the reporter and the command centre,
never to departments, officers or partners.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.add_column("cases", sa.Column("reporter_name", sa.String(50)), schema=S)
    op.add_column("cases", sa.Column("reporter_phone", sa.String(20)), schema=S)


def downgrade() -> None:
    op.drop_column("cases", "reporter_phone", schema=S)
    op.drop_column("cases", "reporter_name", schema=S)
