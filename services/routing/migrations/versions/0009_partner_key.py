"""The partner key that reported a case: a 12345 hotline acts on its own orders (call-backs).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column("case_state", sa.Column("partner_key_id", sa.String(100)), schema=S)


def downgrade() -> None:
    op.drop_column("case_state", "partner_key_id", schema=S)
