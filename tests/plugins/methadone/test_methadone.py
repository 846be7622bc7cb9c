"""Methadone treatment end to end: enrolment and doses, a day entered for many
people, a point's CSV export imported whole or not at all, the missed-dose
rules reaching the officer, adherence, who sees doses, and a commune that
has not switched the plugin on."""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database, local_today, stamp
from core.identity import authn
from core.jobs.models import Job
from core.jobs.schedule import fan_out_in
from core.plugin_host.models import CommunePlugin
from plugins.methadone import attendance, rules
from plugins.methadone.models import (
    Attendance,
    AttendanceImport,
    Enrolment,
    ImportStatus,
)
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.support.jobs import run_due_jobs

TODAY = local_today()
CODE = "CP-0042"


@dataclass
class Clinic:
    """A commune running the plugin, a dispensing point, a person enrolled
    there 40 days ago, and the staff: chief, health worker, officer."""

    staffed: f.Staffed
    person_id: str
    point_id: str
    enrolment_id: str
    health: str
    officer: str

    @property
    def base(self) -> str:
        return f"/api/v1/c/{self.staffed.commune.slug}/methadone"

    @property
    def enrolment(self) -> str:
        return f"{self.base}/persons/{self.person_id}/enrolments/{self.enrolment_id}"

    @property
    def point(self) -> str:
        return f"{self.base}/points/{self.point_id}"


def _post(client: FlaskClient, url: str, token: str, body: Any) -> Any:
    answer = client.post(url, json=body, headers=f.bearer(token))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.fixture
def clinic(client: FlaskClient, database: Database) -> Clinic:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "methadone")
        person = f.person(db, "Xa Văn Toản")
        db.commit()
    _health, health = f.member(database, staffed, "health_worker")
    _officer, officer = f.mentor(database, staffed, person.id)
    base = f"/api/v1/c/{staffed.commune.slug}/methadone"
    point = _post(
        client, f"{base}/points", health, {"name": "Cơ sở Methadone Cao Phong"}
    )
    enrolled = _post(
        client,
        f"{base}/persons/{person.id}/enrolments",
        health,
        {
            "point_id": point["id"],
            "patient_code": CODE.lower(),
            "started_on": (TODAY - timedelta(days=40)).isoformat(),
            "dose_mg": 30,
        },
    )
    return Clinic(staffed, str(person.id), point["id"], enrolled["id"], health, officer)


def _csv(*lines: str, header: str = "ho_ten,patient_code,date,status,dose_mg") -> Any:
    text = "\n".join((header, *lines)) + "\n"
    return {"file": (io.BytesIO(text.encode("utf-8-sig")), "xuat-thang-3.csv")}


def _import(client: FlaskClient, clinic: Clinic, data: Any) -> Any:
    return client.post(
        f"{clinic.point}/imports",
        data=data,
        content_type="multipart/form-data",
        headers=f.bearer(clinic.health),
    )


def _month(missed_last: int, days: int = 30) -> list[str]:
    """A month of the point's export for the person: doses, then the last
    ``missed_last`` days missed. Names in the export are never kept."""
    lines = []
    for back in range(days, 0, -1):
        day = TODAY - timedelta(days=back)
        missed = back <= missed_last
        status, dose = ("missed", "") if missed else ("taken", "60")
        lines.append(f"Xa Văn Toản,{CODE},{day:%d/%m/%Y},{status},{dose}")
    return lines


def _items(client: FlaskClient, clinic: Clinic, token: str) -> list[Any]:
    answer = client.get(
        f"/api/v1/c/{clinic.staffed.commune.slug}/work-items/", headers=f.bearer(token)
    )
    assert answer.status_code == 200
    return [i for i in answer.get_json() if i["origin"] == "methadone"]


def _days_recorded(database: Database, clinic: Clinic) -> int:
    with f.in_commune(database, clinic.staffed.commune) as db:
        return len(db.scalars(select(Attendance)).all())


# -- enrolment and doses ----------------------------------------------------------


def test_the_health_team_enrols_and_changes_doses_and_officers_see_no_dose(
    client: FlaskClient, clinic: Clinic
) -> None:
    again = client.post(
        f"{clinic.base}/persons/{clinic.person_id}/enrolments",
        json={
            "point_id": clinic.point_id,
            "patient_code": "CP-0043",
            "started_on": TODAY.isoformat(),
            "dose_mg": 30,
        },
        headers=f.bearer(clinic.health),
    )
    assert again.status_code == 409
    changed = client.post(
        f"{clinic.enrolment}/doses",
        json={
            "changed_on": (TODAY - timedelta(days=20)).isoformat(),
            "phase": "maintenance",
            "dose_mg": 60,
            "reason": "Hết triệu chứng cai, ngủ tốt",
        },
        headers=f.bearer(clinic.health),
    )
    assert changed.status_code == 201, changed.get_json()

    full = client.get(clinic.enrolment, headers=f.bearer(clinic.health)).get_json()
    assert (full["phase"], full["dose_mg"], full["patient_code"]) == (
        "maintenance",
        60,
        CODE,
    )
    history = client.get(f"{clinic.enrolment}/doses", headers=f.bearer(clinic.health))
    assert [d["dose_mg"] for d in history.get_json()] == [60, 30]
    assert history.get_json()[0]["reason"] == "Hết triệu chứng cai, ngủ tốt"

    seen = client.get(clinic.enrolment, headers=f.bearer(clinic.officer)).get_json()
    assert seen["phase"] == "maintenance"
    assert "dose_mg" not in seen and "patient_code" not in seen
    refused = client.get(f"{clinic.enrolment}/doses", headers=f.bearer(clinic.officer))
    assert refused.status_code == 403


# -- attendance in batches ---------------------------------------------------------


def test_a_month_imported_from_csv_brings_the_missed_dose_alert_to_the_officer(
    app: Flask, client: FlaskClient, database: Database, clinic: Clinic
) -> None:
    imported = _import(client, clinic, _csv(*_month(missed_last=3)))
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json() == {"recorded": 30}
    run_due_jobs(app)

    [alert] = _items(client, clinic, clinic.officer)
    assert (alert["kind"], alert["subject_id"]) == (
        "methadone_missed_doses",
        clinic.enrolment_id,
    )
    days = client.get(
        f"{clinic.enrolment}/attendance", headers=f.bearer(clinic.officer)
    ).get_json()
    assert [d["status"] for d in days[:4]] == ["missed"] * 3 + ["taken"]
    assert all(set(d) == {"day", "status"} for d in days)

    # The same file again records nothing twice and alerts nobody twice;
    # two more missed days call for re-induction.
    _import(client, clinic, _csv(*_month(missed_last=3)))
    again = _import(client, clinic, _csv(*_month(missed_last=5, days=5)))
    assert again.status_code == 201
    run_due_jobs(app)
    assert _days_recorded(database, clinic) == 30
    kinds = sorted(i["kind"] for i in _items(client, clinic, clinic.officer))
    assert kinds == ["methadone_missed_doses", "methadone_reinduction"]
    desk = _items(client, clinic, clinic.health)
    assert [i["kind"] for i in desk] == ["methadone_reinduction"]
    enrolled = client.get(clinic.enrolment, headers=f.bearer(clinic.health))
    assert enrolled.get_json()["reinduction_due"] is True
    timeline = client.get(
        f"/api/v1/c/{clinic.staffed.commune.slug}/persons/{clinic.person_id}/timeline",
        headers=f.bearer(clinic.officer),
    ).get_json()
    summaries = [e["summary"] for e in timeline if e["source"] == "methadone"]
    assert "Bỏ uống thuốc 3 ngày liên tiếp" in summaries
    assert not any("60" in summary for summary in summaries)

    # A dose taken again settles the officer's alert.
    back = client.post(
        f"{clinic.point}/attendance",
        json={
            "date": TODAY.isoformat(),
            "rows": [{"patient_code": CODE, "status": "taken", "dose_mg": 60}],
        },
        headers=f.bearer(clinic.health),
    )
    assert back.status_code == 201, back.get_json()
    run_due_jobs(app)
    left = [i["kind"] for i in _items(client, clinic, clinic.officer)]
    assert left == ["methadone_reinduction"]


def test_a_malformed_file_is_refused_whole_with_an_error_for_each_line(
    client: FlaskClient, database: Database, clinic: Clinic
) -> None:
    tomorrow = TODAY + timedelta(days=1)
    good = _month(missed_last=0, days=3)
    bad = _import(
        client,
        clinic,
        _csv(
            *good,
            f"Xa Văn Toản,{CODE},31/02/2026,taken,60",
            f"Xa Văn Toản,{CODE},{tomorrow:%d/%m/%Y},taken,60",
            f"Người khác,CP-9999,{TODAY - timedelta(days=1):%d/%m/%Y},taken,60",
            f"Xa Văn Toản,{CODE},{TODAY - timedelta(days=2):%d/%m/%Y},drunk,",
            f"Xa Văn Toản,{CODE},{TODAY - timedelta(days=3):%d/%m/%Y},taken",
            good[0],
        ),
    )

    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"
    errors = {e["field"]: e["message"] for e in bad.get_json()["errors"]}
    assert set(errors) == {
        "rows[3].date",
        "rows[4].date",
        "rows[5].patient_code",
        "rows[6].status",
        "rows[7]",
        "rows[8].date",
    }
    # In the caller's language, Vietnamese unless they ask for another.
    assert errors["rows[3].date"].startswith("Dòng 5: ")
    assert "rows[0]" in errors["rows[8].date"]
    body = bad.get_data(as_text=True)
    assert "CP-9999" not in body and "Xa Văn Toản" not in body
    assert _days_recorded(database, clinic) == 0

    for data, problem in (
        (_csv(*good, header="code,day,what"), "No column patient_code."),
        (
            {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
            "Không phải văn bản UTF-8.",
        ),
    ):
        refused = _import(client, clinic, data)
        assert refused.status_code == 422
        assert problem in [e["message"] for e in refused.get_json()["errors"]]
    assert _days_recorded(database, clinic) == 0


def test_a_day_for_many_people_is_entered_at_once_or_not_at_all(
    client: FlaskClient, database: Database, clinic: Clinic
) -> None:
    with f.in_commune(database, clinic.staffed.commune) as db:
        other = f.enrolment(
            db, point_id=uuid.UUID(clinic.point_id), started_on=TODAY
        ).person_id
        db.commit()
    rows: list[dict[str, Any]] = [
        {"person_id": clinic.person_id, "status": "taken", "dose_mg": 30},
        {"person_id": str(other), "status": "missed", "dose_mg": 30},
        {"person_id": str(uuid.uuid4()), "status": "taken"},
    ]
    day = {"date": TODAY.isoformat()}

    refused = client.post(
        f"{clinic.point}/attendance",
        json={**day, "rows": rows},
        headers=f.bearer(clinic.health),
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {
        "rows[1].dose_mg",
        "rows[2].person_id",
    }
    assert _days_recorded(database, clinic) == 0

    rows[1].pop("dose_mg")
    recorded = client.post(
        f"{clinic.point}/attendance",
        json={**day, "rows": rows[:2]},
        headers=f.bearer(clinic.health),
    )
    assert recorded.get_json() == {"recorded": 2}
    officer = client.post(
        f"{clinic.point}/attendance",
        json={**day, "rows": rows[:1]},
        headers=f.bearer(clinic.officer),
    )
    assert officer.status_code == 403


# -- the rules as settings, adherence, and a commune without the plugin ----------


def test_the_rules_follow_the_communes_settings_and_mark_a_drop_out_once(
    app: Flask, client: FlaskClient, database: Database, clinic: Clinic
) -> None:
    with f.in_commune(database, clinic.staffed.commune) as db:
        switch = db.scalars(select(CommunePlugin)).one()
        switch.settings = {"alert_after_missed": 2, "dropout_after_days": 10}
        db.commit()
    # The last dose 12 days ago, two missed days after it, nothing since.
    lines = [
        f"Xa Văn Toản,{CODE},{TODAY - timedelta(days=back):%d/%m/%Y},{status},"
        for back, status in ((12, "taken"), (11, "missed"), (10, "missed"))
    ]
    _import(client, clinic, _csv(*lines))
    run_due_jobs(app)

    assert fan_out_in(app, rules.EVALUATE_JOB) == 1
    run_due_jobs(app)

    kinds = sorted(i["kind"] for i in _items(client, clinic, clinic.officer))
    assert kinds == ["methadone_dropout", "methadone_missed_doses"]
    ended = client.get(clinic.enrolment, headers=f.bearer(clinic.health)).get_json()
    assert (ended["status"], ended["ended_on"]) == ("dropped_out", TODAY.isoformat())


def test_adherence_is_counted_per_person_and_per_point_over_a_period(
    client: FlaskClient, clinic: Clinic
) -> None:
    _import(client, clinic, _csv(*_month(missed_last=2, days=10)))
    period = {
        "start": (TODAY - timedelta(days=10)).isoformat(),
        "end": TODAY.isoformat(),
    }

    person = client.get(
        f"{clinic.base}/persons/{clinic.person_id}/adherence",
        query_string=period,
        headers=f.bearer(clinic.officer),
    ).get_json()
    point = client.get(
        f"{clinic.point}/adherence",
        query_string=period,
        headers=f.bearer(clinic.health),
    ).get_json()

    expected = {"people": 1, "days": 10, "taken": 8, "missed": 2, "unrecorded": 0}
    assert {k: person[k] for k in expected} == expected
    assert person["rate"] == 0.8
    assert point == person
    refused = client.get(
        f"{clinic.point}/adherence",
        query_string=period,
        headers=f.bearer(clinic.officer),
    )
    assert refused.status_code == 403
    backwards = client.get(
        f"{clinic.point}/adherence",
        query_string={"start": period["end"], "end": period["start"]},
        headers=f.bearer(clinic.health),
    )
    assert backwards.status_code == 422


def test_a_commune_without_the_plugin_sees_none_of_its_routes(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    elsewhere = f.staffed_commune(database, "05098")
    with f.in_commune(database, elsewhere.commune) as db:
        person = f.person(db)
        db.commit()
    base = f"/api/v1/c/{elsewhere.commune.slug}/methadone"

    for path in ("/points", f"/persons/{person.id}/enrolments"):
        answer = client.get(base + path, headers=f.bearer(elsewhere.token))
        assert answer.status_code == 404, path
    made = client.post(
        f"{base}/points", json={"name": "Cơ sở"}, headers=f.bearer(elsewhere.token)
    )
    assert made.status_code == 404
    assert fan_out_in(app, rules.EVALUATE_JOB) == 0


def test_a_methadone_case_asks_the_health_desk_to_enrol_the_person(
    client: FlaskClient, database: Database, clinic: Clinic
) -> None:
    with f.in_commune(database, clinic.staffed.commune) as db:
        newcomer = f.person(db, "Đinh Công Lực")
        db.commit()
    opened = client.post(
        f"/api/v1/c/{clinic.staffed.commune.slug}/persons/{newcomer.id}/cases/",
        json={
            "kind": "methadone_treatment",
            "decision_number": "31/QĐ-UBND",
            "decision_on": (TODAY - timedelta(days=1)).isoformat(),
            "decided_by": "Chủ tịch UBND xã",
        },
        headers=f.bearer(clinic.staffed.token),
    )
    assert opened.status_code == 201, opened.get_json()
    [ask] = _items(client, clinic, clinic.health)
    assert (ask["kind"], ask["person"]["id"]) == ("methadone_enrol", str(newcomer.id))

    _post(
        client,
        f"{clinic.base}/persons/{newcomer.id}/enrolments",
        clinic.health,
        {
            "point_id": clinic.point_id,
            "patient_code": "CP-0044",
            "started_on": TODAY.isoformat(),
            "dose_mg": 20,
        },
    )
    assert _items(client, clinic, clinic.health) == []


# -- the health team's pages --------------------------------------------------------


def _desk(app: Flask, database: Database, clinic: Clinic) -> tuple[FlaskClient, str]:
    """A browser signed in as a health worker, on the point's day page."""
    worker, _token = f.member(database, clinic.staffed, "health_worker")
    browser = app.test_client()
    assert sign_in(browser, worker.username, f.PASSWORD).status_code == 302
    return (
        browser,
        f"/c/{clinic.staffed.commune.slug}/methadone/points/{clinic.point_id}",
    )


def test_a_day_at_the_point_is_recorded_on_one_screen_or_not_at_all(
    app: Flask, database: Database, clinic: Clinic
) -> None:
    browser, url = _desk(app, database, clinic)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    page = browser.get(f"{url}?day={yesterday}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Xa Văn Toản" in html and 'name="rows[0].status"' in html
    form = {
        "csrf_token": csrf_from(html),
        "day": yesterday,
        "count": "1",
        "rows[0].person_id": clinic.person_id,
        "rows[0].status": "taken",
        "rows[0].dose_mg": "lots",
    }
    refused = browser.post(url, data=form)
    assert refused.status_code == 422
    assert 'id="e-rows[0]"' in refused.get_data(as_text=True)
    assert _days_recorded(database, clinic) == 0

    done = browser.post(url, data={**form, "rows[0].dose_mg": "60"})
    assert done.status_code == 302
    with f.in_commune(database, clinic.staffed.commune) as db:
        day = db.scalars(select(Attendance)).one()
    assert (day.day.isoformat(), day.status.value, day.dose_mg) == (
        yesterday,
        "taken",
        60,
    )
    shown = browser.get(f"{url}?day={yesterday}").get_data(as_text=True)
    assert 'value="taken" selected' in shown


def _day_reads(
    database: Database, clinic: Clinic, reader: uuid.UUID
) -> dict[str, tuple[list[str], dict[str, Any]]]:
    """The audit of the day's page read by ``reader``: fields and details
    by the person read."""
    with f.in_commune(database, clinic.staffed.commune) as db:
        events = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.read",
                AuditEvent.actor_id == reader,
            )
        ).all()
    return {
        str(e.object_id): (e.fields, e.details)
        for e in events
        if e.details.get("part") == "methadone_attendance"
    }


def test_the_day_shows_an_officer_only_the_people_they_reach_and_no_codes(
    app: Flask, client: FlaskClient, database: Database, clinic: Clinic
) -> None:
    with f.in_commune(database, clinic.staffed.commune) as db:
        other = f.person(db, "Bùi Thị Hoà")
        db.commit()
    _post(
        client,
        f"{clinic.base}/persons/{other.id}/enrolments",
        clinic.health,
        {
            "point_id": clinic.point_id,
            "patient_code": "CP-0077",
            "started_on": (TODAY - timedelta(days=10)).isoformat(),
            "dose_mg": 40,
        },
    )
    url = f"/c/{clinic.staffed.commune.slug}/methadone/points/{clinic.point_id}"

    # An officer responsible for one of the two sees that one, by name only.
    officer, _token = f.mentor(database, clinic.staffed, clinic.person_id)
    browser = app.test_client()
    assert sign_in(browser, officer.username, f.PASSWORD).status_code == 302
    page = browser.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Xa Văn Toản" in html
    assert "Bùi Thị Hoà" not in html and str(other.id) not in html
    assert CODE not in html and "CP-0077" not in html
    assert 'name="rows[0].dose_mg"' not in html
    read = _day_reads(database, clinic, officer.id)
    assert set(read) == {clinic.person_id}
    fields, details = read[clinic.person_id]
    assert sorted(fields) == ["full_name", "status"]
    assert details["day"] == TODAY.isoformat()
    assert details["enrolment"] == clinic.enrolment_id

    # The health team sees everyone at the point, with the point's codes.
    worker, _token = f.member(database, clinic.staffed, "health_worker")
    desk = app.test_client()
    assert sign_in(desk, worker.username, f.PASSWORD).status_code == 302
    html = desk.get(url).get_data(as_text=True)
    assert "Xa Văn Toản" in html and "Bùi Thị Hoà" in html
    assert CODE in html and "CP-0077" in html
    read = _day_reads(database, clinic, worker.id)
    assert set(read) == {clinic.person_id, str(other.id)}
    assert all(
        sorted(fields) == ["dose_mg", "full_name", "patient_code", "status"]
        for fields, _details in read.values()
    )


def test_a_points_csv_is_imported_from_the_page_whole_or_refused_line_by_line(
    app: Flask, database: Database, clinic: Clinic
) -> None:
    browser, url = _desk(app, database, clinic)
    csrf = csrf_from(browser.get(url).get_data(as_text=True))
    good = _month(missed_last=0, days=3)
    wrong = _csv(*good, f"Xa Văn Toản,{CODE},31/02/2026,taken,60")
    refused = browser.post(
        f"{url}/imports",
        data={"csrf_token": csrf, **wrong},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    # The wrong line is named in the box at the top, linked to the form.
    assert "Dòng 5: " in refused.get_data(as_text=True)
    assert _days_recorded(database, clinic) == 0

    imported = browser.post(
        f"{url}/imports",
        data={"csrf_token": csrf, **_csv(*good)},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    # Checked while the health worker waited; recorded by a job, which the
    # day's page follows.
    run_due_jobs(app)
    assert _days_recorded(database, clinic) == 3
    page = browser.get(url).get_data(as_text=True)
    assert "đã xong · 3 dòng · đã ghi 3" in page
    assert 'http-equiv="refresh"' not in page
    with f.in_commune(database, clinic.staffed.commune) as db:
        done = db.scalars(select(AttendanceImport)).one()
        # Nothing of the file is kept once it is recorded.
        assert done.content is None and done.progress == 100


def test_an_import_reports_its_progress_chunk_by_chunk_while_the_page_waits(
    app: Flask,
    database: Database,
    clinic: Clinic,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    browser, url = _desk(app, database, clinic)
    commune = clinic.staffed.commune
    # An import checked and waiting for its job: the page shows it waiting
    # and reloads itself until it is done.
    with f.in_commune(database, commune) as db:
        enrolment = db.scalars(select(Enrolment)).one()
        waiting = AttendanceImport(
            point_id=enrolment.point_id,
            lines=3,
            content=json.dumps(
                [[str(enrolment.id), d, "taken", 60] for d in _last_days(3)]
            ).encode(),
            **stamp(authn.operator("tests")),
        )
        db.add(waiting)
        db.commit()
        import_id = waiting.id
    page = browser.get(url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "<progress" in page

    # A line at a time, each chunk's progress committed before the next.
    seen: list[int] = []
    real = attendance.record

    def spied(db: Any, lines: Any, by: Any, **options: Any) -> int:
        with f.in_commune(database, commune) as other:
            row = other.scalars(select(AttendanceImport)).one()
            seen.append(row.progress)
        return real(db, lines, by, **options)

    monkeypatch.setattr(attendance, "CHUNK", 1)
    monkeypatch.setattr(attendance, "record", spied)
    with app.app_context(), f.in_commune(database, commune) as db:
        attendance.import_job(db, commune, str(import_id))
        db.commit()
    assert seen == [0, 33, 66]
    assert _days_recorded(database, clinic) == 3
    # The missed-dose rules are queued once, with the import's end, not once
    # a chunk: no rule judges a person on part of the file.
    with f.in_commune(database, commune) as db:
        queued = db.scalars(select(Job).where(Job.name == rules.EVALUATE_JOB)).all()
        assert len(queued) == 1
        assert queued[0].arguments["enrolment_ids"] == [str(clinic.enrolment_id)]
    with f.in_commune(database, commune) as db:
        done = db.scalars(select(AttendanceImport)).one()
        assert (done.status, done.progress, done.recorded) == (
            ImportStatus.DONE,
            100,
            3,
        )
        assert done.content is None
    page = browser.get(url).get_data(as_text=True)
    assert "đã ghi 3" in page and 'http-equiv="refresh"' not in page


def _last_days(count: int) -> list[str]:
    return [(TODAY - timedelta(days=back)).isoformat() for back in range(count, 0, -1)]


def test_the_chiefs_dashboard_shows_the_plugins_figure_linked_to_its_list(
    app: Flask, database: Database, clinic: Clinic
) -> None:
    browser = app.test_client()
    chief = clinic.staffed.chief
    assert sign_in(browser, chief.username, f.PASSWORD).status_code == 302
    slug = clinic.staffed.commune.slug
    page = browser.get(f"/c/{slug}/").get_data(as_text=True)
    linked = re.search(
        rf'<dt><a href="/c/{slug}/methadone/">Người điều trị Methadone</a></dt>'
        r"<dd>(\d+)</dd>",
        page,
    )
    assert linked, "the figure is missing or not linked to the points"
    assert linked.group(1) == "1"
    assert f'href="/c/{slug}/figures"' in page
