"""A self-handled case is open (it waits for the intake operator's review, as routing's
lifecycle says): `is_open` generated from routing's terminal statuses and `merged`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

S = "intake"
# zg_intake.models.CLOSED_STATUSES, written out: a migration must not change with the code
CLOSED = "('cancelled', 'closed', 'merged', 'not_accepted')"
CLOSED_BEFORE = "('closed', 'cancelled', 'not_accepted', 'merged', 'self_handled')"


def _generate_is_open(closed: str) -> None:
    # a generated column's expression cannot be altered before PostgreSQL 17: drop and add
    op.execute(f"DROP INDEX {S}.ix_cases_open_position")
    op.execute(f"ALTER TABLE {S}.cases DROP COLUMN is_open")
    op.execute(
        f"ALTER TABLE {S}.cases ADD COLUMN is_open boolean "
        f"GENERATED ALWAYS AS (status NOT IN {closed}) STORED"
    )
    op.execute(
        f"CREATE INDEX ix_cases_open_position ON {S}.cases USING gist (point(lon, lat)) "
        "WHERE is_open"
    )


def upgrade() -> None:
    _generate_is_open(CLOSED)


def downgrade() -> None:
    _generate_is_open(CLOSED_BEFORE)
