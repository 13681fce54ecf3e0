"""Managers change routing rules through the API: one active rule per category and grid (or
any grid), and a log of every change with who made it and why.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.execute(
        f"CREATE UNIQUE INDEX ux_routing_rule_active ON {S}.routing_rule "
        "(category, coalesce(grid_id, '*')) WHERE active"
    )
    op.execute(f"CREATE SEQUENCE {S}.routing_rule_seq START 1")
    op.create_table(
        "routing_rule_change",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("rule_id", sa.String(30), nullable=False, index=True),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("before", postgresql.JSONB),
        sa.Column("after", postgresql.JSONB),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("actor_sub", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("routing_rule_change", schema=S)
    op.execute(f"DROP SEQUENCE {S}.routing_rule_seq")
    op.execute(f"DROP INDEX {S}.ux_routing_rule_active")
