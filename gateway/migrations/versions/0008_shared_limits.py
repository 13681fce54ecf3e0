"""Rate limits shared by the gateway replicas, and logins held back per username and address.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "gateway"


def upgrade() -> None:
    # counts per key and minute from every replica; losing them in a crash costs nothing
    op.create_table(
        "rate_count",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("win", sa.BigInteger, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        schema=S,
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "login_attempt",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("ip", sa.String(60), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        schema=S,
    )
    op.create_index(
        "ix_login_attempt_last_failed_at", "login_attempt", ["last_failed_at"], schema=S
    )
    op.create_table(
        "login_known",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("ip", sa.String(60), primary_key=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("login_known", schema=S)
    op.drop_table("login_attempt", schema=S)
    op.drop_table("rate_count", schema=S)
