"""Break-glass access: asked with a reason, decided by the chief, ended by
itself, told to the commune, audited at every step."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.breakglass import service
from core.breakglass.models import AccessGrant
from core.db import Database, utcnow
from core.identity.authn import Principal
from plugins.bulletin.models import Notice
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.support.jobs import drain

REASON = "Người này chuyển đến xã tôi, cần đối chiếu quyết định quản lý cũ."


def _region_admin(database: Database) -> tuple[Any, str]:
    with database.session() as db:
        province = f.province(db)
        admin = f.user(db)
        f.grant(db, admin, "region_admin", region=province)
        secret = f.token(db, admin, region=province)
        db.commit()
        return admin, secret


def _ask(client: FlaskClient, slug: str, secret: str, **body: Any) -> Any:
    body = {"subject_id": str(uuid.uuid4()), "reason": REASON, "hours": 8, **body}
    return client.post(
        f"/api/v1/break-glass/{slug}", json=body, headers=f.bearer(secret)
    )


def _events(database: Database, staffed: f.Staffed) -> list[str]:
    session = f.in_commune(database, staffed.commune)
    try:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    finally:
        session.close()


def test_a_region_admin_asks_the_chief_decides_and_access_ends_by_itself(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    admin, admin_token = _region_admin(database)
    subject = uuid.uuid4()

    asked = _ask(client, home.commune.slug, admin_token, subject_id=str(subject))
    assert asked.status_code == 201, asked.get_json()
    grant_id = asked.get_json()["id"]
    assert asked.get_json()["status"] == "requested"
    assert "reason" not in asked.get_json()

    listed = client.get(
        f"/api/v1/c/{home.commune.slug}/break-glass", headers=f.bearer(home.token)
    )
    assert [g["reason"] for g in listed.get_json()] == [REASON]

    decided = client.post(
        f"/api/v1/c/{home.commune.slug}/break-glass/{grant_id}/decision",
        json={"approve": True},
        headers=f.bearer(home.token),
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "approved"

    principal = Principal(user_id=admin.id, username=admin.username, via="token")
    session = f.in_commune(database, home.commune)
    try:
        grant = service.active_grant(session, principal, subject)
        assert grant is not None
        assert service.active_grant(session, principal, uuid.uuid4()) is None
        # Time passes: once expires_at is behind us, the access is gone.
        grant.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        assert service.active_grant(session, principal, subject) is None
    finally:
        session.close()

    actions = _events(database, home)
    assert actions.index("break_glass.request") < actions.index("break_glass.approved")


def test_the_owning_commune_is_told_through_its_notification_channels(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    with database.session() as db:
        bind_tenant(db, home.commune.id)
        f.plugin_on(db)
        db.commit()
    _admin, admin_token = _region_admin(database)
    assert _ask(client, home.commune.slug, admin_token).status_code == 201
    drain(app)  # the notice, then the notice's delivery
    drain(app)
    inbox = client.get(
        f"/api/v1/c/{home.commune.slug}/bulletin/inbox", headers=f.bearer(home.token)
    )
    titles = [n["title"] for n in inbox.get_json()]
    assert titles == ["Yêu cầu truy cập khẩn cấp một hồ sơ"]
    session = f.in_commune(database, home.commune)
    try:
        notice = session.scalars(select(Notice)).one()
        assert REASON not in notice.body  # the reason stays with the chief
    finally:
        session.close()


def test_an_officer_of_another_commune_may_ask_but_not_decide(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098", role="officer")
    asked = _ask(client, home.commune.slug, away.token)
    assert asked.status_code == 201, asked.get_json()
    decide = client.post(
        f"/api/v1/c/{home.commune.slug}/break-glass/{asked.get_json()['id']}/decision",
        json={"approve": True},
        headers=f.bearer(away.token),
    )
    assert decide.status_code == 403
    mine = client.get(
        f"/api/v1/break-glass/{home.commune.slug}", headers=f.bearer(away.token)
    )
    assert [g["id"] for g in mine.get_json()] == [asked.get_json()["id"]]


def test_staff_of_the_commune_are_told_to_use_their_own_role(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    asked = _ask(client, home.commune.slug, home.token)
    assert asked.status_code == 422
    assert asked.get_json()["errors"][0]["field"] == "subject_id"


def test_a_request_needs_a_real_reason_and_a_bounded_time(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    _admin, admin_token = _region_admin(database)
    short = _ask(client, home.commune.slug, admin_token, reason="cần xem")
    assert short.status_code == 422
    assert short.get_json()["errors"][0]["field"] == "reason"
    long = _ask(client, home.commune.slug, admin_token, hours=24 * 30)
    assert long.status_code == 422
    assert long.get_json()["errors"][0]["field"] == "hours"
    listed = client.get(
        f"/api/v1/c/{home.commune.slug}/break-glass", headers=f.bearer(home.token)
    )
    assert listed.get_json() == []


def test_denied_and_revoked_access_gives_nothing_and_decisions_are_final(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    admin, admin_token = _region_admin(database)
    principal = Principal(user_id=admin.id, username=admin.username, via="token")
    url = f"/api/v1/c/{home.commune.slug}/break-glass"

    denied_id = _ask(client, home.commune.slug, admin_token).get_json()["id"]
    denied = client.post(
        f"{url}/{denied_id}/decision",
        json={"approve": False},
        headers=f.bearer(home.token),
    )
    assert denied.get_json()["status"] == "denied"
    again = client.post(
        f"{url}/{denied_id}/decision",
        json={"approve": True},
        headers=f.bearer(home.token),
    )
    assert again.status_code == 409

    subject = uuid.uuid4()
    revoked_id = _ask(
        client, home.commune.slug, admin_token, subject_id=str(subject)
    ).get_json()["id"]
    client.post(
        f"{url}/{revoked_id}/decision",
        json={"approve": True},
        headers=f.bearer(home.token),
    )
    revoked = client.post(f"{url}/{revoked_id}/revoke", headers=f.bearer(home.token))
    assert revoked.get_json()["status"] == "revoked"
    session = f.in_commune(database, home.commune)
    try:
        assert service.active_grant(session, principal, subject) is None
        rows = session.scalars(select(AccessGrant)).all()
        assert {r.status.value for r in rows} == {"denied", "revoked"}
    finally:
        session.close()
    actions = set(_events(database, home))
    assert {
        "break_glass.request",
        "break_glass.denied",
        "break_glass.approved",
        "break_glass.revoked",
    } <= actions


def test_a_chief_of_another_commune_cannot_decide_here(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    other = f.staffed_commune(database, "05098")
    _admin, admin_token = _region_admin(database)
    grant_id = _ask(client, home.commune.slug, admin_token).get_json()["id"]
    refused = client.post(
        f"/api/v1/c/{home.commune.slug}/break-glass/{grant_id}/decision",
        json={"approve": True},
        headers=f.bearer(other.token),
    )
    assert refused.status_code == 403
