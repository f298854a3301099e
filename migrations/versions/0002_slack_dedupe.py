"""Slack bot: event ids already handled, so retried deliveries never reply twice.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events_seen",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_events_seen")),
    )
    op.create_index("ix_slack_events_seen_received_at", "slack_events_seen", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_events_seen_received_at", table_name="slack_events_seen")
    op.drop_table("slack_events_seen")
