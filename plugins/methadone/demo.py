"""The Methadone share of the demo (``binhyen demo seed``): a dispensing
point, the people of the demo's Methadone cases enrolled there, and their
last month of attendance, one of them missing the last days (so that the
missed-dose rules alert their officer). Every value is invented."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Person, local_today, open_cases
from plugins.methadone import attendance, service

logger = logging.getLogger(__name__)

DAYS = 30
# The last days the second person missed, more than the default rules allow.
MISSED = 4


@dataclass
class _Demo:
    """Who the demo's records say recorded them."""

    user_id: uuid.UUID | None = None
    username: str = "demo-seed"


def seed(db: Session) -> None:
    """Enrol the demo's Methadone patients and record a month for them."""
    today = local_today()
    point = service.save_point(
        db, {"name": "Cơ sở điều trị Methadone Cao Phong", "address": "Khu 2"}
    )
    rows: list[attendance.RawRow] = []
    cases = open_cases(db, kinds=["methadone_treatment"])
    for number, case in enumerate(cases):
        person = db.scalars(select(Person).where(Person.id == case.person_id)).one()
        started = max(case.start_on, today - timedelta(days=DAYS + 30))
        service.enrol(
            db,
            person,
            {
                "point_id": point.id,
                "patient_code": f"CP-{number + 1:04d}",
                "started_on": started,
                "phase": "maintenance",
                "dose_mg": 60 + 10 * number,
            },
            _Demo(),
        )
        for back in range(DAYS, 0, -1):
            missed = number == 1 and back <= MISSED
            rows.append(
                attendance.RawRow(
                    {
                        "person_id": str(person.id),
                        "date": (today - timedelta(days=back)).isoformat(),
                        "status": "missed" if missed else "taken",
                        **({} if missed else {"dose_mg": 60 + 10 * number}),
                    }
                )
            )
    lines = attendance.check(db, point, rows, "json")
    attendance.record(db, lines, _Demo())
    logger.info("demo Methadone: %d people enrolled", len(cases))
