"""Hamlets end to end through the API: the pattern every commune resource follows."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from core.db import Database
from tests import factories as f

JSON = "application/json"


def _hamlets(staffed: f.Staffed) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/hamlets/"


def _create(client: FlaskClient, staffed: f.Staffed, **body: Any) -> Any:
    body.setdefault("kind", "xom")
    return client.post(_hamlets(staffed), json=body, headers=f.bearer(staffed.token))


def test_chief_creates_lists_reads_updates_and_deletes_a_hamlet(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    auth = f.bearer(cao_phong.token)

    created = _create(client, cao_phong, name="Xóm Tây Phong", code="tp")
    assert created.status_code == 201, created.get_json()
    hamlet = created.get_json()
    assert hamlet["name"] == "Xóm Tây Phong"
    assert hamlet["code"] == "TP"
    url = _hamlets(cao_phong) + hamlet["id"]

    listed = client.get(_hamlets(cao_phong), headers=auth)
    assert [h["id"] for h in listed.get_json()] == [hamlet["id"]]
    assert "X-Pagination" in listed.headers

    read = client.get(url, headers=auth)
    etag = read.headers["ETag"]
    assert read.get_json()["version"] == 1

    changed = client.patch(
        url, json={"name": "Xóm Tây Phong Mới"}, headers={**auth, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["name"] == "Xóm Tây Phong Mới"
    assert changed.headers["ETag"] != etag

    gone = client.delete(url, headers={**auth, "If-Match": changed.headers["ETag"]})
    assert gone.status_code == 204
    assert client.get(url, headers=auth).status_code == 404


def test_search_finds_a_hamlet_without_diacritics(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    _create(client, cao_phong, name="Xóm Đồi")
    _create(client, cao_phong, name="Xóm Chằng")
    found = client.get(
        _hamlets(cao_phong) + "?q=xom doi", headers=f.bearer(cao_phong.token)
    )
    assert [h["name"] for h in found.get_json()] == ["Xóm Đồi"]


def test_update_without_if_match_is_refused_and_changes_nothing(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    url = (
        _hamlets(cao_phong) + _create(client, cao_phong, name="Xóm Dụ").get_json()["id"]
    )
    auth = f.bearer(cao_phong.token)

    refused = client.patch(url, json={"name": "Khác"}, headers=auth)
    assert refused.status_code == 428
    assert refused.mimetype == "application/problem+json"
    assert client.get(url, headers=auth).get_json()["name"] == "Xóm Dụ"


def test_stale_if_match_is_refused_and_changes_nothing(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    url = (
        _hamlets(cao_phong) + _create(client, cao_phong, name="Xóm Dụ").get_json()["id"]
    )
    auth = f.bearer(cao_phong.token)
    first_etag = client.get(url, headers=auth).headers["ETag"]
    client.patch(url, json={"code": "DU"}, headers={**auth, "If-Match": first_etag})

    stale = client.patch(
        url, json={"name": "Ghi đè"}, headers={**auth, "If-Match": first_etag}
    )
    assert stale.status_code == 412
    assert stale.get_json()["type"].endswith("/stale")
    assert client.get(url, headers=auth).get_json()["name"] == "Xóm Dụ"

    deleted = client.delete(url, headers={**auth, "If-Match": first_etag})
    assert deleted.status_code == 412
    assert client.get(url, headers=auth).status_code == 200


def test_duplicate_name_or_code_in_one_commune_is_a_conflict(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    assert _create(client, cao_phong, name="Xóm Dụ", code="DU").status_code == 201

    same_name = _create(client, cao_phong, name="Xóm Dụ")
    assert same_name.status_code == 409
    assert same_name.get_json()["errors"][0]["field"] == "name"
    same_code = _create(client, cao_phong, name="Xóm Khác", code="du")
    assert same_code.status_code == 409
    assert same_code.get_json()["errors"][0]["field"] == "code"
    listed = client.get(_hamlets(cao_phong), headers=f.bearer(cao_phong.token))
    assert len(listed.get_json()) == 1


def test_two_communes_may_use_the_same_hamlet_name(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    thung_nai = f.staffed_commune(database, "05098")
    assert _create(client, cao_phong, name="Xóm Mới", code="M").status_code == 201
    assert _create(client, thung_nai, name="Xóm Mới", code="M").status_code == 201


def test_invalid_hamlet_gets_field_errors_and_nothing_is_stored(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    bad = client.post(
        _hamlets(cao_phong),
        json={"name": "", "kind": "city", "code": "no spaces!", "extra": 1},
        headers=f.bearer(cao_phong.token),
    )
    assert bad.status_code == 422
    problem = bad.get_json()
    assert bad.mimetype == "application/problem+json"
    fields = {e["field"] for e in problem["errors"]}
    assert {"name", "kind", "code", "extra"} <= fields
    listed = client.get(_hamlets(cao_phong), headers=f.bearer(cao_phong.token))
    assert listed.get_json() == []


def test_hamlet_team_member_sees_only_their_hamlets(
    client: FlaskClient, database: Database
) -> None:
    with database.session() as db:
        place = f.commune(db, "05089")
        from tenants.isolation import bind_tenant

        bind_tenant(db, place.id)
        mine, other = f.hamlet(db, "Xóm Của Tôi"), f.hamlet(db, "Xóm Khác")
        member = f.user(db)
        f.grant(db, member, "hamlet_member", commune=place, hamlets=[mine.id])
        secret = f.token(db, member, commune=place)
        db.commit()
        mine_id, other_id, slug = str(mine.id), str(other.id), place.slug

    auth = f.bearer(secret)
    listed = client.get(f"/api/v1/c/{slug}/hamlets/", headers=auth)
    assert [h["id"] for h in listed.get_json()] == [mine_id]
    assert (
        client.get(f"/api/v1/c/{slug}/hamlets/{other_id}", headers=auth).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/c/{slug}/hamlets/",
            json={"name": "X", "kind": "xom"},
            headers=auth,
        ).status_code
        == 403
    )
