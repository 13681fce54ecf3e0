"""A device's case (street lights): the fault it is for and when the device reported healthy,
and the clearances that came before their case.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column("case_state", sa.Column("device_ref", sa.String(100)), schema=S)
    op.add_column(
        "case_state", sa.Column("device_healthy_at", sa.DateTime(timezone=True)), schema=S
    )
    op.create_index("ix_routing_case_state_device_ref", "case_state", ["device_ref"], schema=S)
    op.create_table(
        "device_clearance",
        sa.Column("device_ref", sa.String(100), primary_key=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("device_clearance", schema=S)
    op.drop_index("ix_routing_case_state_device_ref", "case_state", schema=S)
    op.drop_column("case_state", "device_healthy_at", schema=S)
    op.drop_column("case_state", "device_ref", schema=S)
