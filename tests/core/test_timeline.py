"""A person's timeline: core's records and enabled plugins' entries, newest
first, each shown only to roles that may see it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import Database
from core.mentoring import service as mentoring
from core.plugin_host.models import CommunePlugin
from plugins.bulletin.models import Notice
from tests import factories as f


def _history(database: Database, staffed: f.Staffed) -> str:
    """A person with a case, a tier, an officer, a contact and a notice about
    them in the bulletin; returns the person's id."""
    session = f.in_commune(database, staffed.commune)
    try:
        person = f.person(session, "Quách Văn Lợi")
        f.case(session, person)
        f.tier_change(session, person, tier=1)
        officer = f.officer(session, staffed.commune)
        mentoring.assign(
            session,
            person,
            officer.id,
            started_on=date(2026, 1, 7),
            reason=None,
            by_name="t",
        )
        f.contact(
            session,
            person,
            contacted_on=date(2026, 2, 2),
            residence_confirmed=True,
            note="Ghi chú riêng không lên dòng thời gian",
        )
        f.commitment(
            session, person.id, signed_on=date(2026, 1, 20), review_on=date(2026, 7, 20)
        )
        f.support(session, person.id, start_on=date(2026, 3, 1))
        f.plugin_on(session)
        session.add(
            Notice(title="Họp gia đình", body="Tại nhà văn hoá", subject_id=person.id)
        )
        session.commit()
        return str(person.id)
    finally:
        session.close()


def _timeline(
    client: FlaskClient, staffed: f.Staffed, person: str, token: str
) -> list[Any]:
    answer = client.get(
        f"/api/v1/c/{staffed.commune.slug}/persons/{person}/timeline",
        headers={**f.bearer(token), "Accept-Language": "en"},
    )
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json())


def test_the_chief_sees_every_entry_newest_first_plugins_included(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _history(database, chief)
    entries = _timeline(client, chief, person, chief.token)
    kinds = [e["kind"] for e in entries]
    assert kinds[0] == "bulletin.notice"  # written today
    assert kinds[1:] == [
        "support.started",
        "contact",
        "commitment.signed",
        "assignment.started",
        "tier.changed",
        "case.opened",
    ]
    assert entries[2]["summary"].endswith("residence confirmed")
    body = str(entries)
    assert "Ghi chú riêng" not in body


def test_a_health_worker_sees_cases_and_officers_but_not_contacts_or_notices(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _history(database, chief)
    _account, health = f.member(database, chief, "health_worker")
    kinds = [e["kind"] for e in _timeline(client, chief, person, health)]
    assert kinds == [
        "bulletin.notice",
        "assignment.started",
        "tier.changed",
        "case.opened",
    ]


def test_a_disabled_plugin_adds_nothing_to_the_timeline(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _history(database, chief)
    session = f.in_commune(database, chief.commune)
    try:
        row = session.scalars(select(CommunePlugin)).one()
        row.enabled = False
        session.commit()
    finally:
        session.close()
    kinds = [e["kind"] for e in _timeline(client, chief, person, chief.token)]
    assert "bulletin.notice" not in kinds
    assert "case.opened" in kinds
