"""The camera index follows the registry in commit order: each row carries the id of the
transaction that last wrote it (`change_xid`, set by a trigger for every writer), and a reader
takes only rows of transactions older than every one still running — none can commit behind it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE video_index.camera "
        "ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.execute(
        """
        CREATE FUNCTION video_index.camera_change_xid() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_xid := pg_current_xact_id();
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER camera_change_xid BEFORE INSERT OR UPDATE ON video_index.camera "
        "FOR EACH ROW EXECUTE FUNCTION video_index.camera_change_xid()"
    )
    op.execute("CREATE INDEX ix_camera_change_xid ON video_index.camera (change_xid, id)")


def downgrade() -> None:
    op.execute("DROP INDEX video_index.ix_camera_change_xid")
    op.execute("DROP TRIGGER camera_change_xid ON video_index.camera")
    op.execute("DROP FUNCTION video_index.camera_change_xid()")
    op.execute("ALTER TABLE video_index.camera DROP COLUMN change_xid")
