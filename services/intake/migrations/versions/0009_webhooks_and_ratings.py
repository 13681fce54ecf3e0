"""Webhooks: partner systems subscribe to the status changes of the cases they may see; every
delivery is logged, signed and retried. Ratings of closed cases by their reporters.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("owner_sub", sa.String(100), nullable=False, index=True),
        # the subscriber's identity when subscribing: the row rules it is delivered under
        sa.Column("owner_identity", postgresql.JSONB, nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("statuses", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=S,
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "subscription_id",
            sa.Uuid,
            sa.ForeignKey(f"{S}.webhook_subscription.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("status_change_id", sa.BigInteger, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.String(500)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("subscription_id", "status_change_id"),
        schema=S,
    )
    op.create_index(
        "ix_webhook_delivery_due",
        "webhook_delivery",
        ["next_attempt_at"],
        schema=S,
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_webhook_delivery_subscription",
        "webhook_delivery",
        ["subscription_id", "created_at"],
        schema=S,
    )
    op.create_table(
        "case_rating",
        sa.Column("case_id", sa.Uuid, sa.ForeignKey(f"{S}.cases.id"), primary_key=True),
        sa.Column("rater_sub", sa.String(100), primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column(
            "rated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_case_rating_score"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("case_rating", schema=S)
    op.drop_table("webhook_delivery", schema=S)
    op.drop_table("webhook_subscription", schema=S)
