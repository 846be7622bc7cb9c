"""The health team's drug-testing pages: /c/<commune>/drug-testing/...

The tests due (each may be called off), the form that schedules an ad-hoc
test for a person, the form that records a result, and where a work item
about a test leads. Every page goes through the API's schemas and services, so a
page refuses exactly what the API refuses; reading a person's test, in the
list of tests due or on its form, is audited as it is through the API.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    NotFound,
    Person,
    Refusal,
    WorkItem,
    attempt,
    check_version,
    choices,
    display_name,
    flash_refusal,
    local_today,
    note_read,
    people_in_reach,
    reachable,
    read_form,
    request_session,
    requires,
    signed_in,
)
from plugins.drug_testing import service
from plugins.drug_testing.models import (
    SUBSTANCES,
    Basis,
    DrugTest,
    Method,
    Reading,
    Status,
)
from plugins.drug_testing.schemas import DrugTestResultSchema, DrugTestSchema

logger = logging.getLogger(__name__)

WRITE = "drug_testing:write"
# The fields of a due test the result form shows before it is filled in.
FORM_FIELDS = ("due_on", "reason", "note")
# What the list of tests due shows of each: the person's name, when, and why.
LISTED_FIELDS = ("full_name", "due_on", "reason")

bp = Blueprint(
    "drug_testing_web",
    __name__,
    url_prefix="/c/<commune>/drug-testing",
    template_folder="templates",
)


@bp.get("/")
@requires(WRITE)
def due() -> Any:
    """The tests due in the caller's reach, the earliest first; each row
    shown is audited as a read of the person's test."""
    db = request_session()
    query = (
        select(DrugTest, Person)
        .join(Person, Person.id == DrugTest.person_id)
        .where(DrugTest.status == Status.DUE)
        .order_by(DrugTest.due_on, Person.full_name)
    )
    reach = people_in_reach(db)
    if reach is not None:
        query = query.where(reach)
    rows = db.execute(query.limit(300)).all()
    for test, person in rows:
        note_read(db, person, "drug_tests_due", LISTED_FIELDS, {"test": str(test.id)})
    db.commit()
    return render_template(
        "drug_testing/due.html", rows=rows, today=local_today(), commune=g.commune
    )


def _due_test(person_id: uuid.UUID, test_id: uuid.UUID) -> tuple[Person, DrugTest]:
    db = request_session()
    person = reachable(db, person_id)
    return person, service.get_test(db, person.id, test_id)


@bp.route("/people/<uuid:person_id>/tests/<uuid:test_id>/result", methods=["GET"])
@requires(WRITE)
def result_form(
    person_id: uuid.UUID,
    test_id: uuid.UUID,
    refusal: Refusal | None = None,
    status: int = 200,
) -> Any:
    """The form for the result of a due test."""
    db = request_session()
    person, test = _due_test(person_id, test_id)
    if test.status is not Status.DUE:
        flash(_("This test's result is already recorded, or the test was called off."))
        return redirect(url_for(".due", commune=g.commune.slug))
    note_read(db, person, "drug_test", FORM_FIELDS, {"test": str(test.id)})
    db.commit()
    return render_template(
        "drug_testing/result.html",
        person=person,
        test=test,
        today=local_today(),
        substances=SUBSTANCES,
        method_options=choices(Method),
        reading_options=choices(Reading),
        basis_options=choices(Basis),
        refusal=refusal,
    ), status


@bp.post("/people/<uuid:person_id>/tests/<uuid:test_id>/result")
@requires(WRITE)
def record_result(person_id: uuid.UUID, test_id: uuid.UUID) -> Any:
    """Record the result; a positive one reaches the officer's work list by
    a job, exactly as through the API."""
    db = request_session()

    def record() -> DrugTest:
        _person, test = _due_test(person_id, test_id)
        check_version(test)
        service.record_result(db, test, read_form(DrugTestResultSchema()), signed_in())
        db.commit()
        return test

    test, refusal = attempt(record)
    if refusal is not None:
        return result_form(person_id, test_id, refusal=refusal, status=refusal.status)
    assert test is not None
    logger.info("drug test %s result recorded from the page", test.id)
    flash(_("The result is recorded."))
    return redirect(url_for(".due", commune=g.commune.slug))


@bp.get("/work/<uuid:item_id>")
@requires("work:read")
def work_item(item_id: uuid.UUID) -> Any:
    """Where the tap on a work item about a test leads: the result form for
    a test due, the person's file for a positive result to review."""
    db = request_session()
    item = db.scalars(
        select(WorkItem).where(WorkItem.id == item_id, WorkItem.origin == service.NAME)
    ).first()
    if item is None or item.person_id is None or item.subject_id is None:
        raise NotFound("No drug-testing work item has that id.")
    reachable(db, item.person_id)
    if item.kind == service.DUE:
        return redirect(
            url_for(
                ".result_form",
                commune=g.commune.slug,
                person_id=item.person_id,
                test_id=item.subject_id,
            )
        )
    return redirect(
        url_for("people_web.person", commune=g.commune.slug, person_id=item.person_id)
        + "#timeline"
    )


@bp.get("/people/<uuid:person_id>/tests/new")
@requires(WRITE)
def schedule_form(
    person_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """The form that schedules an ad-hoc test for a person the caller reaches
    (linked from the person's file); it reaches the health desk's list."""
    db = request_session()
    person = reachable(db, person_id)
    note_read(db, person, "file", ["full_name"])
    db.commit()
    return render_template(
        "drug_testing/schedule.html",
        person=person,
        today=local_today(),
        refusal=refusal,
        sent=request.form if refusal else {},
    ), status


@bp.post("/people/<uuid:person_id>/tests/new")
@requires(WRITE)
def schedule(person_id: uuid.UUID) -> Any:
    """Schedule the test, through the API's schema and service."""
    db = request_session()

    def add() -> DrugTest:
        person = reachable(db, person_id)
        test = service.schedule(db, person, read_form(DrugTestSchema()), signed_in())
        db.commit()
        return test

    test, refusal = attempt(add)
    if refusal is not None:
        return schedule_form(person_id, refusal=refusal, status=refusal.status)
    assert test is not None
    logger.info("drug test %s scheduled from the page", test.id)
    flash(_("The test is scheduled; it is on the list of tests due."))
    return redirect(url_for(".due", commune=g.commune.slug))


@bp.post("/people/<uuid:person_id>/tests/<uuid:test_id>/cancel")
@requires(WRITE)
def cancel(person_id: uuid.UUID, test_id: uuid.UUID) -> Any:
    """Call off a due test, unless it changed since the list was drawn."""
    db = request_session()
    person, test = _due_test(person_id, test_id)

    def call_off() -> DrugTest:
        check_version(test)
        service.cancel(db, test, display_name(db, signed_in()))
        db.commit()
        return test

    _done, refusal = attempt(call_off)
    if refusal is not None:
        flash_refusal(refusal)
    else:
        logger.info("drug test %s called off from the page", test.id)
        flash(_("The test for %(name)s is called off.", name=person.full_name))
    return redirect(url_for(".due", commune=g.commune.slug))
