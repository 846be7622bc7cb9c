"""The audit trail: what it captures, the chain it keeps, the tampering it
catches, the heads it exports, concurrent writers, and the chief's API."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, delete, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from core.audit.models import (
    AuditEvent,
    AuditHead,
    PlatformAuditEvent,
)
from core.audit.trail import GENESIS, _body, _digest
from core.db import Database, make_engine
from tenants.isolation import bind_tenant
from tenants.models import Commune
from tenants.rls import seal_append_only_sqlite
from tests import factories as f
from tests.conftest import sign_in

EVENTS = AuditEvent.__table__
HEADS = AuditHead.__table__
SEALED = ("audit_events", "platform_audit_events")


# -- reading the chains ----------------------------------------------------


def chain_of(database: Database, place: Commune) -> list[AuditEvent]:
    session = f.in_commune(database, place)
    try:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    finally:
        session.close()


def platform_chain(database: Database) -> list[PlatformAuditEvent]:
    with database.session() as session:
        return list(
            session.scalars(select(PlatformAuditEvent).order_by(PlatformAuditEvent.seq))
        )


def as_text(event: Any) -> str:
    """Every column of a link, as one string to search for leaked values."""
    return " ".join(
        json.dumps(getattr(event, c.key), default=str, ensure_ascii=False)
        for c in inspect(type(event)).column_attrs
    )


def assert_links_hold(links: list[Any]) -> None:
    assert [e.seq for e in links] == list(range(1, len(links) + 1))
    previous = GENESIS
    for link in links:
        assert link.prev_hash == previous
        assert link.hash == _digest(previous, _body(link))
        previous = link.hash


# -- the command -----------------------------------------------------------


def audit(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["audit", *args])


def verified(app: Flask, *args: str) -> str:
    result = audit(app, "verify", *args)
    assert result.exit_code == 0, result.output
    return result.output


def broken(app: Flask, *args: str) -> str:
    """Run ``audit verify`` that must find a break; returns what it printed."""
    result = audit(app, "verify", *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


# -- getting past the protections ------------------------------------------


@contextmanager
def tampering(backend: str, urls: dict[str, str]) -> Iterator[Connection]:
    """A connection in one transaction that may change the audit trail, as an
    intruder with full control of the database could."""
    if backend == "sqlite":
        engine = make_engine(urls["owner"])
    else:
        superuser = make_url(urls["app"]).set(username="postgres", password=None)
        engine = make_engine(superuser.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            if backend == "sqlite":
                for table in SEALED:
                    for verb in ("update", "delete"):
                        connection.execute(text(f"DROP TRIGGER {table}_no_{verb}"))
            else:
                # Replica mode skips ordinary triggers, the append-only one too;
                # a superuser is not held back by row security either.
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield connection
            if backend == "sqlite":
                for table in SEALED:
                    seal_append_only_sqlite(connection, table)
    finally:
        engine.dispose()


def _link(place: Commune, seq: int) -> Any:
    return (EVENTS.c.tenant_id == place.id) & (EVENTS.c.seq == seq)


def _content(connection: Connection, place: Commune, seq: int) -> dict[str, Any]:
    row = connection.execute(select(EVENTS).where(_link(place, seq))).one()
    return {
        key: value
        for key, value in row._mapping.items()
        if key not in ("tenant_id", "seq")
    }


# -- shared set-ups --------------------------------------------------------


def hamlets_url(staffed: f.Staffed) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/hamlets/"


def new_hamlet(client: FlaskClient, staffed: f.Staffed, name: str) -> Any:
    made = client.post(
        hamlets_url(staffed),
        json={"name": name, "kind": "xom"},
        headers=f.bearer(staffed.token),
    )
    assert made.status_code == 201, made.get_json()
    return made


def busy_commune(
    client: FlaskClient, database: Database, code: str, hamlets: int = 4
) -> f.Staffed:
    """A staffed commune whose chain has a few links besides the chief's grant."""
    staffed = f.staffed_commune(database, code)
    for number in range(hamlets):
        new_hamlet(client, staffed, f"Xóm {code}-{number}")
    return staffed


# -- what is captured ------------------------------------------------------


def test_hamlet_changes_through_the_api_are_chained_with_who_what_and_where(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    auth = f.bearer(cao_phong.token)
    secret_name, new_name = "Xóm Suối Bí Mật", "Xóm Đồi Thông Mới"

    created = new_hamlet(client, cao_phong, secret_name)
    hamlet_id = created.get_json()["id"]
    url = hamlets_url(cao_phong) + hamlet_id
    changed = client.patch(
        url,
        json={"name": new_name},
        headers={**auth, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.get_json()
    gone = client.delete(url, headers={**auth, "If-Match": changed.headers["ETag"]})
    assert gone.status_code == 204

    events = {
        e.action: e
        for e in chain_of(database, cao_phong.commune)
        if e.object_id == hamlet_id
    }
    assert set(events) == {"hamlets.create", "hamlets.update", "hamlets.delete"}
    for action, response in (
        ("hamlets.create", created),
        ("hamlets.update", changed),
        ("hamlets.delete", gone),
    ):
        event = events[action]
        assert event.actor_name == cao_phong.chief.username
        assert event.actor_id == cao_phong.chief.id
        assert event.object_type == "hamlets"
        assert event.request_id == response.headers["X-Request-Id"]
        assert event.source == "127.0.0.1"
        assert "name" in event.fields
        # Field names only: neither the old name nor the new one is kept.
        assert secret_name not in as_text(event)
        assert new_name not in as_text(event)
    # An update names only what changed.
    assert "kind" not in events["hamlets.update"].fields
    assert {"name", "kind", "code"} <= set(events["hamlets.create"].fields)


def test_onboarding_and_role_grants_land_in_the_platform_chain(
    database: Database,
) -> None:
    with database.session() as db:
        place = f.commune(db, "05089")
        officer = f.user(db, "can-bo-an")
        membership = f.grant(db, officer, "officer", commune=place)
        db.commit()
        place_id, membership_id = place.id, membership.id

    platform = platform_chain(database)
    onboarded = [e for e in platform if e.action == "communes.create"]
    assert [(e.object_id, e.commune_id) for e in onboarded] == [
        (str(place_id), place_id)
    ]
    granted = [e for e in platform if e.action == "memberships.create"]
    assert [(e.object_id, e.commune_id) for e in granted] == [
        (str(membership_id), place_id)
    ]
    assert "role" in granted[0].fields
    # Accounts are global rows too; their password hash is a field name only.
    accounts = [e for e in platform if e.action == "users.create"]
    assert [e.object_id for e in accounts] == [str(officer.id)]
    assert "password_hash" in accounts[0].fields
    assert officer.password_hash not in as_text(accounts[0])


def test_a_role_granted_through_the_api_is_in_both_the_commune_and_platform_chain(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    with database.session() as db:
        f.user(db, "can-bo-binh")
        db.commit()

    granted = client.post(
        f"/api/v1/c/{cao_phong.commune.slug}/members",
        json={"username": "can-bo-binh", "role": "officer"},
        headers=f.bearer(cao_phong.token),
    )
    assert granted.status_code == 201, granted.get_json()
    membership_id = granted.get_json()["id"]

    in_commune = [
        e
        for e in chain_of(database, cao_phong.commune)
        if e.action == "role.grant" and e.object_id == membership_id
    ]
    assert len(in_commune) == 1
    event = in_commune[0]
    assert event.actor_name == cao_phong.chief.username
    assert event.details["role"] == "officer"
    assert event.request_id == granted.headers["X-Request-Id"]
    assert event.source == "127.0.0.1"

    in_platform = [
        e
        for e in platform_chain(database)
        if e.action == "memberships.create" and e.object_id == membership_id
    ]
    assert [(e.commune_id, e.actor_name) for e in in_platform] == [
        (cao_phong.commune.id, cao_phong.chief.username)
    ]


def test_sign_ins_and_refusals_are_chained_without_what_was_typed(
    app: Flask, database: Database
) -> None:
    with database.session() as db:
        account = f.user(db, "truong-cong-an")
        db.commit()
    typed_name, typed_password = "ai-do-go-nham", "mat khau sai 1234"

    refused = sign_in(app.test_client(), typed_name, typed_password)
    assert refused.status_code == 401
    accepted = sign_in(app.test_client(), "truong-cong-an", f.PASSWORD)
    assert accepted.status_code == 302

    events = platform_chain(database)
    refusals = [e for e in events if e.action == "sign_in.refused"]
    assert [(e.actor_name, e.object_id) for e in refusals] == [("anonymous", None)]
    assert refusals[0].request_id == refused.headers["X-Request-Id"]
    assert refusals[0].source == "127.0.0.1"
    successes = [e for e in events if e.action == "sign_in"]
    assert [(e.object_type, e.object_id) for e in successes] == [
        ("user", str(account.id))
    ]
    assert successes[0].request_id == accepted.headers["X-Request-Id"]
    for event in events:
        row = as_text(event)
        assert typed_name not in row
        assert typed_password not in row
        assert f.PASSWORD not in row


# -- the chain -------------------------------------------------------------


def test_each_chain_runs_from_one_without_gaps_and_each_link_holds_the_last(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    thung_nai = busy_commune(client, database, "05098", hamlets=2)

    links = chain_of(database, cao_phong.commune)
    assert len(links) == 5  # the chief's grant and four hamlets
    assert_links_hold(links)
    assert_links_hold(chain_of(database, thung_nai.commune))
    assert_links_hold(platform_chain(database))

    output = verified(app)
    assert f"{cao_phong.commune.slug}: 5 links, unbroken" in output
    assert f"{thung_nai.commune.slug}: 3 links, unbroken" in output
    assert "platform: " in output
    assert "BROKEN" not in output


def test_verify_of_one_commune_walks_only_that_chain(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    thung_nai = busy_commune(client, database, "05098", hamlets=1)

    output = verified(app, "--commune", thung_nai.commune.slug)
    assert output.strip() == f"{thung_nai.commune.slug}: 2 links, unbroken"
    assert cao_phong.commune.slug not in output


def test_verify_of_a_commune_that_does_not_exist_fails_rather_than_passing(
    app: Flask, database: Database
) -> None:
    result = audit(app, "verify", "--commune", "khong-co-xa-nay")
    assert result.exit_code == 1, result.output
    assert "khong-co-xa-nay" in result.output


def test_a_session_that_commits_twice_links_after_what_others_wrote_between(
    app: Flask, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    first = f.in_commune(database, cao_phong.commune)
    try:
        f.hamlet(first, "Xóm Một")
        first.commit()
        # This session looks at the head and keeps what it saw; another then
        # moves the head on, and this one must link after that, not reuse it.
        seen = first.scalars(select(AuditHead)).one()
        other = f.in_commune(database, cao_phong.commune)
        try:
            f.hamlet(other, "Xóm Hai")
            other.commit()
        finally:
            other.close()
        f.hamlet(first, "Xóm Ba")
        first.commit()
        assert seen.seq == len(chain_of(database, cao_phong.commune))
    finally:
        first.close()

    links = chain_of(database, cao_phong.commune)
    assert [e.action for e in links[-3:]] == ["hamlets.create"] * 3
    assert_links_hold(links)
    verified(app)


def test_a_change_rolled_back_leaves_no_link_behind(
    app: Flask, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    session = f.in_commune(database, cao_phong.commune)
    try:
        undone = f.hamlet(session, "Xóm Chưa Từng Có")
        undone_id = str(undone.id)
        session.rollback()
        kept = f.hamlet(session, "Xóm Có Thật")
        session.commit()
        kept_id = str(kept.id)
    finally:
        session.close()

    hamlet_links = [
        e.object_id
        for e in chain_of(database, cao_phong.commune)
        if e.object_type == "hamlets"
    ]
    assert hamlet_links == [kept_id]
    assert undone_id not in hamlet_links
    verified(app)


# -- tampering -------------------------------------------------------------


def test_the_application_cannot_change_or_remove_audit_rows(
    backend: str, client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=1)
    refusal = "permission denied" if backend == "postgresql" else "append-only"

    session = f.in_commune(database, cao_phong.commune)
    try:
        for statement in (
            update(AuditEvent).where(AuditEvent.seq == 1).values(action="x"),
            delete(AuditEvent).where(AuditEvent.seq == 1),
            update(PlatformAuditEvent).values(actor_name="x"),
            delete(PlatformAuditEvent),
            text("DELETE FROM audit_events"),
        ):
            with pytest.raises(DBAPIError, match=refusal):
                session.execute(statement)
            session.rollback()
    finally:
        session.close()
    assert len(chain_of(database, cao_phong.commune)) == 2


def test_the_owner_too_is_refused_by_the_append_only_trigger(
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    if backend != "postgresql":
        pytest.skip("on SQLite the owner is the application; see the test above")
    cao_phong = busy_commune(client, database, "05089", hamlets=1)
    engine = make_engine(owner_urls["owner"])
    try:
        for statement in (
            "UPDATE audit_events SET action = 'x'",
            "DELETE FROM audit_events",
            "UPDATE platform_audit_events SET actor_name = 'x'",
            "DELETE FROM platform_audit_events",
        ):
            with engine.connect() as connection:
                # Row security binds the owner too: name the commune, or the
                # statement finds no row for the trigger to refuse.
                connection.execute(
                    text("SELECT set_config('app.tenant_id', :t, true)"),
                    {"t": str(cao_phong.commune.id)},
                )
                with pytest.raises(DBAPIError, match="append-only"):
                    connection.execute(text(statement))
    finally:
        engine.dispose()
    assert len(chain_of(database, cao_phong.commune)) == 2


def test_a_changed_field_in_a_middle_link_is_caught_at_that_link(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    thung_nai = busy_commune(client, database, "05098", hamlets=1)
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            update(EVENTS)
            .where(_link(cao_phong.commune, 3))
            .values(actor_name="nguoi-khac")
        )

    output = broken(app)
    assert f"{cao_phong.commune.slug}: BROKEN at link 3: " in output
    assert f"{thung_nai.commune.slug}: 2 links, unbroken" in output
    assert "platform: " in output and "platform: BROKEN" not in output
    assert "BROKEN at link 3" in broken(app, "--commune", cao_phong.commune.slug)
    verified(app, "--commune", thung_nai.commune.slug)


def test_a_changed_time_or_list_of_field_names_is_caught_too(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    at = chain_of(database, cao_phong.commune)[3].at
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            update(EVENTS)
            .where(_link(cao_phong.commune, 4))
            .values(at=at.replace(year=2020))
        )
    assert f"{cao_phong.commune.slug}: BROKEN at link 4: " in broken(app)
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            update(EVENTS).where(_link(cao_phong.commune, 2)).values(fields=["id"])
        )
    assert f"{cao_phong.commune.slug}: BROKEN at link 2: " in broken(app)


def test_a_deleted_middle_link_is_caught_where_it_is_missing(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    with tampering(backend, owner_urls) as connection:
        connection.execute(delete(EVENTS).where(_link(cao_phong.commune, 3)))

    output = broken(app)
    assert f"{cao_phong.commune.slug}: BROKEN at link 3: link 3 is missing" in output


def test_deleted_last_links_are_caught_because_the_head_disagrees(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            delete(EVENTS).where(
                (EVENTS.c.tenant_id == cao_phong.commune.id) & (EVENTS.c.seq >= 4)
            )
        )

    output = broken(app)
    assert f"{cao_phong.commune.slug}: BROKEN at link 4: " in output
    assert "head" in output


def test_last_links_deleted_with_the_head_are_caught_too(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    place = cao_phong.commune
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            delete(EVENTS).where((EVENTS.c.tenant_id == place.id) & (EVENTS.c.seq > 3))
        )
        connection.execute(delete(HEADS).where(HEADS.c.tenant_id == place.id))

    assert f"{place.slug}: BROKEN at link 4: the head is gone" in broken(app)


def test_every_link_deleted_is_caught_because_the_head_remains(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=1)
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            delete(EVENTS).where(EVENTS.c.tenant_id == cao_phong.commune.id)
        )
    assert f"{cao_phong.commune.slug}: BROKEN at link 1: " in broken(app)


def test_a_last_link_rewritten_behind_the_heads_back_is_caught_at_that_link(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    place = cao_phong.commune
    with tampering(backend, owner_urls) as connection:
        last = SimpleNamespace(
            **connection.execute(select(EVENTS).where(_link(place, 5))).one()._mapping
        )
        last.actor_name = "nguoi-khac"
        last.hash = _digest(last.prev_hash, _body(last))
        connection.execute(
            update(EVENTS)
            .where(_link(place, 5))
            .values(actor_name=last.actor_name, hash=last.hash)
        )

    assert f"{place.slug}: BROKEN at link 5: " in broken(app)


def test_two_links_swapped_are_caught_at_the_first_of_them(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    with tampering(backend, owner_urls) as connection:
        second = _content(connection, cao_phong.commune, 2)
        fourth = _content(connection, cao_phong.commune, 4)
        connection.execute(
            update(EVENTS).where(_link(cao_phong.commune, 2)).values(**fourth)
        )
        connection.execute(
            update(EVENTS).where(_link(cao_phong.commune, 4)).values(**second)
        )

    output = broken(app)
    assert f"{cao_phong.commune.slug}: BROKEN at link 2: " in output


def test_a_tampered_platform_link_is_caught_in_the_platform_chain(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=1)
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            update(PlatformAuditEvent.__table__)
            .where(PlatformAuditEvent.__table__.c.seq == 2)
            .values(commune_id=uuid.uuid4())
        )
    output = broken(app)
    assert "platform: BROKEN at link 2: " in output
    assert f"{cao_phong.commune.slug}: 2 links, unbroken" in output


# -- heads kept outside the database ---------------------------------------


def test_heads_are_printed_as_json_for_every_chain(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=2)
    result = audit(app, "heads")
    assert result.exit_code == 0, result.output

    heads = {h["chain"]: h for h in json.loads(result.output)}
    assert set(heads) == {"platform", cao_phong.commune.slug}
    last = chain_of(database, cao_phong.commune)[-1]
    assert heads[cao_phong.commune.slug] == {
        "chain": cao_phong.commune.slug,
        "events": last.seq,
        "head": last.hash,
    }
    assert heads["platform"]["head"] == platform_chain(database)[-1].hash


def test_a_chain_rewritten_consistently_is_caught_against_exported_heads(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
    tmp_path: Path,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    thung_nai = busy_commune(client, database, "05098", hamlets=1)
    exported = tmp_path / "heads.json"
    exported.write_text(audit(app, "heads").output, encoding="utf-8")
    verified(app, "--heads", str(exported))

    # Rewrite link 3 and every link after it so each hash is right again.
    place = cao_phong.commune
    with tampering(backend, owner_urls) as connection:
        rows = connection.execute(
            select(EVENTS)
            .where((EVENTS.c.tenant_id == place.id) & (EVENTS.c.seq >= 3))
            .order_by(EVENTS.c.seq)
        ).all()
        previous = connection.execute(
            select(EVENTS.c.hash).where(_link(place, 2))
        ).scalar_one()
        for row in rows:
            link = SimpleNamespace(**row._mapping)
            if link.seq == 3:
                link.actor_name = "nguoi-khac"
            link.prev_hash = previous
            link.hash = _digest(previous, _body(link))
            connection.execute(
                update(EVENTS)
                .where(_link(place, link.seq))
                .values(
                    actor_name=link.actor_name,
                    prev_hash=link.prev_hash,
                    hash=link.hash,
                )
            )
            previous = link.hash
        connection.execute(
            update(HEADS).where(HEADS.c.tenant_id == place.id).values(hash=previous)
        )

    # The chain alone looks whole; only the kept heads show the rewrite.
    assert f"{place.slug}: 5 links, unbroken" in verified(app)
    output = broken(app, "--heads", str(exported))
    assert f"BROKEN: {place.slug}: link 5 is not the one exported" in output
    assert f"BROKEN: {thung_nai.commune.slug}" not in output


def test_a_chain_cut_short_and_resealed_is_caught_against_exported_heads(
    app: Flask,
    backend: str,
    owner_urls: dict[str, str],
    client: FlaskClient,
    database: Database,
    tmp_path: Path,
) -> None:
    cao_phong = busy_commune(client, database, "05089")
    exported = tmp_path / "heads.json"
    exported.write_text(audit(app, "heads").output, encoding="utf-8")

    place = cao_phong.commune
    with tampering(backend, owner_urls) as connection:
        connection.execute(
            delete(EVENTS).where((EVENTS.c.tenant_id == place.id) & (EVENTS.c.seq > 3))
        )
        third = connection.execute(
            select(EVENTS.c.hash).where(_link(place, 3))
        ).scalar_one()
        connection.execute(
            update(HEADS).where(HEADS.c.tenant_id == place.id).values(seq=3, hash=third)
        )

    assert f"{place.slug}: 3 links, unbroken" in verified(app)
    output = broken(app, "--heads", str(exported))
    assert f"BROKEN: {place.slug}: link 5 is not the one exported" in output


# -- concurrent writers (PostgreSQL) ---------------------------------------


@pytest.fixture
def writers(
    backend: str, owner_urls: dict[str, str]
) -> Iterator[sessionmaker[Session]]:
    """Sessions with a connection each, so fifty writers really run at once."""
    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the race is PostgreSQL's")
    engine = make_engine(owner_urls["app"], poolclass=NullPool)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _write_at_once(
    sessions: sessionmaker[Session], places: list[Commune], count: int
) -> list[BaseException]:
    """``count`` threads, each adding a hamlet in one of ``places`` in turn,
    all committing at the same moment."""
    barrier = threading.Barrier(count, timeout=60)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        session = sessions()
        try:
            bind_tenant(session, places[number % len(places)].id)
            f.hamlet(session, f"Xóm đồng thời {number}")
            barrier.wait()
            session.commit()
        except BaseException as error:  # every failure is the test's to report
            failures.append(error)
            barrier.abort()
        finally:
            session.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_fifty_concurrent_writers_make_one_unbroken_chain(
    app: Flask, database: Database, writers: sessionmaker[Session]
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    before = len(chain_of(database, cao_phong.commune))

    assert _write_at_once(writers, [cao_phong.commune], 50) == []

    links = chain_of(database, cao_phong.commune)
    assert_links_hold(links)
    added = links[before:]
    assert len(added) == 50
    assert {e.action for e in added} == {"hamlets.create"}
    assert len({e.object_id for e in added}) == 50
    assert f"{cao_phong.commune.slug}: {before + 50} links, unbroken" in verified(app)


def test_concurrent_writers_in_two_communes_keep_each_chain_unbroken(
    app: Flask, database: Database, writers: sessionmaker[Session]
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    thung_nai = f.staffed_commune(database, "05098")

    assert _write_at_once(writers, [cao_phong.commune, thung_nai.commune], 50) == []

    for place in (cao_phong.commune, thung_nai.commune):
        links = chain_of(database, place)
        assert_links_hold(links)
        assert [e.action for e in links].count("hamlets.create") == 25
    output = verified(app)
    assert f"{cao_phong.commune.slug}: 26 links, unbroken" in output
    assert f"{thung_nai.commune.slug}: 26 links, unbroken" in output


# -- the API ---------------------------------------------------------------


def audit_url(staffed: f.Staffed) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/audit/"


def listed(client: FlaskClient, staffed: f.Staffed, **query: Any) -> list[Any]:
    answer = client.get(
        audit_url(staffed), query_string=query, headers=f.bearer(staffed.token)
    )
    assert answer.status_code == 200, answer.get_json()
    events: list[Any] = answer.get_json()
    return events


def _second_chief(database: Database, staffed: f.Staffed) -> f.Staffed:
    with database.session() as db:
        deputy = f.user(db, "pho-truong")
        f.grant(db, deputy, "commune_chief", commune=staffed.commune)
        secret = f.token(db, deputy, commune=staffed.commune)
        db.commit()
    return f.Staffed(staffed.commune, deputy, secret)


def test_the_chief_finds_events_by_object_actor_and_action_newest_first(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    deputy = _second_chief(database, cao_phong)
    first = new_hamlet(client, cao_phong, "Xóm Thượng")
    new_hamlet(client, cao_phong, "Xóm Hạ")
    first_id = first.get_json()["id"]
    renamed = client.patch(
        hamlets_url(cao_phong) + first_id,
        json={"name": "Xóm Thượng Mới"},
        headers={**f.bearer(deputy.token), "If-Match": first.headers["ETag"]},
    )
    assert renamed.status_code == 200

    everything = listed(client, cao_phong)
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs, reverse=True)

    by_object = listed(client, cao_phong, object_type="hamlets", object_id=first_id)
    assert [(e["action"], e["actor_name"]) for e in by_object] == [
        ("hamlets.update", deputy.chief.username),
        ("hamlets.create", cao_phong.chief.username),
    ]
    assert by_object[0]["request_id"] == renamed.headers["X-Request-Id"]
    assert "name" in by_object[0]["fields"]

    by_actor = listed(client, cao_phong, actor=deputy.chief.username)
    assert [e["action"] for e in by_actor] == ["hamlets.update"]
    by_action = listed(client, cao_phong, action="hamlets.create")
    assert len(by_action) == 2
    assert {e["actor_name"] for e in by_action} == {cao_phong.chief.username}

    # Never a value: the hamlet names are nowhere in what the chief reads.
    body = json.dumps(everything, ensure_ascii=False)
    for name in ("Xóm Thượng", "Xóm Hạ"):
        assert name not in body


def test_the_chief_finds_events_by_time_and_pages_through_them(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=5)
    everything = listed(client, cao_phong)
    assert len(everything) == 6

    pivot = everything[3]["at"]
    moment = datetime.fromisoformat(pivot)

    def when(event: Any) -> datetime:
        return datetime.fromisoformat(event["at"])

    since = listed(client, cao_phong, since=pivot)
    assert since == [e for e in everything if when(e) >= moment]
    until = listed(client, cao_phong, until=pivot)
    assert until == [e for e in everything if when(e) < moment]
    assert len(since) + len(until) == 6
    window = listed(client, cao_phong, since=everything[4]["at"], until=pivot)
    assert window == [e for e in everything if when(everything[4]) <= when(e) < moment]

    pages = [
        client.get(
            audit_url(cao_phong),
            query_string={"page": page, "page_size": 4},
            headers=f.bearer(cao_phong.token),
        )
        for page in (1, 2)
    ]
    assert json.loads(pages[0].headers["X-Pagination"])["total"] == 6
    assert [e["seq"] for p in pages for e in p.get_json()] == [
        e["seq"] for e in everything
    ]


def test_a_time_without_a_zone_is_read_as_utc(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=2)
    everything = listed(client, cao_phong)
    pivot = datetime.fromisoformat(everything[1]["at"])
    naive = pivot.replace(tzinfo=None).isoformat()

    assert listed(client, cao_phong, since=naive) == listed(
        client, cao_phong, since=pivot.isoformat()
    )


@pytest.mark.parametrize("role", ["officer", "health_worker", "committee_member"])
def test_staff_without_audit_read_are_refused_the_trail(
    client: FlaskClient, database: Database, role: str
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    with database.session() as db:
        officer = f.user(db)
        f.grant(db, officer, role, commune=cao_phong.commune)
        secret = f.token(db, officer, commune=cao_phong.commune)
        db.commit()

    refused = client.get(audit_url(cao_phong), headers=f.bearer(secret))
    assert refused.status_code == 403
    assert "audit:read" in refused.get_json()["detail"]
    assert "seq" not in refused.get_data(as_text=True)


def test_a_region_admin_is_refused_a_communes_trail(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    with database.session() as db:
        admin = f.user(db)
        region = f.province(db)
        f.grant(db, admin, "region_admin", region=region)
        secret = f.token(db, admin, region=region)
        db.commit()

    refused = client.get(audit_url(cao_phong), headers=f.bearer(secret))
    assert refused.status_code == 403
    assert "audit:read" in refused.get_json()["detail"]


def test_one_communes_events_never_appear_in_anothers_listing(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = busy_commune(client, database, "05089", hamlets=2)
    thung_nai = busy_commune(client, database, "05098", hamlets=3)

    mine = listed(client, cao_phong)
    theirs = chain_of(database, thung_nai.commune)
    assert len(mine) == 3 and len(theirs) == 4
    assert {e["hash"] for e in mine}.isdisjoint({e.hash for e in theirs})
    assert {e["object_id"] for e in mine}.isdisjoint(
        {e.object_id for e in theirs if e.object_type == "hamlets"}
    )
    assert thung_nai.chief.username not in {e["actor_name"] for e in mine}

    # The other chief's token does not open this commune's trail.
    crossed = client.get(audit_url(cao_phong), headers=f.bearer(thung_nai.token))
    assert crossed.status_code in (403, 404)
