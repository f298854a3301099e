"""Migrations: they build the whole schema, and it matches the models."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from mailbox_assistant.db import make_engine
from migrations import alembic_config


def test_migrations_match_the_models(database_url):
    command.check(alembic_config(database_url))  # raises if autogenerate would emit any operation


def test_first_revision_is_0001(database_url):
    script = ScriptDirectory.from_config(alembic_config(database_url))

    assert [revision.revision for revision in script.walk_revisions()][-1] == "0001"


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path}/roundtrip.db"
    config = alembic_config(url)
    command.upgrade(config, "head")

    command.downgrade(config, "base")
    tables_after_downgrade = set(table_names(url))
    command.upgrade(config, "head")

    assert tables_after_downgrade == {"alembic_version"}
    assert {"mailboxes", "events", "api_keys"} <= set(table_names(url))


def table_names(url: str) -> list[str]:
    """The table names of the database at `url`."""
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()
