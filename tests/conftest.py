"""Test setup: every API test runs against a migrated SQLite and a migrated PostgreSQL database."""

import itertools
import os
import secrets
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.db import Base
from app.main import create_app
from app.models import Role
from app.services import keys
from tests import pgserver
from tests.cli import run_cli

REQUIRE_POSTGRES = os.environ.get("RECOTRACK_REQUIRE_POSTGRES") == "1"
_skip_reason: list[str] = []
_key_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server URL: RECOTRACK_TEST_POSTGRES_URL, or a throwaway server we start."""
    given = os.environ.get("RECOTRACK_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    server = pgserver.start_server()
    if server is None:
        reason = "PostgreSQL binaries not found: PostgreSQL half of the suite SKIPPED"
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (RECOTRACK_REQUIRE_POSTGRES=1)")
        _skip_reason.append(reason)
        pytest.skip(reason)
    yield server.url
    server.stop()


def _fresh_database(admin_url: str, name: str) -> str:
    url = make_url(admin_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = _fresh_database(request.getfixturevalue("postgres_url"), "recotrack_test")
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def _app_client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _truncate(session: Session) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables]
    if session.bind.dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            session.execute(text(f"DELETE FROM {table}"))
    session.commit()


def _new_key(app: FastAPI, role: str) -> str:
    """A key's secret: `role` is reader/analyst/admin, or `revoked` (an admin key, revoked)."""
    with app.state.sessionmaker() as session:
        real_role = Role.admin if role == "revoked" else Role(role)
        key, secret = keys.create(session, f"{role}-{next(_key_numbers)}", real_role)
        if role == "revoked":
            keys.revoke(session, key.name)
        session.commit()
    return secret


@pytest.fixture
def client(_app_client: TestClient) -> Iterator[TestClient]:
    """The real app over HTTP, sending an admin key; every table is emptied after the test."""
    _app_client.headers["Authorization"] = f"Bearer {_new_key(_app_client.app, 'admin')}"
    yield _app_client
    del _app_client.headers["Authorization"]
    with _app_client.app.state.sessionmaker() as session:
        _truncate(session)


@pytest.fixture
def api_key(client: TestClient) -> Callable[[str], str]:
    """api_key(role): the secret of a new key (reader, analyst, admin, or revoked)."""
    return lambda role: _new_key(client.app, role)


@pytest.fixture
def as_role(client: TestClient) -> Callable[[str | None], TestClient]:
    """as_role(role): a client of the same app sending a new key with that role.

    None sends no key; "unknown" sends a well-formed key that was never issued.
    """

    def _as(role: str | None) -> TestClient:
        if role is None:
            headers = {}
        elif role == "unknown":
            headers = {"Authorization": "Bearer rt_" + secrets.token_urlsafe(32)}
        else:
            headers = {"Authorization": f"Bearer {_new_key(client.app, role)}"}
        return TestClient(client.app, raise_server_exceptions=False, headers=headers)

    return _as


@pytest.fixture
def count(client: TestClient) -> Callable[[type], int]:
    """count(Model): how many rows the table has now, read in a fresh transaction."""

    def _count(model: type) -> int:
        with client.app.state.sessionmaker() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    return _count


@pytest.fixture
def recotrack(database_url: str) -> Callable[..., object]:
    """recotrack(*args): run the command line on the test database."""
    return lambda *args: run_cli(database_url, *args)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason in _skip_reason:
        terminalreporter.write_sep("!", reason, yellow=True)
