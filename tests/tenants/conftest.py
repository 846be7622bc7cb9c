"""Fixtures of the isolation tests: two communes with a row of every
commune-owned model in each, built from the factories."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import inspect, select

from core.db import Base, Database
from tenants.isolation import is_tenant_owned
from tests import factories as f


def tenant_models() -> list[type]:
    return sorted(
        (m.class_ for m in Base.registry.mappers if is_tenant_owned(m.class_)),
        key=lambda cls: cls.__name__,
    )


def _key(row: Any) -> tuple[Any, ...]:
    return tuple(inspect(row).identity)


@dataclass
class World:
    """Two staffed communes, each holding one row of every commune-owned model."""

    a: f.Staffed
    b: f.Staffed
    rows: dict[str, dict[type, list[tuple[Any, ...]]]] = field(default_factory=dict)
    path_ids: dict[str, dict[str, Any]] = field(default_factory=dict)

    def secrets_of(self, name: str) -> set[str]:
        """Every id of commune ``name``'s rows, as text that must not leak."""
        values = {
            str(i) for i in self.path_ids[name].values() if isinstance(i, uuid.UUID)
        }
        for keys in self.rows[name].values():
            for key in keys:
                values |= {str(p) for p in key[1:] if isinstance(p, uuid.UUID)}
        return values


@pytest.fixture
def world(database: Database) -> World:
    built = World(
        a=f.staffed_commune(database, "05089"), b=f.staffed_commune(database, "05098")
    )
    missing = [m.__name__ for m in tenant_models() if m not in f.TENANT_FACTORIES]
    assert not missing, f"add a factory to TENANT_FACTORIES for: {missing}"
    for name, staffed in (("a", built.a), ("b", built.b)):
        session = f.in_commune(database, staffed.commune)
        try:
            made = {
                model: [_key(f.TENANT_FACTORIES[model](session, staffed.commune))]
                for model in tenant_models()
            }
            ids = {
                param: factory(session, staffed.commune)
                for param, factory in f.PATH_FACTORIES.items()
            }
            session.commit()
        finally:
            session.close()
        built.rows[name] = made
        built.path_ids[name] = ids
    return built


def snapshot(database: Database, staffed: f.Staffed) -> dict[str, list[Any]]:
    """Every commune-owned row of one commune, column by column."""
    session = f.in_commune(database, staffed.commune)
    try:
        taken = {}
        for model in tenant_models():
            columns = [c.key for c in inspect(model).column_attrs]
            rows = session.scalars(select(model)).all()
            taken[model.__name__] = sorted(
                tuple(str(getattr(r, c)) for c in columns) for r in rows
            )
        return taken
    finally:
        session.close()
