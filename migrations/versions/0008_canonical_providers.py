"""Providers stored under one canonical key (gmail → google, office365 → microsoft …): the status API
canonicalises them from now on (mailbox_assistant.providers); this brings the rows stored before in line.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The registry's aliases as they were when this ran (a migration must not change with later code).
ALIASES = (
    ("aol", "yahoo"),
    ("apple", "icloud"),
    ("custom", "imap"),
    ("exchange", "microsoft"),
    ("exchange_online", "microsoft"),
    ("g_suite", "google"),
    ("gmail", "google"),
    ("google_workspace", "google"),
    ("googleworkspace", "google"),
    ("gsuite", "google"),
    ("hotmail", "microsoft"),
    ("imap/smtp", "imap"),
    ("imap_smtp", "imap"),
    ("live", "microsoft"),
    ("m365", "microsoft"),
    ("mac", "icloud"),
    ("me", "icloud"),
    ("microsoft365", "microsoft"),
    ("microsoft_365", "microsoft"),
    ("msn", "microsoft"),
    ("o365", "microsoft"),
    ("office365", "microsoft"),
    ("office_365", "microsoft"),
    ("other_imap", "imap"),
    ("outlook", "microsoft"),
    ("smtp", "imap"),
    ("workspace", "google"),
    ("yahoo_mail", "yahoo"),
    ("zoho_mail", "zoho"),
)
TABLES = ("mailboxes", "incidents", "notifications", "escalations")


def upgrade() -> None:
    for table in TABLES:
        for alias, key in ALIASES:
            op.execute(
                sa.text(f"UPDATE {table} SET provider = :key WHERE lower(provider) = :alias").bindparams(
                    key=key, alias=alias
                )
            )


def downgrade() -> None:
    """Nothing to undo: the canonical keys are valid provider names."""
