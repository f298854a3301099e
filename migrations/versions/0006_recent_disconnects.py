"""Counting a mailbox's recent disconnections (`recent_disconnects` in the mailbox list): an index on
(mailbox_id, type, occurred_at) of the events, so the count reads only the mailbox's recent
`disconnected` events however long its history is.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_mailbox_id_type_occurred_at", "events", ["mailbox_id", "type", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_events_mailbox_id_type_occurred_at", table_name="events")
