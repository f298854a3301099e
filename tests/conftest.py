"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), the API app,
API keys, and a live API server on a loopback port."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api import create_app
from api.keys import create_key
from api.web import dispose_database
from mailbox_assistant.db import make_engine, make_session_factory, session_scope
from mailbox_assistant.settings import Settings, load_settings
from migrations import upgrade
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack import FakeSlack

DATABASE_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


class _Databases:
    """Test databases made on first use (one per backend per session), migrated, dropped at the end."""

    def __init__(self, tmp_dir: str) -> None:
        self.tmp_dir = tmp_dir
        self.urls: dict[str, str] = {}
        self._drops: list[tuple[str, str]] = []

    def url(self, backend: str) -> str:
        """The URL of the session's database for `backend`, migrated to head."""
        if backend not in self.urls:
            self.urls[backend] = self._create_sqlite() if backend == "sqlite" else self._create_postgresql()
            upgrade(self.urls[backend])
        return self.urls[backend]

    def _create_sqlite(self) -> str:
        """A fresh SQLite file in the session's temporary directory."""
        return f"sqlite:///{self.tmp_dir}/test-{uuid.uuid4().hex[:8]}.db"

    def _create_postgresql(self) -> str:
        """CREATE DATABASE test_<random> on TEST_DATABASE_URL's server, so parallel runs never collide."""
        server = make_url(os.environ["TEST_DATABASE_URL"])
        name = f"test_{uuid.uuid4().hex[:12]}"
        with _admin_engine(server).connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self._drops.append((server.render_as_string(hide_password=False), name))
        return server.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop the PostgreSQL databases this session created."""
        for server_url, name in self._drops:
            with _admin_engine(make_url(server_url)).connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _admin_engine(server_url: URL) -> Engine:
    """An AUTOCOMMIT engine on the server's database (CREATE/DROP DATABASE refuse transactions)."""
    return create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


_SLACK_STAND_INS = pytest.StashKey[list[FakeSlack]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test that sent the Slack stand-in what Slack refuses fails (FakeSlack.expect_refusals opts out)."""
    stand_ins = [value for value in getattr(item, "funcargs", {}).values() if isinstance(value, FakeSlack)]
    item.stash[_SLACK_STAND_INS] = stand_ins
    yield
    for stand_in in stand_ins:
        stand_in.assert_nothing_refused()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """What reached the stand-in after the test body (answers still running as fixtures stop) counts too."""
    yield
    for stand_in in item.stash.get(_SLACK_STAND_INS, []):
        stand_in.assert_nothing_refused()


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    databases = _Databases(str(tmp_path_factory.mktemp("databases")))
    yield databases
    databases.drop_all()


def _empty_all_tables(url: str) -> None:
    """Delete every row of every table but alembic_version (cheaply, with ids restarted)."""
    engine = make_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
            names = ", ".join(f'"{t}"' for t in tables if t != "alembic_version")
            if names:
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
            for table in list(tables):
                if table != "alembic_version" and not table.startswith("sqlite_"):
                    connection.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(request: pytest.FixtureRequest, _databases: _Databases) -> str:
    """URL of an empty, migrated database: each test runs on SQLite, and on PostgreSQL when configured."""
    url = _databases.url(request.param)
    _empty_all_tables(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine of the project's kind (mailbox_assistant.db.make_engine) over the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session over the test database; the test commits what it wants to keep."""
    with make_session_factory(engine)() as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings pointing at the test database."""
    return load_settings(database_url=database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The status API app over the test database."""
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    dispose_database(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client of the app."""
    return app.test_client()


@pytest.fixture
def api_keys(app: Flask) -> dict[str, str]:
    """One API key per scope: {"read": key, "write": key, "admin": key}."""
    keys = {}
    with session_scope(app.extensions["database"]["sessions"]) as session:
        for scope in ("read", "write", "admin"):
            keys[scope] = create_key(session, f"test-{scope}", scope)[1]
    return keys


@pytest.fixture
def live_api(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a loopback port chosen by the OS; yields its base URL."""
    server = LoopbackServer(app, name="live-api").start()
    yield server.url
    server.stop()
