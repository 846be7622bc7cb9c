"""Access: every route declares what it needs, roles reach what they should, grants."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from sqlalchemy import func, select

from core import app as core_app
from core.access.models import Membership
from core.access.policy import SIGNED_IN, public, requires
from core.access.roles import ROLES
from core.app import access_declaration, create_app
from core.db import Database
from core.identity import service as identity_service
from core.identity.models import User
from tenants import divisions
from tenants.isolation import bind_tenant
from tenants.models import Commune
from tests import factories as f
from tests.conftest import csrf_from, sign_in

PROBLEM = "application/problem+json"
UNCHECKED_METHODS = frozenset({"HEAD", "OPTIONS"})
_names = itertools.count(1)


# -- helpers ---------------------------------------------------------------


def undeclared_api_routes(app: Flask) -> list[str]:
    """Every 'METHOD /path' under /api/ whose view declares no access at all."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        declared = access_declaration(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) - UNCHECKED_METHODS):
            if not declared.get(method, declared.get("*")):
                missing.append(f"{method} {rule.rule}")
    return missing


def _fresh_app(app: Flask) -> Flask:
    """Another app on the fixture's database, for changes a test makes to it."""
    return create_app(app.config["BINHYEN_SETTINGS"])


def _account(db: Any) -> User:
    """An account without a password (quick to make) for token-only callers."""
    name = f"staff{next(_names)}"
    return identity_service.create_user(db, username=name, full_name=f"Cán bộ {name}")


def _hamlets_url(slug: str) -> str:
    return f"/api/v1/c/{slug}/hamlets/"


def _members_url(slug: str) -> str:
    return f"/api/v1/c/{slug}/members"


def _with_hamlets(database: Database, code: str, *names: str) -> tuple[str, list[str]]:
    """A new commune with hamlets of these names: (slug, hamlet ids)."""
    with database.session() as db:
        place = f.commune(db, code)
        bind_tenant(db, place.id)
        hamlets = [f.hamlet(db, name) for name in names]
        db.commit()
        return place.slug, [str(h.id) for h in hamlets]


def _in_commune(database: Database, slug: str, role: str, **grant: Any) -> str:
    """A new account holding ``role`` in the commune at ``slug``; its token."""
    with database.session() as db:
        place = db.scalars(select(Commune).where(Commune.slug == slug)).one()
        account = _account(db)
        f.grant(db, account, role, commune=place, **grant)
        secret = f.token(db, account, commune=place)
        db.commit()
        return secret


def _region_admin(database: Database, code: str = "25") -> tuple[str, str]:
    """A new region admin of province ``code``: (username, region token)."""
    account, secret = f.region_admin(database, code)
    return account.username, secret


def _memberships_of(database: Database, username: str) -> list[str]:
    with database.session() as db:
        account = identity_service.get_user(db, username)
        return sorted(
            db.scalars(select(Membership.role).where(Membership.user_id == account.id))
        )


def _browser(client: FlaskClient, username: str) -> dict[str, str]:
    """Sign in through the form; the header a browser's API writes carry."""
    assert sign_in(client, username, f.PASSWORD).status_code == 302
    return {
        "X-CSRF-Token": csrf_from(
            client.get("/", follow_redirects=True).get_data(as_text=True)
        )
    }


# -- every route declares its access ---------------------------------------


def test_every_api_route_declares_access_for_each_method(app: Flask) -> None:
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(api_rules) > 10
    assert undeclared_api_routes(app) == []


def test_route_check_flags_a_route_without_a_declaration(app: Flask) -> None:
    fresh = _fresh_app(app)

    class HalfDeclared(MethodView):
        @requires("hamlets:read")
        def get(self) -> str:
            return "declared"

        def post(self) -> str:
            return "forgotten"

    def bare() -> str:
        return "forgotten"

    @public("a test")
    def open_to_all() -> str:
        return "declared"

    try:
        fresh.add_url_rule("/api/v1/bare", "bare", bare)
        fresh.add_url_rule("/api/v1/half", view_func=HalfDeclared.as_view("half"))
        fresh.add_url_rule("/api/v1/open", "open_to_all", open_to_all)
        assert undeclared_api_routes(fresh) == [
            "GET /api/v1/bare",
            "POST /api/v1/half",
        ]
    finally:
        fresh.extensions["binhyen.db"].dispose()


def test_every_declared_permission_is_in_the_catalogue(app: Flask) -> None:
    catalogue = app.extensions["binhyen.permissions"]
    declared = {
        name
        for view in app.view_functions.values()
        for name in access_declaration(view).values()
        if name not in (None, "public", SIGNED_IN)
    }
    assert {"hamlets:read", "hamlets:write", "users:grant"} <= declared
    assert declared <= catalogue.names()
    for role in ROLES.values():
        assert role.permissions <= catalogue.names(), role.name


@pytest.mark.parametrize("permission", ["hamlets:reed", "hamlets:read"])
def test_route_naming_an_unknown_permission_stops_the_app_from_starting(
    app: Flask, monkeypatch: pytest.MonkeyPatch, permission: str
) -> None:
    register_core = core_app._register_blueprints

    def register_with_extra(flask_app: Flask, api: Any) -> None:
        register_core(flask_app, api)
        extra = Blueprint("extra", __name__)

        @extra.get("/api/v1/extra")
        @requires(permission)
        def extra_view() -> str:
            return "extra"

        flask_app.register_blueprint(extra)

    monkeypatch.setattr(core_app, "_register_blueprints", register_with_extra)
    if permission == "hamlets:reed":
        with pytest.raises(RuntimeError, match="'hamlets:reed'"):
            _fresh_app(app)
    else:
        # The same route spelt right starts: the typo is what was refused.
        started = _fresh_app(app)
        assert "extra.extra_view" in started.view_functions
        started.extensions["binhyen.db"].dispose()


# -- who reaches hamlets ---------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may_write"),
    [
        ("commune_chief", True),
        ("officer", False),
        ("health_worker", False),
        ("committee_member", False),
        ("viewer", False),
    ],
)
def test_commune_roles_read_hamlets_and_only_the_chief_writes_them(
    client: FlaskClient, database: Database, role: str, may_write: bool
) -> None:
    slug, (hamlet_id,) = _with_hamlets(database, "05089", "Xóm Dụ")
    auth = f.bearer(_in_commune(database, slug, role))

    listed = client.get(_hamlets_url(slug), headers=auth)
    assert listed.status_code == 200
    assert [h["id"] for h in listed.get_json()] == [hamlet_id]
    read = client.get(_hamlets_url(slug) + hamlet_id, headers=auth)
    assert read.status_code == 200

    created = client.post(
        _hamlets_url(slug), json={"name": "Xóm Mới", "kind": "xom"}, headers=auth
    )
    changed = client.patch(
        _hamlets_url(slug) + hamlet_id,
        json={"name": "Xóm Đổi Tên"},
        headers={**auth, "If-Match": read.headers["ETag"]},
    )
    if may_write:
        assert created.status_code == 201
        assert changed.status_code == 200
    else:
        assert created.status_code == 403
        assert changed.status_code == 403
        assert created.mimetype == PROBLEM
        names = [h["name"] for h in client.get(_hamlets_url(slug), headers=auth).json]
        assert names == ["Xóm Dụ"]


def test_hamlet_member_reads_only_their_own_hamlets(
    client: FlaskClient, database: Database
) -> None:
    slug, (mine, other) = _with_hamlets(database, "05089", "Xóm Của Tôi", "Xóm Khác")
    auth = f.bearer(
        _in_commune(database, slug, "hamlet_member", hamlets=[uuid.UUID(mine)])
    )

    listed = client.get(_hamlets_url(slug), headers=auth)
    assert [h["id"] for h in listed.get_json()] == [mine]
    assert client.get(_hamlets_url(slug) + mine, headers=auth).status_code == 200
    assert client.get(_hamlets_url(slug) + other, headers=auth).status_code == 404
    created = client.post(
        _hamlets_url(slug), json={"name": "Xóm Mới", "kind": "xom"}, headers=auth
    )
    assert created.status_code == 403


def test_region_admin_lists_communes_but_cannot_read_hamlets(
    client: FlaskClient, database: Database
) -> None:
    slug, (hamlet_id,) = _with_hamlets(database, "05089", "Xóm Dụ")
    _username, secret = _region_admin(database)
    auth = f.bearer(secret)

    communes = client.get("/api/v1/communes", headers=auth)
    assert communes.status_code == 200
    assert [c["slug"] for c in communes.get_json()] == [slug]
    assert client.get(f"/api/v1/communes/{slug}", headers=auth).status_code == 200

    for url in (_hamlets_url(slug), _hamlets_url(slug) + hamlet_id):
        refused = client.get(url, headers=auth)
        assert refused.status_code == 403, url
        assert refused.mimetype == PROBLEM


# -- giving and taking roles -----------------------------------------------


def test_chief_gives_staff_roles_in_their_commune(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    slug = cao_phong.commune.slug
    with database.session() as db:
        bind_tenant(db, cao_phong.commune.id)
        hamlet_id = str(f.hamlet(db, "Xóm Dụ").id)
        names = [_account(db).username for _ in range(3)]
        db.commit()
    auth = f.bearer(cao_phong.token)

    given = {}
    for name, role, hamlets in zip(
        names,
        ["officer", "viewer", "hamlet_member"],
        [[], [], [hamlet_id]],
        strict=True,
    ):
        answer = client.post(
            _members_url(slug),
            json={"username": name, "role": role, "hamlets": hamlets},
            headers=auth,
        )
        assert answer.status_code == 201, answer.get_json()
        assert answer.get_json()["role"] == role
        assert answer.get_json()["hamlets"] == hamlets
        given[name] = role

    listed = client.get(_members_url(slug), headers=auth).get_json()
    held = {m["username"]: m["role"] for m in listed}
    assert held == {cao_phong.chief.username: "commune_chief", **given}


def test_chief_cannot_appoint_a_commune_chief(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    with database.session() as db:
        name = _account(db).username
        db.commit()

    refused = client.post(
        _members_url(cao_phong.commune.slug),
        json={"username": name, "role": "commune_chief"},
        headers=f.bearer(cao_phong.token),
    )
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    assert _memberships_of(database, name) == []


def test_region_admin_of_the_region_appoints_a_commune_chief(
    client: FlaskClient, database: Database
) -> None:
    slug, _hamlets = _with_hamlets(database, "05089")
    _admin, secret = _region_admin(database)
    with database.session() as db:
        name = _account(db).username
        db.commit()

    appointed = client.post(
        _members_url(slug),
        json={"username": name, "role": "commune_chief"},
        headers=f.bearer(secret),
    )
    assert appointed.status_code == 201, appointed.get_json()
    assert _memberships_of(database, name) == ["commune_chief"]


def test_region_admin_cannot_appoint_themselves_commune_chief(
    client: FlaskClient, database: Database
) -> None:
    slug, _hamlets = _with_hamlets(database, "05089")
    admin, secret = _region_admin(database)

    refused = client.post(
        _members_url(slug),
        json={"username": admin, "role": "commune_chief"},
        headers=f.bearer(secret),
    )
    assert refused.status_code == 403
    assert _memberships_of(database, admin) == ["region_admin"]
    assert client.get(_hamlets_url(slug), headers=f.bearer(secret)).status_code == 403


def test_only_a_region_admin_takes_a_commune_chief_away(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    slug = cao_phong.commune.slug
    with database.session() as db:
        place = db.get(Commune, cao_phong.commune.id)
        assert place is not None
        deputy = f.grant(db, _account(db), "commune_chief", commune=place)
        db.commit()
    url = f"{_members_url(slug)}/{deputy.id}"
    _admin, secret = _region_admin(database)

    refused = client.delete(url, headers=f.bearer(cao_phong.token))
    assert refused.status_code == 403
    assert client.delete(url, headers=f.bearer(secret)).status_code == 204


def test_chief_of_one_commune_cannot_grant_in_another(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    thung_nai = f.staffed_commune(database, "05098")
    with database.session() as db:
        name = _account(db).username
        db.commit()
    csrf = _browser(client, cao_phong.chief.username)

    # Signed in: no role in the other commune.
    refused = client.post(
        _members_url(thung_nai.commune.slug),
        json={"username": name, "role": "viewer"},
        headers=csrf,
    )
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    # With a token: scoped to the chief's own commune.
    refused = client.post(
        _members_url(thung_nai.commune.slug),
        json={"username": name, "role": "viewer"},
        headers=f.bearer(cao_phong.token),
    )
    assert refused.status_code == 403
    assert _memberships_of(database, name) == []

    # The same grant in their own commune works.
    given = client.post(
        _members_url(cao_phong.commune.slug),
        json={"username": name, "role": "viewer"},
        headers=csrf,
    )
    assert given.status_code == 201, given.get_json()


def test_nobody_can_grant_a_role_with_permissions_they_lack(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    slug = cao_phong.commune.slug
    officer = _in_commune(database, slug, "officer")
    _admin, admin_token = _region_admin(database)
    with database.session() as db:
        chief = db.get(User, cao_phong.chief.id)
        assert chief is not None
        grant_only = f.token(
            db, chief, commune=cao_phong.commune, permissions={"users:grant"}
        )
        name = _account(db).username
        db.commit()

    def give(role: str, secret: str) -> Any:
        return client.post(
            _members_url(slug),
            json={"username": name, "role": role},
            headers=f.bearer(secret),
        )

    # An officer holds no users:grant at all.
    assert give("viewer", officer).status_code == 403
    # A region admin reads no hamlets, so cannot hand out a role that does.
    refused = give("officer", admin_token)
    assert refused.status_code == 403
    assert "hamlets:read" in refused.get_json()["detail"]
    # A chief's token narrowed to users:grant is narrowed for grants too.
    assert give("viewer", grant_only).status_code == 403
    assert _memberships_of(database, name) == []


def test_hamlet_member_role_needs_a_hamlet_of_that_commune(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    _other_slug, (elsewhere,) = _with_hamlets(database, "05098", "Xóm Khác")
    with database.session() as db:
        name = _account(db).username
        db.commit()

    for hamlets in ([], [elsewhere], [str(uuid.uuid4())]):
        refused = client.post(
            _members_url(cao_phong.commune.slug),
            json={"username": name, "role": "hamlet_member", "hamlets": hamlets},
            headers=f.bearer(cao_phong.token),
        )
        assert refused.status_code == 422, hamlets
        assert refused.mimetype == PROBLEM
        assert [e["field"] for e in refused.get_json()["errors"]] == ["hamlets"]
    assert _memberships_of(database, name) == []


def test_revoking_a_role_takes_the_users_access_away(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    slug = cao_phong.commune.slug
    chief = f.bearer(cao_phong.token)
    with database.session() as db:
        account = _account(db)
        db.commit()
    given = client.post(
        _members_url(slug),
        json={"username": account.username, "role": "viewer"},
        headers=chief,
    )
    assert given.status_code == 201
    with database.session() as db:
        place = db.get(Commune, cao_phong.commune.id)
        holder = db.get(User, account.id)
        assert place is not None and holder is not None
        viewer = f.bearer(f.token(db, holder, commune=place))
        db.commit()
    assert client.get(_hamlets_url(slug), headers=viewer).status_code == 200

    url = f"{_members_url(slug)}/{given.get_json()['id']}"
    assert client.delete(url, headers=chief).status_code == 204

    assert client.get(_hamlets_url(slug), headers=viewer).status_code == 403
    assert _memberships_of(database, account.username) == []
    assert client.delete(url, headers=chief).status_code == 404


def test_chief_cannot_revoke_a_role_of_another_commune(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    thung_nai = f.staffed_commune(database, "05098")
    with database.session() as db:
        their_chief = db.scalars(
            select(Membership.id).where(Membership.user_id == thung_nai.chief.id)
        ).one()

    # Through their own commune's address the role is not found there ...
    own = client.delete(
        f"{_members_url(cao_phong.commune.slug)}/{their_chief}",
        headers=f.bearer(cao_phong.token),
    )
    assert own.status_code == 404
    # ... and the other commune's address is closed to them.
    other = client.delete(
        f"{_members_url(thung_nai.commune.slug)}/{their_chief}",
        headers=f.bearer(cao_phong.token),
    )
    assert other.status_code == 403
    with database.session() as db:
        assert db.get(Membership, their_chief) is not None


# -- regions ---------------------------------------------------------------


def test_region_admin_cannot_act_in_another_province(
    client: FlaskClient, database: Database
) -> None:
    ha_noi_codes = sorted(
        c.code for c in divisions.communes().values() if c.province_code == "01"
    )
    with database.session() as db:
        own = f.commune(db, "05089")
        foreign = f.commune(db, ha_noi_codes[0])
        name = _account(db).username
        db.commit()
        own_slug, foreign_slug = own.slug, foreign.slug
    admin, _secret = _region_admin(database, "25")
    csrf = _browser(client, admin)

    # Their own province answers ...
    assert client.get("/api/v1/regions/25").status_code == 200
    listed = client.get("/api/v1/communes").get_json()
    assert [c["slug"] for c in listed] == [own_slug]

    # ... the other does not.
    for url in (
        "/api/v1/regions/01",
        f"/api/v1/communes/{foreign_slug}",
        _members_url(foreign_slug),
    ):
        assert client.get(url).status_code == 403, url
    writes = [
        ("/api/v1/communes", {"region": "01", "code": ha_noi_codes[1]}),
        (_members_url(foreign_slug), {"username": name, "role": "commune_chief"}),
        ("/api/v1/regions/01/members", {"username": name, "role": "region_admin"}),
    ]
    for url, body in writes:
        refused = client.post(url, json=body, headers=csrf)
        assert refused.status_code == 403, url
        assert refused.mimetype == PROBLEM
    renamed = client.patch(
        f"/api/v1/communes/{foreign_slug}",
        json={"name": "Đổi tên"},
        headers={**csrf, "If-Match": '"1"'},
    )
    assert renamed.status_code == 403
    assert _memberships_of(database, name) == []
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(Commune)) == 2
