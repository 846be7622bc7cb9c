"""The drug-testing share of the demo (``binhyen demo seed``): the tests the
demo cases' schedules call for, the first few of them done (one positive,
which is sent for review and referred for determination). Every value is
invented."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Person, local_today
from plugins.drug_testing import service
from plugins.drug_testing.models import DrugTest, Status

logger = logging.getLogger(__name__)

DEMO = service.Machine(username="demo-seed")
DONE = 3


def _result(day: date, number: int) -> dict[str, Any]:
    positive = number == 0
    return {
        "tested_on": day,
        "place": "Trạm Y tế xã",
        "sample_id": f"XN-DEMO-{number + 1:03d}",
        "method": "rapid_urine",
        "substances": {
            "heroin_morphine": "negative",
            "methamphetamine": "positive" if positive else "negative",
        },
        "sampled_by": "Y sĩ Bùi Thị Lan",
        "read_by": "Bác sĩ Hà Văn Minh",
        "basis": "consent",
    }


def seed(db: Session) -> None:
    """Schedule the demo's tests and record the first few results."""
    today = local_today()
    service.raise_due(db, today)
    due = db.scalars(
        select(DrugTest)
        .where(DrugTest.status == Status.DUE, DrugTest.due_on <= today)
        .order_by(DrugTest.due_on, DrugTest.id)
        .limit(DONE)
    ).all()
    for number, test in enumerate(due):
        service.record_result(db, test, _result(test.due_on, number), DEMO)
        if number == 0:
            person = db.scalars(select(Person).where(Person.id == test.person_id))
            service.refer(
                db,
                person.one(),
                {
                    "referred_on": test.due_on,
                    "facility": "Trung tâm Y tế khu vực Cao Phong",
                    "test_id": test.id,
                },
                DEMO,
            )
    # However the schedules fall, the health desk has one test to record
    # today: an ad-hoc test of the first person with an open case.
    first = db.scalars(
        select(Person)
        .where(Person.id.in_(select(DrugTest.person_id)))
        .order_by(Person.full_name)
        .limit(1)
    ).first()
    if first is not None:
        service.schedule(db, first, {"due_on": today, "note": None}, DEMO)
    logger.info("demo drug tests: %d results recorded", len(due))
