"""The routing directory's version: one counter raised by a trigger on every statement that
changes a routing rule, a department or the fallback owner, so that every routing process keeps
the rules in memory and compares one number per transaction instead of reading the rules of
each case (a trigger, not the application: no writer can forget it, the data-set loader
included). Its row lock puts concurrent changes in commit order.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("routing_rule", "department", "routing_setting")


def upgrade() -> None:
    op.create_table(
        "directory_version",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_directory_version_one_row"),
        schema="routing",
    )
    op.execute("INSERT INTO routing.directory_version (id, version) VALUES (1, 0)")
    op.execute(
        """
        CREATE FUNCTION routing.next_directory_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE routing.directory_version SET version = version + 1 WHERE id = 1;
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_changes_directory AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON routing.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION routing.next_directory_version()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_changes_directory ON routing.{table}")
    op.execute("DROP FUNCTION routing.next_directory_version()")
    op.drop_table("directory_version", schema="routing")
