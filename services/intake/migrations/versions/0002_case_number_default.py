"""Case numbers from the database: one INSERT ... RETURNING instead of insert, then update.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "intake"


def upgrade() -> None:
    op.execute(f"CREATE SEQUENCE {S}.case_number_seq")
    op.execute(
        f"SELECT setval('{S}.case_number_seq', "
        f"COALESCE((SELECT max(seq) FROM {S}.cases), 0) + 1, false)"
    )
    # FX + local (Asia/Shanghai) date + a district-wide running number, e.g. FX20261127000123
    op.execute(
        f"ALTER TABLE {S}.cases ALTER COLUMN number SET DEFAULT "
        f"'FX' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') "
        f"|| lpad(nextval('{S}.case_number_seq')::text, 6, '0')"
    )


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.cases ALTER COLUMN number DROP DEFAULT")
    op.execute(f"DROP SEQUENCE {S}.case_number_seq")
