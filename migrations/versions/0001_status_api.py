"""Status API: mailboxes, append-only events, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write', 'admin')", name=op.f("ck_api_keys_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "mailboxes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_reason", sa.String(length=64), nullable=True),
        sa.Column("last_failure_error", sa.Text(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_confidence", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('connected', 'disconnected')", name=op.f("ck_mailboxes_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("email", name=op.f("uq_mailboxes_email")),
    )
    op.create_index("ix_mailboxes_owner_email_id", "mailboxes", ["owner_email", "id"])
    op.create_index("ix_mailboxes_status_id", "mailboxes", ["status", "id"])
    op.create_table(
        "events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("mailbox_id", BigId, nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint("type IN ('disconnected', 'reconnected', 'error')", name=op.f("ck_events_type")),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailboxes.id"], name=op.f("fk_events_mailbox_id_mailboxes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint(
            "mailbox_id", "idempotency_key", name=op.f("uq_events_mailbox_id_idempotency_key")
        ),
    )
    op.create_index("ix_events_mailbox_id_id", "events", ["mailbox_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_mailbox_id_id", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_mailboxes_status_id", table_name="mailboxes")
    op.drop_index("ix_mailboxes_owner_email_id", table_name="mailboxes")
    op.drop_table("mailboxes")
    op.drop_table("api_keys")
