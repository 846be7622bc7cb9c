"""A commune starting Methadone from the pages alone: the health team adds a
dispensing point and enrols a person there, the API's refusals shown beside
their fields with nothing written, and an officer neither shown the forms
nor let through them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database, local_today
from plugins.methadone.models import DispensingPoint, Enrolment
from tests import factories as f
from tests.conftest import csrf_from, sign_in

TODAY = local_today()
POINT = "Cơ sở Methadone Cao Phong"


@dataclass
class Fresh:
    """A commune that has just switched Methadone on: no point, one person."""

    staffed: f.Staffed
    person_id: str

    @property
    def pages(self) -> str:
        return f"/c/{self.staffed.commune.slug}/methadone"


@pytest.fixture
def fresh(database: Database) -> Fresh:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "methadone")
        person = f.person(db, "Xa Văn Toản")
        db.commit()
    return Fresh(staffed, str(person.id))


def _browser(app: Flask, database: Database, fresh: Fresh, role: str) -> FlaskClient:
    account, _token = f.member(database, fresh.staffed, role)
    browser = app.test_client()
    assert sign_in(browser, account.username, f.PASSWORD).status_code == 302
    return browser


def _points(database: Database, fresh: Fresh) -> list[DispensingPoint]:
    with f.in_commune(database, fresh.staffed.commune) as db:
        return list(db.scalars(select(DispensingPoint)))


def _enrolments(database: Database, fresh: Fresh) -> list[Enrolment]:
    with f.in_commune(database, fresh.staffed.commune) as db:
        return list(db.scalars(select(Enrolment)))


def test_the_health_team_adds_a_point_and_enrols_a_person_from_the_pages(
    app: Flask, database: Database, fresh: Fresh
) -> None:
    browser = _browser(app, database, fresh, "health_worker")
    index = browser.get(f"{fresh.pages}/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "Chưa có cơ sở cấp phát thuốc nào." in html
    assert f'action="{fresh.pages}/points"' in html
    csrf = csrf_from(html)

    # A point without a name is refused beside its field; nothing is added.
    nameless = browser.post(
        f"{fresh.pages}/points", data={"csrf_token": csrf, "address": "Khu 2"}
    )
    assert nameless.status_code == 422
    assert 'id="e-name"' in nameless.get_data(as_text=True)
    assert _points(database, fresh) == []

    added = browser.post(
        f"{fresh.pages}/points",
        data={"csrf_token": csrf, "name": POINT, "address": "Khu 2, thị trấn"},
    )
    assert added.status_code == 302
    [point] = _points(database, fresh)
    assert (point.name, point.address, point.active) == (
        POINT,
        "Khu 2, thị trấn",
        True,
    )
    day_url = f"{fresh.pages}/points/{point.id}"
    assert added.headers["Location"].endswith(day_url)
    listed = browser.get(f"{fresh.pages}/").get_data(as_text=True)
    assert f'href="{day_url}"' in listed and POINT in listed

    # The same name again is the API's conflict.
    twice = browser.post(
        f"{fresh.pages}/points", data={"csrf_token": csrf, "name": POINT}
    )
    assert twice.status_code == 409
    assert len(_points(database, fresh)) == 1

    # The point's page leads to the enrolment form, the point chosen.
    day = browser.get(day_url).get_data(as_text=True)
    assert "Xa Văn Toản" not in day
    form_url = f"{fresh.pages}/enrolments/new?point={point.id}"
    assert f'href="{form_url}"' in day
    page = browser.get(form_url)
    assert page.status_code == 200
    form = page.get_data(as_text=True)
    assert f'<option value="{fresh.person_id}"' in form and "Xa Văn Toản" in form
    assert f'<option value="{point.id}" selected' in form
    with f.in_commune(database, fresh.staffed.commune) as db:
        listings = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "persons.list")
        ).all()
    assert listings and listings[-1].fields == ["full_name"]

    enrolment = {
        "csrf_token": csrf_from(form),
        "person_id": fresh.person_id,
        "point_id": str(point.id),
        "patient_code": "cp-0042",
        "started_on": (TODAY - timedelta(days=2)).isoformat(),
        "phase": "induction",
        "dose_mg": "0",
    }
    # A dose the API refuses is named beside its field; nothing is written.
    refused = browser.post(f"{fresh.pages}/enrolments/new", data=enrolment)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="e-dose_mg"' in html
    assert 'value="cp-0042"' in html  # what was sent is drawn again
    assert _enrolments(database, fresh) == []
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    early = browser.post(
        f"{fresh.pages}/enrolments/new",
        data={**enrolment, "dose_mg": "30", "started_on": tomorrow},
    )
    assert early.status_code == 422
    assert 'id="e-started_on"' in early.get_data(as_text=True)
    assert _enrolments(database, fresh) == []

    done = browser.post(
        f"{fresh.pages}/enrolments/new", data={**enrolment, "dose_mg": "30"}
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith(day_url)
    [started] = _enrolments(database, fresh)
    assert (str(started.person_id), started.patient_code, started.dose_mg) == (
        fresh.person_id,
        "CP-0042",
        30,
    )
    day = browser.get(day_url).get_data(as_text=True)
    assert "Xa Văn Toản" in day and "CP-0042" in day
    assert 'name="rows[0].status"' in day

    # Enrolled already: the API's conflict, and still one enrolment.
    again = browser.post(
        f"{fresh.pages}/enrolments/new",
        data={**enrolment, "dose_mg": "30", "patient_code": "CP-0043"},
    )
    assert again.status_code == 409
    assert 'role="alert"' in again.get_data(as_text=True)
    assert len(_enrolments(database, fresh)) == 1


def test_an_officer_sees_no_form_and_is_refused_when_posting(
    app: Flask, database: Database, fresh: Fresh
) -> None:
    health = _browser(app, database, fresh, "health_worker")
    csrf = csrf_from(health.get(f"{fresh.pages}/").get_data(as_text=True))
    assert (
        health.post(
            f"{fresh.pages}/points", data={"csrf_token": csrf, "name": POINT}
        ).status_code
        == 302
    )
    [point] = _points(database, fresh)

    officer, _token = f.mentor(database, fresh.staffed, fresh.person_id)
    browser = app.test_client()
    assert sign_in(browser, officer.username, f.PASSWORD).status_code == 302
    index = browser.get(f"{fresh.pages}/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert POINT in html
    assert f'action="{fresh.pages}/points"' not in html
    assert "/enrolments/new" not in html
    day = browser.get(f"{fresh.pages}/points/{point.id}")
    assert day.status_code == 200
    assert "/enrolments/new" not in day.get_data(as_text=True)
    csrf = csrf_from(html)

    added = browser.post(
        f"{fresh.pages}/points", data={"csrf_token": csrf, "name": "Trạm khác"}
    )
    assert added.status_code == 403
    assert browser.get(f"{fresh.pages}/enrolments/new").status_code == 403
    enrolled = browser.post(
        f"{fresh.pages}/enrolments/new",
        data={
            "csrf_token": csrf,
            "person_id": fresh.person_id,
            "point_id": str(point.id),
            "patient_code": "CP-0042",
            "started_on": TODAY.isoformat(),
            "phase": "induction",
            "dose_mg": "30",
        },
    )
    assert enrolled.status_code == 403
    assert len(_points(database, fresh)) == 1
    assert _enrolments(database, fresh) == []
