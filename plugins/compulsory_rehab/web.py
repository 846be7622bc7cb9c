"""The commune's pages for compulsory rehabilitation:
/c/<commune>/compulsory-rehab/...

The dossiers in the caller's reach, a person's dossiers (and a new one for
a tier-3 person), and one dossier with its documents, their scans and the
form of each step it may take next. Every form is read by the API's schema
and handed to the API's service, so a page refuses what the API refuses;
every page that shows a dossier is audited as the API's reads are. The
scans and the printable summary are the API's own downloads.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case, select

from core.toolkit import (
    Invalid,
    Person,
    Refusal,
    accepts_upload,
    attempt,
    caller_holds,
    check_version,
    choices,
    field_error,
    local_today,
    note_read,
    people_in_reach,
    reachable,
    read_form,
    request_session,
    requires,
    signed_in,
    tidy,
)
from plugins.compulsory_rehab import rules, service, steps
from plugins.compulsory_rehab.models import Document, Dossier, PendingManager
from plugins.compulsory_rehab.schemas import RehabDocumentSchema, RehabDossierSchema

logger = logging.getLogger(__name__)

DOSSIER_FIELDS = sorted(RehabDossierSchema().fields)
DOCUMENT_FIELDS = sorted(RehabDocumentSchema().fields)
# What a row of the commune's list shows of a dossier.
LISTED_FIELDS = ("status", "opened_on", "deadlines")
# The longest list drawn on a phone; a commune has a handful of dossiers.
MOST_LISTED = 300

bp = Blueprint(
    "compulsory_rehab_web",
    __name__,
    url_prefix="/c/<commune>/compulsory-rehab",
    template_folder="templates",
)


@bp.context_processor
def language() -> dict[str, Any]:
    """Whether the page is in English, for the ruleset's own titles, which
    come in both languages rather than through the catalogues."""
    return {"english": _english()}


def next_due(dossier: Dossier) -> service.Due | None:
    """The earliest deadline of a step not taken yet, if any."""
    waiting = [due for due in service.deadlines(dossier) if due.met is None]
    return min(waiting, key=lambda due: due.due_on, default=None)


@bp.get("/")
@requires(service.READ)
def index() -> Any:
    """The dossiers of the people in the caller's reach: those on their way
    first, the latest opened first."""
    db = request_session()
    finished = case((Dossier.status.in_(service.OPEN), 0), else_=1)
    query = (
        select(Dossier, Person)
        .join(Person, Person.id == Dossier.person_id)
        .order_by(finished, Dossier.opened_on.desc(), Person.full_name)
    )
    reach = people_in_reach(db)
    if reach is not None:
        query = query.where(reach)
    rows = db.execute(query.limit(MOST_LISTED)).all()
    for dossier, person in rows:
        note_read(
            db,
            person,
            "compulsory_rehab_dossiers",
            LISTED_FIELDS,
            {"dossier": str(dossier.id)},
        )
    waiting = _without_dossier(db)
    for person in waiting:
        note_read(db, person, "file", ("full_name", "tier"))
    db.commit()
    return render_template(
        "compulsory_rehab/index.html",
        rows=[
            {"dossier": dossier, "person": person, "due": next_due(dossier)}
            for dossier, person in rows
        ],
        waiting=waiting,
        today=local_today(),
    )


def _without_dossier(db: Any) -> list[Person]:
    """The active tier-3 people in the caller's reach with no dossier on its
    way: where a new dossier starts, since the person's file has no place
    for a plugin's links."""
    on_the_way = select(Dossier.person_id).where(Dossier.status.in_(service.OPEN))
    query = (
        select(Person)
        .where(
            Person.tier == 3,
            Person.status == "active",
            Person.id.not_in(on_the_way),
        )
        .order_by(Person.full_name)
    )
    reach = people_in_reach(db)
    if reach is not None:
        query = query.where(reach)
    return list(db.scalars(query.limit(MOST_LISTED)))


@bp.get("/people/<uuid:person_id>")
@requires(service.READ)
def person_dossiers(
    person_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """A person's dossiers, and the form that opens one for a person in
    tier 3 who has none on its way."""
    db = request_session()
    person = reachable(db, person_id)
    found = list(db.scalars(service.dossiers_of(person.id)))
    note_read(db, person, "compulsory_rehab_dossiers", DOSSIER_FIELDS)
    db.commit()
    return render_template(
        "compulsory_rehab/person.html",
        person=person,
        dossiers=[{"dossier": d, "due": next_due(d)} for d in found],
        on_the_way=any(d.status in service.OPEN for d in found),
        writes=caller_holds(service.WRITE),
        refusal=refusal,
        form=request.form if refusal else {},
        today=local_today(),
    ), status


@bp.post("/people/<uuid:person_id>")
@requires(service.WRITE)
def open_dossier(person_id: uuid.UUID) -> Any:
    """Open a dossier for the person, under the ruleset in force."""
    db = request_session()

    def create() -> Dossier:
        person = reachable(db, person_id)
        values = tidy(read_form(RehabDossierSchema()), steps.TEXT)
        dossier = service.create(db, person, values, signed_in())
        db.commit()
        return dossier

    dossier, refusal = attempt(create)
    if refusal is not None:
        return person_dossiers(person_id, refusal=refusal, status=refusal.status)
    assert dossier is not None
    flash(_("The dossier is opened. Add its documents and their scans."))
    return _to_dossier(dossier.id)


def _to_dossier(dossier_id: uuid.UUID, anchor: str = "") -> Any:
    return redirect(
        url_for(".dossier", commune=g.commune.slug, dossier_id=dossier_id) + anchor
    )


def _documents(db: Any, dossier: Dossier) -> list[dict[str, Any]]:
    """Each kind of document the dossier's ruleset names, with the documents
    recorded of that kind; kinds the ruleset no longer names come last."""
    recorded = list(db.scalars(service.documents_of(dossier)))
    known = rules.for_ruleset(dossier.ruleset).documents
    shown = [
        {"rule": rule, "documents": [d for d in recorded if d.kind == rule.kind]}
        for rule in known
    ]
    named = {rule.kind for rule in known}
    stray = [d for d in recorded if d.kind not in named]
    if stray:
        shown.append({"rule": None, "documents": stray})
    return shown


@bp.get("/dossiers/<uuid:dossier_id>")
@requires(service.READ)
def dossier(
    dossier_id: uuid.UUID,
    refusal: Refusal | None = None,
    failed: str | None = None,
    status: int = 200,
) -> Any:
    """One dossier: its facts, its documents and scans, its deadlines and
    the forms of what may come next."""
    db = request_session()
    found = service.get(db, dossier_id)
    person = reachable(db, found.person_id)
    about = {"dossier": str(found.id)}
    documents = _documents(db, found)
    note_read(db, person, "compulsory_rehab_dossier", DOSSIER_FIELDS, about)
    note_read(db, person, "compulsory_rehab_documents", DOCUMENT_FIELDS, about)
    missing = service.missing(db, found)
    deadlines = service.deadlines(found)
    db.commit()
    return render_template(
        "compulsory_rehab/dossier.html",
        dossier=found,
        person=person,
        documents=documents,
        missing=missing,
        deadlines=deadlines,
        next_steps=[s.name for s in steps.next_steps(found)],
        writes=caller_holds(service.WRITE),
        kinds=[
            (rule.kind, rule.title_en if _english() else rule.title_vi)
            for rule in rules.for_ruleset(found.ruleset).documents
        ],
        managers=choices(PendingManager),
        refusal=refusal,
        failed=failed,
        form=request.form if refusal else {},
        today=local_today(),
    ), status


def _english() -> bool:
    return str(get_locale()) == "en"


def _on_dossier(dossier_id: uuid.UUID, failed: str, work: Any, done: str) -> Any:
    """Run ``work(db, dossier)`` on the dossier and commit; a refusal draws
    the dossier's page again with the messages beside the form's fields."""
    db = request_session()

    def change() -> Any:
        found = service.get(db, dossier_id)
        result = work(db, found)
        db.commit()
        return result

    _result, refusal = attempt(change)
    if refusal is not None:
        return dossier(
            dossier_id, refusal=refusal, failed=failed, status=refusal.status
        )
    flash(done)
    return _to_dossier(dossier_id, f"#{failed}")


@bp.post("/dossiers/<uuid:dossier_id>/documents")
@requires(service.WRITE)
def add_document(dossier_id: uuid.UUID) -> Any:
    """Record one of the dossier's documents; its scan comes after."""

    def add(db: Any, found: Dossier) -> Document:
        values = tidy(read_form(RehabDocumentSchema()), steps.TEXT)
        return service.add_document(db, found, values, signed_in())

    return _on_dossier(
        dossier_id, "documents", add, _("The document is recorded; add its scan.")
    )


@bp.post("/dossiers/<uuid:dossier_id>/documents/<uuid:document_id>/scan")
@requires(service.WRITE)
@accepts_upload
def attach_scan(dossier_id: uuid.UUID, document_id: uuid.UUID) -> Any:
    """Attach a document's scan (PDF, JPEG or PNG): the service checks its
    type and size, stores it encrypted and drops an earlier one."""

    def attach(db: Any, found: Dossier) -> Any:
        document = service.get_document(db, found, document_id)
        part = request.files.get("file")
        if part is None or not part.filename:
            raise Invalid(
                "Choose the scanned file (PDF, JPEG or PNG).",
                errors=[field_error("file", "Missing.", "files")],
            )
        upload = (part.read(), part.mimetype, part.filename)
        return service.attach_scan(db, found, document, upload, signed_in())

    return _on_dossier(
        dossier_id,
        f"scan-{document_id}",
        attach,
        _("The scan is stored, encrypted."),
    )


def _take(dossier_id: uuid.UUID, step: steps.Step) -> Any:
    """Take one step of the dossier with the API's schema and service; the
    form's version stands for If-Match."""

    def take(db: Any, found: Dossier) -> Any:
        check_version(found)
        values = tidy(read_form(step.schema()), steps.TEXT)
        return step.work(db, found, values, signed_in())

    return _on_dossier(dossier_id, step.name, take, _("The step is recorded."))


def _serve_step(step: steps.Step) -> None:
    """Serve ``POST /dossiers/<id>/steps/<name>`` as the endpoint
    ``take_<name>``: one fixed address per step, as the API has."""

    def view(dossier_id: uuid.UUID) -> Any:
        return _take(dossier_id, step)

    view.__name__ = f"take_{step.name}"
    view.__doc__ = step.doc
    bp.add_url_rule(
        f"/dossiers/<uuid:dossier_id>/steps/{step.name}",
        view_func=requires(service.WRITE)(view),
        methods=["POST"],
    )


for _step in steps.STEPS:
    _serve_step(_step)
