"""Audit log: every state-changing call (who, what, when, from where, with what outcome).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "gateway"


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sub", sa.String(100), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("ip", sa.String(60), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("detail", postgresql.JSONB, nullable=False, server_default="{}"),
        schema=S,
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"], schema=S)
    op.create_index("ix_audit_entry_sub_at", "audit_entry", ["sub", "at"], schema=S)


def downgrade() -> None:
    op.drop_table("audit_entry", schema=S)
