"""The gateway's outbox: events other services act on (a caller's credentials revoked).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op

from zg_common.messaging import create_common_tables_v1

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_common_tables_v1(op, "gateway")


def downgrade() -> None:
    for table in ("refdata_load", "processed_event", "outbox"):
        op.drop_table(table, schema="gateway")
    op.execute('DROP FUNCTION IF EXISTS "gateway".outbox_notify() CASCADE')
