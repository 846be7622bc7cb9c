"""A plugin installed with pip from a package of its own is found, migrated and
enabled like a built-in one.

The package in ``thirdparty_pkg/`` is installed for real into a scratch
folder. Everything that loads it runs in subprocesses with that folder on
PYTHONPATH: entry points are read process-wide, and the plugin must not reach
the rest of the suite. Each database gets an empty schema of its own: a
SQLite file always, and the PostgreSQL database named by
``BINHYEN_TEST_PLUGIN_DATABASE_URL`` (application role) and
``BINHYEN_TEST_PLUGIN_MIGRATION_DATABASE_URL`` (owner) when they are set.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, make_url, text

from core.db import make_engine
from tests.support import workers

PACKAGE = Path(__file__).parent / "thirdparty_pkg"
MODULE = "binhyen_example_tally"
PLUGIN = "tally"
with (PACKAGE / "pyproject.toml").open("rb") as _file:
    PROJECT = tomllib.load(_file)["project"]
BINHYEN = Path(sys.executable).with_name("binhyen")

PG_URL = workers.database_url(os.environ.get("BINHYEN_TEST_PLUGIN_DATABASE_URL", ""))
PG_OWNER_URL = (
    workers.database_url(
        os.environ.get("BINHYEN_TEST_PLUGIN_MIGRATION_DATABASE_URL", "")
    )
    or PG_URL
)
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# Served in a subprocess that sees the plugin: the token is argv[1]. Prints
# one JSON line; the app logs to standard error.
REQUESTS = """
import json, sys
from core.app import create_app

app = create_app()
client = app.test_client()
auth = {"Authorization": "Bearer " + sys.argv[1]}
here = "/api/v1/c/cao-phong/tally/marks"
created = client.post(here, json={"label": "first visit"}, headers=auth)
listed = client.get(here, headers=auth)
elsewhere = client.get("/api/v1/c/thung-nai/tally/marks", headers=auth)
print(json.dumps({
    "distribution": app.extensions["binhyen.plugins"].plugins["tally"].distribution,
    "jobs": app.extensions["binhyen.jobs"].names(),
    "created": [created.status_code, created.get_json()],
    "listed": [listed.status_code, listed.get_json()],
    "elsewhere": [elsewhere.status_code, elsewhere.get_json()],
}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin installed by pip into a folder of its own, offline."""
    # Build from a copy, so nothing pip or setuptools writes lands in the repo.
    source = tmp_path_factory.mktemp("tally-source") / "tally"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path_factory.mktemp("tally-site")
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--quiet",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (target / f"{MODULE}-{PROJECT['version']}.dist-info").is_dir()
    return target


class Server:
    """One installation: the ``binhyen`` command against one database, with
    the scratch folder holding the plugin on its path."""

    def __init__(self, site: Path, urls: dict[str, str], home: Path) -> None:
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BINHYEN_")}
        self.env.update(
            PYTHONPATH=str(site),
            BINHYEN_DATABASE_URL=urls["app"],
            BINHYEN_MIGRATION_DATABASE_URL=urls["owner"],
            BINHYEN_INSTANCE_PATH=str(home / "instance"),
            BINHYEN_SECRET_KEY="test-secret-of-the-tally-installation",
        )
        role = make_url(urls["app"]).username
        if role:
            self.env["BINHYEN_DATABASE_APP_ROLE"] = role

    def run(self, *args: str, stdin: str | None = None) -> str:
        # The working folder is a scratch one, so the repo's own packages
        # are reached only through the installed binhyen, as on a server.
        done = subprocess.run(
            args,
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.home,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{args[:3]} failed:\n{done.stderr}"
        return done.stdout

    def binhyen(self, *args: str, stdin: str | None = None) -> str:
        return self.run(str(BINHYEN), *args, stdin=stdin)


def _fresh_schema(owner_url: str) -> None:
    engine = make_engine(owner_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def plugin_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """URLs of an empty database, not yet migrated."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tally.sqlite3'}"
        yield {"app": url, "owner": url}
        return
    _fresh_schema(PG_OWNER_URL)
    yield {"app": PG_URL, "owner": PG_OWNER_URL}


def _query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


def test_a_pip_installed_plugin_is_found_migrated_and_enabled_like_a_built_in_one(
    site: Path, plugin_database: dict[str, str], tmp_path: Path
) -> None:
    server = Server(site, plugin_database, tmp_path)
    owner = plugin_database["owner"]

    # Migrated: core's heads and the plugin's own branch, in one upgrade.
    assert "Database is up to date." in server.binhyen("db", "upgrade")
    engine = make_engine(owner)
    assert "tally_marks" in inspect(engine).get_table_names()
    engine.dispose()
    heads = {row[0] for row in _query(owner, "SELECT version_num FROM alembic_version")}
    assert "tally_0001" in heads
    postgresql = owner.startswith("postgresql")
    if postgresql:
        [flags] = _query(
            owner,
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE oid = CAST('tally_marks' AS regclass)",
        )
        assert tuple(flags) == (True, True)
        policies = _query(
            owner, "SELECT policyname FROM pg_policies WHERE tablename = 'tally_marks'"
        )
        assert [p[0] for p in policies] == ["tenant_isolation"]

    # Found: listed beside the built-in bulletin, with its package's version.
    listed = json.loads(server.binhyen("plugins", "list", "--json"))
    by_name = {row["name"]: row for row in listed}
    assert by_name[PLUGIN] == {
        "name": PLUGIN,
        "version": PROJECT["version"],
        "title": "Kiểm đếm",
        "status": "installed",
    }
    assert by_name["bulletin"]["status"] == "installed"
    assert all(row["status"] != "failed" for row in listed)

    # A province, two communes, a chief of the first, and a token for it.
    server.binhyen("regions", "create", "--code", "25")
    assert "/c/cao-phong/" in server.binhyen(
        "communes", "create", "--region", "25", "--code", "05089"
    )
    assert "/c/thung-nai/" in server.binhyen(
        "communes", "create", "--region", "25", "--code", "05098"
    )
    server.binhyen(
        "users",
        "create",
        "--username",
        "chief",
        "--full-name",
        "Bùi Thị Lan",
        "--password-stdin",
        stdin="a long passphrase for the chief\n",
    )
    server.binhyen(
        "users", "grant", "chief", "--role", "commune_chief", "--commune", "cao-phong"
    )
    token = server.binhyen(
        "tokens",
        "create",
        "--user",
        "chief",
        "--commune",
        "cao-phong",
        "--permission",
        "tally:read",
        "--permission",
        "tally:write",
    ).splitlines()[0]

    # Enabled in one commune only.
    assert "tally is now enabled in cao-phong." in server.binhyen(
        "plugins", "enable", PLUGIN, "--commune", "cao-phong"
    )
    states = json.loads(
        server.binhyen("plugins", "list", "--json", "--commune", "thung-nai")
    )
    assert {r["name"]: r["status"] for r in states}[PLUGIN] == "disabled"

    # Served: its routes and job work where it is on, and 404 where it is off.
    answers = json.loads(
        server.run(sys.executable, "-c", REQUESTS, token).splitlines()[-1]
    )
    assert answers["distribution"] == PROJECT["name"]
    assert "tally.check" in answers["jobs"]
    status, created = answers["created"]
    assert status == 201, created
    assert created["label"] == "first visit"
    status, marks = answers["listed"]
    assert status == 200, marks
    assert [m["id"] for m in marks] == [created["id"]]
    assert marks[0]["checked_at"] is not None, "the tally.check job did not run"
    status, problem = answers["elsewhere"]
    assert status == 404
    assert problem["type"].endswith("/not-found")
    assert "phân hệ" in problem["detail"]  # Vietnamese: the caller named no language

    if postgresql:
        # Row-level security is forced, so even the owner sees a commune's
        # marks only with that commune set.
        def marks_seen_in(slug: str) -> int:
            engine = make_engine(owner)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "SELECT set_config('app.tenant_id', CAST(id AS text), true) "
                        "FROM communes WHERE slug = :slug"
                    ),
                    {"slug": slug},
                )
                count = connection.scalar(text("SELECT count(*) FROM tally_marks"))
            engine.dispose()
            return int(count or 0)

        assert _query(owner, "SELECT count(*) FROM tally_marks")[0][0] == 0
        assert marks_seen_in("cao-phong") == 1
        assert marks_seen_in("thung-nai") == 0
    else:
        assert _query(owner, "SELECT label FROM tally_marks")[0][0] == "first visit"

    # And none of it reached this process, which the rest of the suite shares.
    assert PLUGIN not in {e.name for e in entry_points(group="binhyen.plugins")}
    assert MODULE not in sys.modules


def test_the_third_party_plugin_reaches_core_only_through_the_toolkit() -> None:
    reached = set()
    for path in (PACKAGE / MODULE).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            reached |= {n for n in names if n.split(".")[0] in {"core", "tenants"}}
    assert reached == {"core.toolkit"}
