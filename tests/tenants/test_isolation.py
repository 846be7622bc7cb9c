"""The isolation harness: nothing of one commune is reachable from another.

Models and routes are discovered from the app itself, never listed here: a
new commune-owned model or a new route under /c/<commune>/ is covered the
moment it exists, and a model or URL id without a factory in
tests/factories.py fails loudly rather than being skipped.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.app import access_declaration
from core.audit.models import PlatformAuditEvent
from core.audit.trail import note_cross_commune
from core.db import Database
from core.hamlets.models import Hamlet
from core.models import metadata
from tenants import onboarding
from tenants.isolation import (
    TenantContextError,
    bind_tenant,
    current_tenant,
    each_commune,
)
from tenants.models import Commune, CommuneStatus
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.tenants.conftest import World, snapshot, tenant_models

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def commune_routes(app: Flask, public: bool = False) -> list[tuple[Any, str]]:
    """Routes under a commune's URL, with each method: those that need a
    permission or a sign-in, or with ``public`` those open to anyone (a
    resident's tip form), which must answer anyone and so are checked apart."""
    found = []
    for rule in app.url_map.iter_rules():
        if "commune" not in rule.arguments:
            continue
        declared = access_declaration(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            opened = declared.get(method, declared.get("*")) == "public"
            if opened == public:
                found.append((rule, method))
    return found


# -- layer 1: the ORM -------------------------------------------------------


def test_every_commune_owned_model_is_found_and_has_a_factory() -> None:
    models = tenant_models()
    assert Hamlet in models
    assert all(model in f.TENANT_FACTORIES for model in models)


def test_orm_reads_only_the_bound_communes_rows(
    world: World, database: Database
) -> None:
    session = f.in_commune(database, world.a.commune)
    try:
        for model in tenant_models():
            rows = session.scalars(select(model)).all()
            assert rows, f"the harness made a {model.__name__} in commune A"
            assert {r.tenant_id for r in rows} == {world.a.commune.id}, model
            for key in world.rows["b"][model]:
                assert session.get(model, key) is None, model
    finally:
        session.close()


def _dependents_first() -> list[type]:
    """Commune-owned models, each after every model that points at it, so
    deleting them in this order never trips a foreign key."""
    by_table = {m.__table__: m for m in tenant_models()}  # type: ignore[attr-defined]
    return [by_table[t] for t in reversed(metadata.sorted_tables) if t in by_table]


def test_orm_bulk_update_and_delete_reach_only_the_bound_commune(
    world: World, database: Database
) -> None:
    before = snapshot(database, world.b)
    session = f.in_commune(database, world.a.commune)
    try:
        for model in _dependents_first():
            table = model.__table__  # type: ignore[attr-defined]
            keep = model.tenant_id  # type: ignore[attr-defined]
            own = len(session.scalars(select(model)).all())
            if table.info.get("append_only"):
                # The audit trail refuses every change, in any commune.
                for statement in (update(model).values(tenant_id=keep), delete(model)):
                    with pytest.raises(
                        DBAPIError, match=r"append-only|permission denied"
                    ):
                        session.execute(statement)
                    session.rollback()
                continue
            touched = session.execute(update(model).values(tenant_id=keep))
            assert touched.rowcount == own, model
            if table.info.get("no_delete") and database.dialect == "postgresql":
                # Audit heads: the application role may not remove them at all.
                with pytest.raises(DBAPIError, match="permission denied"):
                    session.execute(delete(model))
                session.rollback()
                continue
            removed = session.execute(delete(model))
            assert removed.rowcount == own, model
            session.commit()
            assert session.scalars(select(model)).all() == [], model
    finally:
        session.close()
    assert snapshot(database, world.b) == before


def test_a_session_with_no_commune_refuses_commune_owned_queries(
    database: Database,
) -> None:
    models = tenant_models()
    assert len(models) > 20, "the harness found almost no commune-owned models"
    with database.session() as session:
        for model in models:
            with pytest.raises(TenantContextError):
                session.scalars(select(model)).all()
            with pytest.raises(TenantContextError):
                session.execute(delete(model))


def test_a_session_refuses_to_write_a_row_of_another_commune(
    world: World, database: Database
) -> None:
    session = f.in_commune(database, world.a.commune)
    try:
        session.add(Hamlet(tenant_id=world.b.commune.id, name="Lạc", kind="xom"))
        with pytest.raises(TenantContextError):
            session.flush()
    finally:
        session.close()


def test_a_session_cannot_be_moved_to_another_commune(
    world: World, database: Database
) -> None:
    session = f.in_commune(database, world.a.commune)
    try:
        with pytest.raises(TenantContextError):
            bind_tenant(session, world.b.commune.id)
    finally:
        session.close()


def test_a_new_row_gets_the_bound_commune_without_being_told(
    world: World, database: Database
) -> None:
    session = f.in_commune(database, world.a.commune)
    try:
        hamlet = f.hamlet(session, "Xóm Mới")
        session.commit()
        assert hamlet.tenant_id == world.a.commune.id
    finally:
        session.close()


# -- through the API --------------------------------------------------------


def _url(app: Flask, rule: Any, method: str, values: dict[str, Any]) -> str:
    adapter = app.url_map.bind("localhost")
    return str(adapter.build(rule.endpoint, values, method=method))


def _values_for(rule: Any, slug: str, ids: dict[str, uuid.UUID]) -> dict[str, Any]:
    values: dict[str, Any] = {"commune": slug}
    for argument in rule.arguments - {"commune"}:
        assert argument in ids, (
            f"{rule.rule} takes <{argument}>: add a factory for it to "
            "PATH_FACTORIES in tests/factories.py"
        )
        values[argument] = ids[argument]
    return values


def _call(client: FlaskClient, method: str, url: str, headers: dict[str, str]) -> Any:
    headers = {**headers, "If-Match": "*"}
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return client.open(url, method=method, json=body, headers=headers)


def test_every_route_of_a_commune_refuses_a_member_of_another_commune(
    app: Flask, client: FlaskClient, world: World, database: Database
) -> None:
    before = snapshot(database, world.b)
    hidden = world.secrets_of("b")
    routes = commune_routes(app)
    assert routes, "the app has commune routes to check"

    for rule, method in routes:
        url = _url(
            app,
            rule,
            method,
            _values_for(rule, world.b.commune.slug, world.path_ids["b"]),
        )
        answer = _call(client, method, url, f.bearer(world.a.token))
        assert answer.status_code == 403, (method, rule.rule, answer.status_code)
        body = answer.get_data(as_text=True)
        assert not any(secret in body for secret in hidden), (method, rule.rule)

    assert snapshot(database, world.b) == before


def test_every_route_of_a_commune_refuses_a_signed_in_browser_of_another(
    app: Flask, client: FlaskClient, world: World, database: Database
) -> None:
    assert sign_in(client, world.a.chief.username, f.PASSWORD).status_code == 302
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    before = snapshot(database, world.b)

    routes = commune_routes(app)
    assert len(routes) > 50, "the harness found almost no commune routes"
    for rule, method in routes:
        url = _url(
            app,
            rule,
            method,
            _values_for(rule, world.b.commune.slug, world.path_ids["b"]),
        )
        answer = _call(
            client, method, url, {"X-CSRF-Token": csrf, "Accept": "application/json"}
        )
        assert answer.status_code == 403, (method, rule.rule, answer.status_code)

    assert snapshot(database, world.b) == before


def test_public_routes_of_a_commune_reveal_and_change_nothing_of_it(
    app: Flask, client: FlaskClient, world: World, database: Database
) -> None:
    """Routes open to anyone (a resident sending a tip) answer a member of
    another commune as they would anyone: with nothing of the commune's
    records, and, sent an empty body, without changing anything."""
    before = snapshot(database, world.b)
    hidden = world.secrets_of("b")
    routes = commune_routes(app, public=True)
    assert routes, "the tip plugin's public routes are found"
    for rule, method in routes:
        values = _values_for(rule, world.b.commune.slug, world.path_ids["b"])
        url = _url(app, rule, method, values)
        answer = _call(client, method, url, f.bearer(world.a.token))
        assert answer.status_code < 500, (method, rule.rule)
        body = answer.get_data(as_text=True)
        assert not any(secret in body for secret in hidden), (method, rule.rule)
    assert snapshot(database, world.b) == before


def test_ids_of_another_commune_are_not_found_at_ones_own_address(
    app: Flask, client: FlaskClient, world: World, database: Database
) -> None:
    before = snapshot(database, world.b)
    hidden = world.secrets_of("b")
    checked = 0
    for rule, method in commune_routes(app):
        if rule.arguments == {"commune"}:
            continue
        url = _url(
            app,
            rule,
            method,
            _values_for(rule, world.a.commune.slug, world.path_ids["b"]),
        )
        answer = _call(client, method, url, f.bearer(world.a.token))
        # Refused before anything is looked up (422) or not found at all.
        assert answer.status_code in {404, 422}, (method, rule.rule)
        if method == "GET" or method == "DELETE":
            assert answer.status_code == 404, (method, rule.rule)
        assert not any(s in answer.get_data(as_text=True) for s in hidden)
        checked += 1
    assert checked, "some commune routes take an object id"
    assert snapshot(database, world.b) == before


def test_lists_of_one_commune_show_nothing_of_another(
    app: Flask, client: FlaskClient, world: World
) -> None:
    hidden = world.secrets_of("b")
    own = world.secrets_of("a")
    listed = 0
    for rule, method in commune_routes(app):
        if method != "GET" or rule.arguments != {"commune"}:
            continue
        url = _url(app, rule, method, {"commune": world.a.commune.slug})
        answer = client.get(url, headers=f.bearer(world.a.token))
        assert answer.status_code == 200, rule.rule
        body = answer.get_data(as_text=True)
        assert not any(secret in body for secret in hidden), rule.rule
        listed += int(any(secret in body for secret in own))
    assert listed, "at least one list shows commune A its own rows"


def test_work_over_several_communes_goes_one_bound_commune_at_a_time_and_is_noted(
    world: World, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    suspended = f.staffed_commune(database, "05128")
    with database.session() as db:
        onboarding.set_commune_status(
            db, db.merge(suspended.commune), CommuneStatus.SUSPENDED
        )
        db.commit()

    def seen(session: Session, commune: Commune) -> tuple[str, set[uuid.UUID]]:
        assert current_tenant(session) == commune.id
        return commune.slug, {h.tenant_id for h in session.scalars(select(Hamlet))}

    note_cross_commune(database, "tests: count hamlets")
    with caplog.at_level("INFO", logger="tenants.isolation"):
        visits = dict(each_commune(database, "tests: count hamlets", seen))
    assert visits == {
        world.a.commune.slug: {world.a.commune.id},
        world.b.commune.slug: {world.b.commune.id},
    }
    assert "cross-commune work over 2 communes: tests: count hamlets" in caplog.text
    with_suspended = each_commune(database, "tests", seen, include_suspended=True)
    assert suspended.commune.slug in dict(with_suspended)
    with database.session() as db:
        noted = db.scalars(
            select(PlatformAuditEvent).where(
                PlatformAuditEvent.action == "cross_commune"
            )
        ).all()
    assert [event.details["reason"] for event in noted] == ["tests: count hamlets"]


def test_routes_into_another_commune_reach_no_file_without_a_grant(
    app: Flask, client: FlaskClient, world: World, database: Database
) -> None:
    """Routes that name another commune (``<target>``) rather than the
    caller's own, found from the app like the others."""
    before = snapshot(database, world.b)
    hidden = world.secrets_of("b")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "target" not in rule.arguments or rule.arguments == {"target"}:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            values = {
                "target": world.b.commune.slug,
                **{
                    name: world.path_ids["b"][name]
                    for name in rule.arguments - {"target"}
                },
            }
            url = _url(app, rule, method, values)
            answer = _call(client, method, url, f.bearer(world.a.token))
            assert answer.status_code in {403, 404}, (method, rule.rule)
            assert not any(s in answer.get_data(as_text=True) for s in hidden)
            checked += 1
    assert checked, "the break-glass read is found"
    assert snapshot(database, world.b) == before
