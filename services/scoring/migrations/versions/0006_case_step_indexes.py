"""Fewer indexes on case steps, the projection's largest table (four rows in five of a
replay): the officers' steps by time only (a partial index: about one step in eight names an
officer), and no unique index on `seq` (an identity: nothing looks a step up by it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "scoring"


def upgrade() -> None:
    op.drop_constraint("case_step_seq_key", "case_step", schema=S, type_="unique")
    op.drop_index("ix_scoring_case_step_at", table_name="case_step", schema=S)
    op.create_index(
        "ix_case_step_officer_at",
        "case_step",
        ["at"],
        schema=S,
        postgresql_where=sa.text("actor_badge IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_step_officer_at", table_name="case_step", schema=S)
    op.create_index("ix_scoring_case_step_at", "case_step", ["at"], schema=S)
    op.create_unique_constraint("case_step_seq_key", "case_step", ["seq"], schema=S)
