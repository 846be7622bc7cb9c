"""A commune's organisation: its teams, their members and positions, and the
hamlets each staff member serves."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from core.db import Database
from tests import factories as f


def _teams(staffed: f.Staffed) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/teams/"


def _hamlet(database: Database, staffed: f.Staffed, name: str) -> str:
    session = f.in_commune(database, staffed.commune)
    try:
        made = f.hamlet(session, name)
        session.commit()
        return str(made.id)
    finally:
        session.close()


def _team(client: FlaskClient, staffed: f.Staffed, **body: Any) -> Any:
    return client.post(_teams(staffed), json=body, headers=f.bearer(staffed.token))


def test_the_chief_forms_the_steering_committee_with_positions(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    made = _team(client, chief, kind="steering_committee", name="Ban chỉ đạo xã")
    assert made.status_code == 201, made.get_json()
    members = _teams(chief) + made.get_json()["id"] + "/members/"
    staff, _ = f.member(database, chief, "committee_member")
    linked = client.post(
        members,
        json={"user_id": str(staff.id), "position": "Phó Trưởng ban"},
        headers=f.bearer(chief.token),
    )
    assert linked.status_code == 201, linked.get_json()
    assert linked.get_json()["full_name"] == staff.full_name
    local = client.post(
        members,
        json={"full_name": "Bùi Văn Thắng", "position": "Trưởng ban", "phone": "0912"},
        headers=f.bearer(chief.token),
    )
    assert local.status_code == 201
    listed = client.get(members, headers=f.bearer(chief.token)).get_json()
    assert sorted(m["position"] for m in listed) == ["Phó Trưởng ban", "Trưởng ban"]
    again = _team(client, chief, kind="steering_committee", name="Ban thứ hai")
    assert again.status_code == 409


def test_a_hamlet_team_covers_one_hamlet_of_this_commune(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    other = f.staffed_commune(database, "05098")
    ham = _hamlet(database, chief, "Xóm Tây Phong")
    elsewhere = _hamlet(database, other, "Xóm Mui")
    no_hamlet = _team(client, chief, kind="hamlet_team", name="Tổ xóm")
    assert no_hamlet.get_json()["errors"][0]["field"] == "hamlet_id"
    foreign = _team(
        client, chief, kind="hamlet_team", name="Tổ xóm", hamlet_id=elsewhere
    )
    assert foreign.status_code == 422
    made = _team(client, chief, kind="hamlet_team", name="Tổ Tây Phong", hamlet_id=ham)
    assert made.status_code == 201
    twice = _team(client, chief, kind="hamlet_team", name="Tổ hai", hamlet_id=ham)
    assert twice.status_code == 409


def test_only_staff_of_the_commune_serve_its_hamlets(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    other = f.staffed_commune(database, "05098")
    ham = _hamlet(database, chief, "Xóm Đồi")
    officer, _ = f.member(database, chief, "officer")
    url = f"/api/v1/c/{chief.commune.slug}/hamlets/{ham}/staff"
    auth = f.bearer(chief.token)
    assert client.put(f"{url}/{officer.id}", headers=auth).status_code == 204
    assert client.put(f"{url}/{officer.id}", headers=auth).status_code == 204
    assert client.put(f"{url}/{other.chief.id}", headers=auth).status_code == 422
    assert [s["user_id"] for s in client.get(url, headers=auth).get_json()] == [
        str(officer.id)
    ]
    assert client.delete(f"{url}/{officer.id}", headers=auth).status_code == 204
    assert client.get(url, headers=auth).get_json() == []


def test_staff_read_the_organisation_and_only_the_chief_changes_it(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    _team(client, chief, kind="health_team", name="Trạm Y tế xã")
    _account, viewer = f.member(database, chief, "viewer")
    listed = client.get(_teams(chief), headers=f.bearer(viewer))
    assert [t["kind"] for t in listed.get_json()] == ["health_team"]
    refused = client.post(
        _teams(chief),
        json={"kind": "steering_committee", "name": "Ban"},
        headers=f.bearer(viewer),
    )
    assert refused.status_code == 403
