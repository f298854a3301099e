"""Escalation to support: the escalation outbox and the recent conversation turns copied into it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("open_key", sa.String(length=400), nullable=True),
        sa.Column("asker_slack_id", sa.String(length=32), nullable=False),
        sa.Column("asker_team_id", sa.String(length=32), nullable=True),
        sa.Column("asker_name", sa.String(length=200), nullable=False),
        sa.Column("asker_email", sa.String(length=320), nullable=True),
        sa.Column("mailbox_ref", sa.String(length=320), nullable=False),
        sa.Column("mailbox_id", sa.BigInteger(), nullable=True),
        sa.Column("mailbox_email", sa.String(length=320), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("mailbox_status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("reason_title", sa.String(length=200), nullable=False),
        sa.Column("raw_error", sa.Text(), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("email_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slack_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed')", name=op.f("ck_escalations_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("open_key", name=op.f("uq_escalations_open_key")),
    )
    op.create_index("ix_escalations_status_run_at", "escalations", ["status", "run_at"])
    op.create_index("ix_escalations_asker_slack_id_id", "escalations", ["asker_slack_id", "id"])
    op.create_table(
        "conversation_turns",
        sa.Column("id", BigId, nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('user', 'bot')", name=op.f("ck_conversation_turns_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_turns")),
    )
    op.create_index("ix_conversation_turns_slack_user_id_id", "conversation_turns", ["slack_user_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_turns_slack_user_id_id", table_name="conversation_turns")
    op.drop_table("conversation_turns")
    op.drop_index("ix_escalations_asker_slack_id_id", table_name="escalations")
    op.drop_index("ix_escalations_status_run_at", table_name="escalations")
    op.drop_table("escalations")
