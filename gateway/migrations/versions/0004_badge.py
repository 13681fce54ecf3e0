"""An officer's badge number on the account (the patrol service knows officers by badge).

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

S = "gateway"


def upgrade() -> None:
    op.add_column("account", sa.Column("badge", sa.String(20)), schema=S)
    op.create_index("ux_account_badge", "account", ["badge"], unique=True, schema=S)


def downgrade() -> None:
    op.drop_index("ux_account_badge", "account", schema=S)
    op.drop_column("account", "badge", schema=S)
