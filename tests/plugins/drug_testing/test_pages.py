"""The health team's drug-testing pages: the tests due, the result form
(refusals beside the fields, nothing written), and a positive result that
reaches the officer's work list and leads there to the person's file."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database, local_today
from core.identity import authn
from core.people.models import Person
from core.worklist.models import WorkItem
from plugins.drug_testing import service
from plugins.drug_testing.models import DrugTest, Status
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.support.jobs import drain

TODAY = local_today()


def _scheduled(database: Database, staffed: f.Staffed, person_id: uuid.UUID) -> str:
    """A test due today, scheduled through the service as the API does."""
    with f.in_commune(database, staffed.commune) as db:
        person = db.get(Person, (staffed.commune.id, person_id))
        assert person is not None
        test = service.schedule(db, person, {"due_on": TODAY}, authn.operator("tests"))
        db.commit()
        return str(test.id)


def _browser(app: Flask, username: str) -> FlaskClient:
    browser = app.test_client()
    assert sign_in(browser, username, f.PASSWORD).status_code == 302
    return browser


FORM = {
    "tested_on": TODAY.isoformat(),
    "place": "Trạm Y tế xã Cao Phong",
    "sample_id": "XN-2026-0143",
    "method": "rapid_urine",
    "substances.heroin_morphine": "negative",
    "substances.methamphetamine": "positive",
    "sampled_by": "Y sĩ Bùi Thị Lan",
    "read_by": "Bác sĩ Hà Văn Minh",
    "basis": "consent",
}


def test_a_positive_result_entered_on_the_page_reaches_the_officers_work_list(
    app: Flask, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "drug_testing")
        person = f.person(db, "Hà Văn Dũng")
        db.commit()
    health, _token = f.member(database, staffed, "health_worker")
    officer, _secret = f.mentor(database, staffed, person.id)
    test_id = _scheduled(database, staffed, person.id)
    slug = staffed.commune.slug

    desk = _browser(app, health.username)
    listed = desk.get(f"/c/{slug}/drug-testing/")
    assert listed.status_code == 200
    form_url = f"/c/{slug}/drug-testing/people/{person.id}/tests/{test_id}/result"
    assert form_url in listed.get_data(as_text=True)
    page = desk.get(form_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    csrf = csrf_from(html)
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version

    # A reading that is not one of the three, and no sample: refused beside
    # both fields, in Vietnamese, and nothing is written.
    wrong = {**FORM, "substances.ketamine": "maybe", "sample_id": ""}
    refused = desk.post(
        form_url, data={**wrong, "csrf_token": csrf, "version": version.group(1)}
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="e-substances.ketamine"' in body and 'id="e-sample_id"' in body
    assert 'value="Trạm Y tế xã Cao Phong"' in body  # what was typed is kept
    with f.in_commune(database, staffed.commune) as db:
        test = db.scalars(select(DrugTest).where(DrugTest.id == uuid.UUID(test_id)))
        assert test.one().status is Status.DUE

    done = desk.post(
        form_url, data={**FORM, "csrf_token": csrf, "version": version.group(1)}
    )
    assert done.status_code == 302
    drain(app)
    with f.in_commune(database, staffed.commune) as db:
        recorded = db.scalars(
            select(DrugTest).where(DrugTest.id == uuid.UUID(test_id))
        ).one()
        assert recorded.status is Status.DONE
        assert recorded.substances is not None
        assert recorded.substances["methamphetamine"] == "positive"
        review = db.scalars(
            select(WorkItem).where(
                WorkItem.kind == service.POSITIVE, WorkItem.assignee_id == officer.id
            )
        ).one()
        reads = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.read")
        ).all()
    assert any((e.details or {}).get("part") == "drug_test" for e in reads)

    # The officer sees the review on the work list; the tap leads through the
    # plugin to the person's file.
    field = _browser(app, officer.username)
    work = field.get(f"/c/{slug}/work/").get_data(as_text=True)
    tap = f"/c/{slug}/drug-testing/work/{review.id}"
    assert tap in work
    led = field.get(tap)
    assert led.status_code == 302
    assert led.headers["Location"].endswith(f"/people/{person.id}#timeline")


def test_the_list_of_tests_due_is_audited_row_by_row_with_the_fields_it_shows(
    app: Flask, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "drug_testing")
        first = f.person(db, "Hà Văn Dũng")
        second = f.person(db, "Lường Thị Nga")
        db.commit()
    tests = {
        str(first.id): _scheduled(database, staffed, first.id),
        str(second.id): _scheduled(database, staffed, second.id),
    }
    health, _token = f.member(database, staffed, "health_worker")

    listed = _browser(app, health.username).get(
        f"/c/{staffed.commune.slug}/drug-testing/"
    )
    assert listed.status_code == 200
    html = listed.get_data(as_text=True)
    assert "Hà Văn Dũng" in html and "Lường Thị Nga" in html
    with f.in_commune(database, staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.read",
                AuditEvent.actor_id == health.id,
            )
        ).all()
    listed_reads = {
        str(e.object_id): e for e in reads if e.details.get("part") == "drug_tests_due"
    }
    assert set(listed_reads) == set(tests)
    for person_id, event in listed_reads.items():
        assert event.object_type == "person"
        assert sorted(event.fields) == ["due_on", "full_name", "reason"]
        assert event.details["test"] == tests[person_id]


def test_the_pages_are_the_health_teams_and_absent_where_the_plugin_is_off(
    app: Flask, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "drug_testing")
        db.commit()
    slug = staffed.commune.slug
    officer, _token = f.member(database, staffed, "officer")
    assert _browser(app, officer.username).get(
        f"/c/{slug}/drug-testing/"
    ).status_code in (403, 404)
    elsewhere = f.staffed_commune(database, "05098")
    chief = _browser(app, elsewhere.chief.username)
    assert chief.get(f"/c/{elsewhere.commune.slug}/drug-testing/").status_code == 404


def test_a_test_is_scheduled_from_the_persons_file_and_called_off_from_the_list(
    app: Flask, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "drug_testing")
        person = f.person(db, "Lường Văn Tâm")
        db.commit()
    health, _token = f.member(database, staffed, "health_worker")
    slug = staffed.commune.slug
    desk = _browser(app, health.username)
    form_url = f"/c/{slug}/drug-testing/people/{person.id}/tests/new"
    # The person's file leads to the form.
    file = desk.get(f"/c/{slug}/people/{person.id}")
    assert f'<a href="{form_url}">Lên lịch xét nghiệm ma túy</a>' in file.text

    form = desk.get(form_url)
    assert form.status_code == 200 and "Lường Văn Tâm" in form.text
    past = desk.post(
        form_url,
        data={"due_on": "2020-01-01", "csrf_token": csrf_from(form.text)},
    )
    assert past.status_code == 422 and 'id="e-due_on"' in past.text
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(DrugTest)).first() is None

    made = desk.post(
        form_url,
        data={
            "due_on": TODAY.isoformat(),
            "note": "Gia đình báo có dấu hiệu sử dụng lại",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert made.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        test = db.scalars(select(DrugTest)).one()
        assert (test.status, test.reason.value) == (Status.DUE, "ad_hoc")
    listed = desk.get(f"/c/{slug}/drug-testing/")
    assert "Lường Văn Tâm" in listed.text
    cancel = f"/c/{slug}/drug-testing/people/{person.id}/tests/{test.id}/cancel"
    assert f'action="{cancel}"' in listed.text

    stale = desk.post(
        cancel, data={"version": "99", "csrf_token": csrf_from(listed.text)}
    )
    assert stale.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(DrugTest)).one().status is Status.DUE
    called_off = desk.post(
        cancel,
        data={"version": str(test.version), "csrf_token": csrf_from(listed.text)},
        follow_redirects=True,
    )
    assert "Đã huỷ xét nghiệm của Lường Văn Tâm." in called_off.text
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(DrugTest)).one().status is Status.CANCELLED

    # An officer, who may not write tests, is refused the form.
    officer, _secret = f.member(database, staffed, "officer")
    assert _browser(app, officer.username).get(form_url).status_code == 403
