"""Onboarding regions and communes: the rules in tenants, and the API over them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select

from core.db import Database
from core.errors import Conflict, Invalid, Problem
from core.hamlets.models import Hamlet
from tenants import divisions, onboarding
from tenants.models import Commune, Region, RegionKind
from tests import factories as f

PROBLEM = "application/problem+json"


@dataclass
class RegionAdmin:
    """A province with an admin who holds a token scoped to it."""

    region: Region
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return f.bearer(self.token)


def region_admin(database: Database, code: str = "25") -> RegionAdmin:
    with database.session() as db:
        province = f.province(db, code)
        admin = f.user(db)
        f.grant(db, admin, "region_admin", region=province)
        secret = f.token(db, admin, region=province)
        db.commit()
        return RegionAdmin(province, secret)


def onboard(database: Database, code: str, region: str | None = None) -> Commune:
    """Onboard one commune as the operator, into its province or ``region``."""
    with database.session() as db:
        place = (
            onboarding.create_commune(
                db, region=onboarding.get_region(db, region), code=code
            )
            if region
            else f.commune(db, code)
        )
        db.commit()
        return place


def field_of(problem: Problem) -> set[str]:
    return {e["field"] for e in problem.errors}


def commune_count(database: Database) -> int:
    with database.session() as db:
        return int(db.scalar(select(func.count(Commune.id))) or 0)


# -- regions ---------------------------------------------------------------


def test_a_province_comes_from_the_official_list_with_its_name(
    database: Database,
) -> None:
    with database.session() as db:
        province = onboarding.create_region(db, kind=RegionKind.PROVINCE, code="25")
        db.commit()
    assert province.code == "25"
    assert province.name == "Phú Thọ"
    assert province.kind is RegionKind.PROVINCE
    assert province.parent_id is None


@pytest.mark.parametrize("code", ["99", "00", "2x", "125", "", "Phú Thọ"])
def test_an_unknown_or_malformed_province_code_is_refused_on_the_code_field(
    database: Database, code: str
) -> None:
    with database.session() as db:
        with pytest.raises(Invalid) as refused:
            onboarding.create_region(db, kind=RegionKind.PROVINCE, code=code)
        assert field_of(refused.value) == {"code"}
        assert db.scalar(select(func.count(Region.id))) == 0


def test_a_province_cannot_sit_inside_another_region(database: Database) -> None:
    with database.session() as db:
        hanoi = onboarding.create_region(db, kind=RegionKind.PROVINCE, code="01")
        with pytest.raises(Invalid) as refused:
            onboarding.create_region(
                db, kind=RegionKind.PROVINCE, code="25", parent=hanoi
            )
    assert field_of(refused.value) == {"parent"}


@pytest.mark.parametrize("kind", [RegionKind.DISTRICT, RegionKind.GROUP])
def test_a_district_or_group_needs_a_parent_and_a_name(
    database: Database, kind: RegionKind
) -> None:
    with database.session() as db:
        province = f.province(db, "25")
        with pytest.raises(Invalid) as orphan:
            onboarding.create_region(db, kind=kind, code="cum-1", name="Cụm 1")
        with pytest.raises(Invalid) as nameless:
            onboarding.create_region(db, kind=kind, code="cum-1", parent=province)
        with pytest.raises(Invalid) as blank:
            onboarding.create_region(
                db, kind=kind, code="cum-1", name="   ", parent=province
            )
        made = onboarding.create_region(
            db, kind=kind, code="cum-1", name=" Cụm 1 ", parent=province
        )
    assert field_of(orphan.value) == {"parent"}
    assert field_of(nameless.value) == {"name"}
    assert field_of(blank.value) == {"name"}
    assert (made.name, made.parent_id) == ("Cụm 1", province.id)


def test_a_group_code_with_spaces_is_refused(database: Database) -> None:
    with database.session() as db:
        province = f.province(db, "25")
        with pytest.raises(Invalid) as refused:
            onboarding.create_region(
                db, kind=RegionKind.GROUP, code="cụm 1", name="Cụm", parent=province
            )
    assert field_of(refused.value) == {"code"}


def test_duplicate_region_codes_conflict(database: Database) -> None:
    with database.session() as db:
        province = f.province(db, "25")
        onboarding.create_region(
            db, kind=RegionKind.GROUP, code="cum-1", name="Cụm 1", parent=province
        )
        db.commit()
        with pytest.raises(Conflict):
            onboarding.create_region(db, kind=RegionKind.PROVINCE, code="25")
        with pytest.raises(Conflict):
            onboarding.create_region(
                db, kind=RegionKind.GROUP, code="cum-1", name="Khác", parent=province
            )
        db.rollback()
        assert db.scalar(select(func.count(Region.id))) == 2


# -- communes --------------------------------------------------------------


@pytest.mark.parametrize("code", ["5089", "050890", "O5089", "05-89", ""])
def test_a_malformed_commune_code_is_refused_on_the_code_field(
    database: Database, code: str
) -> None:
    with database.session() as db:
        province = f.province(db, "25")
        with pytest.raises(Invalid) as refused:
            onboarding.create_commune(db, region=province, code=code)
    assert field_of(refused.value) == {"code"}
    assert commune_count(database) == 0


def test_a_commune_code_missing_from_the_official_list_is_refused(
    database: Database,
) -> None:
    assert divisions.find_commune("99999") is None
    with database.session() as db:
        province = f.province(db, "25")
        with pytest.raises(Invalid) as refused:
            onboarding.create_commune(db, region=province, code="99999")
    assert field_of(refused.value) == {"code"}


def test_a_commune_must_join_a_region_of_its_own_province(
    database: Database,
) -> None:
    with database.session() as db:
        hanoi = f.province(db, "01")
        hanoi_group = onboarding.create_region(
            db, kind=RegionKind.GROUP, code="ha-noi-1", name="Cụm 1", parent=hanoi
        )
        phu_tho = f.province(db, "25")
        for wrong in (hanoi, hanoi_group):
            with pytest.raises(Invalid) as refused:
                onboarding.create_commune(db, region=wrong, code="05089")
            assert field_of(refused.value) == {"region"}
        cao_phong = onboarding.create_commune(db, region=phu_tho, code="05089")
        db.commit()
    assert cao_phong.region_id == phu_tho.id
    assert commune_count(database) == 1


def test_a_commune_may_join_a_group_inside_its_province(database: Database) -> None:
    with database.session() as db:
        cluster = onboarding.create_region(
            db,
            kind=RegionKind.GROUP,
            code="cao-phong-cum",
            name="Cụm Cao Phong",
            parent=f.province(db, "25"),
        )
        cao_phong = onboarding.create_commune(db, region=cluster, code="05089")
        db.commit()
    assert cao_phong.region_id == cluster.id


def test_a_commune_onboarded_twice_conflicts_and_changes_nothing(
    database: Database,
) -> None:
    first = onboard(database, "05089")
    with database.session() as db, pytest.raises(Conflict) as refused:
        onboarding.create_commune(
            db,
            region=f.province(db, "25"),
            code="05089",
            name="Tên khác",
            slug="ten-khac",
        )
    assert field_of(refused.value) == {"code"}
    with database.session() as db:
        stored = db.scalars(select(Commune)).one()
    assert (stored.id, stored.name, stored.slug) == (
        first.id,
        "Xã Cao Phong",
        first.slug,
    )


def test_the_default_slug_is_the_name_without_its_kind_or_diacritics(
    database: Database,
) -> None:
    assert onboard(database, "05089").slug == "cao-phong"
    assert onboard(database, "00070").slug == "hoan-kiem"  # Phường Hoàn Kiếm
    assert onboarding.default_slug("Đặc khu Côn Đảo") == "con-dao"
    # A name whose own first word looks like a kind keeps that word.
    assert onboarding.default_slug("Xã Xa Dung") == "xa-dung"
    assert onboarding.default_slug("Phường Phương Liệt") == "phuong-liet"


def test_a_default_slug_that_is_taken_gets_the_code_appended(
    database: Database,
) -> None:
    # Phường Vĩnh Hưng (Hà Nội) and Xã Vĩnh Hưng (Phú Thọ) fold to one slug.
    assert onboard(database, "00304").slug == "vinh-hung"
    assert onboard(database, "09100").slug == "vinh-hung-09100"


def test_an_explicit_slug_that_is_taken_conflicts(database: Database) -> None:
    onboard(database, "05089")
    with database.session() as db, pytest.raises(Conflict) as refused:
        onboarding.create_commune(
            db, region=f.province(db, "25"), code="05098", slug="cao-phong"
        )
    assert field_of(refused.value) == {"slug"}


@pytest.mark.parametrize(
    "slug", ["Cao-Phong", "cao phong", "cao--phong", "-cao", "cao_phong", "x" * 81]
)
def test_a_malformed_explicit_slug_is_refused(database: Database, slug: str) -> None:
    with database.session() as db:
        province = f.province(db, "25")
        with pytest.raises(Invalid) as refused:
            onboarding.create_commune(db, region=province, code="05089", slug=slug)
    assert field_of(refused.value) == {"slug"}
    assert commune_count(database) == 0


def test_onboarding_many_communes_adds_rows_and_no_tables(
    database: Database,
) -> None:
    codes = sorted(
        c.code for c in divisions.communes().values() if c.province_code == "25"
    )[:40]
    assert len(codes) == 40
    tables_before = sorted(inspect(database.engine).get_table_names())

    with database.session() as db:
        province = f.province(db, "25")
        for code in codes:
            onboarding.create_commune(db, region=province, code=code)
        db.commit()

    assert sorted(inspect(database.engine).get_table_names()) == tables_before
    with database.session() as db:
        stored = list(db.scalars(select(Commune.code)))
        slugs = set(db.scalars(select(Commune.slug)))
    assert sorted(stored) == codes
    assert len(slugs) == 40


# -- the API ---------------------------------------------------------------


def _post_commune(client: FlaskClient, admin: RegionAdmin, **body: Any) -> Any:
    body.setdefault("region", admin.region.code)
    return client.post("/api/v1/communes", json=body, headers=admin.auth)


def test_a_region_admin_onboards_communes_and_groups_in_their_province(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")

    created = _post_commune(client, admin, code="05089")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["slug"] == "cao-phong"
    assert created.get_json()["region"] == "25"
    assert created.headers["ETag"] == '"v1"'

    group = client.post(
        "/api/v1/regions",
        json={
            "kind": "group",
            "code": "cum-nam",
            "name": "Cụm phía Nam",
            "parent": "25",
        },
        headers=admin.auth,
    )
    assert group.status_code == 201, group.get_json()
    assert group.get_json()["parent"] == "25"

    in_group = _post_commune(client, admin, code="05098", region="cum-nam")
    assert in_group.status_code == 201, in_group.get_json()
    assert in_group.get_json()["region"] == "cum-nam"

    regions = client.get("/api/v1/regions", headers=admin.auth).get_json()
    assert [r["code"] for r in regions] == ["25", "cum-nam"]
    listed = client.get("/api/v1/communes", headers=admin.auth).get_json()
    assert [c["slug"] for c in listed] == ["cao-phong", "thung-nai"]


def test_a_region_admin_neither_onboards_into_nor_sees_another_province(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    onboard(database, "05089")
    onboard(database, "00070")  # Phường Hoàn Kiếm, Hà Nội (01)

    refused = _post_commune(client, admin, code="00073", region="01")
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    group = client.post(
        "/api/v1/regions",
        json={"kind": "group", "code": "cum-hn", "name": "Cụm", "parent": "01"},
        headers=admin.auth,
    )
    assert group.status_code == 403

    listed = client.get("/api/v1/communes", headers=admin.auth).get_json()
    assert [c["code"] for c in listed] == ["05089"]
    regions = client.get("/api/v1/regions", headers=admin.auth).get_json()
    assert [r["code"] for r in regions] == ["25"]
    assert client.get("/api/v1/communes/hoan-kiem", headers=admin.auth).status_code == (
        403
    )
    assert commune_count(database) == 2


def test_an_admin_of_a_group_works_only_inside_that_group(
    client: FlaskClient, database: Database
) -> None:
    with database.session() as db:
        onboarding.create_region(
            db,
            kind=RegionKind.GROUP,
            code="cum-nam",
            name="Cụm phía Nam",
            parent=f.province(db, "25"),
        )
        db.commit()
    admin = region_admin(database, "cum-nam")
    onboard(database, "05089")

    into_province = _post_commune(client, admin, code="05098", region="25")
    assert into_province.status_code == 403
    into_group = _post_commune(client, admin, code="05098")
    assert into_group.status_code == 201, into_group.get_json()
    listed = client.get("/api/v1/communes", headers=admin.auth).get_json()
    assert [c["slug"] for c in listed] == ["thung-nai"]


def test_a_malformed_commune_code_through_the_api_is_a_field_error(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    refused = _post_commune(client, admin, code="5089")
    assert refused.status_code == 422
    assert refused.mimetype == PROBLEM
    assert [e["field"] for e in refused.get_json()["errors"]] == ["code"]

    elsewhere = _post_commune(client, admin, code="00070")
    assert elsewhere.status_code == 422
    assert [e["field"] for e in elsewhere.get_json()["errors"]] == ["region"]

    bad_slug = _post_commune(client, admin, code="05089", slug="Cao Phong")
    assert bad_slug.status_code == 422
    assert [e["field"] for e in bad_slug.get_json()["errors"]] == ["slug"]
    assert commune_count(database) == 0


def test_a_duplicate_commune_through_the_api_conflicts_and_changes_nothing(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    assert _post_commune(client, admin, code="05089").status_code == 201

    again = _post_commune(client, admin, code="05089", name="Tên khác", slug="khac")
    assert again.status_code == 409
    assert again.mimetype == PROBLEM
    assert [e["field"] for e in again.get_json()["errors"]] == ["code"]

    listed = client.get("/api/v1/communes", headers=admin.auth).get_json()
    assert [(c["slug"], c["name"], c["version"]) for c in listed] == [
        ("cao-phong", "Xã Cao Phong", 1)
    ]


def test_creating_a_province_through_the_api_is_refused_pointing_at_the_cli(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    refused = client.post(
        "/api/v1/regions", json={"kind": "province", "code": "01"}, headers=admin.auth
    )
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    assert "binhyen regions create" in refused.get_json()["detail"]
    with database.session() as db:
        assert list(db.scalars(select(Region.code))) == ["25"]


def test_a_commune_chief_reads_their_commune_but_cannot_onboard_or_change_it(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    onboard(database, "05098")
    auth = f.bearer(cao_phong.token)

    own = client.get("/api/v1/communes/cao-phong", headers=auth)
    assert own.status_code == 200
    assert own.get_json()["code"] == "05089"
    listed = client.get("/api/v1/communes", headers=auth).get_json()
    assert [c["slug"] for c in listed] == ["cao-phong"]
    assert client.get("/api/v1/communes/thung-nai", headers=auth).status_code == 403

    create = client.post(
        "/api/v1/communes", json={"region": "25", "code": "05128"}, headers=auth
    )
    assert create.status_code == 403
    suspend = client.patch(
        "/api/v1/communes/cao-phong",
        json={"status": "suspended"},
        headers={**auth, "If-Match": own.headers["ETag"]},
    )
    assert suspend.status_code == 403
    assert suspend.mimetype == PROBLEM
    again = client.get("/api/v1/communes/cao-phong", headers=auth).get_json()
    assert again["status"] == "active"
    assert commune_count(database) == 2


# -- status ----------------------------------------------------------------


def _set_status(client: FlaskClient, admin: RegionAdmin, slug: str, status: str) -> Any:
    url = f"/api/v1/communes/{slug}"
    etag = client.get(url, headers=admin.auth).headers["ETag"]
    return client.patch(
        url, json={"status": status}, headers={**admin.auth, "If-Match": etag}
    )


def test_changing_a_communes_status_needs_a_current_if_match(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    onboard(database, "05089")
    url = "/api/v1/communes/cao-phong"
    first_etag = client.get(url, headers=admin.auth).headers["ETag"]

    missing = client.patch(url, json={"status": "suspended"}, headers=admin.auth)
    assert missing.status_code == 428
    assert missing.mimetype == PROBLEM

    renamed = client.patch(
        url,
        json={"name": "Xã Cao Phong Mới"},
        headers={**admin.auth, "If-Match": first_etag},
    )
    assert renamed.status_code == 200, renamed.get_json()
    stale = client.patch(
        url,
        json={"status": "suspended"},
        headers={**admin.auth, "If-Match": first_etag},
    )
    assert stale.status_code == 412
    assert stale.get_json()["type"].endswith("/stale")
    assert client.get(url, headers=admin.auth).get_json()["status"] == "active"


def test_a_suspended_or_archived_commune_answers_nothing_and_keeps_its_hamlets(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    cao_phong = f.staffed_commune(database, "05089")
    chief = f.bearer(cao_phong.token)
    hamlets = "/api/v1/c/cao-phong/hamlets/"
    made = client.post(
        hamlets, json={"name": "Xóm Tây Phong", "kind": "xom"}, headers=chief
    )
    assert made.status_code == 201

    suspended = _set_status(client, admin, "cao-phong", "suspended")
    assert suspended.status_code == 200, suspended.get_json()
    assert suspended.get_json()["status"] == "suspended"
    refused = client.get(hamlets, headers=chief)
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    assert refused.get_json()["type"].endswith("commune-suspended")
    writing = client.post(
        hamlets, json={"name": "Xóm Mới", "kind": "xom"}, headers=chief
    )
    assert writing.status_code == 403

    assert _set_status(client, admin, "cao-phong", "archived").status_code == 200
    gone = client.get(hamlets, headers=chief)
    assert gone.status_code == 410
    assert gone.mimetype == PROBLEM
    assert gone.get_json()["type"].endswith("commune-archived")

    kept = f.in_commune(database, cao_phong.commune)
    try:
        assert [h.name for h in kept.scalars(select(Hamlet))] == ["Xóm Tây Phong"]
    finally:
        kept.close()

    assert _set_status(client, admin, "cao-phong", "active").status_code == 200
    back = client.get(hamlets, headers=chief)
    assert back.status_code == 200
    assert [h["id"] for h in back.get_json()] == [made.get_json()["id"]]


def test_suspending_one_commune_leaves_its_neighbour_open(
    client: FlaskClient, database: Database
) -> None:
    admin = region_admin(database, "25")
    f.staffed_commune(database, "05089")
    thung_nai = f.staffed_commune(database, "05098")
    assert _set_status(client, admin, "cao-phong", "suspended").status_code == 200

    open_one = client.get(
        "/api/v1/c/thung-nai/hamlets/", headers=f.bearer(thung_nai.token)
    )
    assert open_one.status_code == 200
    listed = client.get("/api/v1/communes?status=suspended", headers=admin.auth)
    assert [c["slug"] for c in listed.get_json()] == ["cao-phong"]


def test_an_unknown_commune_in_the_url_is_a_problem_404(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    missing = client.get(
        "/api/v1/c/khong-co/hamlets/", headers=f.bearer(cao_phong.token)
    )
    assert missing.status_code == 404
    assert missing.mimetype == PROBLEM
    assert missing.get_json()["status"] == 404


def test_onboarding_endpoints_need_a_signed_in_caller(
    client: FlaskClient, database: Database
) -> None:
    onboard(database, "05089")
    anonymous = client.get("/api/v1/communes")
    assert anonymous.status_code == 401
    assert anonymous.mimetype == PROBLEM
    posted = client.post("/api/v1/communes", json={"region": "25", "code": "05098"})
    # Refused as an unauthenticated browser write (CSRF) or as anonymous.
    assert posted.status_code in (401, 403)
    assert posted.mimetype == PROBLEM
    assert commune_count(database) == 1
