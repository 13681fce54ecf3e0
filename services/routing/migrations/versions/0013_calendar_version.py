"""The working calendars' version: one counter raised in the transaction of every calendar
change (its row lock puts concurrent changes in commit order), which every routing process
compares with the version its clock holds. The rows' newest `updated_at` was used before: a
change stamped earlier than one already seen, committing after it, was never picked up.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_version",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_calendar_version_one_row"),
        schema="routing",
    )
    op.execute("INSERT INTO routing.calendar_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("calendar_version", schema="routing")
