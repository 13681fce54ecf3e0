"""The directory managers edit through the API: rules by zone type as well as by grid; the
departments' contacts; working calendars and the public holiday schedule in the database
instead of a file; one change log for rules, departments and calendars.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "routing"


def upgrade() -> None:
    op.add_column("routing_rule", sa.Column("zone_type", sa.String(20)), schema=S)
    op.create_check_constraint(
        "ck_routing_rule_one_scope",
        "routing_rule",
        "grid_id IS NULL OR zone_type IS NULL",
        schema=S,
    )
    op.execute(f"DROP INDEX {S}.ux_routing_rule_active")
    op.execute(
        f"CREATE UNIQUE INDEX ux_routing_rule_active ON {S}.routing_rule "
        "(category, coalesce(grid_id, '*'), coalesce(zone_type, '*')) WHERE active"
    )
    op.add_column(
        "department",
        sa.Column("contacts", postgresql.JSONB, nullable=False, server_default="[]"),
        schema=S,
    )
    op.add_column(
        "department",
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=S,
    )
    op.rename_table("routing_rule_change", "config_change", schema=S)
    op.alter_column("config_change", "rule_id", new_column_name="subject", schema=S)
    op.alter_column("config_change", "subject", type_=sa.String(80), schema=S)
    op.create_table(
        "working_calendar",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("zone", sa.String(6), nullable=False),
        sa.Column("week", postgresql.JSONB, nullable=False),
        sa.Column("holidays", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "holiday_year",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("off", postgresql.JSONB, nullable=False),
        sa.Column("work", postgresql.JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("holiday_year", schema=S)
    op.drop_table("working_calendar", schema=S)
    op.alter_column("config_change", "subject", type_=sa.String(30), schema=S)
    op.alter_column("config_change", "subject", new_column_name="rule_id", schema=S)
    op.rename_table("config_change", "routing_rule_change", schema=S)
    op.drop_column("department", "updated_at", schema=S)
    op.drop_column("department", "contacts", schema=S)
    op.execute(f"DROP INDEX {S}.ux_routing_rule_active")
    op.execute(
        f"CREATE UNIQUE INDEX ux_routing_rule_active ON {S}.routing_rule "
        "(category, coalesce(grid_id, '*')) WHERE active"
    )
    op.drop_constraint("ck_routing_rule_one_scope", "routing_rule", schema=S)
    op.drop_column("routing_rule", "zone_type", schema=S)
