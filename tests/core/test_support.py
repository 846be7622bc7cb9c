"""Reintegration support: recorded by police and hamlet teams, each hamlet
team only for the people of its hamlets, the note unreadable at rest."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database
from core.support import service
from tests import factories as f
from tests.core.test_crypto import dump

NOTE = "Anh Khoa nợ tiền Lò Văn Sinh, cần tránh ca làm cùng người này."


@pytest.fixture
def chief(database: Database) -> f.Staffed:
    return f.staffed_commune(database, "05089")


@pytest.fixture
def hamlets(database: Database, chief: f.Staffed) -> dict[str, str]:
    """Two hamlets with one person each: their ids and the people's URLs."""
    session = f.in_commune(database, chief.commune)
    try:
        mine, other = f.hamlet(session, "Xóm Bãi"), f.hamlet(session, "Xóm Đồi")
        here = f.person(session, "Lò Thị Hoa", hamlet_id=mine.id)
        there = f.person(session, "Hà Văn Dũng", hamlet_id=other.id)
        session.commit()
        base = f"/api/v1/c/{chief.commune.slug}/persons"
        return {
            "mine": str(mine.id),
            "here": f"{base}/{here.id}/support/",
            "there": f"{base}/{there.id}/support/",
        }
    finally:
        session.close()


def _give(client: FlaskClient, url: str, token: str, **body: Any) -> Any:
    body = {
        "kind": "work",
        "what": "Việc làm tại xưởng mộc",
        "provider": "HTX Mộc Tân Lạc",
        "start_on": "2025-05-05",
        "outcome": "in_progress",
        "note": NOTE,
        **body,
    }
    return client.post(url, json=body, headers=f.bearer(token))


def test_a_hamlet_team_records_support_in_its_own_hamlet_and_nowhere_else(
    client: FlaskClient, database: Database, chief: f.Staffed, hamlets: dict[str, str]
) -> None:
    _account, team = f.member(
        database, chief, "hamlet_member", hamlets=[uuid.UUID(hamlets["mine"])]
    )
    made = _give(client, hamlets["here"], team)
    assert made.status_code == 201, made.get_json()
    read = client.get(hamlets["here"] + made.get_json()["id"], headers=f.bearer(team))
    assert read.status_code == 200
    assert read.get_json()["note"] == NOTE

    assert _give(client, hamlets["there"], team).status_code == 404
    theirs = _give(client, hamlets["there"], chief.token).get_json()
    assert client.get(hamlets["there"], headers=f.bearer(team)).status_code == 404
    assert (
        client.get(hamlets["there"] + theirs["id"], headers=f.bearer(team)).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["health_worker", "viewer", "committee_member"])
def test_roles_without_casework_cannot_see_or_record_support(
    client: FlaskClient,
    database: Database,
    chief: f.Staffed,
    hamlets: dict[str, str],
    role: str,
) -> None:
    made = _give(client, hamlets["here"], chief.token).get_json()
    _account, token = f.member(database, chief, role)
    auth = f.bearer(token)
    assert client.get(hamlets["here"], headers=auth).status_code == 403
    assert client.get(hamlets["here"] + made["id"], headers=auth).status_code == 403
    assert _give(client, hamlets["here"], token).status_code == 403


def test_an_officer_follows_support_through_to_its_outcome(
    client: FlaskClient, database: Database, chief: f.Staffed, hamlets: dict[str, str]
) -> None:
    _officer, officer = f.mentor(database, chief, f.person_id_in(hamlets["here"]))
    made = client.post(
        hamlets["here"],
        json={"kind": "work", "what": "Bốc xếp ở chợ", "start_on": "2025-05-05"},
        headers=f.bearer(officer),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["outcome"] == "planned"
    url = hamlets["here"] + made.get_json()["id"]
    done = client.patch(
        url,
        json={"outcome": "done", "end_on": "2025-11-30"},
        headers={**f.bearer(officer), "If-Match": made.headers["ETag"]},
    )
    assert done.status_code == 200, done.get_json()
    listed = client.get(hamlets["here"] + "?outcome=done", headers=f.bearer(officer))
    assert [s["end_on"] for s in listed.get_json()] == ["2025-11-30"]
    assert (
        client.get(hamlets["here"] + "?kind=loan", headers=f.bearer(officer)).get_json()
        == []
    )


def test_changes_and_deletions_need_if_match_and_stale_ones_are_refused(
    client: FlaskClient, chief: f.Staffed, hamlets: dict[str, str]
) -> None:
    made = _give(client, hamlets["here"], chief.token)
    url = hamlets["here"] + made.get_json()["id"]
    auth = f.bearer(chief.token)
    first = made.headers["ETag"]

    assert client.patch(url, json={"outcome": "done"}, headers=auth).status_code == 428
    assert client.delete(url, headers=auth).status_code == 428
    moved = client.patch(
        url, json={"outcome": "done"}, headers={**auth, "If-Match": first}
    )
    assert moved.status_code == 200
    stale = client.patch(
        url, json={"outcome": "declined"}, headers={**auth, "If-Match": first}
    )
    assert stale.status_code == 412
    assert client.delete(url, headers={**auth, "If-Match": first}).status_code == 412
    gone = client.delete(url, headers={**auth, "If-Match": moved.headers["ETag"]})
    assert gone.status_code == 204
    assert client.get(url, headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end_on": "2025-05-04"}, "end_on"),
        ({"kind": "housing"}, "kind"),
        ({"what": "  "}, "what"),
        ({"tenant_id": str(uuid.uuid4())}, "tenant_id"),
    ],
)
def test_support_that_does_not_hold_together_is_refused_without_echoing_it(
    client: FlaskClient,
    chief: f.Staffed,
    hamlets: dict[str, str],
    body: dict[str, str],
    field: str,
) -> None:
    refused = _give(client, hamlets["here"], chief.token, **body)
    assert refused.status_code == 422
    assert field in {e["field"] for e in refused.get_json()["errors"]}
    assert NOTE not in refused.get_data(as_text=True)
    assert client.get(hamlets["here"], headers=f.bearer(chief.token)).get_json() == []


def test_reads_are_audited_and_the_timeline_shows_start_and_end_only(
    client: FlaskClient, database: Database, chief: f.Staffed, hamlets: dict[str, str]
) -> None:
    made = _give(client, hamlets["here"], chief.token, end_on="2025-09-01").get_json()
    client.get(hamlets["here"], headers=f.bearer(chief.token))

    session = f.in_commune(database, chief.commune)
    try:
        [read] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.read")
        ).all()
        entries = service.timeline_entries(session, uuid.UUID(made["person_id"]))
    finally:
        session.close()
    assert read.details["part"] == "support"
    assert "note" in read.fields and read.object_id == made["person_id"]
    assert [(e.kind, e.at.date()) for e in sorted(entries, key=lambda e: e.at)] == [
        ("support.started", date(2025, 5, 5)),
        ("support.ended", date(2025, 9, 1)),
    ]
    assert all(e.permission == "support:read" for e in entries)
    assert not any(NOTE in e.summary for e in entries)


def test_no_support_note_is_in_a_dump(
    app: Flask,
    client: FlaskClient,
    chief: f.Staffed,
    hamlets: dict[str, str],
    backend: str,
    tmp_path: Path,
) -> None:
    assert _give(client, hamlets["here"], chief.token).status_code == 201
    assert NOTE.encode() not in dump(app, backend, tmp_path)
