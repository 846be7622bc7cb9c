"""Drug testing end to end: schedules by case kind, results as health data
seen by role, positive results sent for review, referrals, and a commune
that has not switched the plugin on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database, local_today
from core.jobs.models import Job
from core.jobs.schedule import fan_out_in
from core.people.models import Person
from core.plugin_host.host import PluginHost
from core.worklist.models import WorkItem
from plugins.drug_testing import service
from plugins.drug_testing.models import Reason
from plugins.drug_testing.schemas import TEST_SUMMARY
from tests import factories as f
from tests.support.jobs import run_due_jobs

TODAY = local_today()
NOTE = "Khai có sử dụng ma túy đá tại nhà bạn hai ngày trước"


@dataclass
class Health:
    """A commune running drug testing, a person in it, and the staff around
    them: the chief, a health worker and the person's officer."""

    staffed: f.Staffed
    person_id: str
    health: str
    officer: str
    officer_id: uuid.UUID

    @property
    def slug(self) -> str:
        return self.staffed.commune.slug

    @property
    def base(self) -> str:
        return f"/api/v1/c/{self.slug}/drug-testing/persons/{self.person_id}"


@pytest.fixture
def world(database: Database) -> Health:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "drug_testing")
        person = f.person(db, "Hà Văn Dũng")
        db.commit()
    _health, health = f.member(database, staffed, "health_worker")
    officer, secret = f.mentor(database, staffed, person.id)
    return Health(staffed, str(person.id), health, secret, officer.id)


def _result(**changes: Any) -> dict[str, Any]:
    return {
        "tested_on": TODAY.isoformat(),
        "place": "Trạm Y tế xã Cao Phong",
        "sample_id": "XN-2026-0142",
        "method": "rapid_urine",
        "substances": {"heroin_morphine": "negative", "methamphetamine": "negative"},
        "sampled_by": "Y sĩ Bùi Thị Lan",
        "read_by": "Bác sĩ Hà Văn Minh",
        "basis": "consent",
        **changes,
    }


def _schedule(client: FlaskClient, world: Health, **body: Any) -> dict[str, Any]:
    made = client.post(
        f"{world.base}/tests",
        json={"due_on": TODAY.isoformat(), **body},
        headers=f.bearer(world.health),
    )
    assert made.status_code == 201, made.get_json()
    return dict(made.get_json())


def _record(client: FlaskClient, world: Health, test_id: str, **changes: Any) -> Any:
    return client.post(
        f"{world.base}/tests/{test_id}/result",
        json=_result(**changes),
        headers=f.bearer(world.health),
    )


def _work(client: FlaskClient, world: Health, token: str, query: str = "") -> Any:
    answer = client.get(
        f"/api/v1/c/{world.slug}/work-items/{query}", headers=f.bearer(token)
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# -- schedules ----------------------------------------------------------------


def test_a_case_kinds_schedule_puts_its_tests_on_the_health_desk_once(
    app: Flask, client: FlaskClient, database: Database, world: Health
) -> None:
    with f.in_commune(database, world.staffed.commune) as db:
        subject = db.get(Person, (world.staffed.commune.id, uuid.UUID(world.person_id)))
        # 95 days into management: the 90-day test is five days overdue.
        f.case(db, subject, decision_on=TODAY - timedelta(days=95))
        db.commit()

    for _run in range(2):
        assert fan_out_in(app, service.RAISE_JOB) == 1
        run_due_jobs(app)

    [due] = client.get(f"{world.base}/tests", headers=f.bearer(world.health)).get_json()
    assert (due["reason"], due["status"]) == ("scheduled", "due")
    assert due["due_on"] == (TODAY - timedelta(days=5)).isoformat()
    [item] = _work(client, world, world.health)
    assert (item["kind"], item["desk"], item["subject_id"]) == (
        "drug_test_due",
        "health",
        due["id"],
    )
    assert item["overdue"] is True

    done = _record(client, world, due["id"])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["outcome"] == "negative"
    assert _work(client, world, world.health) == []
    assert _work(client, world, world.officer) == []


def test_random_tests_fall_on_a_secret_day_of_each_period_within_the_case(
    database: Database, world: Health
) -> None:
    start = date(2026, 1, 1)
    case = SimpleNamespace(id=uuid.uuid4(), start_on=start, end_on=date(2026, 7, 1))
    # Asked every third day and on the last day of each period (a period's
    # day is shown only while it lasts), so a secret day late in a period is
    # seen too.
    asked = sorted({*range(0, 180, 3), 89, 179})
    with f.in_commune(database, world.staffed.commune) as db:
        days = {
            service.dates_due(db, case, 90, Reason.RANDOM, start + timedelta(n), 0)[0]
            for n in asked
            if service.dates_due(db, case, 90, Reason.RANDOM, start + timedelta(n), 0)
        }
        again = service.dates_due(db, case, 90, Reason.RANDOM, date(2026, 6, 29), 99)
        set_days = service.dates_due(db, case, 30, Reason.SCHEDULED, start, 30)

    # One day in each 90-day period, the same however often it is asked.
    first, second = sorted(days)
    assert start <= first < start + timedelta(90) <= second < start + timedelta(180)
    assert second in again
    # Nothing past the end of the case; a set test ends each period.
    assert all(day < case.end_on for day in again)
    assert set_days == [start + timedelta(30)]


# -- results and their review -----------------------------------------------


def test_a_positive_result_reaches_the_officer_and_the_chief_and_leaves_the_tier(
    app: Flask, client: FlaskClient, database: Database, world: Health
) -> None:
    test = _schedule(client, world, note=NOTE)
    positive = _record(
        client,
        world,
        test["id"],
        substances={"methamphetamine": "positive", "heroin_morphine": "negative"},
        basis="summons",
        summons_number="12/GTT-CAX",
    )
    assert positive.status_code == 200, positive.get_json()
    run_due_jobs(app)

    [review] = _work(client, world, world.officer)
    assert (review["kind"], review["origin"]) == ("drug_test_positive", "drug_testing")
    assert review["subject_id"] == test["id"]
    assert review["person"]["id"] == world.person_id
    chief = _work(client, world, world.staffed.token)
    assert [(i["kind"], i["desk"]) for i in chief] == [("drug_test_positive", "chief")]
    with f.in_commune(database, world.staffed.commune) as db:
        [job] = db.scalars(select(Job).where(Job.name == service.REVIEW_JOB)).all()
        assert job.arguments == {"test_id": test["id"]}
        subject = db.get(Person, (world.staffed.commune.id, uuid.UUID(world.person_id)))
        assert subject is not None and subject.tier is None
    # The review job may run again (a retry): nothing is raised twice.
    with f.in_commune(database, world.staffed.commune) as db:
        db.add(Job(name=service.REVIEW_JOB, arguments={"test_id": test["id"]}))
        db.commit()
    run_due_jobs(app)
    with f.in_commune(database, world.staffed.commune) as db:
        kinds = db.scalars(
            select(WorkItem.kind).where(WorkItem.origin == "drug_testing")
        )
        assert sorted(kinds) == [
            "drug_test_due",
            "drug_test_positive",
            "drug_test_positive",
        ]


def test_a_result_that_does_not_hold_together_is_refused_and_the_test_stays_due(
    client: FlaskClient, world: Health
) -> None:
    test = _schedule(client, world)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for changes, field in (
        ({"basis": "summons"}, "summons_number"),
        ({"summons_number": "12/GTT-CAX"}, "summons_number"),
        ({"tested_on": tomorrow}, "tested_on"),
        ({"substances": {"heroin_morphine": "not_tested"}}, "substances"),
        ({"substances": {"alcohol": "positive"}}, "substances.alcohol"),
        ({"method": "guesswork", "place": "  "}, "method"),
    ):
        refused = _record(client, world, test["id"], **changes)
        assert refused.status_code == 422, changes
        assert refused.mimetype == "application/problem+json"
        assert field in {e["field"] for e in refused.get_json()["errors"]}, changes
        assert "12/GTT-CAX" not in refused.get_data(as_text=True)

    [still] = client.get(
        f"{world.base}/tests", headers=f.bearer(world.health)
    ).get_json()
    assert (still["status"], still["outcome"]) == ("due", None)
    done = _record(client, world, test["id"])
    assert done.status_code == 200
    again = _record(client, world, test["id"])
    assert again.status_code == 409


# -- who sees what ---------------------------------------------------------------


def test_officers_see_tested_and_the_outcome_only_unless_the_chief_discloses_more(
    client: FlaskClient, database: Database, world: Health
) -> None:
    done = _schedule(client, world, note=NOTE)
    _record(client, world, done["id"])
    due = _schedule(client, world, due_on=(TODAY + timedelta(days=3)).isoformat())
    tests, officer = f"{world.base}/tests", f.bearer(world.officer)

    full = client.get(tests, headers=f.bearer(world.health)).get_json()
    assert [t["id"] for t in full] == [due["id"], done["id"]]
    assert full[1]["note"] == NOTE
    assert full[1]["substances"]["methamphetamine"] == "negative"
    [summary] = client.get(tests, headers=officer).get_json()
    assert set(summary) == TEST_SUMMARY
    assert (summary["id"], summary["outcome"]) == (done["id"], "negative")
    assert client.get(f"{tests}/{due['id']}", headers=officer).status_code == 404
    one = client.get(f"{tests}/{done['id']}", headers=officer).get_json()
    assert "substances" not in one and "note" not in one

    disclosed = client.post(
        f"{world.base}/disclosures",
        json={
            "officer_id": str(world.officer_id),
            "until": (TODAY + timedelta(days=30)).isoformat(),
            "reason": "Lập hồ sơ đề nghị cai nghiện bắt buộc",
        },
        headers=f.bearer(world.staffed.token),
    )
    assert disclosed.status_code == 201, disclosed.get_json()
    opened = client.get(f"{tests}/{done['id']}", headers=officer).get_json()
    assert opened["note"] == NOTE
    revoked = client.delete(
        f"{world.base}/disclosures/{disclosed.get_json()['id']}",
        headers=f.bearer(world.staffed.token),
    )
    assert revoked.status_code == 204
    closed = client.get(f"{tests}/{done['id']}", headers=officer).get_json()
    assert set(closed) == TEST_SUMMARY

    with f.in_commune(database, world.staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.read",
                AuditEvent.object_id == world.person_id,
            )
        ).all()
    parts = [(r.details["part"], "note" in r.fields) for r in reads]
    assert ("drug_tests", True) in parts and ("drug_tests", False) in parts
    assert ("drug_test", True) in parts and ("drug_test", False) in parts


@pytest.mark.parametrize("role", ["hamlet_member", "committee_member", "viewer"])
def test_other_roles_see_no_test_and_record_none(
    client: FlaskClient, database: Database, world: Health, role: str
) -> None:
    options: dict[str, Any] = {}
    if role == "hamlet_member":
        with f.in_commune(database, world.staffed.commune) as db:
            options["hamlets"] = [f.hamlet(db).id]
            db.commit()
    _account, secret = f.member(database, world.staffed, role, **options)
    listed = client.get(f"{world.base}/tests", headers=f.bearer(secret))
    assert listed.status_code == 403
    made = client.post(
        f"{world.base}/tests",
        json={"due_on": TODAY.isoformat()},
        headers=f.bearer(secret),
    )
    assert made.status_code == 403


def test_an_officer_who_does_not_reach_the_person_finds_nothing(
    client: FlaskClient, database: Database, world: Health
) -> None:
    _schedule(client, world)
    _stranger, secret = f.member(database, world.staffed, "officer")
    assert (
        client.get(f"{world.base}/tests", headers=f.bearer(secret)).status_code == 404
    )


# -- referrals, the timeline, events and the dashboard --------------------------


def test_a_referral_gets_its_determination_and_shows_on_the_timeline(
    app: Flask, client: FlaskClient, database: Database, world: Health
) -> None:
    test = _schedule(client, world)
    _record(client, world, test["id"], substances={"heroin_morphine": "positive"})
    referred = client.post(
        f"{world.base}/referrals",
        json={
            "referred_on": TODAY.isoformat(),
            "facility": "Trung tâm Y tế huyện Cao Phong",
            "test_id": test["id"],
            "note": NOTE,
        },
        headers=f.bearer(world.health),
    )
    assert referred.status_code == 201, referred.get_json()
    url = f"{world.base}/referrals/{referred.get_json()['id']}"
    determined = client.post(
        f"{url}/determination",
        json={"determination": "addicted", "determined_on": TODAY.isoformat()},
        headers=f.bearer(world.health),
    )
    assert determined.status_code == 200, determined.get_json()
    assert (
        client.post(
            f"{url}/determination",
            json={"determination": "addicted", "determined_on": TODAY.isoformat()},
            headers=f.bearer(world.health),
        ).status_code
        == 409
    )

    seen = client.get(url, headers=f.bearer(world.officer)).get_json()
    assert (seen["status"], seen["determination"]) == ("determined", "addicted")
    assert "facility" not in seen and "note" not in seen
    timeline = client.get(
        f"/api/v1/c/{world.slug}/persons/{world.person_id}/timeline",
        headers=f.bearer(world.officer),
    ).get_json()
    mine = [e["summary"] for e in timeline if e["source"] == "drug_testing"]
    assert "Xét nghiệm ma túy: dương tính" in mine
    assert "Kết quả xác định tình trạng nghiện: nghiện" in mine
    assert not any(NOTE in summary for summary in mine)

    host: PluginHost = app.extensions["binhyen.plugins"]
    with f.in_commune(database, world.staffed.commune) as db:
        answered = host.call_enabled(
            db,
            "binhyen_metrics",
            commune=world.staffed.commune,
            start=TODAY,
            end=TODAY + timedelta(days=1),
        )
    figures = {m.key: m.value for _owner, m in host.flatten(answered)}
    assert (
        figures["drug_testing.tests"],
        figures["drug_testing.positive"],
        figures["drug_testing.referrals"],
    ) == (1, 1, 1)


def test_closing_the_case_calls_off_its_due_tests(
    app: Flask, client: FlaskClient, database: Database, world: Health
) -> None:
    with f.in_commune(database, world.staffed.commune) as db:
        subject = db.get(Person, (world.staffed.commune.id, uuid.UUID(world.person_id)))
        case = f.case(db, subject, decision_on=TODAY - timedelta(days=91))
        db.commit()
    fan_out_in(app, service.RAISE_JOB)
    run_due_jobs(app)
    cases = f"/api/v1/c/{world.slug}/persons/{world.person_id}/cases/{case.id}"

    closed = client.post(
        f"{cases}/close",
        json={"outcome": "completed"},
        headers={**f.bearer(world.staffed.token), "If-Match": "*"},
    )

    assert closed.status_code == 200, closed.get_json()
    [test] = client.get(
        f"{world.base}/tests", headers=f.bearer(world.health)
    ).get_json()
    assert test["status"] == "cancelled"
    assert _work(client, world, world.health) == []


def test_a_commune_without_the_plugin_sees_none_of_its_routes(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    elsewhere = f.staffed_commune(database, "05098")
    with f.in_commune(database, elsewhere.commune) as db:
        person = f.person(db)
        f.case(db, person, decision_on=TODAY - timedelta(days=95))
        db.commit()
    base = f"/api/v1/c/{elsewhere.commune.slug}/drug-testing/persons/{person.id}"

    for path in ("/tests", "/referrals", "/disclosures"):
        answer = client.get(base + path, headers=f.bearer(elsewhere.token))
        assert answer.status_code == 404, path
    assert fan_out_in(app, service.RAISE_JOB) == 0
