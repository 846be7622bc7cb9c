"""Pages of people's files: the list and search, a person's file with every
part the caller's role may see, and the forms for what the API offers on it
(open, change, tier, officer, contacts, cases, transfers).

Each page finds the person through ``core.people.reach`` and audits what it
shows, exactly as the API does; forms go through the API's schemas and the
same services.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from core.access.policy import caller_holds, requires, signed_in
from core.access.service import holders_of, named
from core.audit import service as audit_service
from core.audit.trail import record
from core.cases import service as cases
from core.cases.models import CaseKind, CaseOutcome, RehabSetting
from core.cases.rules import rulesets
from core.cases.schemas import (
    CasePatchSchema,
    CaseSchema,
    CloseSchema,
    ExtensionSchema,
)
from core.commitments import service as commitments
from core.db import local_today, request_session
from core.errors import NotFound
from core.hamlets.models import Hamlet
from core.identity.service import display_name
from core.mentoring import service as mentoring
from core.mentoring.models import Channel
from core.mentoring.schemas import (
    AssignmentSchema,
    ContactPatchSchema,
    ContactSchema,
)
from core.people import service
from core.people.models import Person, PersonStatus
from core.people.reach import (
    note_read,
    people_in_reach,
    reachable,
    refuse_hidden_filters,
    visible_fields,
)
from core.people.schemas import (
    PersonPatchSchema,
    PersonQuerySchema,
    PersonSchema,
    PersonSearchSchema,
    TierChangeSchema,
    TierDecisionSchema,
)
from core.support import service as support
from core.timeline import service as timeline
from core.transfers import service as transfer_service
from core.transfers.schemas import (
    TRANSFER_FIELDS,
    DecisionSchema,
    TransferRequestSchema,
)
from core.web import i18n
from core.web.forms import Refusal, attempt, check_version, read_form

logger = logging.getLogger(__name__)

bp = Blueprint("people_web", __name__, url_prefix="/c/<commune>/people")

PAGE_SIZE = 50


def _visible_fields() -> frozenset[str]:
    return visible_fields(request_session())


def _hamlets() -> list[tuple[str, str]]:
    db = request_session()
    return [
        (str(h.id), h.name) for h in db.scalars(select(Hamlet).order_by(Hamlet.name))
    ]


def _kinds() -> list[tuple[str, str]]:
    english = i18n.chosen_language() == "en"
    latest = rulesets()[-1]
    return [
        (
            kind.value,
            latest.kinds[kind.value].title_en
            if english
            else latest.kinds[kind.value].title_vi,
        )
        for kind in CaseKind
    ]


# How many openings of a file its page lists, and how many reads (one per
# part shown) it looks through to find them.
READERS_SHOWN = 20
READS_SCANNED = 400


def _readers(db: Any, person_id: uuid.UUID) -> list[dict[str, Any]]:
    """Who opened the file, newest first: one line per opening (a request),
    with the parts it showed, though each part was recorded on its own."""
    events = db.scalars(
        audit_service.query(
            object_type="person", object_id=str(person_id), action="person.read"
        ).limit(READS_SCANNED)
    )
    openings: dict[str, dict[str, Any]] = {}
    for event in events:
        key = event.request_id or f"seq-{event.seq}"
        if key not in openings:
            if len(openings) == READERS_SHOWN:
                break
            openings[key] = {
                "at": event.at,
                "actor_name": event.actor_name,
                "parts": [],
            }
        part = (event.details or {}).get("part", "")
        if part and part not in openings[key]["parts"]:
            openings[key]["parts"].append(part)
    return list(openings.values())


def _plugin_pages(db: Any, person: Any) -> list[tuple[str, str]]:
    """Links to the enabled plugins' pages about the person, those whose
    permission the caller holds, as (label, address)."""
    host = current_app.extensions["binhyen.plugins"]
    english = i18n.chosen_language() == "en"
    return [
        (
            page.label_en if english else page.label_vi,
            url_for(page.endpoint, commune=g.commune.slug, person_id=person.id),
        )
        for _plugin, page in host.flatten(
            host.call_enabled(db, "binhyen_person_pages", commune=g.commune)
        )
        if caller_holds(page.permission) and page.endpoint in current_app.view_functions
    ]


def _officers() -> list[tuple[str, str]]:
    db = request_session()
    return named(db, holders_of(db, g.commune, set(mentoring.MENTOR_ROLES)))


def _list(filters: dict[str, Any], terms: dict[str, Any], action: str) -> Any:
    db = request_session()
    refuse_hidden_filters({**filters, **terms}, _visible_fields())
    record(db, action, object_type="persons", fields=sorted({**filters, **terms}))
    query = service.search(db, within=people_in_reach(db), **filters, **terms)
    people = list(db.scalars(query.limit(PAGE_SIZE)))
    db.commit()
    return render_template(
        "people/index.html",
        people=people,
        filters=filters,
        fields=_visible_fields(),
        hamlets=dict(_hamlets()),
        hamlet_options=_hamlets(),
        kinds=_kinds(),
        searched=bool(terms),
    )


@bp.get("/")
@requires("persons:read")
def index() -> Any:
    """The people the caller reaches, by hamlet, tier, status or case kind."""
    filters, _refusal = attempt(
        lambda: dict(
            PersonQuerySchema().load(
                {
                    k: v
                    for k, v in request.args.items()
                    if v and k in PersonQuerySchema().fields
                }
            )
        )
    )
    return _list(filters or {}, {}, "persons.list")


@bp.post("/search")
@requires("persons:read")
def search() -> Any:
    """Find by name (diacritics optional) or number; the terms travel in the
    form, never in the address."""
    terms, refusal = attempt(lambda: read_form(PersonSearchSchema()))
    if refusal is not None or not terms:
        flash(_("Type part of a name, or a 12-digit identification number."))
        return redirect(url_for(".index", commune=g.commune.slug))
    filters: dict[str, Any] = {
        k: terms.pop(k)
        for k in ("hamlet_id", "tier", "status", "case_kind")
        if k in terms
    }
    return _list(filters, terms, "search")


@bp.route("/new", methods=["GET", "POST"])
@requires("persons:write")
def new() -> Any:
    refusal: Refusal | None = None
    if request.method == "POST":
        db = request_session()

        def open_file() -> Person:
            person = service.create(db, read_form(PersonSchema()))
            db.commit()
            return person

        person, refusal = attempt(open_file)
        if person is not None:
            flash(_("The file is open."))
            return redirect(
                url_for(".person", commune=g.commune.slug, person_id=person.id)
            )
    return render_template(
        "people/edit.html",
        person=None,
        refusal=refusal,
        form=request.form,
        hamlet_options=_hamlets(),
    ), (refusal.status if refusal else 200)


@bp.route("/<uuid:person_id>/edit", methods=["GET", "POST"])
@requires("persons:write")
def edit(person_id: uuid.UUID) -> Any:
    db = request_session()
    person = reachable(db, person_id)
    refusal: Refusal | None = None
    if request.method == "POST":

        def change() -> Person:
            check_version(person)
            service.update(db, person, read_form(PersonPatchSchema(), partial=True))
            db.commit()
            return person

        changed, refusal = attempt(change)
        if changed is not None:
            flash(_("The file is saved."))
            return redirect(
                url_for(".person", commune=g.commune.slug, person_id=person.id)
            )
        person = reachable(db, person_id)
    else:
        note_read(db, person, "file", _visible_fields())
        db.commit()
    return render_template(
        "people/edit.html",
        person=person,
        refusal=refusal,
        form=request.form if refusal else None,
        hamlet_options=_hamlets(),
    ), (refusal.status if refusal else 200)


@bp.get("/<uuid:person_id>")
@requires("persons:read")
def person(
    person_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """A person's file, every part the caller's role may see."""
    db = request_session()
    person = reachable(db, person_id)
    fields = _visible_fields()
    note_read(db, person, "file", fields)
    parts: dict[str, Any] = {}
    if caller_holds("cases:read"):
        parts["cases"] = list(db.scalars(cases.cases_of(db, person.id)))
        parts["tiers"] = service.tier_history(db, person.id)
        note_read(db, person, "cases", ["kind", "status", "start_on", "end_on"])
        note_read(db, person, "tiers", TierChangeSchema().fields)
    if caller_holds("assignments:read"):
        parts["assignments"] = mentoring.assignments(db, person.id)
        note_read(db, person, "assignments", AssignmentSchema().fields)
    if caller_holds("contacts:read"):
        parts["contacts"] = list(
            db.scalars(mentoring.contacts(db, person.id).limit(20))
        )
        note_read(db, person, "contacts", ["contacted_on", "channel", "note"])
    if caller_holds("commitments:read"):
        parts["commitments"] = list(db.scalars(commitments.list_query(person)))
        note_read(db, person, "commitments", ["signed_on", "review_on", "status"])
    if caller_holds("support:read"):
        parts["support"] = list(db.scalars(support.list_query(person)))
        note_read(db, person, "support", ["kind", "what", "outcome"])
    if caller_holds("transfers:read"):
        parts["transfers"] = transfer_service.outgoing_of(db, person.id)
        note_read(db, person, "transfers", TRANSFER_FIELDS)
    parts["pages"] = _plugin_pages(db, person)
    parts["timeline"] = timeline.timeline(
        db, person.id, english=i18n.chosen_language() == "en", may_see=caller_holds
    )
    note_read(db, person, "timeline", sorted({e.kind for e in parts["timeline"]}))
    if caller_holds("audit:read"):
        parts["readers"] = _readers(db, person.id)
    db.commit()
    hamlet = (
        db.get(Hamlet, (g.commune.id, person.hamlet_id)) if person.hamlet_id else None
    )
    return render_template(
        "people/person.html",
        person=person,
        hamlet=hamlet,
        fields=fields,
        parts=parts,
        refusal=refusal,
        # Which of the page's forms was sent: its fields show the refusal.
        failed=request.path.rsplit("/", 1)[-1] if refusal else None,
        form=request.form if refusal else None,
        officers=_officers()
        if caller_holds("assignments:write") or caller_holds("tiers:write")
        else [],
        kinds=_kinds(),
        channels=[(c.value, c.value) for c in Channel],
        today=local_today(),
    ), status


def _act(person_id: uuid.UUID, work: Any, done: str, anchor: str = "") -> Any:
    """Run a change to a person's file; on refusal show the file again with
    the messages beside the form."""
    db = request_session()
    subject = reachable(db, person_id)
    _result, refusal = attempt(lambda: work(db, subject))
    if refusal is not None:
        return person(person_id, refusal=refusal, status=refusal.status)
    db.commit()
    flash(done)
    return redirect(
        url_for(".person", commune=g.commune.slug, person_id=person_id) + anchor
    )


@bp.post("/<uuid:person_id>/tier")
@requires("tiers:write")
def tier(person_id: uuid.UUID) -> Any:
    def change(db: Any, subject: Person) -> Any:
        check_version(subject)
        values = read_form(TierDecisionSchema())
        return service.change_tier(
            db,
            subject,
            tier=values["tier"],
            reason=values["reason"],
            decided_on=values.get("decided_on") or local_today(),
            decided_by=signed_in(),
            officer_id=values.get("officer_id"),
        )

    return _act(person_id, change, _("The tier is recorded."), "#tier")


@bp.post("/<uuid:person_id>/officer")
@requires("assignments:write")
def officer(person_id: uuid.UUID) -> Any:
    def assign(db: Any, subject: Person) -> Any:
        from core.mentoring.schemas import AssignmentSchema

        values = read_form(AssignmentSchema())
        return mentoring.assign(
            db,
            subject,
            values["officer_id"],
            started_on=values.get("started_on"),
            reason=values.get("reason"),
            by_name=display_name(db, signed_in()),
        )

    return _act(person_id, assign, _("The officer is assigned."), "#officer")


@bp.post("/<uuid:person_id>/contacts")
@requires("contacts:write")
def contact(person_id: uuid.UUID) -> Any:
    def add(db: Any, subject: Person) -> Any:
        principal = signed_in()
        return mentoring.record_contact(
            db,
            subject,
            read_form(ContactSchema()),
            officer_id=principal.user_id,
            officer_name=display_name(db, principal),
        )

    return _act(person_id, add, _("The contact is recorded."), "#contacts")


@bp.route("/<uuid:person_id>/contacts/<uuid:contact_id>", methods=["GET", "POST"])
@requires("contacts:write")
def correct_contact(person_id: uuid.UUID, contact_id: uuid.UUID) -> Any:
    """Correct a contact: its author, or the chief, as through the API."""
    db = request_session()
    subject = reachable(db, person_id)
    found = mentoring.get_contact(db, subject.id, contact_id)
    mentoring.check_may_correct(
        found, signed_in().user_id, caller_holds("assignments:write")
    )
    refusal = None
    if request.method == "POST":

        def change() -> Any:
            check_version(found)
            mentoring.update_contact(db, found, read_form(ContactPatchSchema()))
            db.commit()
            return found

        _changed, refusal = attempt(change)
        if refusal is None:
            flash(_("The contact is corrected."))
            return redirect(
                url_for(".person", commune=g.commune.slug, person_id=person_id)
                + "#contacts"
            )
    note_read(
        db, subject, "contacts", ContactSchema().fields, {"contact": str(found.id)}
    )
    db.commit()
    return render_template(
        "people/contact.html",
        person=subject,
        contact=found,
        refusal=refusal,
        form=request.form if refusal else None,
    ), (refusal.status if refusal else 200)


@bp.post("/<uuid:person_id>/transfers/<uuid:transfer_id>/cancel")
@requires("transfers:write")
def cancel_transfer(person_id: uuid.UUID, transfer_id: uuid.UUID) -> Any:
    """Withdraw a transfer still waiting for the other commune's answer."""

    def withdraw(db: Any, subject: Person) -> Any:
        found = transfer_service.get_outgoing(db, transfer_id)
        if found.person_id != subject.id:
            raise NotFound("This person's file has no transfer with that id.")
        check_version(found)
        return transfer_service.cancel(db, found, display_name(db, signed_in()))

    return _act(person_id, withdraw, _("The transfer is withdrawn."), "#moving")


@bp.post("/<uuid:person_id>/transfers")
@requires("transfers:write")
def transfer(person_id: uuid.UUID) -> Any:
    def ask(db: Any, subject: Person) -> Any:
        values = read_form(TransferRequestSchema())
        return transfer_service.request(
            db,
            subject,
            to_commune=values["to_commune"],
            reason=values["reason"],
            by_name=display_name(db, signed_in()),
        )

    return _act(person_id, ask, _("The other commune is asked to take the file."))


# -- cases ---------------------------------------------------------------------


@bp.route("/<uuid:person_id>/cases/new", methods=["GET", "POST"])
@requires("cases:write")
def new_case(person_id: uuid.UUID) -> Any:
    db = request_session()
    subject = reachable(db, person_id)
    refusal: Refusal | None = None
    if request.method == "POST":

        def open_case() -> Any:
            case = cases.open_case(db, subject, read_form(CaseSchema()))
            db.commit()
            return case

        case, refusal = attempt(open_case)
        if case is not None:
            flash(_("The case is open; its dates come from the law in force."))
            return redirect(
                url_for(
                    ".case",
                    commune=g.commune.slug,
                    person_id=person_id,
                    case_id=case.id,
                )
            )
    earlier = list(db.scalars(cases.cases_of(db, subject.id)))
    return render_template(
        "cases/new.html",
        person=subject,
        refusal=refusal,
        form=request.form,
        kinds=_kinds(),
        settings=[s.value for s in RehabSetting],
        earlier=earlier,
    ), (refusal.status if refusal else 200)


@bp.get("/<uuid:person_id>/cases/<uuid:case_id>")
@requires("cases:read")
def case(
    person_id: uuid.UUID,
    case_id: uuid.UUID,
    refusal: Refusal | None = None,
    status: int = 200,
) -> Any:
    db = request_session()
    subject = reachable(db, person_id)
    found = cases.get(db, subject.id, case_id)
    note_read(
        db,
        subject,
        "cases",
        ["kind", "deadlines", "decision_number"],
        {"case": str(found.id)},
    )
    db.commit()
    english = i18n.chosen_language() == "en"
    return render_template(
        "cases/case.html",
        person=subject,
        case=found,
        deadlines=cases.deadlines(db, found),
        extensions=cases.extensions_of(db, found.id),
        english=english,
        refusal=refusal,
        form=request.form if refusal else None,
        outcomes=[o.value for o in CaseOutcome],
        kinds=dict(_kinds()),
    ), status


def _case_change(person_id: uuid.UUID, case_id: uuid.UUID, work: Any, done: str) -> Any:
    db = request_session()
    subject = reachable(db, person_id)
    found = cases.get(db, subject.id, case_id)

    def change() -> Any:
        check_version(found)
        work(db, found)
        db.commit()
        return found

    _changed, refusal = attempt(change)
    if refusal is not None:
        return case(person_id, case_id, refusal=refusal, status=refusal.status)
    flash(done)
    return redirect(
        url_for(".case", commune=g.commune.slug, person_id=person_id, case_id=case_id)
    )


@bp.post("/<uuid:person_id>/cases/<uuid:case_id>/extend")
@requires("cases:write")
def extend_case(person_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    return _case_change(
        person_id,
        case_id,
        lambda db, found: cases.extend(db, found, read_form(ExtensionSchema())),
        _("The case is extended."),
    )


@bp.post("/<uuid:person_id>/cases/<uuid:case_id>/correct")
@requires("cases:write")
def correct_case(person_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    def correct(db: Any, found: Any) -> None:
        for key, value in read_form(CasePatchSchema()).items():
            setattr(found, key, value.strip())

    return _case_change(person_id, case_id, correct, _("The decision is corrected."))


@bp.post("/<uuid:person_id>/cases/<uuid:case_id>/close")
@requires("cases:write")
def close_case(person_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    return _case_change(
        person_id,
        case_id,
        lambda db, found: cases.close(
            db, found, read_form(CloseSchema()), by_name=display_name(db, signed_in())
        ),
        _("The case is closed."),
    )


@bp.get("/past-end")
@requires("cases:read")
def past_end() -> Any:
    """Open cases past their end date, for the chief to close or extend."""
    db = request_session()
    today = local_today()
    query = cases.past_end(db, today)
    within = people_in_reach(db)
    if within is not None:
        from core.cases.models import Case

        query = query.join(Person, Person.id == Case.person_id).where(within)
    found = list(db.scalars(query.limit(200)))
    people = {
        p.id: p
        for p in db.scalars(
            select(Person).where(Person.id.in_([c.person_id for c in found]))
        )
    }
    record(db, "cases.past_end", object_type="cases")
    db.commit()
    return render_template(
        "cases/past_end.html",
        cases=found,
        people=people,
        today=today,
        kinds=dict(_kinds()),
    )


# -- transfers ---------------------------------------------------------------------


@bp.get("/transfers")
@requires("transfers:read")
def transfers(refusal: Refusal | None = None, status: int = 200) -> Any:
    db = request_session()
    offers = (
        list(db.scalars(transfer_service.incoming(db).limit(100)))
        if caller_holds("transfers:approve")
        else []
    )
    return render_template(
        "people/transfers.html",
        offers=offers,
        refusal=refusal,
        hamlet_options=_hamlets(),
    ), status


@bp.post("/transfers/<uuid:transfer_id>/decision")
@requires("transfers:approve")
def decide_transfer(transfer_id: uuid.UUID) -> Any:
    db = request_session()
    offered = transfer_service.get_incoming(db, transfer_id)

    def decide() -> Any:
        check_version(offered)
        values = read_form(DecisionSchema())
        transfer_service.decide(
            db,
            offered,
            accept=values["accept"],
            hamlet_id=values.get("hamlet_id"),
            by_name=display_name(db, signed_in()),
        )
        db.commit()
        return offered

    _done, refusal = attempt(decide)
    if refusal is not None:
        return transfers(refusal=refusal, status=refusal.status)
    flash(_("Your decision is recorded and sent back."))
    return redirect(url_for(".transfers", commune=g.commune.slug))


@bp.get("/transfers/<uuid:transfer_id>")
@requires("transfers:approve")
def offered_file(transfer_id: uuid.UUID) -> Any:
    import json

    db = request_session()
    offered = transfer_service.get_incoming(db, transfer_id)
    note_read(
        db,
        offered.person_id or offered.source_person_id,
        "transfer",
        ["file", "reason"],
        {"transfer": str(offered.id)},
    )
    db.commit()
    return render_template(
        "people/offered.html",
        offered=offered,
        file=json.loads(offered.file),
        kinds=dict(_kinds()),
        hamlet_options=_hamlets(),
        statuses=PersonStatus,
    )
