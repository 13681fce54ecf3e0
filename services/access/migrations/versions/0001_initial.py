"""Access schema: messaging tables, the compounds with their gates and households, residents
and their cards, swipes, gate alerts, link codes and the audit of full personal reads.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from zg_common.messaging import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "access"
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_common_tables_v1(op, S)
    op.create_table(
        "compound",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("property_company", sa.String(200), nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        schema=S,
    )
    op.create_index("ix_access_compound_grid_id", "compound", ["grid_id"], schema=S)
    op.create_table(
        "gate",
        sa.Column("id", sa.String(30), primary_key=True),
        sa.Column("compound_id", sa.String(20), sa.ForeignKey(f"{S}.compound.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("grid_id", sa.String(20), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("status_since", TZ, nullable=False),
        sa.Column("last_heard_at", TZ),
        sa.Column("alerted_at", TZ),
        sa.CheckConstraint("status IN ('unknown', 'online', 'silent')", name="ck_gate_status"),
        schema=S,
    )
    op.create_index("ix_access_gate_compound_id", "gate", ["compound_id"], schema=S)
    op.create_table(
        "household",
        sa.Column(
            "compound_id", sa.String(20), sa.ForeignKey(f"{S}.compound.id"), primary_key=True
        ),
        sa.Column("number", sa.String(30), primary_key=True),
        schema=S,
    )
    op.create_table(
        "resident",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("compound_id", sa.String(20), sa.ForeignKey(f"{S}.compound.id"), nullable=False),
        sa.Column("household", sa.String(30), nullable=False),
        sa.Column("tenure", sa.String(10), nullable=False),
        sa.Column("arrived_on", sa.Date, nullable=False),
        sa.Column("departed_on", sa.Date),
        sa.Column("name_enc", sa.LargeBinary),
        sa.Column("name_masked", sa.String(40)),
        sa.Column("id_type", sa.String(20)),
        sa.Column("id_number_enc", sa.LargeBinary),
        sa.Column("id_number_masked", sa.String(40)),
        sa.Column("id_lookup", sa.String(64)),
        sa.Column("phone_enc", sa.LargeBinary),
        sa.Column("phone_masked", sa.String(30)),
        sa.Column("app_sub", sa.String(100)),
        sa.Column("registered_at", TZ, nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("departed_at", TZ),
        sa.Column("purge_after", sa.Date),
        sa.Column("purged_at", TZ),
        sa.CheckConstraint("tenure IN ('owner', 'tenant')", name="ck_resident_tenure"),
        # personal data is whole or gone: never a purged row with a name left
        sa.CheckConstraint(
            "(purged_at IS NULL) = (id_lookup IS NOT NULL)", name="ck_resident_purged"
        ),
        schema=S,
    )
    op.create_index(
        "ux_resident_living",
        "resident",
        ["id_lookup"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("departed_on IS NULL"),
    )
    op.create_index("ix_resident_compound", "resident", ["compound_id", "household"], schema=S)
    op.create_index(
        "ix_resident_purge",
        "resident",
        ["purge_after"],
        schema=S,
        postgresql_where=sa.text("purged_at IS NULL"),
    )
    op.create_index("ix_resident_app_sub", "resident", ["app_sub"], schema=S)
    op.create_table(
        "card",
        sa.Column("number", sa.String(20), primary_key=True),
        sa.Column("resident_id", sa.Uuid, sa.ForeignKey(f"{S}.resident.id"), nullable=False),
        sa.Column("compound_id", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("cancelled_at", TZ),
        sa.Column("cancel_reason", sa.String(20)),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name="ck_card_status"),
        schema=S,
    )
    op.create_index("ix_access_card_resident_id", "card", ["resident_id"], schema=S)
    # one active card per resident
    op.create_index(
        "ux_card_active",
        "card",
        ["resident_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "swipe",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("gate_id", sa.String(30), nullable=False),
        sa.Column("card_number", sa.String(40), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("refusal", sa.String(20)),
        sa.Column("vendor_ref", sa.String(100), nullable=False, unique=True),
        schema=S,
    )
    op.create_index(
        "ix_swipe_refused",
        "swipe",
        ["gate_id", "at"],
        schema=S,
        postgresql_where=sa.text("NOT accepted"),
    )
    op.create_index("ix_swipe_card", "swipe", ["card_number", "at"], schema=S)
    op.create_index("ix_swipe_at", "swipe", ["at"], schema=S)
    op.create_table(
        "gate_alert",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("gate_id", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("refused_swipes", sa.Integer, nullable=False),
        sa.Column("raised_at", TZ, nullable=False),
        schema=S,
    )
    op.create_index("ix_access_gate_alert_gate_id", "gate_alert", ["gate_id"], schema=S)
    op.create_table(
        "link_code",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("resident_id", sa.Uuid, sa.ForeignKey(f"{S}.resident.id")),
        sa.Column("app_sub", sa.String(100), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False),
        sa.Column("used_at", TZ),
        schema=S,
    )
    op.create_index("ix_access_link_code_resident_id", "link_code", ["resident_id"], schema=S)
    op.create_index("ix_access_link_code_app_sub", "link_code", ["app_sub"], schema=S)
    op.create_table(
        "personal_read",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("sub", sa.String(100), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("resident_id", sa.Uuid, nullable=False),
        sa.Column("compound_id", sa.String(20), nullable=False),
        sa.Column("fields", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        schema=S,
    )
    op.create_index("ix_access_personal_read_at", "personal_read", ["at"], schema=S)
    op.create_index(
        "ix_access_personal_read_resident_id", "personal_read", ["resident_id"], schema=S
    )


def downgrade() -> None:
    for table in (
        "personal_read",
        "link_code",
        "gate_alert",
        "swipe",
        "card",
        "resident",
        "household",
        "gate",
        "compound",
        "refdata_load",
        "processed_event",
        "outbox",
    ):
        op.drop_table(table, schema=S)
