"""The steps of a dossier as the API and the pages both take them: the
schema that reads each step's input, the service that does it, and which
steps come next from where a dossier is. One table, so a step cannot be
checked one way through the API and another way on a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from sqlalchemy.orm import Session

from core.toolkit import Actor
from plugins.compulsory_rehab import service
from plugins.compulsory_rehab.models import Dossier, Status
from plugins.compulsory_rehab.schemas import (
    RehabAdmissionSchema,
    RehabDecisionSchema,
    RehabHearingSchema,
    RehabRefusalSchema,
    RehabReleaseSchema,
    RehabSubmitSchema,
)

logger = logging.getLogger(__name__)

# Free-text inputs trimmed (and blanks dropped) before a service sees them.
TEXT = (
    "note",
    "prepared_by",
    "confirmed_by",
    "referral_number",
    "referred_by",
    "court",
    "decision_number",
    "facility",
    "reason",
    "certificate_number",
)

Work = Callable[[Session, Dossier, Mapping[str, Any], Actor], Any]


@dataclass(frozen=True)
class Step:
    """One step: its name in URLs, the schema of its input, the service that
    takes it, the statuses it may start from and what the API says of it."""

    name: str
    schema: type[ma.Schema]
    work: Work
    starts_from: tuple[Status, ...]
    doc: str


def _without_caller(work: Callable[[Session, Dossier, Mapping[str, Any]], Any]) -> Work:
    """A step whose service does not need to know who takes it."""
    return lambda db, dossier, values, _by: work(db, dossier, values)


STEPS = (
    Step(
        "submission",
        RehabSubmitSchema,
        service.submit,
        (Status.PREPARING,),
        "Send the complete dossier: every required document must have its scan "
        "(``documents.<kind>`` names each missing one). Opens the referral case "
        "and records who manages the person meanwhile.",
    ),
    Step(
        "hearing",
        RehabHearingSchema,
        _without_caller(service.hold_hearing),
        (Status.SUBMITTED,),
        "The court accepted the dossier and holds its hearing.",
    ),
    Step(
        "decision",
        RehabDecisionSchema,
        _without_caller(service.decide),
        (Status.SUBMITTED, Status.HEARING),
        "The court's decision: the term (within the ruleset's bounds for the "
        "person's age) and the facility.",
    ),
    Step(
        "refusal",
        RehabRefusalSchema,
        service.refuse_dossier,
        (Status.SUBMITTED, Status.HEARING),
        "The court decided not to send the person; the referral case closes.",
    ),
    Step(
        "admission",
        RehabAdmissionSchema,
        _without_caller(service.admit),
        (Status.DECIDED,),
        "The person entered the facility; the release falls due after the term.",
    ),
    Step(
        "release",
        RehabReleaseSchema,
        service.release,
        (Status.ADMITTED,),
        "The person left the facility with a completion certificate: the "
        "referral closes and post-rehab management opens for the period the "
        "ruleset gives (by the kind of rehab and the person's age).",
    ),
)
BY_NAME = {step.name: step for step in STEPS}


def next_steps(dossier: Dossier) -> list[Step]:
    """The steps the dossier may take from where it is (none once it is
    released or refused). The services check it again when one is taken."""
    return [step for step in STEPS if dossier.status in step.starts_from]
