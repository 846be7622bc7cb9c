"""Work lists: the daily job raises what is due, once; the work settles it;
each officer sees their own, the chief the commune's; the end of a period
proposes closure to the chief."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.commitments import service as commitment_service
from core.commitments.models import Commitment
from core.db import Database, local_today
from core.identity import authn
from core.jobs import runner
from core.jobs.models import Job
from core.jobs.outbox import enqueue_job
from core.jobs.schedule import periodic_jobs
from core.mentoring import service as mentoring
from core.people.models import Person
from core.worklist import daily
from core.worklist.models import ItemStatus, WorkItem
from tests import factories as f


def _raise(database: Database, staffed: f.Staffed, today: date) -> int:
    session = f.in_commune(database, staffed.commune)
    try:
        raised = daily.raise_due(session, today)
        session.commit()
        return raised
    finally:
        session.close()


def _items(database: Database, staffed: f.Staffed) -> list[WorkItem]:
    session = f.in_commune(database, staffed.commune)
    try:
        return list(session.scalars(select(WorkItem).order_by(WorkItem.due_on)))
    finally:
        session.close()


def _mentored_case(
    database: Database, staffed: f.Staffed, **case_values: object
) -> tuple[Person, str]:
    """A person with an illegal-use case from 5 January 2026 and an officer;
    returns the person and the officer's token."""
    officer, secret = f.member(database, staffed, "officer")
    session = f.in_commune(database, staffed.commune)
    try:
        person = f.person(session, "Lường Văn Sơn")
        f.case(session, person, **case_values)
        mentoring.assign(
            session, person, officer.id, started_on=None, reason=None, by_name="t"
        )
        session.commit()
        return person, secret
    finally:
        session.close()


def test_the_monthly_residence_check_is_raised_once_for_the_officer(
    database: Database,
) -> None:
    chief = f.staffed_commune(database, "05089")
    person, _secret = _mentored_case(database, chief)
    assert _raise(database, chief, date(2026, 1, 20)) == 0
    assert _raise(database, chief, date(2026, 1, 30)) == 1
    assert _raise(database, chief, date(2026, 1, 31)) == 0
    (item,) = _items(database, chief)
    assert (item.kind, item.due_on, item.person_id) == (
        "residence_check",
        date(2026, 2, 5),
        person.id,
    )
    assert item.assignee_id is not None and item.desk is None


def test_a_visit_that_confirms_residence_settles_the_check_and_sets_the_next(
    database: Database,
) -> None:
    chief = f.staffed_commune(database, "05089")
    person, _secret = _mentored_case(database, chief)
    _raise(database, chief, date(2026, 2, 1))
    session = f.in_commune(database, chief.commune)
    try:
        f.contact(
            session,
            session.merge(person),
            contacted_on=date(2026, 2, 3),
            residence_confirmed=True,
        )
        session.commit()
    finally:
        session.close()
    (settled,) = _items(database, chief)
    assert settled.status is ItemStatus.DONE
    assert _raise(database, chief, date(2026, 2, 28)) == 1
    assert _items(database, chief)[-1].due_on == date(2026, 3, 3)


def test_the_end_of_a_period_warns_the_officer_and_then_proposes_closure(
    database: Database,
) -> None:
    chief = f.staffed_commune(database, "05089")
    person, _secret = _mentored_case(database, chief)
    _raise(database, chief, date(2026, 12, 10))
    kinds = {i.kind: i for i in _items(database, chief) if i.kind != "residence_check"}
    assert set(kinds) == {"period_end"}
    assert kinds["period_end"].due_on == date(2027, 1, 5)
    _raise(database, chief, date(2027, 1, 5))
    proposals = [i for i in _items(database, chief) if i.kind == "closure_proposal"]
    assert len(proposals) == 1
    assert (proposals[0].desk, proposals[0].assignee_id) == ("chief", None)
    assert proposals[0].person_id == person.id


def test_closing_the_case_settles_its_items(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person, _secret = _mentored_case(database, chief)
    _raise(database, chief, date(2027, 1, 6))
    url = f"/api/v1/c/{chief.commune.slug}/persons/{person.id}/cases/"
    (case,) = client.get(url, headers=f.bearer(chief.token)).get_json()
    closed = client.post(
        url + case["id"] + "/close",
        json={"outcome": "completed", "closed_on": "2027-01-06"},
        headers={**f.bearer(chief.token), "If-Match": f'"v{case["version"]}"'},
    )
    assert closed.status_code == 200, closed.get_json()
    assert {i.status for i in _items(database, chief)} == {ItemStatus.DONE}
    assert _raise(database, chief, date(2027, 1, 7)) == 0


def test_a_tier_two_person_without_an_officer_goes_to_the_chiefs_desk(
    database: Database,
) -> None:
    chief = f.staffed_commune(database, "05089")
    session = f.in_commune(database, chief.commune)
    try:
        person = f.person(session, "Đinh Thị Hoa")
        officer = f.officer(session, chief.commune)
        f.tier_change(session, person, tier=1)
        mentoring.assign(
            session, person, officer.id, started_on=None, reason=None, by_name="t"
        )
        f.tier_change(session, person, tier=2)
        mentoring.release(session, person.id, date(2026, 3, 1))
        session.commit()
    finally:
        session.close()
    assert _raise(database, chief, date(2026, 3, 2)) == 1
    (item,) = _items(database, chief)
    assert (item.kind, item.desk) == ("assign_officer", "chief")
    session = f.in_commune(database, chief.commune)
    try:
        mentoring.assign(
            session,
            session.merge(person),
            officer.id,
            started_on=date(2026, 3, 3),
            reason=None,
            by_name="t",
        )
        session.commit()
    finally:
        session.close()
    assert _items(database, chief)[0].status is ItemStatus.DONE


def test_each_officer_sees_their_own_items_and_the_chief_the_communes(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    mine, my_secret = _mentored_case(database, chief)
    theirs, their_secret = _mentored_case(database, chief)
    _raise(database, chief, date(2027, 1, 6))
    url = f"/api/v1/c/{chief.commune.slug}/work-items/"

    own = client.get(url, headers=f.bearer(my_secret)).get_json()
    assert {i["person"]["id"] for i in own} == {str(mine.id)}
    # The first residence check was never made; the period ended yesterday.
    assert [i["kind"] for i in own] == ["residence_check", "period_end"]
    assert [i["overdue"] for i in own] == [
        date.fromisoformat(i["due_on"]) < local_today() for i in own
    ]
    assert own[1]["title"] == "Sắp hết thời hạn quản lý"
    assert own[0]["person"]["full_name"] == "Lường Văn Sơn"
    refused = client.get(url + "?scope=commune", headers=f.bearer(my_secret))
    assert refused.status_code == 403

    desk = client.get(url, headers=f.bearer(chief.token)).get_json()
    assert {i["kind"] for i in desk} == {"closure_proposal"}
    everything = client.get(
        url + "?scope=commune&kind=period_end", headers=f.bearer(chief.token)
    ).get_json()
    assert {i["person"]["id"] for i in everything} == {str(mine.id), str(theirs.id)}
    english = client.get(
        url, headers={**f.bearer(their_secret), "Accept-Language": "en"}
    ).get_json()
    assert english[1]["title"] == "Management period ends soon"


def test_an_officer_closes_their_item_but_not_a_colleagues(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    _mine, my_secret = _mentored_case(database, chief)
    _theirs, their_secret = _mentored_case(database, chief)
    _raise(database, chief, date(2026, 12, 10))
    url = f"/api/v1/c/{chief.commune.slug}/work-items/"
    (item,) = [
        i
        for i in client.get(url, headers=f.bearer(my_secret)).get_json()
        if i["kind"] == "period_end"
    ]
    done = client.patch(
        url + item["id"],
        json={"status": "done"},
        headers={**f.bearer(my_secret), "If-Match": f'"v{item["version"]}"'},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done"
    theirs = next(
        i
        for i in client.get(url, headers=f.bearer(their_secret)).get_json()
        if i["kind"] == "period_end"
    )
    # A colleague's item is not even found: they do not reach that person.
    other = client.patch(
        url + theirs["id"],
        json={"status": "done"},
        headers={**f.bearer(my_secret), "If-Match": "*"},
    )
    assert other.status_code in {403, 404}


def test_the_daily_job_runs_through_the_outbox_in_each_commune(
    app: Flask, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    _mentored_case(database, chief)
    session = f.in_commune(database, chief.commune)
    try:
        enqueue_job(session, daily.JOB_NAME, today="2026-12-10")
        session.commit()
        job = session.scalars(select(Job)).one()
    finally:
        session.close()
    with app.app_context():
        assert runner.run(app, chief.commune.id, job.id, in_process=True) == "done"
    assert [i.kind for i in _items(database, chief)] == [
        "residence_check",
        "period_end",
    ]
    timetable = periodic_jobs(app.extensions["binhyen.plugins"])
    assert (daily.JOB_NAME, daily.SCHEDULE) in [(p.job, p.cron) for p in timetable]


def test_a_commitment_coming_up_for_review_goes_to_the_officer_until_reviewed(
    database: Database,
) -> None:
    chief = f.staffed_commune(database, "05089")
    person, _secret = _mentored_case(database, chief)
    session = f.in_commune(database, chief.commune)
    try:
        signed = f.commitment(
            session, person.id, signed_on=date(2026, 2, 1), review_on=date(2026, 8, 1)
        )
        session.commit()
        signed_id = signed.id
    finally:
        session.close()
    _raise(database, chief, date(2026, 7, 10))
    assert "commitment_review" not in [i.kind for i in _items(database, chief)]
    _raise(database, chief, date(2026, 7, 20))
    (review,) = [i for i in _items(database, chief) if i.kind == "commitment_review"]
    assert (review.subject_id, review.due_on) == (signed_id, date(2026, 8, 1))
    assert review.assignee_id is not None

    session = f.in_commune(database, chief.commune)
    try:
        commitment_service.review(
            session,
            session.get(Commitment, (chief.commune.id, signed_id)),
            {
                "reviewed_on": date(2026, 7, 30),
                "outcome": "continued",
                "next_review_on": date(2027, 2, 1),
            },
            authn.operator("tests"),
        )
        session.commit()
    finally:
        session.close()
    (settled,) = [i for i in _items(database, chief) if i.kind == "commitment_review"]
    assert settled.status is ItemStatus.DONE
