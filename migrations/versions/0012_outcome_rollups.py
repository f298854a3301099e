"""Outcomes: what followed each disconnection (escalated, votes, first notice) on the ledger's rows, the
per-day rollups the report reads a period's whole days from, the follow-ups the ledger copies from the
tables that record them, the indexes the medians are read from, and the votes' `counted` flag.

The ledger is emptied (its cursor too): it is derived data, and the next catch-up (the worker's or a
report's) fills it again with the new columns and the rollups.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_LEDGER_CURSORS = "DELETE FROM worker_cursors WHERE name = 'outcomes-ledger' OR name LIKE 'outcomes-ledger:%'"
_MEDIAN_INDEXES = {
    "ix_disconnections_reconnect_seconds": ["reconnect_seconds", "disconnected_at"],
    "ix_disconnections_reason_reconnect_seconds": ["reason", "reconnect_seconds", "disconnected_at"],
    "ix_disconnections_provider_reconnect_seconds": ["provider", "reconnect_seconds", "disconnected_at"],
    "ix_disconnections_notice_seconds": ["notice_seconds", "disconnected_at"],
    "ix_disconnections_reason_notice_seconds": ["reason", "notice_seconds", "disconnected_at"],
    "ix_disconnections_provider_notice_seconds": ["provider", "notice_seconds", "disconnected_at"],
}


def upgrade() -> None:
    """Empty the ledger, add its new columns and indexes, create the rollups and the follow-ups."""
    op.execute("DELETE FROM disconnections")
    op.execute(_LEDGER_CURSORS)
    with op.batch_alter_table("disconnections") as batch:
        batch.add_column(sa.Column("escalated", sa.Boolean(), nullable=False))
        batch.add_column(sa.Column("feedback_yes", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("feedback_no", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("first_dm_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("notice_seconds", sa.Float(), nullable=True))
        batch.drop_index("ix_disconnections_disconnected_at_reason")
        batch.create_index(
            "ix_disconnections_period",
            ["disconnected_at", "reason", "provider", "reconnect_seconds", "notice_seconds"],
        )
        for name, columns in _MEDIAN_INDEXES.items():
            batch.create_index(name, columns)
    op.create_table(
        "disconnection_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "disconnections",
                "reconnected",
                "reconnected_under_5m",
                "reconnected_under_30m",
                "reconnected_under_2h",
                "reconnected_within_24h",
                "escalated",
                "self_served",
                "feedback_yes",
                "feedback_no",
                "notified",
            )
        ),
        sa.PrimaryKeyConstraint("day", "reason", "provider", name=op.f("pk_disconnection_days")),
    )
    op.create_table(
        "disconnection_follow_ups",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("mailbox_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('escalation', 'vote', 'notice', 'answer')",
            name=op.f("ck_disconnection_follow_ups_kind"),
        ),
        sa.PrimaryKeyConstraint("kind", "source_id", "mailbox_id", name=op.f("pk_disconnection_follow_ups")),
    )
    op.create_index(
        "ix_disconnection_follow_ups_mailbox_id_at", "disconnection_follow_ups", ["mailbox_id", "at"]
    )
    with op.batch_alter_table("feedback_votes") as batch:
        batch.add_column(sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_index("ix_feedback_votes_counted", ["counted"])


def downgrade() -> None:
    """Drop them; the ledger is emptied again and refills as 0010 had it."""
    with op.batch_alter_table("feedback_votes") as batch:
        batch.drop_index("ix_feedback_votes_counted")
        batch.drop_column("counted")
    op.drop_index("ix_disconnection_follow_ups_mailbox_id_at", table_name="disconnection_follow_ups")
    op.drop_table("disconnection_follow_ups")
    op.drop_table("disconnection_days")
    op.execute("DELETE FROM disconnections")
    op.execute(_LEDGER_CURSORS)
    with op.batch_alter_table("disconnections") as batch:
        for name in _MEDIAN_INDEXES:
            batch.drop_index(name)
        batch.drop_index("ix_disconnections_period")
        batch.create_index(
            "ix_disconnections_disconnected_at_reason",
            ["disconnected_at", "reason", "provider", "reconnect_seconds"],
        )
        for column in (
            "notice_seconds",
            "first_answer_at",
            "first_dm_at",
            "feedback_no",
            "feedback_yes",
            "escalated",
        ):
            batch.drop_column(column)
