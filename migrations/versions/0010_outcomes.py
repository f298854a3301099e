"""Outcomes: the "Did this help?" votes, the ledger of disconnections the outcomes report reads, and the
single-use sign-in links to support's page.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create feedback_votes, disconnections and support_sign_ins (the ledger fills on first report)."""
    op.create_table(
        "feedback_votes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("voter_slack_id", sa.String(length=32), nullable=False),
        sa.Column("answer_ref", sa.String(length=128), nullable=False),
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("mailbox_ref", sa.String(length=320), nullable=True),
        sa.Column("mailbox_id", sa.BigInteger(), nullable=True),
        sa.Column("mailbox_email", sa.String(length=320), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("raw_error", sa.Text(), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_votes")),
        sa.UniqueConstraint(
            "voter_slack_id", "answer_ref", name=op.f("uq_feedback_votes_voter_slack_id_answer_ref")
        ),
    )
    op.create_index("ix_feedback_votes_created_at", "feedback_votes", ["created_at"])
    op.create_index("ix_feedback_votes_helpful_updated_at", "feedback_votes", ["helpful", "updated_at"])
    op.create_table(
        "disconnections",
        sa.Column("id", BigId, nullable=False),
        sa.Column("mailbox_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("disconnect_event_id", sa.BigInteger(), nullable=False),
        sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reconnect_event_id", sa.BigInteger(), nullable=True),
        sa.Column("reconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reconnect_seconds", sa.Float(), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disconnections")),
        sa.UniqueConstraint("disconnect_event_id", name=op.f("uq_disconnections_disconnect_event_id")),
    )
    op.create_index(
        "ix_disconnections_disconnected_at_reason",
        "disconnections",
        ["disconnected_at", "reason", "provider", "reconnect_seconds"],
    )
    op.create_index(
        "ix_disconnections_mailbox_id_disconnected_at", "disconnections", ["mailbox_id", "disconnected_at"]
    )
    op.create_table(
        "support_sign_ins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_support_sign_ins")),
    )


def downgrade() -> None:
    """Drop the outcome tables and the ledger's cursor."""
    op.drop_table("support_sign_ins")
    op.drop_index("ix_disconnections_mailbox_id_disconnected_at", table_name="disconnections")
    op.drop_index("ix_disconnections_disconnected_at_reason", table_name="disconnections")
    op.drop_table("disconnections")
    op.drop_index("ix_feedback_votes_helpful_updated_at", table_name="feedback_votes")
    op.drop_index("ix_feedback_votes_created_at", table_name="feedback_votes")
    op.drop_table("feedback_votes")
    op.execute("DELETE FROM worker_cursors WHERE name = 'outcomes-ledger'")
