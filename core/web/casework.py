"""Pages of the casework around a person: commitments (reviews, breaches,
scans) and reintegration support, through the same services as the API."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.access.policy import requires, signed_in
from core.api.uploads import accepts_upload
from core.commitments import service as commitments
from core.commitments.schemas import (
    CommitmentBreachSchema,
    CommitmentReviewSchema,
    CommitmentSchema,
)
from core.db import local_today, request_session
from core.errors import Invalid, field_error
from core.people.models import Person
from core.people.reach import note_read, reachable
from core.support import service as support
from core.support.schemas import SupportPatchSchema, SupportSchema
from core.web.forms import Refusal, attempt, check_version, read_form

logger = logging.getLogger(__name__)

bp = Blueprint(
    "casework_web", __name__, url_prefix="/c/<commune>/people/<uuid:person_id>"
)


def _to_person(person_id: uuid.UUID, anchor: str) -> Any:
    return redirect(
        url_for("people_web.person", commune=g.commune.slug, person_id=person_id)
        + anchor
    )


def _refused(person_id: uuid.UUID, refusal: Refusal) -> Any:
    from core.web.people import person

    return person(person_id, refusal=refusal, status=refusal.status)


@bp.post("/commitments")
@requires("commitments:write")
def new_commitment(person_id: uuid.UUID) -> Any:
    db = request_session()
    subject = reachable(db, person_id)

    def sign() -> Any:
        made = commitments.create(db, subject, read_form(CommitmentSchema()))
        db.commit()
        return made

    made, refusal = attempt(sign)
    if refusal is not None or made is None:
        assert refusal is not None
        return _refused(person_id, refusal)
    flash(_("The commitment is recorded."))
    return redirect(
        url_for(
            ".commitment",
            commune=g.commune.slug,
            person_id=person_id,
            commitment_id=made.id,
        )
    )


@bp.get("/commitments/<uuid:commitment_id>")
@requires("commitments:read")
def commitment(
    person_id: uuid.UUID,
    commitment_id: uuid.UUID,
    refusal: Refusal | None = None,
    status: int = 200,
) -> Any:
    db = request_session()
    subject: Person = reachable(db, person_id)
    found = commitments.get(db, subject, commitment_id)
    reviews = list(db.scalars(commitments.reviews_query(found)))
    breaches = list(db.scalars(commitments.breaches_query(found)))
    scans = list(db.scalars(commitments.scans_query(found)))
    note_read(
        db,
        subject,
        "commitments",
        ["terms", "signer_name", "reviews", "breaches", "scans"],
        {"commitment": str(found.id)},
    )
    db.commit()
    return render_template(
        "people/commitment.html",
        person=subject,
        commitment=found,
        reviews=reviews,
        breaches=breaches,
        scans=scans,
        refusal=refusal,
        failed=request.path.rsplit("/", 1)[-1] if refusal else None,
        form=request.form if refusal else None,
        today=local_today(),
    ), status


def _on_commitment(
    person_id: uuid.UUID, commitment_id: uuid.UUID, work: Any, done: str
) -> Any:
    db = request_session()
    subject = reachable(db, person_id)
    found = commitments.get(db, subject, commitment_id)

    def change() -> Any:
        result = work(db, found)
        db.commit()
        return result

    _result, refusal = attempt(change)
    if refusal is not None:
        return commitment(
            person_id, commitment_id, refusal=refusal, status=refusal.status
        )
    flash(done)
    return redirect(
        url_for(
            ".commitment",
            commune=g.commune.slug,
            person_id=person_id,
            commitment_id=commitment_id,
        )
    )


@bp.post("/commitments/<uuid:commitment_id>/reviews")
@requires("commitments:write")
def review(person_id: uuid.UUID, commitment_id: uuid.UUID) -> Any:
    return _on_commitment(
        person_id,
        commitment_id,
        lambda db, found: commitments.review(
            db, found, read_form(CommitmentReviewSchema()), signed_in()
        ),
        _("The review is recorded."),
    )


@bp.post("/commitments/<uuid:commitment_id>/breaches")
@requires("commitments:write")
def breach(person_id: uuid.UUID, commitment_id: uuid.UUID) -> Any:
    return _on_commitment(
        person_id,
        commitment_id,
        lambda db, found: commitments.record_breach(
            db, found, read_form(CommitmentBreachSchema()), signed_in()
        ),
        _("The breach is recorded."),
    )


@bp.post("/commitments/<uuid:commitment_id>/scans")
@requires("commitments:write")
@accepts_upload
def scan(person_id: uuid.UUID, commitment_id: uuid.UUID) -> Any:
    def attach(db: Any, found: Any) -> Any:
        part = request.files.get("file")
        if part is None or not part.filename:
            raise Invalid(
                "Choose the scanned file (PDF, JPEG or PNG).",
                errors=[field_error("file", "Missing.", "files")],
            )
        return commitments.add_scan(
            db, found, (part.read(), part.mimetype, part.filename), signed_in()
        )

    return _on_commitment(
        person_id, commitment_id, attach, _("The scan is stored, encrypted.")
    )


@bp.post("/support")
@requires("support:write")
def new_support(person_id: uuid.UUID) -> Any:
    db = request_session()
    subject = reachable(db, person_id)

    def give() -> Any:
        made = support.create(db, subject, read_form(SupportSchema()))
        db.commit()
        return made

    _made, refusal = attempt(give)
    if refusal is not None:
        return _refused(person_id, refusal)
    flash(_("The support is recorded."))
    return _to_person(person_id, "#support")


@bp.post("/support/<uuid:support_id>")
@requires("support:write")
def update_support(person_id: uuid.UUID, support_id: uuid.UUID) -> Any:
    db = request_session()
    subject = reachable(db, person_id)
    found = support.get(db, subject, support_id)

    def change() -> Any:
        check_version(found)
        support.update(db, found, read_form(SupportPatchSchema(), partial=True))
        db.commit()
        return found

    _changed, refusal = attempt(change)
    if refusal is not None:
        return _refused(person_id, refusal)
    flash(_("The support is updated."))
    return _to_person(person_id, "#support")
