"""The compulsory-rehab share of the demo (``binhyen demo seed``): one
dossier in preparation for the demo's first tier-3 person, with two of its
documents recorded and one of them scanned, so the dossier page shows what
is present and what is still missing. Every value is invented."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Person, local_today
from plugins.compulsory_rehab import service

logger = logging.getLogger(__name__)

# A one-page blank PDF standing in for a scan: the demo holds no real paper.
BLANK_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class _Seeder:
    """The demo itself, as the author of the dossier."""

    user_id: uuid.UUID | None = None
    username: str = "demo-seed"


def seed(db: Session) -> None:
    """Open the demo's dossier and record its first documents."""
    person = db.scalars(
        select(Person)
        .where(Person.tier == 3, Person.date_of_birth.is_not(None))
        .order_by(Person.full_name)
        .limit(1)
    ).first()
    if person is None:
        logger.info("demo: no tier-3 person, so no dossier")
        return
    by = _Seeder()
    today = local_today()
    dossier = service.create(
        db, person, {"opened_on": today - timedelta(days=6), "note": None}, by
    )
    statement = service.add_document(
        db,
        dossier,
        {
            "kind": "statement",
            "prepared_by": "Đinh Văn Khải",
            "prepared_on": today - timedelta(days=5),
        },
        by,
    )
    service.attach_scan(
        db, dossier, statement, (BLANK_PDF, "application/pdf", "tuong-trinh.pdf"), by
    )
    service.add_document(
        db,
        dossier,
        {
            "kind": "background_summary",
            "prepared_by": "Đinh Văn Khải",
            "prepared_on": today - timedelta(days=4),
            "confirmed_by": "Trung úy Hà Minh Tuấn, Công an xã",
        },
        by,
    )
    logger.info("demo dossier %s in preparation", dossier.id)
