"""Moving between communes: the file goes over only when the receiving
chief accepts, open cases continue on their dates, the old file stays
readable at home, and nothing crosses in clear."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.cases.models import Case
from core.db import Database
from core.mentoring import service as mentoring
from core.people.models import Person, PersonStatus
from core.worklist.models import WorkItem
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.core.test_crypto import dump
from tests.support.jobs import run_due_jobs

NUMBER = "001203778899"


def _run_jobs(app: Flask, database: Database, *places: f.Staffed) -> None:
    """Carry the transfer across: each job may queue the next one."""
    run_due_jobs(app, rounds=3)


def _file(database: Database, home: f.Staffed) -> Person:
    """A person of ``home`` with a tier, an open case, an officer and a
    contact with a private note."""
    session = f.in_commune(database, home.commune)
    try:
        person = f.person(session, "Hoàng Văn Thái", national_id=NUMBER)
        f.tier_change(session, person, tier=1)
        f.case(session, person)
        officer = f.officer(session, home.commune)
        mentoring.assign(
            session, person, officer.id, started_on=None, reason=None, by_name="t"
        )
        f.contact(session, person, note="Ghi chú riêng của xã cũ")
        session.commit()
        return person
    finally:
        session.close()


def _send(client: FlaskClient, home: f.Staffed, person: Person, away: f.Staffed) -> Any:
    return client.post(
        f"/api/v1/c/{home.commune.slug}/persons/{person.id}/transfers",
        json={"to_commune": away.commune.slug, "reason": "Chuyển đến ở nhà vợ"},
        headers=f.bearer(home.token),
    )


def _offers(client: FlaskClient, away: f.Staffed) -> list[Any]:
    return list(
        client.get(
            f"/api/v1/c/{away.commune.slug}/transfers/incoming/",
            headers=f.bearer(away.token),
        ).get_json()
    )


def _decide(client: FlaskClient, away: f.Staffed, offer: Any, **body: Any) -> Any:
    return client.post(
        f"/api/v1/c/{away.commune.slug}/transfers/incoming/{offer['id']}/decision",
        json=body,
        headers={**f.bearer(away.token), "If-Match": f'"v{offer["version"]}"'},
    )


def test_an_accepted_transfer_moves_the_file_and_continues_its_case(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    sent = _send(client, home, person, away)
    assert sent.status_code == 201, sent.get_json()
    _run_jobs(app, database, home, away)

    (offer,) = _offers(client, away)
    assert (offer["full_name"], offer["status"]) == ("Hoàng Văn Thái", "requested")
    detail = client.get(
        f"/api/v1/c/{away.commune.slug}/transfers/incoming/{offer['id']}",
        headers=f.bearer(away.token),
    ).get_json()
    assert detail["file"]["person"]["national_id"] == NUMBER
    assert [c["kind"] for c in detail["file"]["cases"]] == ["illegal_use_management"]
    assert "Ghi chú riêng" not in str(detail)
    _account, officer = f.member(database, away, "officer")
    early = client.get(
        f"/api/v1/c/{away.commune.slug}/transfers/incoming/{offer['id']}",
        headers=f.bearer(officer),
    )
    assert early.status_code == 403

    accepted = _decide(client, away, offer, accept=True)
    assert accepted.status_code == 200, accepted.get_json()
    new_id = accepted.get_json()["person_id"]
    _run_jobs(app, database, home, away)

    there = f.in_commune(database, away.commune)
    try:
        arrived = there.scalars(select(Person)).one()
        assert (str(arrived.id), arrived.national_id, arrived.tier) == (
            new_id,
            NUMBER,
            1,
        )
        (continued,) = there.scalars(select(Case)).all()
        assert (continued.start_on, continued.end_on) == (
            date(2026, 1, 5),
            date(2027, 1, 5),
        )
        assert continued.ruleset == "law-73-2021"
    finally:
        there.close()

    back = f.in_commune(database, home.commune)
    try:
        left = back.scalars(select(Person).where(Person.id == person.id)).one()
        assert left.status is PersonStatus.MOVED_OUT
        (closed,) = back.scalars(select(Case)).all()
        assert (closed.status.value, closed.outcome.value) == ("closed", "moved")
        assert mentoring.current_assignment(back, person.id) is None
        report = back.scalars(select(WorkItem).where(WorkItem.kind == "move_report"))
        assert [i.status.value for i in report] == ["open"]
    finally:
        back.close()
    still = client.get(
        f"/api/v1/c/{home.commune.slug}/persons/{person.id}",
        headers=f.bearer(home.token),
    )
    assert still.status_code == 200
    assert still.get_json()["status"] == "moved_out"
    sent_list = client.get(
        f"/api/v1/c/{home.commune.slug}/persons/{person.id}/transfers",
        headers=f.bearer(home.token),
    ).get_json()
    assert [t["status"] for t in sent_list] == ["accepted"]
    # The list says where the person went: reading it is audited.
    with f.in_commune(database, home.commune) as db:
        listed = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.read",
                AuditEvent.object_id == str(person.id),
            )
        ).all()
    assert any(
        e.details["part"] == "transfers" and "reason" in e.fields for e in listed
    )


def test_a_refused_transfer_leaves_the_file_at_home(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    _send(client, home, person, away)
    _run_jobs(app, database, home, away)
    (offer,) = _offers(client, away)
    assert _decide(client, away, offer, accept=False).status_code == 200
    _run_jobs(app, database, home, away)
    back = f.in_commune(database, home.commune)
    try:
        stays = back.scalars(select(Person).where(Person.id == person.id)).one()
        assert stays.status is PersonStatus.ACTIVE
    finally:
        back.close()
    listed = client.get(
        f"/api/v1/c/{home.commune.slug}/persons/{person.id}/transfers",
        headers=f.bearer(home.token),
    ).get_json()
    assert [t["status"] for t in listed] == ["refused"]
    there = f.in_commune(database, away.commune)
    try:
        assert there.scalars(select(Person)).all() == []
    finally:
        there.close()


def test_a_cancelled_transfer_is_withdrawn_from_the_other_commune(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    sent = _send(client, home, person, away).get_json()
    _run_jobs(app, database, home, away)
    cancelled = client.post(
        f"/api/v1/c/{home.commune.slug}/transfers/outgoing/{sent['id']}/cancel",
        headers={**f.bearer(home.token), "If-Match": "*"},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    _run_jobs(app, database, home, away)
    (offer,) = _offers(client, away)
    assert offer["status"] == "cancelled"
    assert _decide(client, away, offer, accept=True).status_code == 409


def test_a_file_for_a_number_already_kept_joins_it_instead_of_a_second(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    there = f.in_commune(database, away.commune)
    try:
        kept = f.person(there, "Hoàng Văn Thái", national_id=NUMBER)
        there.commit()
    finally:
        there.close()
    _send(client, home, person, away)
    _run_jobs(app, database, home, away)
    (offer,) = _offers(client, away)
    accepted = _decide(client, away, offer, accept=True).get_json()
    assert accepted["person_id"] == str(kept.id)


def test_a_transfer_needs_an_active_other_commune_and_a_reason(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    person = _file(database, home)
    url = f"/api/v1/c/{home.commune.slug}/persons/{person.id}/transfers"
    auth = f.bearer(home.token)
    nowhere = client.post(
        url,
        json={"to_commune": "no-such-place", "reason": "Đi làm ăn xa"},
        headers=auth,
    )
    assert nowhere.get_json()["errors"][0]["field"] == "to_commune"
    itself = client.post(
        url,
        json={"to_commune": home.commune.slug, "reason": "Đi làm ăn xa"},
        headers=auth,
    )
    assert itself.status_code == 422
    away = f.staffed_commune(database, "05098")
    short = client.post(
        url, json={"to_commune": away.commune.slug, "reason": "đi"}, headers=auth
    )
    assert short.get_json()["errors"][0]["field"] == "reason"


def test_nothing_of_a_transferred_file_is_in_a_dump(
    app: Flask,
    client: FlaskClient,
    database: Database,
    backend: str,
    tmp_path: Path,
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    sent = _send(client, home, person, away)
    assert sent.status_code == 201, sent.get_json()
    _run_jobs(app, database, home, away)
    (offer,) = _offers(client, away)
    accepted = _decide(client, away, offer, accept=True)
    assert accepted.status_code == 200, accepted.get_json()
    _run_jobs(app, database, home, away)
    with f.in_commune(database, away.commune) as there:
        arrived = there.scalars(select(Person)).one()
        assert arrived.national_id == NUMBER  # written there, and readable
    raw = dump(app, backend, tmp_path)
    # The dump holds what was written: names are kept plain for search.
    assert "Hoàng Văn Thái".encode() in raw
    for value in (NUMBER, "Chuyển đến ở nhà vợ"):
        assert value.encode() not in raw, value


def test_a_transfer_still_waiting_is_withdrawn_from_the_persons_page(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    sent = _send(client, home, person, away)
    assert sent.status_code == 201
    browser = app.test_client()
    assert sign_in(browser, home.chief.username, f.PASSWORD).status_code == 302
    page = browser.get(f"/c/{home.commune.slug}/people/{person.id}")
    html = page.get_data(as_text=True)
    transfer = sent.get_json()["id"]
    action = f"/c/{home.commune.slug}/people/{person.id}/transfers/{transfer}/cancel"
    assert f'action="{action}"' in html
    withdrawn = browser.post(
        action,
        data={
            "csrf_token": csrf_from(html),
            "version": str(sent.get_json()["version"]),
        },
    )
    assert withdrawn.status_code == 302
    listed = client.get(
        f"/api/v1/c/{home.commune.slug}/persons/{person.id}/transfers",
        headers=f.bearer(home.token),
    ).get_json()
    assert [t["status"] for t in listed] == ["cancelled"]


def test_the_receiving_chief_reads_the_offered_file_in_words_and_dates(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    away = f.staffed_commune(database, "05098")
    person = _file(database, home)
    assert _send(client, home, person, away).status_code == 201
    _run_jobs(app, database, home, away)
    (offer,) = _offers(client, away)
    browser = app.test_client()
    assert sign_in(browser, away.chief.username, f.PASSWORD).status_code == 302
    page = browser.get(f"/c/{away.commune.slug}/people/transfers/{offer['id']}")
    assert page.status_code == 200
    text = page.text
    assert "Hoàng Văn Thái" in text and NUMBER in text
    # The case by its title and the law by name, dates as dd/mm/yyyy, the
    # tier history and officers shown; no field or kind written as code.
    assert "Quản lý người sử dụng trái phép chất ma túy" in text
    assert "illegal_use_management" not in text and "full_name" not in text
    assert "Luật Phòng, chống ma túy" in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "an ISO date is shown"
    assert "<h2>Lịch sử xếp tầng</h2>" in text
    assert f'href="/c/{away.commune.slug}/people/transfers"' in text
