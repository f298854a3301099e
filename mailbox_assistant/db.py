"""Engines, sessions and write transactions; free of Flask so the bot and the worker can reuse it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL, a busy timeout and explicit BEGIN control."""
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_recycle", 1800)
        return create_engine(url, **kwargs)
    connect_args = kwargs.pop("connect_args", {}) | {"check_same_thread": False}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Set the per-connection pragmas; the driver's own transaction handling is turned off."""
    # pysqlite's implicit BEGIN cannot do BEGIN IMMEDIATE; we emit BEGIN ourselves in the "begin" event.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    """Emit BEGIN, or BEGIN IMMEDIATE when the connection was opened for writing."""
    mode = "IMMEDIATE" if connection.get_execution_options().get("sqlite_write") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


_SQLITE_WRITE_LOCKS: dict[str, threading.Lock] = {}
_SQLITE_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """A lock shared by this process's writers of one SQLite database; a no-op on other databases.

    SQLite has one writer at a time, and a writer that finds the database busy sleeps in its busy
    handler in steps of up to 100 ms. Queueing a process's own writers on a lock instead keeps short
    writes (deduplication keys, transcript turns) from waiting on those sleeps.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _SQLITE_WRITE_LOCKS_GUARD:
        return _SQLITE_WRITE_LOCKS.setdefault(str(engine.url), threading.Lock())


def make_statement_engine(engine: Engine) -> Engine:
    """An engine for single statements run straight on its pooled DBAPI connections (api.direct_select).

    PostgreSQL: a pool of its own whose connections are in autocommit from the moment they open and are
    not rolled back when they return (nothing can be left open: each statement commits on its own), so
    a read costs one round trip and no driver calls around it. SQLite: `engine` itself, whose
    connections already run statements on their own (make_engine turns the driver's implicit BEGIN off).
    """
    if engine.dialect.name == "sqlite":
        return engine
    return make_engine(
        engine.url.render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
    )


def single_statement_writes(engine: Engine) -> Engine:
    """`engine` for writers that send one statement per transaction: BEGIN IMMEDIATE on SQLite (the
    write lock from the start); autocommit on PostgreSQL, where one statement is atomic on its own, so
    BEGIN and COMMIT would only add two round trips."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_write=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def autocommit_reads(engine: Engine) -> Engine:
    """`engine` for request sessions that mostly read: on PostgreSQL each read runs on its own, without
    BEGIN/ROLLBACK round trips; `begin_write` still opens a real transaction for writes."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success, rolls back on error, and is always closed."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Start a write transaction; on SQLite it holds the write lock from BEGIN (atomic read-modify-write)."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write needs a session without pending changes")
        session.commit()  # ends a read-only transaction (e.g. the API-key lookup)
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_write": True})
    else:
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})


def write_transaction(engine: Engine) -> AbstractContextManager[Connection]:
    """A write transaction on a connection of `engine`, the way `begin_write` opens one on a session:
    BEGIN IMMEDIATE on SQLite (the write lock from the start), READ COMMITTED on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_write=True).begin()
    return engine.execution_options(isolation_level="READ COMMITTED").begin()
