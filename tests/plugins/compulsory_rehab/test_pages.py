"""The compulsory-rehab pages: a dossier walked from its opening to release
by an officer on the pages alone, refusals shown beside their fields in
Vietnamese with nothing written, reads and the summary's download audited,
and the pages closed to a role without the permission and to a commune
that has not switched the plugin on."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.cases.models import Case
from core.db import Database
from plugins.compulsory_rehab import rules
from plugins.compulsory_rehab.models import Document, Dossier, Status
from tests import factories as f
from tests.conftest import csrf_from, sign_in

REQUIRED = tuple(
    d.kind for d in rules.for_ruleset("law-73-2021").documents if d.required
)

SUBMISSION = {
    "submitted_on": "2024-01-10",
    "referral_number": "12/TTr-UBND",
    "referred_by": "Chủ tịch UBND xã",
    "pending_manager": "commune",
}


@dataclass
class Place:
    """A commune running the plugin, its tier-3 person and the officer
    responsible for them, signed in on a browser."""

    staffed: f.Staffed
    person_id: uuid.UUID
    officer: FlaskClient

    @property
    def base(self) -> str:
        return f"/c/{self.staffed.commune.slug}/compulsory-rehab"


def _browser(app: Flask, username: str) -> FlaskClient:
    browser = app.test_client()
    assert sign_in(browser, username, f.PASSWORD).status_code == 302
    return browser


def _place(app: Flask, database: Database, plugin: bool = True) -> Place:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        if plugin:
            f.plugin_on(db, "compulsory_rehab")
        person = f.person(db, "Lường Văn Khánh", date_of_birth=date(1990, 3, 4))
        f.tier_change(db, person, tier=3)
        db.commit()
    officer, _token = f.mentor(database, staffed, person.id)
    return Place(staffed, person.id, _browser(app, officer.username))


def _page(browser: FlaskClient, url: str) -> str:
    answer = browser.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def _post(browser: FlaskClient, url: str, data: dict[str, Any], page: str) -> Any:
    """Post a form drawn on ``page`` (its CSRF token and, when it has one,
    the dossier's version)."""
    sent = {"csrf_token": csrf_from(page), **data}
    version = re.search(r'name="version" value="(\d+)"', page)
    if version and "version" not in data:
        sent["version"] = version.group(1)
    return browser.post(url, data=sent)


def _dossier_row(database: Database, place: Place) -> Dossier:
    with f.in_commune(database, place.staffed.commune) as db:
        row = db.scalars(
            select(Dossier).where(Dossier.person_id == place.person_id)
        ).one()
        db.expunge(row)
        return row


def _open(database: Database, place: Place) -> tuple[str, str]:
    """Open a dossier from the person's dossiers; its page's URL and HTML."""
    mine = _page(place.officer, f"{place.base}/people/{place.person_id}")
    assert "Lường Văn Khánh" in mine
    opened = _post(
        place.officer,
        f"{place.base}/people/{place.person_id}",
        {"opened_on": "2024-01-05"},
        mine,
    )
    assert opened.status_code == 302
    url = f"{place.base}/dossiers/{_dossier_row(database, place).id}"
    assert opened.headers["Location"].endswith(url)
    return url, _page(place.officer, url)


def _scan(
    place: Place, url: str, document_id: uuid.UUID, page: str, data: bytes
) -> Any:
    return place.officer.post(
        f"{url}/documents/{document_id}/scan",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(data), "scan.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )


def _documented(
    database: Database, place: Place, url: str, recorded: tuple[str, ...] = ()
) -> str:
    """Every required document not ``recorded`` yet added through the page,
    then every document scanned; the dossier's page after."""
    page = _page(place.officer, url)
    for kind in REQUIRED:
        if kind in recorded:
            continue
        added = _post(
            place.officer,
            f"{url}/documents",
            {
                "kind": kind,
                "prepared_by": "Nguyễn Văn Tâm",
                "prepared_on": "2024-01-06",
                "confirmed_by": "Công an xã Cao Phong",
            },
            page,
        )
        assert added.status_code == 302, added.get_data(as_text=True)
    with f.in_commune(database, place.staffed.commune) as db:
        documents = db.scalars(select(Document)).all()
    assert sorted(d.kind for d in documents) == sorted(REQUIRED)
    for document in documents:
        assert _scan(place, url, document.id, page, f.PDF_BYTES).status_code == 302
    return _page(place.officer, url)


def _step(place: Place, url: str, step: str, data: dict[str, str]) -> Any:
    return _post(place.officer, f"{url}/steps/{step}", data, _page(place.officer, url))


def test_an_officer_walks_a_dossier_from_opening_to_release_on_the_pages(
    app: Flask, database: Database
) -> None:
    place = _place(app, database)
    listed = _page(place.officer, f"{place.base}/")
    assert "Hồ sơ cai nghiện bắt buộc" in listed  # the menu, in Vietnamese
    assert "Chưa có hồ sơ nào." in listed
    # The tier-3 person waits in the list, which leads to where a dossier opens.
    assert f'href="{place.base}/people/{place.person_id}"' in listed

    url, page = _open(database, place)
    assert "05/01/2024" in page  # dates as people write them here
    assert 'id="submission"' in page
    for kind in REQUIRED:
        assert f'id="f-documents.{kind}"' in page

    page = _documented(database, place, url)
    assert "Chưa có bản quét." not in page
    listed = _page(place.officer, f"{place.base}/")
    assert f"{place.base}/dossiers/" in listed and "Lường Văn Khánh" in listed

    walk = (
        ("submission", SUBMISSION),
        ("hearing", {"hearing_on": "2024-01-22", "court": "TAND khu vực 1"}),
        (
            "decision",
            {
                "decided_on": "2024-01-23",
                "decision_number": "05/QĐ-TA",
                "court": "TAND khu vực 1",
                "term_months": "12",
                "facility": "Cơ sở cai nghiện ma túy số 2",
            },
        ),
        ("admission", {"admitted_on": "2024-01-29"}),
        ("release", {"released_on": "2025-01-29", "certificate_number": "88/GCN"}),
    )
    for step, data in walk:
        taken = _step(place, url, step, data)
        assert taken.status_code == 302, (step, taken.get_data(as_text=True))
        assert taken.headers["Location"].endswith(f"{url}#{step}")

    released = _dossier_row(database, place)
    assert released.status is Status.RELEASED
    assert released.release_due_on == date(2025, 1, 29)
    assert released.post_case_id is not None
    with f.in_commune(database, place.staffed.commune) as db:
        post = db.scalars(select(Case).where(Case.id == released.post_case_id)).one()
        assert post.kind.value == "post_rehab_management"
        assert post.start_on == date(2025, 1, 29)
    page = _page(place.officer, url)
    assert f"/people/{place.person_id}/cases/{released.post_case_id}" in page
    assert 'id="next-h"' not in page  # nothing more to take
    assert "29/01/2025" in page
    # The person's own page leads to the dossier from each step on its timeline.
    slug = place.staffed.commune.slug
    file = _page(place.officer, f"/c/{slug}/people/{place.person_id}")
    assert f'<a href="{url}">Tòa án ra quyết định</a>' in file
    # ...and to all of the person's dossiers, under "In the modules".
    dossiers = f"{place.base}/people/{place.person_id}"
    assert f'<a href="{dossiers}">Hồ sơ cai nghiện bắt buộc</a>' in file


def test_refusals_are_shown_beside_their_fields_in_vietnamese_and_write_nothing(
    app: Flask, database: Database
) -> None:
    place = _place(app, database)
    url, page = _open(database, place)

    # Submitted before any document: each missing one is named beside it.
    early = _step(place, url, "submission", SUBMISSION)
    assert early.status_code == 422
    body = early.get_data(as_text=True)
    statement = body.split('id="f-documents.statement"', 1)[1].split("</li>", 1)[0]
    assert "Bắt buộc; hãy bổ sung kèm bản chụp." in statement
    assert 'value="12/TTr-UBND"' in body  # what was typed is kept

    # The background summary without who confirmed it.
    unconfirmed = _post(
        place.officer,
        f"{url}/documents",
        {
            "kind": "background_summary",
            "prepared_by": "Nguyễn Văn Tâm",
            "prepared_on": "2024-01-06",
        },
        page,
    )
    assert unconfirmed.status_code == 422
    body = unconfirmed.get_data(as_text=True)
    beside = body.split('id="f-confirmed_by"', 1)[1].split("</div>", 1)[0]
    assert 'id="e-confirmed_by"' in beside
    assert "Bắt buộc đối với tài liệu này." in beside

    # A scan that is not a PDF, JPEG or PNG, beside that document's input.
    with_doc = _post(
        place.officer,
        f"{url}/documents",
        {"kind": "statement", "prepared_by": "Lò Thị Hoa", "prepared_on": "2024-01-06"},
        page,
    )
    assert with_doc.status_code == 302
    with f.in_commune(database, place.staffed.commune) as db:
        document = db.scalars(select(Document)).one()
    wrong = _scan(place, url, document.id, page, b"just some words, not a scan")
    assert wrong.status_code == 422
    assert f'id="e-file-{document.id}"' in wrong.get_data(as_text=True)

    # A term outside 12 to 24 months for an adult, beside the term.
    page = _documented(database, place, url, recorded=("statement",))
    submitted = _step(place, url, "submission", SUBMISSION)
    assert submitted.status_code == 302
    too_long = _step(
        place,
        url,
        "decision",
        {
            "decided_on": "2024-01-23",
            "decision_number": "05/QĐ-TA",
            "court": "TAND khu vực 1",
            "term_months": "30",
            "facility": "Cơ sở cai nghiện ma túy số 2",
        },
    )
    assert too_long.status_code == 422
    assert 'id="e-decision-term_months"' in too_long.get_data(as_text=True)

    # A form drawn before someone else changed the dossier.
    stale = _post(
        place.officer,
        f"{url}/steps/hearing",
        {"hearing_on": "2024-01-22", "court": "TAND", "version": "1"},
        page,
    )
    assert stale.status_code == 412
    assert _dossier_row(database, place).status is Status.SUBMITTED


def test_reads_and_the_summarys_download_are_audited(
    app: Flask, database: Database
) -> None:
    place = _place(app, database)
    _url, page = _open(database, place)
    link = re.search(r'href="([^"]+/summary)"', page)
    assert link
    pdf = place.officer.get(link.group(1))
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "no-store" in pdf.headers["Cache-Control"]
    _page(place.officer, f"{place.base}/")

    with f.in_commune(database, place.staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.read",
                AuditEvent.object_id == str(place.person_id),
            )
        ).all()
    parts = {(e.details or {}).get("part") for e in reads}
    assert {
        "compulsory_rehab_dossiers",
        "compulsory_rehab_dossier",
        "compulsory_rehab_documents",
        "compulsory_rehab_summary",
    } <= parts
    shown = next(
        e for e in reads if (e.details or {}).get("part") == "compulsory_rehab_dossier"
    )
    assert "status" in shown.fields


def test_the_pages_speak_english_when_asked(app: Flask, database: Database) -> None:
    place = _place(app, database)
    place.officer.set_cookie("binhyen_lang", "en")
    _url, text = _open(database, place)
    assert "Dossier for compulsory rehabilitation" in text
    assert "Background summary, confirmed by the commune police" in text
    assert "Hồ sơ" not in text


def test_a_role_without_the_permission_and_a_commune_without_the_plugin_are_refused(
    app: Flask, database: Database
) -> None:
    place = _place(app, database)
    url, _page_html = _open(database, place)
    health, _token = f.member(database, place.staffed, "health_worker")
    desk = _browser(app, health.username)
    assert desk.get(f"{place.base}/").status_code in (403, 404)
    assert desk.get(url).status_code in (403, 404)
    answer = desk.post(
        f"{url}/documents",
        data={
            "csrf_token": csrf_from(
                desk.get("/", follow_redirects=True).get_data(as_text=True)
            ),
            "kind": "statement",
            "prepared_by": "X",
            "prepared_on": "2024-01-06",
        },
    )
    assert answer.status_code in (403, 404)
    with f.in_commune(database, place.staffed.commune) as db:
        assert db.scalars(select(Document)).all() == []

    elsewhere = f.staffed_commune(database, "05098")
    chief = _browser(app, elsewhere.chief.username)
    assert (
        chief.get(f"/c/{elsewhere.commune.slug}/compulsory-rehab/").status_code == 404
    )
