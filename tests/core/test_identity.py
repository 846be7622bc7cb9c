"""Local identity: passwords, sign-in, TOTP, throttling, sessions, CSRF, API tokens."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.access.models import Membership
from core.access.roles import ROLES
from core.app import create_app
from core.config import load_settings
from core.db import Database, utcnow
from core.errors import Invalid
from core.identity import passwords
from core.identity import service as identity_service
from core.identity import throttle as throttle_module
from core.identity.models import ApiToken, BrowserSession, ThrottleCounter, User
from core.identity.passwords import verify_password
from core.identity.throttle import DatabaseStore, FallbackStore, RedisStore
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.conftest import PRODUCTION_HASHERS, csrf_from, sign_in

PROBLEM = "application/problem+json"
# A moment 300 s into a 900 s throttle window, so a frozen throttle clock
# keeps every failure of a test in one window.
FROZEN_CLOCK = 1_800_000_300


# -- helpers ---------------------------------------------------------------


def _refusal(response: Any) -> str:
    """The error line of a rendered sign-in page."""
    found = re.search(r'<p class="alert error" role="alert">([^<]*)</p>', response.text)
    assert found, "the sign-in page shows no error"
    return found.group(1)


def _is_signed_in(client: FlaskClient) -> bool:
    # Signed in, the home page shows where one serves or goes there; signed
    # out, it sends the browser to the sign-in page.
    home = client.get("/")
    return home.status_code == 200 or home.headers.get("Location") != "/login"


def _hamlets_url(slug: str) -> str:
    return f"/api/v1/c/{slug}/hamlets/"


def _member(
    database: Database, role: str = "officer", code: str = "05089", **extra: Any
) -> tuple[str, str]:
    """A signed-up account holding ``role`` in a commune: (username, slug)."""
    with database.session() as db:
        place = f.commune(db, code)
        account = f.user(db, **extra)
        f.grant(db, account, role, commune=place)
        db.commit()
        return account.username, place.slug


def _join(database: Database, user_id: Any, role: str, code: str) -> str:
    """Give an existing account ``role`` in another new commune: its slug.

    A session serves one commune, so each commune gets its own.
    """
    with database.session() as db:
        place = f.commune(db, code)
        account = db.get(User, user_id)
        assert account is not None
        f.grant(db, account, role, commune=place)
        db.commit()
        return place.slug


def _freeze_throttle_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        throttle_module, "time", SimpleNamespace(time=lambda: FROZEN_CLOCK)
    )


def _token_row(database: Database, secret: str) -> ApiToken:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with database.session() as db:
        row = db.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one()
        db.expunge(row)
        return row


# -- passwords -------------------------------------------------------------


def test_password_is_stored_as_an_argon2id_hash(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite hashes lightly (tests/conftest.py); this test uses the app's
    # own hasher: argon2id at the library's recommended parameters.
    monkeypatch.setattr(
        passwords, "_hasher", PRODUCTION_HASHERS["core.identity.passwords"]
    )
    recommended = PasswordHasher()
    with database.session() as db:
        account = f.user(db)
        db.commit()
        stored = db.get(User, account.id)
        assert stored is not None
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert (
            f"$m={recommended.memory_cost},t={recommended.time_cost},"
            f"p={recommended.parallelism}$" in stored.password_hash
        )
        assert f.PASSWORD not in stored.password_hash
        assert verify_password(stored.password_hash, f.PASSWORD)
        assert not verify_password(stored.password_hash, f.PASSWORD + "!")


def test_short_password_is_refused_with_a_field_error(
    client: FlaskClient, database: Database
) -> None:
    with database.session() as db, pytest.raises(Invalid) as refused:
        identity_service.create_user(
            db, username="ngan.mk", full_name="Mật Khẩu Ngắn", password="short"
        )
    assert [e["field"] for e in refused.value.errors] == ["password"]

    # The same rule through the API, as a region admin provisioning staff.
    with database.session() as db:
        admin = f.user(db)
        f.grant(db, admin, "region_admin", region=f.province(db))
        secret = f.token(db, admin, region=f.province(db))
        db.commit()
    answer = client.post(
        "/api/v1/users",
        json={"username": "ngan.mk", "full_name": "Mật Khẩu Ngắn", "password": "abc"},
        headers=f.bearer(secret),
    )
    assert answer.status_code == 422
    assert answer.mimetype == PROBLEM
    assert [e["field"] for e in answer.get_json()["errors"]] == ["password"]
    with database.session() as db:
        assert db.scalar(select(User.id).where(User.username == "ngan.mk")) is None


# -- browser sign-in -------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_signs_in_through_the_form_and_sees_where_they_serve(
    client: FlaskClient, database: Database, role: str
) -> None:
    with database.session() as db:
        place = f.commune(db, "05089")
        account = f.user(db)
        if role == "region_admin":
            f.grant(db, account, role, region=f.province(db))
        elif ROLES[role].hamlet_scoped:
            bind_tenant(db, place.id)
            own = f.hamlet(db, "Xóm Tây Phong")
            f.grant(db, account, role, commune=place, hamlets=[own.id])
        else:
            f.grant(db, account, role, commune=place)
        db.commit()
        username, slug = account.username, place.slug

    assert not _is_signed_in(client)
    signed = sign_in(client, username, f.PASSWORD)
    assert signed.status_code == 302
    assert signed.headers["Location"] == "/"

    home = client.get("/")
    if role == "region_admin":
        assert home.status_code == 200
        page = home.get_data(as_text=True)
        assert 'href="/regions/25/"' in page
    else:
        # One commune: the home page goes straight to it.
        assert home.headers["Location"] == f"/c/{slug}/"
        home = client.get(home.headers["Location"])
        page = home.get_data(as_text=True)
    assert home.status_code == 200
    assert username in page
    assert ROLES[role].label_vi in page


def test_wrong_password_and_unknown_user_get_the_same_refusal(
    client: FlaskClient, database: Database
) -> None:
    username, _slug = _member(database)

    wrong_password = sign_in(client, username, "not the password")
    unknown_user = sign_in(client, "nobody.here", f.PASSWORD)

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert _refusal(wrong_password) == _refusal(unknown_user)
    assert username not in wrong_password.text
    assert not _is_signed_in(client)


def test_disabled_account_cannot_sign_in(
    client: FlaskClient, database: Database
) -> None:
    username, _slug = _member(database)
    with database.session() as db:
        identity_service.get_user(db, username).is_active = False
        db.commit()

    refused = sign_in(client, username, f.PASSWORD)
    assert refused.status_code == 401
    # The same words as a wrong password, in the page's language.
    assert _refusal(refused) == "Sai tên đăng nhập, mật khẩu hoặc mã xác thực."
    assert not _is_signed_in(client)


def test_disabling_an_account_ends_its_open_session_and_tokens(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    assert sign_in(client, staffed.chief.username, f.PASSWORD).status_code == 302
    assert _is_signed_in(client)

    with database.session() as db:
        account = db.get(User, staffed.chief.id)
        assert account is not None
        account.is_active = False
        db.commit()

    assert not _is_signed_in(client)
    answer = client.get(
        _hamlets_url(staffed.commune.slug), headers=f.bearer(staffed.token)
    )
    assert answer.status_code == 401
    assert answer.mimetype == PROBLEM


# -- TOTP ------------------------------------------------------------------


def test_account_with_totp_needs_a_valid_code(
    client: FlaskClient, database: Database
) -> None:
    username, _slug = _member(database, with_totp=True)
    with database.session() as db:
        user = identity_service.get_user(db, username)
        assert user.totp_secret is not None
        assert user.totp_secret.startswith("encp1:")  # sealed at rest
        secret = identity_service.totp_secret(db, user)
    assert secret
    totp = pyotp.TOTP(secret)
    # Codes of the steps around now are accepted; pick one that is none of them.
    now = int(time.time())
    near = {totp.at(now + step) for step in range(-90, 91, 30)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

    no_code = sign_in(client, username, f.PASSWORD)
    assert no_code.status_code == 401
    assert not _is_signed_in(client)

    wrong_code = sign_in(client, username, f.PASSWORD, code=wrong)
    assert wrong_code.status_code == 401
    assert _refusal(wrong_code) == _refusal(no_code)
    assert not _is_signed_in(client)

    right = sign_in(client, username, f.PASSWORD, code=totp.now())
    assert right.status_code == 302
    assert _is_signed_in(client)


# -- throttling ------------------------------------------------------------


def test_account_is_throttled_after_too_many_failures_even_with_the_right_password(
    app: Flask,
    client: FlaskClient,
    database: Database,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _freeze_throttle_clock(monkeypatch)
    throttle = app.extensions["binhyen.throttle"]
    # PostgreSQL deployments count in Redis; the embedded default in SQLite.
    if backend == "postgresql":
        assert isinstance(throttle.store, FallbackStore)
        assert isinstance(throttle.store.primary, RedisStore)
    else:
        assert isinstance(throttle.store, DatabaseStore)
    attempts = app.config["BINHYEN_SETTINGS"].sign_in_attempts
    assert throttle.limit == attempts
    username, _slug = _member(database)
    other, _slug = _member(database, code="05098")

    for _ in range(attempts):
        assert sign_in(client, username, "not the password").status_code == 401

    blocked = sign_in(client, username, f.PASSWORD)
    assert blocked.status_code == 429
    window = throttle.window_seconds
    assert blocked.headers["Retry-After"] == str(window - FROZEN_CLOCK % window)
    assert not _is_signed_in(client)

    # Only that account is held back, not others from the same address.
    assert sign_in(client, other, f.PASSWORD).status_code == 302

    # The counters sit in the store of the backend, keyed without the name.
    if backend == "postgresql":
        keys = [k.decode() for k in app.extensions["binhyen.redis"].keys("*")]
        with database.session() as db:
            assert db.scalar(select(func.count()).select_from(ThrottleCounter)) == 0
    else:
        with database.session() as db:
            keys = list(db.scalars(select(ThrottleCounter.key)))
    assert keys
    assert not any(username in key for key in keys)


def test_sign_in_works_and_stays_throttled_while_redis_is_down(
    redis_app: Flask, redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _freeze_throttle_clock(monkeypatch)
    database: Database = redis_app.extensions["binhyen.db"]
    username, _slug = _member(database)
    redis_server.stop()
    client = redis_app.test_client()
    assert sign_in(client, username, f.PASSWORD).status_code == 302
    attempts = redis_app.config["BINHYEN_SETTINGS"].sign_in_attempts
    fresh = redis_app.test_client()
    for _ in range(attempts):
        assert sign_in(fresh, username, "not the password").status_code == 401
    assert sign_in(fresh, username, f.PASSWORD).status_code == 429
    with database.session() as db:
        counted = db.scalar(select(func.count()).select_from(ThrottleCounter))
    assert counted


def test_one_client_address_is_throttled_across_accounts(
    app: Flask,
    client: FlaskClient,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _freeze_throttle_clock(monkeypatch)
    throttle = app.extensions["binhyen.throttle"]
    # A limit of one per account keeps this quick: the address may fail ten
    # times that, each try here against a different (unknown) account.
    monkeypatch.setattr(throttle, "limit", 1)
    username, _slug = _member(database)
    attacker = {"REMOTE_ADDR": "203.0.113.7"}

    for number in range(10):
        page = client.get("/login", environ_base=attacker)
        tried = client.post(
            "/login",
            data={
                "username": f"guess{number}",
                "password": "not the password",
                "csrf_token": csrf_from(page.get_data(as_text=True)),
            },
            environ_base=attacker,
        )
        assert tried.status_code == 401

    page = client.get("/login", environ_base=attacker)
    blocked = client.post(
        "/login",
        data={
            "username": username,
            "password": f.PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
        environ_base=attacker,
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0

    # The same account from another address is let in.
    elsewhere = app.test_client()
    assert sign_in(elsewhere, username, f.PASSWORD).status_code == 302


# -- sessions and CSRF -----------------------------------------------------


def test_sign_out_ends_the_session_and_the_old_cookie_no_longer_works(
    client: FlaskClient, database: Database
) -> None:
    username, _slug = _member(database)
    sign_in(client, username, f.PASSWORD)
    assert _is_signed_in(client)
    cookie = client.get_cookie("binhyen_session")
    assert cookie is not None
    old_value = cookie.value
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(BrowserSession)) == 1

    csrf = csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    signed_out = client.post("/logout", data={"csrf_token": csrf})
    assert signed_out.status_code == 302
    assert not _is_signed_in(client)
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(BrowserSession)) == 0

    # Someone who kept a copy of the cookie gets nothing from it.
    client.set_cookie("binhyen_session", old_value)
    assert not _is_signed_in(client)
    assert client.get("/api/v1/me").status_code == 401


def test_sign_in_form_without_csrf_token_is_refused(
    client: FlaskClient, database: Database
) -> None:
    username, _slug = _member(database)
    client.get("/login")
    refused = client.post("/login", data={"username": username, "password": f.PASSWORD})
    assert refused.status_code == 403
    assert not _is_signed_in(client)


def test_cookie_authenticated_api_write_needs_the_csrf_header(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    url = _hamlets_url(staffed.commune.slug)
    sign_in(client, staffed.chief.username, f.PASSWORD)
    csrf = csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))

    missing = client.post(url, json={"name": "Xóm Dụ", "kind": "xom"})
    assert missing.status_code == 403
    assert missing.mimetype == PROBLEM
    assert missing.get_json()["type"].endswith("/csrf")
    wrong = client.post(
        url, json={"name": "Xóm Dụ", "kind": "xom"}, headers={"X-CSRF-Token": "x"}
    )
    assert wrong.status_code == 403
    assert client.get(url).get_json() == []

    accepted = client.post(
        url, json={"name": "Xóm Dụ", "kind": "xom"}, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 201, accepted.get_json()
    assert [h["name"] for h in client.get(url).get_json()] == ["Xóm Dụ"]


def test_bearer_token_request_needs_no_csrf_token(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    created = client.post(
        _hamlets_url(staffed.commune.slug),
        json={"name": "Xóm Dụ", "kind": "xom"},
        headers=f.bearer(staffed.token),
    )
    assert created.status_code == 201, created.get_json()


def test_session_cookie_is_secure_httponly_and_lax_by_default(
    app: Flask, database: Database
) -> None:
    username, _slug = _member(database)
    used = app.config["BINHYEN_SETTINGS"]
    # Built like production: cookie_secure is left at its default.
    strict = create_app(
        load_settings(
            {},
            database_url=used.database_url,
            migration_database_url=used.migration_database_url,
            redis_url=used.redis_url,
            instance_path=used.instance_path,
            secret_key=used.secret_key,
        )
    )
    try:
        assert strict.config["BINHYEN_SETTINGS"].cookie_secure is True
        signed = sign_in(strict.test_client(), username, f.PASSWORD)
        assert signed.status_code == 302
        cookies = [
            c
            for c in signed.headers.getlist("Set-Cookie")
            if c.startswith("binhyen_session=")
        ]
        assert len(cookies) == 1
        attributes = {part.strip().lower() for part in cookies[0].split(";")}
        assert {"secure", "httponly", "samesite=lax"} <= attributes
    finally:
        strict.extensions["binhyen.db"].dispose()


# -- API tokens ------------------------------------------------------------


def test_api_token_is_stored_only_as_a_sha256_hash(database: Database) -> None:
    staffed = f.staffed_commune(database, "05089")
    row = _token_row(database, staffed.token)

    assert row.token_hash == hashlib.sha256(staffed.token.encode()).hexdigest()
    for column in ApiToken.__table__.columns:
        assert staffed.token not in str(getattr(row, column.key)), column.key


def test_token_of_one_commune_is_refused_in_another(
    client: FlaskClient, database: Database
) -> None:
    with database.session() as db:
        home = f.commune(db, "05089")
        account = f.user(db)
        f.grant(db, account, "officer", commune=home)
        secret = f.token(db, account, commune=home)
        db.commit()
        home_slug = home.slug
    away_slug = _join(database, account.id, "officer", "05098")

    assert (
        client.get(_hamlets_url(home_slug), headers=f.bearer(secret)).status_code == 200
    )
    refused = client.get(_hamlets_url(away_slug), headers=f.bearer(secret))
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM


@pytest.mark.parametrize("change", ["expired", "revoked"])
def test_expired_or_revoked_token_is_refused_with_401(
    client: FlaskClient, database: Database, change: str
) -> None:
    staffed = f.staffed_commune(database, "05089")
    url = _hamlets_url(staffed.commune.slug)
    assert client.get(url, headers=f.bearer(staffed.token)).status_code == 200

    with database.session() as db:
        row = db.get(ApiToken, _token_row(database, staffed.token).id)
        assert row is not None
        if change == "expired":
            row.expires_at = utcnow() - timedelta(days=1)
        else:
            row.revoked_at = utcnow()
        db.commit()

    refused = client.get(url, headers=f.bearer(staffed.token))
    assert refused.status_code == 401
    assert refused.mimetype == PROBLEM
    assert "invalid_token" in refused.headers["WWW-Authenticate"]


def test_token_with_only_hamlets_read_cannot_create_a_hamlet(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with database.session() as db:
        chief = db.get(User, staffed.chief.id)
        assert chief is not None
        reader = f.token(
            db, chief, commune=staffed.commune, permissions={"hamlets:read"}
        )
        db.commit()
    url = _hamlets_url(staffed.commune.slug)

    assert client.get(url, headers=f.bearer(reader)).status_code == 200
    refused = client.post(
        url, json={"name": "Xóm Dụ", "kind": "xom"}, headers=f.bearer(reader)
    )
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    assert client.get(url, headers=f.bearer(reader)).get_json() == []


def test_token_cannot_carry_a_permission_its_user_does_not_hold(
    client: FlaskClient, database: Database
) -> None:
    with database.session() as db:
        place = f.commune(db, "05089")
        officer = f.user(db)
        f.grant(db, officer, "officer", commune=place)
        secret = f.token(db, officer, commune=place)
        db.commit()
        slug = place.slug

    for wanted in (["hamlets:write"], ["hamlets:read", "users:grant"], ["nope:x"]):
        refused = client.post(
            f"/api/v1/c/{slug}/tokens",
            json={"name": "more", "permissions": wanted},
            headers=f.bearer(secret),
        )
        assert refused.status_code == 422, wanted
        assert refused.mimetype == PROBLEM
        assert [e["field"] for e in refused.get_json()["errors"]] == ["permissions"]
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_narrow_token_cannot_create_a_wider_one(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with database.session() as db:
        chief = db.get(User, staffed.chief.id)
        assert chief is not None
        narrow = f.token(
            db,
            chief,
            commune=staffed.commune,
            permissions={"tokens:create", "hamlets:read"},
        )
        db.commit()

    refused = client.post(
        f"/api/v1/c/{staffed.commune.slug}/tokens",
        json={"name": "wider", "permissions": ["hamlets:read", "hamlets:write"]},
        headers=f.bearer(narrow),
    )
    assert refused.status_code == 422
    assert "hamlets:write" in refused.get_json()["detail"]


def test_token_created_through_the_api_works_and_its_secret_is_shown_once(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    slug = staffed.commune.slug

    created = client.post(
        f"/api/v1/c/{slug}/tokens",
        json={"name": "đồng bộ", "permissions": ["hamlets:read"], "days": 7},
        headers=f.bearer(staffed.token),
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    secret = body["token"]
    assert secret.startswith("by_")
    assert body["prefix"] == secret[:10]
    assert body["permissions"] == ["hamlets:read"]

    row = _token_row(database, secret)
    assert str(row.id) == body["id"]
    assert row.permissions == ["hamlets:read"]
    assert all(secret not in str(getattr(row, c.key)) for c in ApiToken.__table__.c)

    listed = client.get(_hamlets_url(slug), headers=f.bearer(secret))
    assert listed.status_code == 200
    assert listed.get_json() == []
    write = client.post(
        _hamlets_url(slug), json={"name": "X", "kind": "xom"}, headers=f.bearer(secret)
    )
    assert write.status_code == 403


def test_token_is_useless_once_its_users_membership_is_removed(
    client: FlaskClient, database: Database
) -> None:
    with database.session() as db:
        place = f.commune(db, "05089")
        account = f.user(db)
        membership = f.grant(db, account, "viewer", commune=place)
        secret = f.token(db, account, commune=place)
        db.commit()
        slug = place.slug
    url = _hamlets_url(slug)
    assert client.get(url, headers=f.bearer(secret)).status_code == 200

    with database.session() as db:
        db.delete(db.get(Membership, membership.id))
        db.commit()

    refused = client.get(url, headers=f.bearer(secret))
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer",
        "Bearer not-a-binhyen-token",
        "Token by_abc",
        "by_abc",
        "Bearer by_unknown",
    ],
)
def test_malformed_or_unknown_authorization_header_is_refused_with_401(
    client: FlaskClient, database: Database, header: str
) -> None:
    staffed = f.staffed_commune(database, "05089")
    refused = client.get(
        _hamlets_url(staffed.commune.slug), headers={"Authorization": header}
    )
    assert refused.status_code == 401
    assert refused.mimetype == PROBLEM
    assert "WWW-Authenticate" in refused.headers


# -- who am I --------------------------------------------------------------


def test_me_shows_the_callers_memberships(
    client: FlaskClient, database: Database
) -> None:
    username, home_slug = _member(database, "officer")
    with database.session() as db:
        account = identity_service.get_user(db, username)
        f.grant(db, account, "region_admin", region=f.province(db))
        db.commit()
    away_slug = _join(database, account.id, "viewer", "05098")

    assert client.get("/api/v1/me").status_code == 401
    sign_in(client, username, f.PASSWORD)
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    body = me.get_json()
    assert body["username"] == username
    held = {(m["role"], m["commune"], m["region"]) for m in body["memberships"]}
    assert held == {
        ("officer", home_slug, None),
        ("viewer", away_slug, None),
        ("region_admin", None, "25"),
    }


def test_token_made_with_a_token_expires_no_later_than_it(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    parent = _token_row(database, staffed.token)
    created = client.post(
        f"/api/v1/c/{staffed.commune.slug}/tokens",
        json={"name": "con", "permissions": ["hamlets:read"], "days": 300},
        headers=f.bearer(staffed.token),
    )
    assert created.status_code == 201, created.get_json()
    child = _token_row(database, created.get_json()["token"])
    assert child.expires_at == parent.expires_at
