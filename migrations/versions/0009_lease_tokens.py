"""Lease tokens on the escalation and notice queues: every queue is leased the same way
(mailbox_assistant.outbox), a worker proving its lease with a random token, not a timestamp.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `lease_token` to escalations and notify_recipients."""
    for table in ("escalations", "notify_recipients"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_token", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop the lease tokens."""
    for table in ("escalations", "notify_recipients"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_token")
