"""The bulletin end to end: notices, inboxes, its jobs and every hook it implements."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select, update

from core.db import Database, utcnow
from core.jobs.models import Job, JobStatus
from core.jobs.schedule import fan_out_in
from core.plugin_host.contributions import Event
from core.plugin_host.host import PluginHost
from plugins.bulletin.models import Notice
from tenants.isolation import bind_tenant
from tenants.models import Commune
from tests import factories as f
from tests.conftest import sign_in
from tests.support.jobs import run_due_jobs

PROBLEM = "application/problem+json"


# -- helpers ---------------------------------------------------------------


@dataclass
class Bulletin:
    """A staffed commune that has switched the bulletin on."""

    staffed: f.Staffed

    @property
    def commune(self) -> Commune:
        return self.staffed.commune

    @property
    def notices(self) -> str:
        return f"/api/v1/c/{self.commune.slug}/bulletin/notices"

    @property
    def inbox(self) -> str:
        return f"/api/v1/c/{self.commune.slug}/bulletin/inbox"

    @property
    def chief(self) -> dict[str, str]:
        return f.bearer(self.staffed.token)


def _bulletin_in(database: Database, code: str, **settings: Any) -> Bulletin:
    staffed = f.staffed_commune(database, code)
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db).settings = settings
        db.commit()
    return Bulletin(staffed)


@pytest.fixture
def bulletin(database: Database) -> Bulletin:
    return _bulletin_in(database, "05089")


def _member(database: Database, place: Commune, role: str) -> dict[str, str]:
    """A new account holding ``role`` in ``place``; the header its token goes in."""
    with database.session() as db:
        bind_tenant(db, place.id)
        account = f.user(db)
        hamlets = [f.hamlet(db).id] if role == "hamlet_member" else None
        f.grant(db, account, role, commune=place, hamlets=hamlets)
        secret = f.token(db, account, commune=place)
        db.commit()
        return f.bearer(secret)


def _post(
    client: FlaskClient, bulletin: Bulletin, title: str, **body: Any
) -> dict[str, Any]:
    posted = client.post(
        bulletin.notices, json={"title": title, **body}, headers=bulletin.chief
    )
    assert posted.status_code == 201, posted.get_json()
    return dict(posted.get_json())


def _notice(title: str, **values: Any) -> Notice:
    """A notice to add to a session directly. Its body is always given: the
    column is encrypted, and its default would reach the database unsealed,
    which is refused."""
    return Notice(title=title, body="Tại trụ sở Công an xã.", **values)


def _age(database: Database, place: Commune, notice_id: Any, days: int) -> None:
    """Make a notice look ``days`` old."""
    with f.in_commune(database, place) as db:
        db.execute(
            update(Notice)
            .where(Notice.id == uuid.UUID(str(notice_id)))
            .values(created_at=utcnow() - timedelta(days=days))
        )
        db.commit()


def _titles(database: Database, place: Commune) -> set[str]:
    with f.in_commune(database, place) as db:
        return set(db.scalars(select(Notice.title)))


def _jobs(database: Database, place: Commune, name: str) -> list[Job]:
    with f.in_commune(database, place) as db:
        return list(db.scalars(select(Job).where(Job.name == name)))


@pytest.fixture
def in_commune(database: Database, bulletin: Bulletin) -> Iterator[Any]:
    """A session bound to the bulletin's commune, for calling hooks directly."""
    with f.in_commune(database, bulletin.commune) as db:
        yield db


# -- notices through the API -------------------------------------------------


def test_chief_posts_lists_reads_changes_and_removes_a_notice(
    client: FlaskClient, bulletin: Bulletin
) -> None:
    posted = client.post(
        bulletin.notices,
        json={"title": "Họp giao ban thứ Hai", "body": "Tại trụ sở Công an xã."},
        headers=bulletin.chief,
    )
    assert posted.status_code == 201, posted.get_json()
    assert posted.headers["ETag"] == '"v1"'
    notice = posted.get_json()
    assert notice["title"] == "Họp giao ban thứ Hai"
    assert (notice["pinned"], notice["version"]) == (False, 1)
    url = f"{bulletin.notices}/{notice['id']}"

    listed = client.get(bulletin.notices, headers=bulletin.chief)
    assert [n["id"] for n in listed.get_json()] == [notice["id"]]
    assert "X-Pagination" in listed.headers

    read = client.get(url, headers=bulletin.chief)
    assert read.get_json()["body"] == "Tại trụ sở Công an xã."
    etag = read.headers["ETag"]

    changed = client.patch(
        url, json={"pinned": True}, headers={**bulletin.chief, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["pinned"] is True
    assert changed.headers["ETag"] == '"v2"'

    gone = client.delete(
        url, headers={**bulletin.chief, "If-Match": changed.headers["ETag"]}
    )
    assert gone.status_code == 204
    assert client.get(url, headers=bulletin.chief).status_code == 404


def test_notices_are_listed_pinned_first_then_newest_first(
    client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    older = _post(client, bulletin, "Tuần trước")
    _post(client, bulletin, "Số điện thoại trực ban", pinned=True)
    _post(client, bulletin, "Hôm nay")
    _age(database, bulletin.commune, older["id"], days=7)

    listed = client.get(bulletin.notices, headers=bulletin.chief)

    assert [n["title"] for n in listed.get_json()] == [
        "Số điện thoại trực ban",
        "Hôm nay",
        "Tuần trước",
    ]


def test_a_change_without_if_match_is_refused_and_changes_nothing(
    client: FlaskClient, bulletin: Bulletin
) -> None:
    url = f"{bulletin.notices}/{_post(client, bulletin, 'Lịch trực')['id']}"

    for refused in (
        client.patch(url, json={"title": "Khác"}, headers=bulletin.chief),
        client.delete(url, headers=bulletin.chief),
    ):
        assert refused.status_code == 428
        assert refused.mimetype == PROBLEM

    assert client.get(url, headers=bulletin.chief).get_json()["title"] == "Lịch trực"


def test_a_change_with_a_stale_etag_is_refused_and_changes_nothing(
    client: FlaskClient, bulletin: Bulletin
) -> None:
    url = f"{bulletin.notices}/{_post(client, bulletin, 'Lịch trực')['id']}"
    first = client.get(url, headers=bulletin.chief).headers["ETag"]
    client.patch(
        url, json={"body": "Cập nhật"}, headers={**bulletin.chief, "If-Match": first}
    )

    stale = client.patch(
        url, json={"title": "Ghi đè"}, headers={**bulletin.chief, "If-Match": first}
    )
    assert stale.status_code == 412
    assert stale.get_json()["type"].endswith("/stale")
    removed = client.delete(url, headers={**bulletin.chief, "If-Match": first})
    assert removed.status_code == 412

    kept = client.get(url, headers=bulletin.chief).get_json()
    assert (kept["title"], kept["body"]) == ("Lịch trực", "Cập nhật")


def test_an_invalid_notice_gets_field_errors_and_nothing_is_stored(
    client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    refused = client.post(
        bulletin.notices,
        json={"title": "", "pinned": "sometimes", "author_id": str(uuid.uuid4())},
        headers=bulletin.chief,
    )

    assert refused.status_code == 422
    fields = {e["field"] for e in refused.get_json()["errors"]}
    assert {"title", "pinned", "author_id"} <= fields
    assert _titles(database, bulletin.commune) == set()


@pytest.mark.parametrize(
    ("role", "may_write"),
    [
        ("officer", True),
        ("health_worker", False),
        ("committee_member", False),
        ("hamlet_member", False),
        ("viewer", False),
    ],
)
def test_staff_read_notices_and_only_the_chief_and_officers_write_them(
    client: FlaskClient,
    database: Database,
    bulletin: Bulletin,
    role: str,
    may_write: bool,
) -> None:
    existing = _post(client, bulletin, "Họp giao ban")
    auth = _member(database, bulletin.commune, role)

    listed = client.get(bulletin.notices, headers=auth)
    assert listed.status_code == 200
    assert [n["id"] for n in listed.get_json()] == [existing["id"]]

    posted = client.post(bulletin.notices, json={"title": "Của tôi"}, headers=auth)
    assert posted.status_code == (201 if may_write else 403)
    changed = client.patch(
        f"{bulletin.notices}/{existing['id']}",
        json={"title": "Sửa"},
        headers={**auth, "If-Match": '"v1"'},
    )
    assert changed.status_code == (200 if may_write else 403)
    if not may_write:
        assert _titles(database, bulletin.commune) == {"Họp giao ban"}


# -- delivery to inboxes: the announce job -------------------------------------


def test_a_posted_notice_reaches_each_staff_inbox_until_it_is_read(
    app: Flask, client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    officer = _member(database, bulletin.commune, "officer")
    viewer = _member(database, bulletin.commune, "viewer")
    assert client.get(bulletin.inbox, headers=officer).get_json() == []

    notice = _post(client, bulletin, "Kiểm tra cư trú tháng này")
    run_due_jobs(app)

    [announce] = _jobs(database, bulletin.commune, "bulletin.announce")
    assert announce.status is JobStatus.DONE
    assert announce.arguments == {"notice_id": notice["id"]}
    delivered = client.get(f"{bulletin.notices}/{notice['id']}", headers=officer)
    assert delivered.get_json()["announced_at"] is not None
    # Delivery is not an edit: the ETag its author was given still holds.
    assert delivered.headers["ETag"] == '"v1"'
    for staff in (officer, viewer, bulletin.chief):
        inbox = client.get(bulletin.inbox, headers=staff).get_json()
        assert [n["id"] for n in inbox] == [notice["id"]]
    read = client.post(f"{bulletin.notices}/{notice['id']}/read", headers=officer)
    assert read.status_code == 204
    assert client.get(bulletin.inbox, headers=officer).get_json() == []
    assert len(client.get(bulletin.inbox, headers=viewer).get_json()) == 1


def test_an_announce_job_run_twice_delivers_once(
    app: Flask, client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    officer = _member(database, bulletin.commune, "officer")
    notice = _post(client, bulletin, "Kiểm tra cư trú tháng này")
    run_due_jobs(app)
    # A second delivery of the same work, as after a worker crash.
    with f.in_commune(database, bulletin.commune) as db:
        db.add(Job(name="bulletin.announce", arguments={"notice_id": notice["id"]}))
        db.commit()

    run_due_jobs(app)

    assert [
        n["id"] for n in client.get(bulletin.inbox, headers=officer).get_json()
    ] == [notice["id"]]


def test_with_announce_off_a_notice_is_delivered_to_nobody(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    quiet = _bulletin_in(database, "05089", announce=False)
    officer = _member(database, quiet.commune, "officer")

    _post(client, quiet, "Chỉ để trên bảng tin")
    run_due_jobs(app)

    assert _jobs(database, quiet.commune, "bulletin.announce") == []
    assert client.get(quiet.inbox, headers=officer).get_json() == []
    assert client.get(quiet.inbox, headers=quiet.chief).get_json() == []
    [listed] = client.get(quiet.notices, headers=officer).get_json()
    assert listed["announced_at"] is None


# -- removing old notices: the expire job --------------------------------------


def test_expire_removes_unpinned_notices_older_than_keep_days_and_keeps_pinned(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    bulletin = _bulletin_in(database, "05089", keep_days=30, announce=False)
    old = _post(client, bulletin, "Cũ")
    old_pinned = _post(client, bulletin, "Cũ nhưng ghim", pinned=True)
    recent = _post(client, bulletin, "Còn mới")
    _age(database, bulletin.commune, old["id"], days=31)
    _age(database, bulletin.commune, old_pinned["id"], days=400)
    _age(database, bulletin.commune, recent["id"], days=29)

    assert fan_out_in(app, "bulletin.expire") == 1
    run_due_jobs(app)

    [expire] = _jobs(database, bulletin.commune, "bulletin.expire")
    assert expire.status is JobStatus.DONE
    assert _titles(database, bulletin.commune) == {"Cũ nhưng ghim", "Còn mới"}


def test_expire_keeps_each_communes_own_number_of_days(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    brief = _bulletin_in(database, "05089", keep_days=7, announce=False)
    patient = _bulletin_in(database, "05098", keep_days=365, announce=False)
    for place in (brief, patient):
        notice = _post(client, place, "Một tháng trước")
        _age(database, place.commune, notice["id"], days=30)

    fan_out_in(app, "bulletin.expire")
    run_due_jobs(app)

    assert _titles(database, brief.commune) == set()
    assert _titles(database, patient.commune) == {"Một tháng trước"}


# -- the hooks that take a commune -------------------------------------------


def test_timeline_shows_the_notices_about_a_person(
    app: Flask, bulletin: Bulletin, in_commune: Any
) -> None:
    person, someone_else = uuid.uuid4(), uuid.uuid4()
    in_commune.add_all(
        [
            _notice("Đã đến làm việc tại trụ sở", subject_id=person),
            _notice("Về người khác", subject_id=someone_else),
            _notice("Chung cho cả xã"),
        ]
    )
    in_commune.commit()
    host: PluginHost = app.extensions["binhyen.plugins"]

    answered = host.call_enabled(
        in_commune, "binhyen_timeline", commune=bulletin.commune, person_id=person
    )

    [(owner, entry)] = host.flatten(answered)
    assert owner == "bulletin"
    assert entry.summary == "Đã đến làm việc tại trụ sở"
    assert (entry.kind, entry.permission) == ("bulletin.notice", "bulletin:read")
    assert entry.at.tzinfo is not None


def test_metrics_count_the_notices_posted_in_the_period(
    app: Flask, database: Database, bulletin: Bulletin, in_commune: Any
) -> None:
    in_commune.add_all([_notice("Hôm nay"), _notice("Cũng hôm nay")])
    long_ago = _notice("Năm ngoái")
    in_commune.add(long_ago)
    in_commune.commit()
    _age(database, bulletin.commune, long_ago.id, days=365)
    host: PluginHost = app.extensions["binhyen.plugins"]
    today = utcnow().date()

    def posted(start_days_ago: int, end_days_ago: int) -> int:
        answered = host.call_enabled(
            in_commune,
            "binhyen_metrics",
            commune=bulletin.commune,
            start=today - timedelta(days=start_days_ago),
            end=today - timedelta(days=end_days_ago),
        )
        figures = {m.key: m.value for _owner, m in host.flatten(answered)}
        return figures["bulletin.posted"]

    assert posted(start_days_ago=7, end_days_ago=-1) == 2
    assert posted(start_days_ago=400, end_days_ago=-1) == 3
    assert posted(start_days_ago=400, end_days_ago=7) == 1


def test_a_person_moving_away_takes_the_notices_about_them_away(
    app: Flask, database: Database, bulletin: Bulletin, in_commune: Any
) -> None:
    person = uuid.uuid4()
    in_commune.add_all(
        [
            _notice("Về người đã chuyển đi", subject_id=person),
            _notice("Về người khác", subject_id=uuid.uuid4()),
        ]
    )
    in_commune.commit()
    host: PluginHost = app.extensions["binhyen.plugins"]

    def tell(kind: str) -> None:
        event = Event(kind, subject_id=person)
        host.call_enabled(
            in_commune, "binhyen_on_event", commune=bulletin.commune, event=event
        )
        in_commune.commit()

    tell("tier_changed")
    assert len(_titles(database, bulletin.commune)) == 2
    tell("person_moved")
    assert _titles(database, bulletin.commune) == {"Về người khác"}


def test_a_message_from_core_becomes_a_pinned_notice_in_every_inbox(
    app: Flask, client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    officer = _member(database, bulletin.commune, "officer")
    host: PluginHost = app.extensions["binhyen.plugins"]

    with app.app_context(), f.in_commune(database, bulletin.commune) as db:
        host.call_enabled(
            db,
            "binhyen_notify",
            commune=bulletin.commune,
            topic="break_glass.request",
            title="Yêu cầu truy cập khẩn cấp một hồ sơ",
            text="Trưởng Công an xã xem lý do và quyết định.",
        )
        db.commit()
    run_due_jobs(app)

    [notice] = client.get(bulletin.inbox, headers=officer).get_json()
    assert notice["title"] == "Yêu cầu truy cập khẩn cấp một hồ sơ"
    assert notice["pinned"] is True


def test_the_bulletin_offers_a_menu_item_that_leads_to_its_page(
    app: Flask, bulletin: Bulletin
) -> None:
    host: PluginHost = app.extensions["binhyen.plugins"]

    offered = host.flatten(
        host.call_each("binhyen_menu_items", commune=bulletin.commune)
    )

    [item] = [item for owner, item in offered if owner == "bulletin"]
    assert (item.label_en, item.permission) == ("Bulletin", "bulletin:read")
    with app.test_request_context():
        address = url_for(item.endpoint, commune=bulletin.commune.slug)
    assert address == f"/c/{bulletin.commune.slug}/bulletin/"


# -- the page -----------------------------------------------------------------


def test_the_page_shows_the_notices_to_a_signed_in_member(
    client: FlaskClient, bulletin: Bulletin
) -> None:
    _post(client, bulletin, "Họp giao ban thứ Hai", body="Tại trụ sở Công an xã.")
    _post(client, bulletin, "Số điện thoại trực ban", pinned=True)
    page_url = f"/c/{bulletin.commune.slug}/bulletin/"
    assert client.get(page_url).status_code == 302

    signed = sign_in(client, bulletin.staffed.chief.username, f.PASSWORD)
    assert signed.status_code == 302
    page = client.get(page_url)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert bulletin.commune.name in html
    assert "Tại trụ sở Công an xã." in html
    assert html.index("Số điện thoại trực ban") < html.index("Họp giao ban thứ Hai")


def test_a_notice_is_posted_on_the_page_and_a_refusal_keeps_what_was_typed(
    client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    from tests.conftest import csrf_from

    page_url = f"/c/{bulletin.commune.slug}/bulletin/"
    chief = bulletin.staffed.chief
    assert sign_in(client, chief.username, f.PASSWORD).status_code == 302
    page = client.get(page_url)
    assert f'action="{page_url}"' in page.text
    csrf = csrf_from(page.text)

    refused = client.post(
        page_url, data={"title": "", "body": "Nội dung giữ lại", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert 'id="e-title"' in refused.text and "Nội dung giữ lại" in refused.text
    posted = client.post(
        page_url,
        data={
            "title": "Lịch trực tuần này",
            "body": "Đồng chí Thắng trực thứ Bảy.",
            "pinned": "true",
            "pinned__present": "1",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )
    assert "Đã đăng thông báo." in posted.text and "Lịch trực tuần này" in posted.text
    with database.session() as db:
        bind_tenant(db, bulletin.commune.id)
        (notice,) = db.scalars(select(Notice)).all()
        assert notice.pinned and notice.body == "Đồng chí Thắng trực thứ Bảy."

    # A viewer reads the board but gets no form and may not post.
    viewer, _secret = f.member(database, bulletin.staffed, "viewer")
    reader = client.application.test_client()
    assert sign_in(reader, viewer.username, f.PASSWORD).status_code == 302
    seen = reader.get(page_url)
    assert seen.status_code == 200 and "Lịch trực tuần này" in seen.text
    assert f'action="{page_url}"' not in seen.text
    denied = reader.post(
        page_url, data={"title": "x", "csrf_token": csrf_from(seen.text)}
    )
    assert denied.status_code == 403


def test_the_page_is_refused_to_a_member_of_another_commune(
    client: FlaskClient, database: Database, bulletin: Bulletin
) -> None:
    neighbour = _bulletin_in(database, "05098")

    signed = sign_in(client, neighbour.staffed.chief.username, f.PASSWORD)
    assert signed.status_code == 302

    assert client.get(f"/c/{bulletin.commune.slug}/bulletin/").status_code == 403
    assert client.get(f"/c/{neighbour.commune.slug}/bulletin/").status_code == 200
