"""People's files: one per number, found without diacritics, each role seeing
only its fields, every read audited, nothing sensitive in clear at rest."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database
from core.mentoring import service as mentoring
from core.organisation import service as organisation
from core.people.models import Person
from core.people.visibility import FULL, HEALTH, IDENTITY
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.conftest import sign_in
from tests.core.test_crypto import dump

NUMBER = "001203004567"
PHONE = "0912 765 432"
ADDRESS = "Số 7, đường Bờ Sông, xóm Tây Phong"
FAMILY = "Mẹ: Bùi Thị Hạnh, 0978 111 222"


def _persons(staffed: f.Staffed) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/persons/"


def _open(client: FlaskClient, staffed: f.Staffed, **body: Any) -> Any:
    body = {
        "full_name": "Nguyễn Văn An",
        "national_id": NUMBER,
        "phone": PHONE,
        "address": ADDRESS,
        "family_contacts": FAMILY,
        "sex": "male",
        "date_of_birth": "1998-04-30",
        **body,
    }
    return client.post(_persons(staffed), json=body, headers=f.bearer(staffed.token))


def _member(database: Database, staffed: f.Staffed, role: str, **kw: Any) -> str:
    return f.member(database, staffed, role, **kw)[1]


def _search(client: FlaskClient, staffed: f.Staffed, **terms: Any) -> Any:
    return client.post(
        _persons(staffed) + "search", json=terms, headers=f.bearer(staffed.token)
    )


def test_an_officer_opens_a_file_and_reads_it_back(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    made = _open(client, chief)
    assert made.status_code == 201, made.get_json()
    person = made.get_json()
    officer = f.mentor(database, chief, person["id"])[1]
    read = client.get(_persons(chief) + person["id"], headers=f.bearer(officer))
    assert read.status_code == 200
    body = read.get_json()
    assert (body["national_id"], body["phone"], body["address"]) == (
        NUMBER,
        PHONE,
        ADDRESS,
    )
    assert set(body) == FULL


def test_a_second_file_for_the_same_number_is_refused_with_a_pointer(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    first = _open(client, chief).get_json()
    again = _open(
        client, chief, full_name="Nguyễn Văn Ân", national_id="001 203 004 567"
    )
    assert again.status_code == 409
    problem = again.get_json()
    assert problem["existing"] == first["id"]
    assert problem["errors"][0]["field"] == "national_id"
    assert NUMBER not in again.get_data(as_text=True)
    listed = client.get(_persons(chief), headers=f.bearer(chief.token)).get_json()
    assert len(listed) == 1


def test_the_same_number_may_have_a_file_in_another_commune(
    client: FlaskClient, database: Database
) -> None:
    assert _open(client, f.staffed_commune(database, "05089")).status_code == 201
    assert _open(client, f.staffed_commune(database, "05098")).status_code == 201


def test_a_malformed_number_is_refused_and_nothing_is_stored(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    bad = _open(client, chief, national_id="12345")
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "national_id"
    assert client.get(_persons(chief), headers=f.bearer(chief.token)).get_json() == []


def test_names_are_found_without_diacritics_and_numbers_exactly(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    an = _open(client, chief).get_json()
    _open(client, chief, full_name="Đỗ Thị Hồng", national_id="001203009999")
    by_name = _search(client, chief, q="nguyen van an")
    assert [p["id"] for p in by_name.get_json()] == [an["id"]]
    by_folded = _search(client, chief, q="DO thi")
    assert [p["full_name"] for p in by_folded.get_json()] == ["Đỗ Thị Hồng"]
    by_number = _search(client, chief, national_id=NUMBER)
    assert [p["id"] for p in by_number.get_json()] == [an["id"]]


def test_names_and_numbers_are_never_taken_from_the_address(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    _open(client, chief)
    answer = client.get(
        _persons(chief) + f"?national_id={NUMBER}", headers=f.bearer(chief.token)
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "national_id"
    assert NUMBER not in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "fields"),
    [("commune_chief", FULL), ("officer", FULL), ("health_worker", HEALTH)],
)
def test_each_role_sees_only_its_fields_and_the_rest_are_absent(
    client: FlaskClient, database: Database, role: str, fields: frozenset[str]
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _open(client, chief).get_json()
    if role == "officer":
        secret = f.mentor(database, chief, person["id"])[1]
    else:
        secret = _member(database, chief, role)
    body = client.get(_persons(chief) + person["id"], headers=f.bearer(secret))
    assert set(body.get_json()) == fields
    listed = client.get(_persons(chief), headers=f.bearer(secret)).get_json()
    assert set(listed[0]) == fields


def test_a_hamlet_team_member_sees_who_and_where_in_their_hamlet_only(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with database.session() as db:
        bind_tenant(db, chief.commune.id)
        mine, other = f.hamlet(db, "Xóm Của Tôi"), f.hamlet(db, "Xóm Khác")
        db.commit()
        mine_id, other_id = str(mine.id), str(other.id)
    here = _open(client, chief, hamlet_id=mine_id).get_json()
    there = _open(
        client, chief, hamlet_id=other_id, national_id="001203001111"
    ).get_json()
    secret = _member(database, chief, "hamlet_member", hamlets=[uuid.UUID(mine_id)])
    auth = f.bearer(secret)
    listed = client.get(_persons(chief), headers=auth).get_json()
    assert [p["id"] for p in listed] == [here["id"]]
    assert set(listed[0]) == IDENTITY
    assert client.get(_persons(chief) + there["id"], headers=auth).status_code == 404


def test_a_hamlet_team_member_may_not_filter_on_what_they_do_not_see(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    # Listing "tier 3" or "people with a compulsory-rehab referral" would tell
    # a hamlet team member what their role does not see, so would a number.
    chief = f.staffed_commune(database, "05089")
    with database.session() as db:
        bind_tenant(db, chief.commune.id)
        hamlet_id = f.hamlet(db, "Xóm Của Tôi").id
        db.commit()
    made = _open(client, chief, hamlet_id=str(hamlet_id)).get_json()
    member, secret = f.member(database, chief, "hamlet_member", hamlets=[hamlet_id])
    auth = f.bearer(secret)
    for query in ("tier=3", "case_kind=illegal_use_management"):
        refused = client.get(f"{_persons(chief)}?{query}", headers=auth)
        assert refused.status_code == 403, query
        assert [e["field"] for e in refused.get_json()["errors"]] == [
            query.split("=")[0]
        ]
    by_number = client.post(
        _persons(chief) + "search", json={"national_id": NUMBER}, headers=auth
    )
    assert by_number.status_code == 403
    assert [e["field"] for e in by_number.get_json()["errors"]] == ["national_id"]
    # The hamlet and a name remain theirs to use; the chief's filters all work.
    mine = client.get(f"{_persons(chief)}?hamlet_id={hamlet_id}", headers=auth)
    assert [p["id"] for p in mine.get_json()] == [made["id"]]
    chiefs_list = client.get(f"{_persons(chief)}?tier=3", headers=f.bearer(chief.token))
    assert chiefs_list.status_code == 200 and chiefs_list.get_json() == []
    assert _search(client, chief, national_id=NUMBER).get_json()[0]["id"] == made["id"]

    # On the pages: no tier bars on the overview, no tier or case filter or
    # number field on the list, and the address with ?tier= is refused.
    browser = app.test_client()
    assert sign_in(browser, member.username, f.PASSWORD).status_code == 302
    slug = chief.commune.slug
    home = browser.get(f"/c/{slug}/")
    assert home.status_code == 200 and f"/c/{slug}/people/?tier=" not in home.text
    listing = browser.get(f"/c/{slug}/people/")
    assert listing.status_code == 200 and "Nguyễn Văn An" in listing.text
    for control in ('name="tier"', 'name="case_kind"', 'name="national_id"'):
        assert control not in listing.text, control
    assert browser.get(f"/c/{slug}/people/?tier=3").status_code == 403
    chiefs = app.test_client()
    assert sign_in(chiefs, chief.chief.username, f.PASSWORD).status_code == 302
    assert f"/c/{slug}/people/?tier=" in chiefs.get(f"/c/{slug}/").text


@pytest.mark.parametrize("role", ["committee_member", "viewer"])
def test_roles_without_files_cannot_open_one(
    client: FlaskClient, database: Database, role: str
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _open(client, chief).get_json()
    secret = _member(database, chief, role)
    assert (
        client.get(_persons(chief) + person["id"], headers=f.bearer(secret)).status_code
        == 403
    )


def test_every_read_is_audited_and_the_chief_sees_who_opened_the_file(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _open(client, chief).get_json()
    health = _member(database, chief, "health_worker")
    client.get(_persons(chief) + person["id"], headers=f.bearer(health))
    _search(client, chief, q="nguyen")
    client.get(_persons(chief), headers=f.bearer(chief.token))

    readers = client.get(
        _persons(chief) + person["id"] + "/readers", headers=f.bearer(chief.token)
    )
    assert readers.status_code == 200
    [read] = readers.get_json()
    assert sorted(read["fields"]) == sorted(HEALTH)
    session = f.in_commune(database, chief.commune)
    try:
        searches = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "search")
        ).all()
        assert [s.fields for s in searches] == [["q"]]
        assert all("nguyen" not in str(s.details) for s in searches)
        listings = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "persons.list")
        ).all()
        assert len(listings) == 1
    finally:
        session.close()


def test_an_outsider_reads_one_file_only_under_an_approved_grant(
    client: FlaskClient, database: Database
) -> None:
    home = f.staffed_commune(database, "05089")
    person = _open(client, home).get_json()
    away = f.staffed_commune(database, "05098", role="officer")
    read_url = f"/api/v1/break-glass/{home.commune.slug}/persons/{person['id']}"
    assert client.get(read_url, headers=f.bearer(away.token)).status_code == 403
    assert (
        client.get(
            _persons(home) + person["id"], headers=f.bearer(away.token)
        ).status_code
        == 403
    )

    asked = client.post(
        f"/api/v1/break-glass/{home.commune.slug}",
        json={
            "subject_id": person["id"],
            "hours": 2,
            "reason": "Người này vừa chuyển đến xã tôi, cần đối chiếu.",
        },
        headers=f.bearer(away.token),
    ).get_json()
    client.post(
        f"/api/v1/c/{home.commune.slug}/break-glass/{asked['id']}/decision",
        json={"approve": True},
        headers=f.bearer(home.token),
    )
    granted = client.get(read_url, headers=f.bearer(away.token))
    assert granted.status_code == 200
    assert granted.get_json()["national_id"] == NUMBER
    readers = client.get(
        _persons(home) + person["id"] + "/readers", headers=f.bearer(home.token)
    ).get_json()
    assert [r["break_glass"] for r in readers] == [asked["id"]]
    assert readers[0]["actor_name"] == away.chief.username
    client.post(
        f"/api/v1/c/{home.commune.slug}/break-glass/{asked['id']}/revoke",
        headers=f.bearer(home.token),
    )
    assert client.get(read_url, headers=f.bearer(away.token)).status_code == 403


def test_no_number_phone_address_or_contact_is_in_a_dump(
    app: Flask,
    client: FlaskClient,
    database: Database,
    backend: str,
    tmp_path: Path,
) -> None:
    chief = f.staffed_commune(database, "05089")
    assert _open(client, chief).status_code == 201
    raw = dump(app, backend, tmp_path)
    for value in (NUMBER, PHONE, ADDRESS, FAMILY):
        assert value.encode() not in raw, value


def test_an_officer_reaches_the_people_assigned_and_those_of_their_hamlets(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with database.session() as db:
        bind_tenant(db, chief.commune.id)
        served = f.hamlet(db, "Xóm Tây Phong")
        db.commit()
    in_hamlet = _open(client, chief, hamlet_id=str(served.id)).get_json()
    assigned = _open(client, chief, national_id="001203002222").get_json()
    other = _open(client, chief, national_id="001203003333").get_json()
    officer, secret = f.member(database, chief, "officer")
    session = f.in_commune(database, chief.commune)
    try:
        organisation.serve_hamlet(session, session.merge(served), officer.id)
        subject = session.get(Person, (chief.commune.id, uuid.UUID(assigned["id"])))
        assert subject is not None
        mentoring.assign(
            session, subject, officer.id, started_on=None, reason=None, by_name="t"
        )
        session.commit()
    finally:
        session.close()

    auth = f.bearer(secret)
    listed = client.get(_persons(chief), headers=auth).get_json()
    assert sorted(p["id"] for p in listed) == sorted([in_hamlet["id"], assigned["id"]])
    assert client.get(_persons(chief) + other["id"], headers=auth).status_code == 404
    assert client.get(_persons(chief) + assigned["id"], headers=auth).status_code == 200
