"""The district's inputs to the managers' indicators: the police's monthly counts of the four
preventable types per grid, and the operating cost of each month.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "scoring"


def upgrade() -> None:
    op.create_table(
        "incident_month",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("grid_id", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("reported_by", sa.String(100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count >= 0", name="ck_incident_month_count"),
        schema=S,
    )
    op.create_table(
        "monthly_cost",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("entered_by", sa.String(100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name="ck_monthly_cost_amount"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("monthly_cost", schema=S)
    op.drop_table("incident_month", schema=S)
