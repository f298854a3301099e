"""Alembic environment: online migrations over our engine, batch mode so SQLite can ALTER."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from api.db import make_engine
from api.models import Base, UtcDateTime

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
