"""Reconnect: remember who consented (Google `sub`, Microsoft `oid` and `tid`) so a reconnect must be the
same account; index OAuth flow states by mailbox (one per mailbox and browser).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the account's ids to oauth_tokens and an index on oauth_states.mailbox_id."""
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.add_column(sa.Column("account_subject", sa.String(255), nullable=True))
        batch.add_column(sa.Column("account_tenant", sa.String(64), nullable=True))
    op.create_index("ix_oauth_states_mailbox_id", "oauth_states", ["mailbox_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_oauth_states_mailbox_id", table_name="oauth_states")
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.drop_column("account_tenant")
        batch.drop_column("account_subject")
