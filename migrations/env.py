"""Alembic environment: online migrations over our engine, batch mode so SQLite can ALTER."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

# Every feature's tables, so the metadata migrations are checked against holds all of them.
from api import models as api_models  # noqa: F401
from mailbox_assistant.conversations import models as conversation_models  # noqa: F401
from mailbox_assistant.db import make_engine
from mailbox_assistant.escalation import models as escalation_models  # noqa: F401
from mailbox_assistant.mailboxes import models as mailbox_models  # noqa: F401
from mailbox_assistant.notices import models as notice_models  # noqa: F401
from mailbox_assistant.orm import Base, UtcDateTime
from mailbox_assistant.outcomes import models as outcome_models  # noqa: F401
from mailbox_assistant.reconnect import models as reconnect_models  # noqa: F401

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    """The URL given by `migrations.alembic_config`, else DATABASE_URL from the settings."""
    url = config.attributes.get("database_url")
    if url:
        return url
    from mailbox_assistant.settings import get_settings

    return get_settings().database_url


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render our UtcDateTime as a plain timestamptz, so migrations do not import model code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of our own engine (same SQLite pragmas as the app)."""
    engine = make_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
