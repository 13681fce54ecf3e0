"""Scoring becomes a projection of the event log: the events it reads as facts keyed by their
ids, each case's timeline derived from its facts, the departments from routing's events and
the versioned assessment rules. The daily counters go (they could not count a late event in
the right period, nor a case's state at a period's end).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "scoring"
TS = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True)


def upgrade() -> None:
    op.drop_table("department_day", schema=S)
    op.create_table(
        "case_report",
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("event_id", sa.String(80), nullable=False),
        sa.Column("number", sa.String(30), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("grid_id", sa.String(50), index=True),
        sa.Column("zone_type", sa.String(20)),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("reporter_badge", sa.String(30), index=True),
        sa.Column("resolved_on_site", sa.Boolean, nullable=False),
        sa.Column("reported_at", TS, nullable=False, index=True),
        schema=S,
    )
    op.create_table(
        "case_merge",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("into_case_id", sa.String(40), nullable=False, index=True),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("reporter_badge", sa.String(30)),
        sa.Column("merged_at", TS, nullable=False),
        schema=S,
    )
    op.create_table(
        "case_split",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False, index=True),
        sa.Column("from_case_id", sa.String(40), nullable=False),
        sa.Column("split_at", TS, nullable=False),
        schema=S,
    )
    op.create_table(
        "case_step",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("case_id", sa.String(40), nullable=False, index=True),
        sa.Column("at", TS, nullable=False, index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("to_status", sa.String(30)),
        sa.Column("department_id", sa.String(50)),
        sa.Column("from_department_id", sa.String(50)),
        sa.Column("due_at", TS),
        sa.Column("actor_badge", sa.String(30)),
        sa.Column("stage_on_time", sa.Boolean),
        schema=S,
    )
    op.create_table(
        "case_rating",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("department_id", sa.String(50)),
        sa.Column("grid_id", sa.String(50)),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("rated_at", TS, nullable=False, index=True),
        schema=S,
    )
    op.create_table(
        "department",
        sa.Column("id", sa.String(50), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("grid_ids", JSONB, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        schema=S,
    )
    op.create_table(
        "disposal",
        _id(),
        sa.Column("case_id", sa.String(40), nullable=False, index=True),
        sa.Column("department_id", sa.String(50), nullable=False),
        sa.Column("at", TS, nullable=False, index=True),
        sa.Column("due_at", TS),
        sa.Column("undone_at", TS),
        sa.Column("rework", sa.Boolean, nullable=False),
        sa.Column("closed_at", TS),
        sa.Column("extended_at", TS),
        schema=S,
    )
    op.create_index("ix_disposal_department_at", "disposal", ["department_id", "at"], schema=S)
    op.create_table(
        "hold",
        _id(),
        sa.Column("case_id", sa.String(40), nullable=False, index=True),
        sa.Column("department_id", sa.String(50), nullable=False),
        sa.Column("from_at", TS, nullable=False),
        sa.Column("to_at", TS),
        sa.Column("due_at", TS),
        sa.Column("hung", sa.Boolean, nullable=False),
        sa.Column("extended_at", TS),
        schema=S,
    )
    op.create_index("ix_hold_span", "hold", ["from_at", "to_at"], schema=S)
    op.create_table(
        "case_return",
        _id(),
        sa.Column("case_id", sa.String(40), nullable=False, index=True),
        sa.Column("department_id", sa.String(50), nullable=False),
        sa.Column("at", TS, nullable=False, index=True),
        schema=S,
    )
    op.create_table(
        "case_milestone",
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("filed_at", TS, index=True),
        sa.Column("closed_at", TS),
        sa.Column("cancelled_at", TS),
        sa.Column("self_handled_at", TS),
        schema=S,
    )
    op.create_table(
        "rules_version",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False, unique=True),
        sa.Column("rules", JSONB, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "rules_version",
        "case_milestone",
        "case_return",
        "hold",
        "disposal",
        "department",
        "case_rating",
        "case_step",
        "case_split",
        "case_merge",
        "case_report",
    ):
        op.drop_table(table, schema=S)
    op.create_table(
        "department_day",
        sa.Column("department_id", sa.String(50), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *(
            sa.Column(name, sa.Integer, nullable=False, server_default="0")
            for name in (
                "dispatched",
                "redispatched",
                "returned",
                "reworked",
                "extended",
                "hung",
                "disposed",
                "disposed_on_time",
                "overdue",
            )
        ),
        schema=S,
    )
