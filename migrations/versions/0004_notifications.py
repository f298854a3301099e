"""Proactive messages: the notification outbox, feed cursors, DM recipients, mailbox states, incidents.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "worker_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_cursors")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", BigId, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mailbox_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailbox", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=True),
        sa.Column("refers_to_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("slack_channel", sa.String(length=64), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_event_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('disconnected', 'flapping', 'reminder', 'incident', 'resolved')",
            name=op.f("ck_notifications_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'skipped', 'failed')",
            name=op.f("ck_notifications_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index("ix_notifications_status_run_at", "notifications", ["status", "run_at"])
    op.create_index("ix_notifications_owner_email_status", "notifications", ["owner_email", "status"])
    op.create_index("ix_notifications_mailbox_id_id", "notifications", ["mailbox_id", "id"])
    op.create_index("ix_notifications_slack_ts", "notifications", ["slack_ts"])
    op.create_table(
        "notify_recipients",
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("lookup_status", sa.String(length=16), nullable=True),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("slack_channel", sa.String(length=64), nullable=True),
        sa.Column("looked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "lookup_status IN ('found', 'no_slack_user', 'deactivated')",
            name=op.f("ck_notify_recipients_lookup_status"),
        ),
        sa.PrimaryKeyConstraint("owner_email", name=op.f("pk_notify_recipients")),
    )
    op.create_table(
        "notify_mailbox_states",
        sa.Column("mailbox_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_disconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flapping_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox_id", name=op.f("pk_notify_mailbox_states")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", BigId, nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_disconnected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailbox_count", sa.Integer(), nullable=False),
        sa.Column("reconnected_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_provider_ended_at", "incidents", ["provider", "ended_at"])
    op.create_table(
        "send_pacing",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_pacing")),
    )


def downgrade() -> None:
    op.drop_table("send_pacing")
    op.drop_index("ix_incidents_provider_ended_at", table_name="incidents")
    op.drop_table("incidents")
    op.drop_table("notify_mailbox_states")
    op.drop_table("notify_recipients")
    op.drop_index("ix_notifications_slack_ts", table_name="notifications")
    op.drop_index("ix_notifications_mailbox_id_id", table_name="notifications")
    op.drop_index("ix_notifications_owner_email_status", table_name="notifications")
    op.drop_index("ix_notifications_status_run_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("worker_cursors")
