"""Where the case is (for dispatching it after its verification, and for officers' tasks).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column("case_state", sa.Column("lat", sa.Float), schema=S)
    op.add_column("case_state", sa.Column("lon", sa.Float), schema=S)
    op.add_column("case_state", sa.Column("zone_type", sa.String(20)), schema=S)


def downgrade() -> None:
    for name in ("zone_type", "lon", "lat"):
        op.drop_column("case_state", name, schema=S)
