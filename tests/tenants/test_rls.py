"""Row-level security on PostgreSQL, tested in raw SQL as the application role.

Raw SQL does not pass through the ORM's commune filter, so these tests show
the second layer holding on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from core.db import Database
from core.models import metadata
from tenants.rls import POLICY_NAME, tenant_tables
from tests import factories as f
from tests.tenants.conftest import World, tenant_models

TABLES = [t.name for t in tenant_tables(metadata)]


@pytest.fixture
def pg(backend: str, database: Database) -> Iterator[Connection]:
    if backend != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only")
    with database.engine.connect() as connection:
        yield connection


def _as_commune(connection: Connection, tenant: uuid.UUID | None) -> None:
    connection.execute(
        text("SELECT set_config('app.tenant_id', :t, true)"),
        {"t": str(tenant) if tenant else ""},
    )


def _count(connection: Connection, table: str, tenant: uuid.UUID) -> Any:
    return connection.execute(
        text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
        {"t": tenant},
    ).scalar_one()


def test_tables_are_commune_owned_by_their_key() -> None:
    assert set(TABLES) >= {"hamlets", "membership_hamlets"}


def test_the_tables_row_security_covers_are_exactly_the_commune_owned_models() -> None:
    # tenant_tables picks tables by their key; the models say by their mixin.
    # Were a model to put tenant_id later in its key, the two would differ
    # and its table would escape row-level security: this catches it.
    owned = {model.__table__.name for model in tenant_models()}  # type: ignore[attr-defined]
    assert owned == set(TABLES)


def test_no_table_with_a_commune_column_is_left_without_forced_security(
    pg: Connection,
) -> None:
    # From the database's own catalogue, not from the models: a table made
    # by hand or by a plugin's migration is caught as well.
    unguarded = (
        pg.execute(
            text(
                "SELECT c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' "
                "AND a.attname = 'tenant_id' AND NOT a.attisdropped "
                "AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
            )
        )
        .scalars()
        .all()
    )
    assert unguarded == []


def test_application_role_cannot_bypass_row_security(pg: Connection) -> None:
    role = pg.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert (role.rolsuper, role.rolbypassrls) == (False, False)
    owned = pg.execute(
        text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tableowner = current_user"
        )
    ).scalar_one()
    assert owned == 0


def test_every_commune_table_has_row_security_enabled_forced_and_a_policy(
    pg: Connection,
) -> None:
    for table in TABLES:
        flags = pg.execute(
            text(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE oid = CAST(:t AS regclass)"
            ),
            {"t": table},
        ).one()
        assert (flags.relrowsecurity, flags.relforcerowsecurity) == (True, True), table
        policy = pg.execute(
            text(
                "SELECT qual, with_check FROM pg_policies WHERE tablename = :t "
                "AND policyname = :p"
            ),
            {"t": table, "p": POLICY_NAME},
        ).one()
        assert "app.tenant_id" in policy.qual, table
        assert "app.tenant_id" in policy.with_check, table


def _refused(pg: Connection, statement: Any, values: dict[str, Any]) -> None:
    with pytest.raises(DBAPIError, match="permission denied"):
        pg.execute(statement, values)
    pg.rollback()


def test_raw_sql_sees_and_changes_only_the_set_commune(
    pg: Connection, world: World
) -> None:
    a, b = world.a.commune.id, world.b.commune.id
    for table in TABLES:
        _as_commune(pg, a)
        seen = pg.execute(text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars()
        assert set(seen) == {a}, table
        assert _count(pg, table, b) == 0, table
        info = metadata.tables[table].info
        update_b = text(
            f"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = :b"
        )
        delete_b = text(f"DELETE FROM {table} WHERE tenant_id = :b")
        if info.get("append_only"):
            # The application role may not change the audit trail at all.
            _refused(pg, delete_b, {"b": b})
            continue
        assert pg.execute(update_b, {"b": b}).rowcount == 0, table
        if info.get("no_delete"):
            # Chain heads move forward; the application may not remove them.
            _refused(pg, delete_b, {"b": b})
            continue
        assert pg.execute(delete_b, {"b": b}).rowcount == 0, table
        pg.commit()

        _as_commune(pg, b)
        assert _count(pg, table, b) >= 1, table
        pg.rollback()


def test_raw_sql_with_no_commune_set_sees_nothing(pg: Connection, world: World) -> None:
    for table in TABLES:
        assert pg.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        _as_commune(pg, None)
        assert pg.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        pg.rollback()


def test_raw_insert_into_another_commune_is_refused_by_the_policy(
    pg: Connection,
    world: World,
) -> None:
    _as_commune(pg, world.a.commune.id)
    with pytest.raises(Exception, match="row-level security"):
        pg.execute(
            text(
                "INSERT INTO hamlets (tenant_id, id, name, kind, version, "
                "created_at, updated_at) VALUES (:t, :i, 'Lạ', 'xom', 1, now(), now())"
            ),
            {"t": world.b.commune.id, "i": uuid.uuid4()},
        )


def test_the_commune_setting_ends_with_its_transaction(
    pg: Connection,
    world: World,
) -> None:
    _as_commune(pg, world.a.commune.id)
    assert pg.execute(text("SELECT count(*) FROM hamlets")).scalar_one() >= 1
    pg.commit()
    # The same pooled connection, next transaction: the commune is gone.
    setting = pg.execute(text("SELECT current_setting('app.tenant_id', true)"))
    assert setting.scalar_one() in ("", None)
    assert pg.execute(text("SELECT count(*) FROM hamlets")).scalar_one() == 0


def test_the_orm_session_arms_row_security_for_its_commune(
    backend: str,
    database: Database,
    world: World,
) -> None:
    if backend != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only")
    session = f.in_commune(database, world.a.commune)
    try:
        # Raw SQL through the bound session: no ORM filter, the policy decides.
        tenants = session.execute(text("SELECT DISTINCT tenant_id FROM hamlets"))
        assert set(tenants.scalars()) == {world.a.commune.id}
    finally:
        session.close()
