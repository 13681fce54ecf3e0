"""Webhook deliveries are fanned out from the history by the webhook worker, off the request
path: each history entry is marked once it was (entries from before are marked already).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.add_column(
        "case_status_change",
        sa.Column("fanned_out", sa.Boolean, nullable=False, server_default=sa.true()),
        schema=S,
    )
    op.alter_column("case_status_change", "fanned_out", server_default=sa.false(), schema=S)
    op.create_index(
        "ix_case_status_change_to_fan_out",
        "case_status_change",
        ["id"],
        schema=S,
        postgresql_where=sa.text("NOT fanned_out"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_status_change_to_fan_out", table_name="case_status_change", schema=S)
    op.drop_column("case_status_change", "fanned_out", schema=S)
