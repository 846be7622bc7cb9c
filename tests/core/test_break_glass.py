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
from tests.conftest import csrf_from, sign_in
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


# -- the pages ------------------------------------------------------------------


def test_on_the_pages_a_region_admin_asks_the_chief_approves_and_the_file_opens(
    app: Flask, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    with f.in_commune(database, home.commune) as db:
        person = f.person(db, "Lò Văn Thắng", phone="0912345678")
        db.commit()
    admin, _token = _region_admin(database)
    slug = home.commune.slug
    asker = app.test_client()
    assert sign_in(asker, admin.username, f.PASSWORD).status_code == 302
    chosen = asker.get(f"/break-glass/?commune={slug}")
    assert chosen.headers["Location"].endswith(f"/break-glass/{slug}")
    page = asker.get(f"/break-glass/{slug}").get_data(as_text=True)
    csrf = csrf_from(page)
    read_url = f"/break-glass/{slug}/persons/{person.id}"
    assert asker.get(read_url).status_code == 403  # nothing granted yet

    refused = asker.post(
        f"/break-glass/{slug}",
        data={"csrf_token": csrf, "subject_id": str(person.id), "reason": "cần"},
    )
    assert refused.status_code == 422
    assert 'id="e-reason"' in refused.get_data(as_text=True)
    asked = asker.post(
        f"/break-glass/{slug}",
        data={
            "csrf_token": csrf,
            "subject_id": str(person.id),
            "reason": REASON,
            "hours": "4",
        },
    )
    assert asked.status_code == 302
    with f.in_commune(database, home.commune) as db:
        grant = db.scalars(select(AccessGrant)).one()

    chief = app.test_client()
    assert sign_in(chief, home.chief.username, f.PASSWORD).status_code == 302
    admin_page = chief.get(f"/c/{slug}/admin").get_data(as_text=True)
    assert REASON in admin_page
    decided = chief.post(
        f"/c/{slug}/admin/break-glass/{grant.id}",
        data={"csrf_token": csrf_from(admin_page), "decision": "approve"},
    )
    assert decided.status_code == 302

    listed = asker.get(f"/break-glass/{slug}").get_data(as_text=True)
    assert f'href="{read_url}"' in listed
    opened = asker.get(read_url)
    assert opened.status_code == 200
    text = opened.get_data(as_text=True)
    assert "Lò Văn Thắng" in text and "0912345678" in text
    with f.in_commune(database, home.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.read")
        ).all()
    assert [(e.details or {}).get("break_glass") for e in reads] == [str(grant.id)]
