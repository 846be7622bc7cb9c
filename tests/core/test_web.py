"""The pages: the same rules as the API, refusals beside the field in the
page's language, searches in the form and never in the address."""

from __future__ import annotations

import io
import re
from typing import Any

import marshmallow as ma
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.access.models import Membership
from core.audit.models import AuditEvent
from core.db import Database
from core.mentoring import service as mentoring_service
from core.web.forms import read_form
from core.worklist.models import ItemStatus, WorkItem
from tenants.models import Commune
from tests import factories as f
from tests.conftest import csrf_from, sign_in

PDF = f.PDF_BYTES


def _browser(client: FlaskClient, staffed: f.Staffed) -> tuple[FlaskClient, str]:
    """A browser signed in as the staffed commune's chief, and its CSRF token."""
    assert sign_in(client, staffed.chief.username, f.PASSWORD).status_code == 302
    page = client.get(f"/c/{staffed.commune.slug}/people/new")
    return client, csrf_from(page.get_data(as_text=True))


def _person_url(staffed: f.Staffed, answer: Any) -> str:
    location = answer.headers["Location"]
    assert re.fullmatch(rf"/c/{staffed.commune.slug}/people/[0-9a-f-]{{36}}", location)
    return str(location)


def test_a_file_opened_by_the_form_is_refused_beside_the_field_then_opened(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    browser, csrf = _browser(client, chief)
    url = f"/c/{chief.commune.slug}/people/new"
    refused = browser.post(
        url,
        data={"csrf_token": csrf, "full_name": "Lò Văn Sáng", "national_id": "12345"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="e-national_id"' in page
    assert "Mười hai chữ số." in page  # the API's message, in Vietnamese
    assert 'value="Lò Văn Sáng"' in page  # what was typed is kept
    opened = browser.post(
        url,
        data={
            "csrf_token": csrf,
            "full_name": "Lò Văn Sáng",
            "national_id": "001203112233",
            "date_of_birth": "1995-03-04",
        },
    )
    assert opened.status_code == 302
    file = browser.get(_person_url(chief, opened)).get_data(as_text=True)
    assert "Lò Văn Sáng" in file and "001203112233" in file and "04/03/1995" in file


def test_a_search_posts_its_terms_and_is_audited_without_them(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        f.person(db, "Nguyễn Văn An")
        f.person(db, "Đỗ Thị Hồng")
        db.commit()
    browser, csrf = _browser(client, chief)
    found = browser.post(
        f"/c/{chief.commune.slug}/people/search",
        data={"csrf_token": csrf, "q": "nguyen van"},
    )
    page = found.get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Đỗ Thị Hồng" not in page
    # A page answering a form cannot be drawn again in the other language
    # (it would come back empty), so it offers no switch; the list does.
    assert 'action="/language"' not in page
    listed = browser.get(f"/c/{chief.commune.slug}/people/").text
    assert 'action="/language"' in listed
    with f.in_commune(database, chief.commune) as db:
        searches = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "search")
        ).all()
    assert [s.fields for s in searches] == [["q"]]
    assert "nguyen" not in str([s.details for s in searches])


def test_a_commitment_is_signed_reviewed_and_its_scan_attached_on_the_pages(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        person = f.person(db, "Bùi Văn Lâm")
        db.commit()
    browser, csrf = _browser(client, chief)
    base = f"/c/{chief.commune.slug}/people/{person.id}"
    signed = browser.post(
        base + "/commitments",
        data={
            "csrf_token": csrf,
            "signer_kind": "family",
            "signer_name": "Bùi Thị Mận",
            "signer_relation": "Mẹ",
            "signed_on": "2026-03-01",
            "terms": "Gia đình quản lý, động viên",
            "review_on": "2026-09-01",
        },
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)
    detail = signed.headers["Location"]
    attached = browser.post(
        detail + "/scans",
        data={
            "csrf_token": csrf,
            "file": (io.BytesIO(PDF), "cam-ket.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert attached.status_code == 302, attached.get_data(as_text=True)
    reviewed = browser.post(
        detail + "/reviews",
        data={
            "csrf_token": csrf,
            "reviewed_on": "2026-09-01",
            "outcome": "continued",
            "next_review_on": "2027-03-01",
        },
    )
    assert reviewed.status_code == 302
    page = browser.get(detail).get_data(as_text=True)
    assert "Bùi Thị Mận" in page and "cam-ket.pdf" in page and "01/03/2027" in page
    wrong = browser.post(
        detail + "/reviews",
        data={"csrf_token": csrf, "reviewed_on": "2026-09-02", "outcome": "continued"},
    )
    assert wrong.status_code == 422
    assert 'id="e-next_review_on"' in wrong.get_data(as_text=True)


def test_an_item_of_the_work_list_is_marked_done_from_the_page(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        item = f.work_item(db)
        db.commit()
    browser, csrf = _browser(client, chief)
    listed = browser.get(f"/c/{chief.commune.slug}/work/").get_data(as_text=True)
    assert "Đến hạn gặp gỡ" in listed
    done = browser.post(
        f"/c/{chief.commune.slug}/work/{item.id}",
        data={"csrf_token": csrf, "version": str(item.version), "status": "done"},
    )
    assert done.status_code == 302
    with f.in_commune(database, chief.commune) as db:
        assert db.get(WorkItem, (chief.commune.id, item.id)).status is ItemStatus.DONE


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    browser, _csrf = _browser(client, chief)
    refused = browser.post(
        f"/c/{chief.commune.slug}/people/new", data={"full_name": "Không Được"}
    )
    assert refused.status_code == 403
    with f.in_commune(database, chief.commune) as db:
        assert (
            db.scalars(
                select(AuditEvent).where(AuditEvent.object_type == "person")
            ).all()
            == []
        )


def test_a_hamlet_team_member_lists_only_the_people_of_their_hamlet(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        mine, other = f.hamlet(db, "Xóm Của Tôi"), f.hamlet(db, "Xóm Khác")
        f.person(db, "Người Xóm Tôi", hamlet_id=mine.id)
        f.person(db, "Người Xóm Khác", hamlet_id=other.id)
        db.commit()
        mine_id = mine.id
    member, _token = f.member(database, chief, "hamlet_member", hamlets=[mine_id])
    assert sign_in(client, member.username, f.PASSWORD).status_code == 302
    page = client.get(f"/c/{chief.commune.slug}/people/").get_data(as_text=True)
    assert "Người Xóm Tôi" in page and "Người Xóm Khác" not in page
    assert "Tầng" not in page  # a hamlet team never sees a tier


def test_the_chiefs_home_counts_people_by_tier_each_linked_to_its_list(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        for name in ("Lò Văn Một", "Lò Văn Hai"):
            f.tier_change(db, f.person(db, name), tier=1)
        f.person(db, "Lò Văn Ba")
        db.commit()
    _browser(client, chief)
    slug = chief.commune.slug
    page = client.get(f"/c/{slug}/").get_data(as_text=True)
    tier_one = re.search(
        rf'<a href="/c/{slug}/people/\?tier=1">\s*<span class="bar-label">Tầng 1</span>'
        r'.*?<span class="bar-count">(\d+)</span>',
        page,
        re.S,
    )
    assert tier_one and tier_one.group(1) == "2"
    listed = client.get(f"/c/{slug}/people/?tier=1").get_data(as_text=True)
    assert "Lò Văn Một" in listed and "Lò Văn Hai" in listed
    assert "Lò Văn Ba" not in listed


def test_the_persons_page_audits_every_part_it_shows_as_the_api_does(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        subject = f.person(db, "Đinh Văn Hùng")
        f.tier_change(db, subject, tier=1)
        f.case(db, subject)
        db.commit()
    assert sign_in(client, chief.chief.username, f.PASSWORD).status_code == 302
    page = client.get(f"/c/{chief.commune.slug}/people/{subject.id}")
    assert page.status_code == 200 and "Đinh Văn Hùng" in page.text
    with f.in_commune(database, chief.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.read",
                AuditEvent.object_id == str(subject.id),
            )
        ).all()
    parts = {event.details["part"]: event.fields for event in reads}
    assert set(parts) >= {
        "file",
        "cases",
        "tiers",
        "assignments",
        "contacts",
        "commitments",
        "support",
        "transfers",
        "timeline",
    }
    assert "reason" in parts["tiers"]
    # The file's "who opened it" shows that opening once, its parts in words.
    again = client.get(f"/c/{chief.commune.slug}/people/{subject.id}").text
    readers = again[again.index('id="readers"') :]
    # One line for the earlier opening, though it recorded nine parts (this
    # opening's reads are written when its page is done).
    assert readers.count("<li>") == 1
    assert "hồ sơ quản lý" in readers and "lịch sử xếp tầng" in readers
    assert "assignments" not in readers
    assert parts["timeline"] == ["case.opened", "tier.changed"]


def test_a_contact_and_a_cases_decision_are_corrected_on_the_pages(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        subject = f.person(db, "Lò Văn Chiến")
        contact = f.contact(db, subject)
        case = f.case(db, subject)
        db.commit()
    browser, _csrf = _browser(client, chief)
    base = f"/c/{chief.commune.slug}/people/{subject.id}"
    file = browser.get(base).get_data(as_text=True)
    assert f'href="{base}/contacts/{contact.id}"' in file
    page = browser.get(f"{base}/contacts/{contact.id}").get_data(as_text=True)
    csrf = csrf_from(page)
    sent = {"csrf_token": csrf, "version": str(contact.version), "channel": "call"}
    refused = browser.post(
        f"{base}/contacts/{contact.id}", data={**sent, "contacted_on": "2026-02-30"}
    )
    assert refused.status_code == 422
    assert 'id="e-contacted_on"' in refused.get_data(as_text=True)
    done = browser.post(
        f"{base}/contacts/{contact.id}", data={**sent, "contacted_on": "2026-02-03"}
    )
    assert done.status_code == 302
    with f.in_commune(database, chief.commune) as db:
        changed = mentoring_service.get_contact(db, subject.id, contact.id)
        assert (changed.channel.value, changed.contacted_on.isoformat()) == (
            "call",
            "2026-02-03",
        )
    # Sent again from the same page, the old version is refused.
    stale = browser.post(
        f"{base}/contacts/{contact.id}", data={**sent, "contacted_on": "2026-02-04"}
    )
    assert stale.status_code == 412

    # A refused correction links each message to its field, prefixed as the
    # correction form draws its fields (the page has a second form).
    blank = browser.post(
        f"{base}/cases/{case.id}/correct",
        data={
            "csrf_token": csrf,
            "version": str(case.version),
            "decision_number": "x" * 61,
            "decided_by": "Chủ tịch UBND xã",
        },
    )
    assert blank.status_code == 422
    assert 'href="#f-c-decision_number"' in blank.text
    assert 'id="f-c-decision_number"' in blank.text

    corrected = browser.post(
        f"{base}/cases/{case.id}/correct",
        data={
            "csrf_token": csrf,
            "version": str(case.version),
            "decision_number": "15/QĐ-UBND",
            "decided_by": "Chủ tịch UBND xã",
        },
    )
    assert corrected.status_code == 302
    shown = browser.get(f"{base}/cases/{case.id}").get_data(as_text=True)
    assert "15/QĐ-UBND" in shown
    # The law is named by its title, not the ruleset's file name.
    assert "Luật Phòng, chống ma túy số" in shown and "law-" not in shown


def test_an_officer_may_correct_only_the_contacts_they_recorded(
    app: Flask, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        subject = f.person(db, "Lò Văn Chiến")
        contact = f.contact(db, subject)  # recorded by someone else
        db.commit()
    officer, _token = f.mentor(database, staffed, subject.id)
    browser = app.test_client()
    assert sign_in(browser, officer.username, f.PASSWORD).status_code == 302
    base = f"/c/{staffed.commune.slug}/people/{subject.id}"
    assert f"{base}/contacts/{contact.id}" not in browser.get(base).get_data(
        as_text=True
    )
    assert browser.get(f"{base}/contacts/{contact.id}").status_code == 403


def test_a_form_posts_lists_by_numbered_names_and_moments_in_vietnam(
    app: Flask,
) -> None:
    class Row(ma.Schema):
        name = ma.fields.String(required=True)
        count = ma.fields.Integer(load_default=0)

    class Sent(ma.Schema):
        rows = ma.fields.List(ma.fields.Nested(Row), load_default=list)
        words = ma.fields.List(ma.fields.String(), load_default=list)
        at = ma.fields.AwareDateTime()

    form = {
        "rows.0.name": "Lớp 8A",
        "rows.0.count": "31",
        "rows.1.name": "",  # a row left empty drops out
        "rows.10.name": "Lớp 9B",
        "rows.2.name": "Lớp 8C",
        "words.0": "tờ rơi",
        "at": "2026-12-10T08:30",
    }
    with app.test_request_context(method="POST", data=form):
        values = read_form(Sent())
    assert [row["name"] for row in values["rows"]] == ["Lớp 8A", "Lớp 8C", "Lớp 9B"]
    assert values["rows"][0]["count"] == 31 and values["words"] == ["tờ rơi"]
    assert values["at"].isoformat() == "2026-12-10T08:30:00+07:00"


def test_a_refused_role_reads_as_an_error_and_a_given_one_as_done(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with database.session() as db:
        newcomer = f.user(db, "can.bo.moi")
        db.commit()
    assert sign_in(client, chief.chief.username, f.PASSWORD).status_code == 302
    admin = f"/c/{chief.commune.slug}/admin"
    csrf = csrf_from(client.get(admin).text)

    refused = client.post(
        f"{admin}/staff",
        data={"username": "khong.ai", "role": "officer", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert '<p class="alert error" role="alert">' in refused.text
    assert "Không có tài khoản nào tên “khong.ai”" in refused.text
    assert 'class="alert ok"' not in refused.text

    given = client.post(
        f"{admin}/staff",
        data={"username": newcomer.username, "role": "officer", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert '<p class="alert ok" role="status">' in given.text
    assert 'class="alert error"' not in given.text


def test_a_region_admin_onboards_a_commune_and_appoints_its_chief_on_the_pages(
    client: FlaskClient, database: Database
) -> None:
    admin, _secret = f.region_admin(database, "25")
    assert sign_in(client, admin.username, f.PASSWORD).status_code == 302
    region = client.get("/regions/25/")
    assert region.status_code == 200
    onboarded = client.post(
        "/regions/25/communes",
        data={"code": "05266", "csrf_token": csrf_from(region.text)},
        follow_redirects=True,
    )
    assert 'class="alert ok"' in onboarded.text
    with database.session() as db:
        slug = db.scalars(select(Commune.slug).where(Commune.code == "05266")).one()
    # The region's page leads to the new commune's administration.
    assert f'href="/c/{slug}/admin"' in onboarded.text
    admin_page = client.get(f"/c/{slug}/admin")
    assert admin_page.status_code == 200
    assert "Chưa có ai làm việc ở đây." in admin_page.text
    # The region admin may appoint the chief, so the role is offered.
    assert '<option value="commune_chief">' in admin_page.text
    csrf = csrf_from(admin_page.text)

    short = client.post(
        f"/c/{slug}/admin/accounts",
        data={"username": "truong.moi", "full_name": "Lò Văn Mới", "password": "x"},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=True,
    )
    assert 'class="alert error"' in short.text
    made = client.post(
        f"/c/{slug}/admin/accounts",
        data={
            "username": "truong.moi",
            "full_name": "Lò Văn Mới",
            "password": "mat-khau-dau-tien",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )
    assert "Đã tạo tài khoản truong.moi" in made.text
    appointed = client.post(
        f"/c/{slug}/admin/staff",
        data={"username": "truong.moi", "role": "commune_chief", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert 'class="alert ok"' in appointed.text and "Lò Văn Mới" in appointed.text
    with database.session() as db:
        chief = db.scalars(
            select(Membership).where(Membership.role == "commune_chief")
        ).one()

    # The new chief signs in with the first password and lands in the commune.
    newcomer = client.application.test_client()
    assert sign_in(newcomer, "truong.moi", "mat-khau-dau-tien").status_code == 302

    taken = client.post(
        f"/c/{slug}/admin/staff/{chief.id}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Đã thu hồi vai trò." in taken.text
    with database.session() as db:
        assert (
            db.scalars(select(Membership).where(Membership.id == chief.id)).first()
            is None
        )


def test_the_overviews_own_work_counts_the_desks_items_as_the_work_list_does(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    with f.in_commune(database, chief.commune) as db:
        f.work_item(db)  # on the chief's desk, overdue (due 01/03/2026)
        db.commit()
    assert sign_in(client, chief.chief.username, f.PASSWORD).status_code == 302
    slug = chief.commune.slug
    home = client.get(f"/c/{slug}/").text
    overdue = re.search(r'<span class="number">(\d+)</span><span>[^<]*quá hạn', home)
    assert overdue is not None and overdue.group(1) == "1"
    listed = client.get(f"/c/{slug}/work/?overdue=true").text
    assert "Đến hạn gặp gỡ" in listed
