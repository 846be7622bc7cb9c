"""The schema: tenant-leading keys, migrations that match the models, and the
key layer stopping a cross-commune reference on its own."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from core.access.models import Membership, MembershipHamlet
from core.db import Database, make_engine
from core.hamlets.models import Hamlet
from core.models import metadata
from tenants.rls import tenant_tables
from tests import factories as f
from tests.tenants.conftest import World

TABLES = [t.name for t in tenant_tables(metadata)]


@pytest.mark.parametrize("table", TABLES)
def test_tenant_id_leads_every_key_index_and_reference_of_a_commune_table(
    database: Database, table: str
) -> None:
    schema = inspect(database.engine)
    assert schema.get_pk_constraint(table)["constrained_columns"][0] == "tenant_id"
    for unique in schema.get_unique_constraints(table):
        assert unique["column_names"][0] == "tenant_id", unique
    for index in schema.get_indexes(table):
        assert index["column_names"][0] == "tenant_id", index
    for reference in schema.get_foreign_keys(table):
        assert reference["constrained_columns"][0] == "tenant_id", reference


def test_migrations_build_exactly_the_schema_the_models_describe(
    owner_urls: dict[str, str], database: Database
) -> None:
    engine = make_engine(owner_urls["owner"])
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_keys_alone_stop_a_row_from_pointing_into_another_commune(
    database: Database,
    world: World,
) -> None:
    session = f.in_commune(database, world.b.commune)
    b_hamlet = session.scalars(select(Hamlet.id)).first()
    session.close()

    session = f.in_commune(database, world.a.commune)
    try:
        membership = session.scalars(
            select(Membership).where(Membership.commune_id == world.a.commune.id)
        ).first()
        assert membership is not None and b_hamlet is not None
        # The ORM stamps commune A and row security admits it; only the
        # composite key (tenant_id, hamlet_id) can see that the hamlet is B's.
        session.add(MembershipHamlet(membership_id=membership.id, hamlet_id=b_hamlet))
        with pytest.raises(IntegrityError):
            session.flush()
    finally:
        session.close()


def test_orm_filter_alone_scopes_an_unscoped_query_on_sqlite(
    backend: str,
    database: Database,
    world: World,
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite has no row-level security, so the ORM filter is alone")
    session = f.in_commune(database, world.a.commune)
    try:
        hamlets = session.scalars(select(Hamlet)).all()
        assert {h.tenant_id for h in hamlets} == {world.a.commune.id}
    finally:
        session.close()
