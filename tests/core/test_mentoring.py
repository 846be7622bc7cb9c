"""Mentoring: the officer responsible for a person, with history, and the
contacts they record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from core.db import Database, local_today
from tests import factories as f
from tests.core.test_crypto import dump


def _person(client: FlaskClient, staffed: f.Staffed) -> str:
    made = client.post(
        f"/api/v1/c/{staffed.commune.slug}/persons/",
        json={"full_name": "Hà Văn Quân"},
        headers=f.bearer(staffed.token),
    )
    return str(made.get_json()["id"])


def _url(staffed: f.Staffed, person_id: str, tail: str) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/persons/{person_id}/{tail}"


def _assign(
    client: FlaskClient,
    staffed: f.Staffed,
    person_id: str,
    officer_id: Any,
    **body: Any,
) -> Any:
    return client.post(
        _url(staffed, person_id, "assignments"),
        json={"officer_id": str(officer_id), **body},
        headers=f.bearer(staffed.token),
    )


def _contact(
    client: FlaskClient, staffed: f.Staffed, person_id: str, token: str, **body: Any
) -> Any:
    return client.post(
        _url(staffed, person_id, "contacts/"),
        json={"contacted_on": local_today().isoformat(), "channel": "visit", **body},
        headers=f.bearer(token),
    )


def test_a_reassignment_ends_the_current_one_and_keeps_the_history(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    first, _ = f.member(database, chief, "officer")
    second, _ = f.member(database, chief, "officer")
    assert (
        _assign(client, chief, person, first.id, started_on="2026-01-06").status_code
        == 201
    )
    again = _assign(client, chief, person, first.id)
    assert again.status_code == 409
    moved = _assign(
        client, chief, person, second.id, started_on="2026-06-01", reason="Điều động"
    )
    assert moved.status_code == 201
    history = client.get(
        _url(chief, person, "assignments"), headers=f.bearer(chief.token)
    ).get_json()
    assert [(a["officer_id"], a["ended_on"]) for a in history] == [
        (str(second.id), None),
        (str(first.id), "2026-06-01"),
    ]
    assert history[1]["officer_name"] == first.full_name


def test_only_officers_of_the_commune_can_be_made_responsible(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    other = f.staffed_commune(database, "05098")
    person = _person(client, chief)
    viewer, _ = f.member(database, chief, "viewer")
    for outsider in (viewer.id, other.chief.id):
        refused = _assign(client, chief, person, outsider)
        assert refused.status_code == 422
        assert refused.get_json()["errors"][0]["field"] == "officer_id"


def test_an_officer_records_contacts_and_cannot_assign(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    officer, secret = f.member(database, chief, "officer")
    _assign(client, chief, person, officer.id)
    made = _contact(
        client,
        chief,
        person,
        secret,
        residence_confirmed=True,
        note="Đang đi làm phụ hồ, gia đình hợp tác",
        next_due_on=(local_today() + timedelta(days=30)).isoformat(),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["officer_name"] == officer.full_name
    listed = client.get(_url(chief, person, "contacts/"), headers=f.bearer(secret))
    assert [c["note"] for c in listed.get_json()] == [
        "Đang đi làm phụ hồ, gia đình hợp tác"
    ]
    assert _assign(client, chief, person, officer.id).status_code == 409
    refused = client.post(
        _url(chief, person, "assignments"),
        json={"officer_id": str(officer.id)},
        headers=f.bearer(secret),
    )
    assert refused.status_code == 403


def test_a_contact_in_the_future_or_a_phone_residence_check_is_refused(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    future = _contact(client, chief, person, chief.token, contacted_on=tomorrow)
    assert future.status_code == 422
    assert future.get_json()["errors"][0]["field"] == "contacted_on"
    by_phone = _contact(
        client, chief, person, chief.token, channel="call", residence_confirmed=True
    )
    assert by_phone.get_json()["errors"][0]["field"] == "residence_confirmed"
    backwards = _contact(
        client,
        chief,
        person,
        chief.token,
        next_due_on=(local_today() - timedelta(days=1)).isoformat(),
    )
    assert backwards.get_json()["errors"][0]["field"] == "next_due_on"
    listed = client.get(_url(chief, person, "contacts/"), headers=f.bearer(chief.token))
    assert listed.get_json() == []


def test_only_the_author_or_the_chief_corrects_a_contact(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    author, author_secret = f.member(database, chief, "officer")
    colleague, colleague_secret = f.member(database, chief, "officer")
    _assign(client, chief, person, author.id)
    made = _contact(client, chief, person, author_secret).get_json()
    url = _url(chief, person, f"contacts/{made['id']}")
    # The colleague does not reach this person at all.
    refused = client.patch(
        url,
        json={"note": "Sửa"},
        headers={**f.bearer(colleague_secret), "If-Match": '"v1"'},
    )
    assert refused.status_code == 404
    fixed = client.patch(
        url,
        json={"note": "Sửa lại"},
        headers={**f.bearer(author_secret), "If-Match": '"v1"'},
    )
    assert fixed.status_code == 200
    assert fixed.get_json()["note"] == "Sửa lại"
    by_chief = client.patch(
        url,
        json={"channel": "meeting"},
        headers={**f.bearer(chief.token), "If-Match": fixed.headers["ETag"]},
    )
    assert by_chief.status_code == 200
    assert colleague.id != author.id


def test_no_contact_note_is_in_a_dump(
    app: Flask, client: FlaskClient, database: Database, backend: str, tmp_path: Path
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    note = "Ghi chú kèm cặp bí mật số 5521"
    assert _contact(client, chief, person, chief.token, note=note).status_code == 201
    assert note.encode() not in dump(app, backend, tmp_path)
