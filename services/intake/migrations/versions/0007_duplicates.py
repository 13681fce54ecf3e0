"""Duplicate merging: a report of the same problem as an open case is attached to it (its
reporter follows that case); a GiST index on open cases' positions finds them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "intake"
# statuses in which a case no longer takes duplicates (as it was then; see 0012)
CLOSED = "('closed', 'cancelled', 'not_accepted', 'merged', 'self_handled')"


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("merged_into_id", sa.Uuid, sa.ForeignKey(f"{S}.cases.id")),
        schema=S,
    )
    op.add_column(
        "cases",
        sa.Column("report_count", sa.Integer, nullable=False, server_default="1"),
        schema=S,
    )
    op.execute(
        f"ALTER TABLE {S}.cases ADD COLUMN is_open boolean "
        f"GENERATED ALWAYS AS (status NOT IN {CLOSED}) STORED"
    )
    op.create_index("ix_cases_merged_into", "cases", ["merged_into_id"], schema=S)
    # the built-in point type's GiST index: bounding-box and nearest-neighbour searches
    op.execute(
        f"CREATE INDEX ix_cases_open_position ON {S}.cases USING gist (point(lon, lat)) "
        "WHERE is_open"
    )
    op.create_table(
        "case_follower",
        sa.Column("case_id", sa.Uuid, sa.ForeignKey(f"{S}.cases.id"), primary_key=True),
        sa.Column("sub", sa.String(100), primary_key=True),
        sa.Column("via_case_id", sa.Uuid, sa.ForeignKey(f"{S}.cases.id"), nullable=False),
        schema=S,
    )
    op.create_index("ix_case_follower_sub", "case_follower", ["sub"], schema=S)


def downgrade() -> None:
    op.drop_table("case_follower", schema=S)
    op.execute(f"DROP INDEX {S}.ix_cases_open_position")
    op.drop_index("ix_cases_merged_into", table_name="cases", schema=S)
    for name in ("is_open", "report_count", "merged_into_id"):
        op.drop_column("cases", name, schema=S)
