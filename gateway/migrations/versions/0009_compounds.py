"""Property staff and access-control vendors' keys serve residential compounds: the
compounds on accounts and API keys (smart access, 一卡通).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "gateway"


def upgrade() -> None:
    for table in ("account", "api_key"):
        op.add_column(
            table,
            sa.Column("compound_ids", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
            schema=S,
        )


def downgrade() -> None:
    for table in ("account", "api_key"):
        op.drop_column(table, "compound_ids", schema=S)
