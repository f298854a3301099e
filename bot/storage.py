"""How the bot writes its own rows (deduplication keys, transcript turns) to the shared database."""

from __future__ import annotations

from sqlalchemy import Engine


def single_statement_writes(engine: Engine) -> Engine:
    """`engine` for writers that send one statement per transaction: BEGIN IMMEDIATE on SQLite (the
    write lock from the start); autocommit on PostgreSQL, where one statement is atomic on its own, so
    BEGIN and COMMIT would only add two round trips."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_write=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")
