"""Shared fixtures: an app per test on each database the machine offers.

Tests that take ``app`` (or anything built on it) run once on SQLite and, when
``BINHYEN_TEST_DATABASE_URL`` is set, once more on PostgreSQL, connected as
the application role, with Redis from ``BINHYEN_TEST_REDIS_URL``. The schema
is built by the real migrations once per run; each test starts from empty
tables.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from core import migrate
from core.app import create_app
from core.config import load_settings
from core.db import Database, make_engine
from core.models import metadata
from core.plugin_host.host import build_host
from tenants.rls import seal_append_only_sqlite
from tests.support import workers

PG_URL = workers.database_url(os.environ.get("BINHYEN_TEST_DATABASE_URL", ""))
PG_OWNER_URL = (
    workers.database_url(os.environ.get("BINHYEN_TEST_MIGRATION_DATABASE_URL", ""))
    or PG_URL
)
REDIS_URL = workers.redis_url(os.environ.get("BINHYEN_TEST_REDIS_URL", ""))

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def _schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Migrate each backend once; returns its URLs."""
    built: dict[str, dict[str, str]] = {}
    sqlite_dir = tmp_path_factory.mktemp("sqlite")
    sqlite_url = f"sqlite:///{sqlite_dir / 'test.sqlite3'}"
    built["sqlite"] = {"app": sqlite_url, "owner": sqlite_url, "redis": ""}
    if PG_URL:
        built["postgresql"] = {"app": PG_URL, "owner": PG_OWNER_URL, "redis": REDIS_URL}
        _drop_everything(PG_OWNER_URL)
    for backend, urls in built.items():
        settings = load_settings(
            {},
            database_url=urls["app"],
            migration_database_url=urls["owner"],
            instance_path=str(tmp_path_factory.mktemp(f"instance-{backend}")),
            secret_key="test-secret",
        )
        migrate.upgrade(settings, build_host())
    return built


# The hashers the app hashes secrets with, by module, kept aside while the
# suite runs with a light one; tests of the stored hashes put them back.
PRODUCTION_HASHERS: dict[str, Any] = {}


@pytest.fixture(autouse=True, scope="session")
def _light_password_hashing() -> Iterator[None]:
    """Hash secrets with argon2id at its lightest cost during the suite.

    Every test account's password and every tip's passphrase costs a hash,
    and at the strengths the app uses (tens of MiB, several passes) a hash
    takes a tenth of a second or more: a quarter of the isolation harness's
    set-up. The algorithm and its checks stay the same; the tests of stored
    hashes use ``PRODUCTION_HASHERS`` and check the real parameters.
    """
    from argon2 import PasswordHasher

    from core.identity import passwords
    from plugins.tips import service as tips

    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    for module in (passwords, tips):
        PRODUCTION_HASHERS[module.__name__] = module._hasher
        module._hasher = light
    yield
    for module in (passwords, tips):
        module._hasher = PRODUCTION_HASHERS.pop(module.__name__)


def _drop_everything(owner_url: str) -> None:
    engine = make_engine(owner_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _empty_tables(owner_url: str) -> None:
    engine = make_engine(owner_url)
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        # Regions point at their parent with ON DELETE RESTRICT, which SQLite
        # checks row by row; cut the tree first so any order of deletion works.
        connection.execute(text("UPDATE regions SET parent_id = NULL"))
        if connection.dialect.name == "postgresql":
            # TRUNCATE costs a few milliseconds a table whether or not it holds
            # rows, so only tables that were ever written to are emptied: a
            # table's file has a page from its first row on, and TRUNCATE
            # gives it a new, empty file. (Row security hides the rows
            # themselves from the owner, so counting them would not do.)
            written = set(
                connection.execute(
                    text(
                        "SELECT relname FROM pg_class WHERE relkind = 'r' "
                        "AND relnamespace = CAST(current_schema() AS regnamespace) "
                        "AND pg_relation_size(oid) > 0"
                    )
                ).scalars()
            )
            used = [t for t in tables if t in written]
            if used:
                connection.execute(text(f"TRUNCATE {', '.join(used)} CASCADE"))
        else:
            # The audit tables refuse DELETE by trigger; lift it to clean up.
            sealed = [
                t.name for t in metadata.sorted_tables if t.info.get("append_only")
            ]
            for table in sealed:
                for verb in ("update", "delete"):
                    connection.execute(
                        text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
                    )
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
            for table in sealed:
                seal_append_only_sqlite(connection, table)
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app(
    backend: str, _schemas: dict[str, dict[str, str]], tmp_path: Path
) -> Iterator[Flask]:
    urls = _schemas[backend]
    _empty_tables(urls["owner"])
    if urls["redis"]:
        import redis

        redis.Redis.from_url(urls["redis"]).flushdb()
    settings = load_settings(
        {},
        database_url=urls["app"],
        migration_database_url=urls["owner"],
        redis_url=urls["redis"] or None,
        instance_path=str(tmp_path / "instance"),
        secret_key="test-secret",
        cookie_secure=False,
    )
    flask_app = create_app(settings)
    flask_app.config["TESTING"] = True
    yield flask_app
    flask_app.extensions["binhyen.db"].dispose()


@pytest.fixture
def redis_server() -> Iterator[Any]:
    """A private redis-server the test may stop and start again."""
    from tests.support.redis_server import RedisServer, free_port

    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_app(
    backend: str,
    _schemas: dict[str, dict[str, str]],
    tmp_path: Path,
    redis_server: Any,
) -> Iterator[Flask]:
    """An app on the test database whose Redis is ``redis_server``."""
    from core.jobs import runner
    from tests.support.redis_server import app_with

    app = app_with(backend, _schemas, tmp_path, redis_server.url)
    runner.bind_app(app)
    yield app
    app.extensions["binhyen.db"].dispose()


@pytest.fixture
def database(app: Flask) -> Database:
    db: Database = app.extensions["binhyen.db"]
    return db


@pytest.fixture
def owner_urls(backend: str, _schemas: dict[str, dict[str, str]]) -> dict[str, str]:
    return _schemas[backend]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str, code: str = "") -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "code": code,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )


# -- report: how many tests ran on each database ---------------------------

_ran: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or not report.passed:
        return
    match = re.search(r"\[(sqlite|postgresql)[\]-]", report.nodeid)
    _ran[match.group(1) if match else "no database"] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ran:
        return
    terminalreporter.section("tests passed per database")
    for name in ("sqlite", "postgresql", "no database"):
        terminalreporter.write_line(f"{name}: {_ran.get(name, 0)}")
    if not PG_URL:
        terminalreporter.write_line(
            "PostgreSQL and Redis were not exercised: set BINHYEN_TEST_DATABASE_URL "
            "and BINHYEN_TEST_REDIS_URL (bash .ci/run does)."
        )
