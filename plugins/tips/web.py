"""The tip pages: /c/<commune>/tips/...

For residents, with no account and no JavaScript: the tip form and the
receipt page where a tipster reads the officers' questions and answers
them. Both are plain forms with a CSRF token; the form carries a signed
form token instead of the API's proof of work (see ``guard``), and neither
keeps a trace of the caller. For staff: the triage desk, a list and a
tip's page with its status, assignment, questions and links.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from marshmallow import EXCLUDE
from sqlalchemy import select

from core.toolkit import (
    Hamlet,
    NotFound,
    Refusal,
    WorkItem,
    accepts_upload,
    attempt,
    caller_holds,
    check_version,
    forget_resident_identity,
    named,
    public,
    read_form,
    refuse,
    request_session,
    requires,
    resident_identity,
    signed_in,
    staff_of,
    untraced,
)
from plugins.tips import guard, service
from plugins.tips.api import find_thread, read_tip, take_tip
from plugins.tips.models import Category, Outcome, Status, Tip
from plugins.tips.schemas import (
    AnswerInSchema,
    QuestionSchema,
    ReceiptInSchema,
    TipInSchema,
    TriageSchema,
    UnsealInSchema,
)

logger = logging.getLogger(__name__)

bp = Blueprint(
    "tips_web",
    __name__,
    url_prefix="/c/<commune>/tips",
    template_folder="templates",
)

# A field people never see; a bot that fills every field fills it too.
TRAP = "website"


def _hamlets() -> list[tuple[str, str]]:
    rows = request_session().execute(
        select(Hamlet.id, Hamlet.name).order_by(Hamlet.name)
    )
    return [(str(hamlet_id), name) for hamlet_id, name in rows]


def _form_page(refusal: Refusal | None = None, status: int = 200) -> Any:
    return (
        render_template(
            "tips/new.html",
            commune=g.commune,
            hamlets=[(name, name) for name in service.hamlet_names(request_session())],
            categories=[c.value for c in Category],
            token=guard.issue(g.commune.id, guard.FORM),
            refusal=refusal,
            sent=request.form if refusal else {},
            signed=resident_identity() is not None,
        ),
        status,
    )


@bp.get("/new")
@public("residents send tips without an account")
@untraced
def new() -> Any:
    return _form_page()


@bp.post("/new")
@public("residents send tips without an account")
@accepts_upload
@untraced
def send() -> Any:
    def work() -> dict[str, Any]:
        if request.form.get(TRAP):
            logger.info("a tip form with its trap field filled was refused")
            raise refuse(
                "challenge",
                "Not accepted.",
                "The form could not be accepted. Load it again and send it.",
            )
        values = _read_page_form()

        def form_waited(settings: dict[str, Any]) -> None:
            guard.check(
                g.commune.id,
                guard.FORM,
                values["challenge"],
                min_seconds=settings["form_min_seconds"],
            )

        photos = [
            (upload.read(), upload.mimetype)
            for upload in request.files.getlist("photos")
            if upload.filename
        ]
        # Signed with the national identity the browser proved, unless the
        # tipster chose to stay anonymous after all.
        proven = None if request.form.get("anonymous") else resident_identity()
        answer, _replayed = take_tip(
            values, form_waited, national_identity=proven, photos=photos
        )
        forget_resident_identity()
        return answer

    answer, refusal = attempt(work)
    if refusal is not None:
        return _form_page(refusal, refusal.status)
    return render_template("tips/receipt.html", commune=g.commune, answer=answer)


def _read_page_form() -> dict[str, Any]:
    # The page has no proof of work: its form token stands in for it.
    # Unknown fields are left out rather than refused: the page's own
    # machinery (the trap, the choice to stay anonymous) is read apart.
    schema = TipInSchema(exclude=("solution",), unknown=EXCLUDE)
    values = read_form(schema)
    values["solution"] = ""
    return values


@bp.route("/receipt", methods=["GET", "POST"])
@public("a tipster follows their tip up with the receipt code, anonymously")
@untraced
def receipt() -> Any:
    if request.method == "GET":
        return render_template("tips/follow.html", commune=g.commune, tip=None)

    def work() -> tuple[Tip, dict[str, Any]]:
        values = read_form(ReceiptInSchema())
        return service_thread(values), values

    found, refusal = attempt(work)
    if refusal is not None:
        return (
            render_template(
                "tips/follow.html", commune=g.commune, tip=None, refusal=refusal
            ),
            refusal.status,
        )
    assert found is not None
    tip, values = found
    return _thread_page(tip, values)


def service_thread(values: dict[str, Any]) -> Tip:
    return find_thread(values["receipt_code"], values["passphrase"])


def _thread_page(tip: Tip, values: dict[str, Any], refusal: Any = None) -> Any:
    return render_template(
        "tips/follow.html",
        commune=g.commune,
        tip=tip,
        messages=service.messages_of(request_session(), tip.id),
        code=values["receipt_code"],
        passphrase=values["passphrase"],
        refusal=refusal,
    )


@bp.post("/receipt/answer")
@public("a tipster answers the officers' questions, anonymously")
@untraced
def answer() -> Any:
    def work() -> tuple[Tip, dict[str, Any]]:
        values = read_form(AnswerInSchema())
        tip = service_thread(values)
        db = request_session()
        service.answer(db, tip, values["body"])
        db.commit()
        return tip, values

    found, refusal = attempt(work)
    if refusal is not None:
        return (
            render_template(
                "tips/follow.html", commune=g.commune, tip=None, refusal=refusal
            ),
            refusal.status,
        )
    assert found is not None
    return _thread_page(*found)


# -- the triage desk -------------------------------------------------------


@bp.get("/")
@requires("tips:read")
def desk() -> Any:
    wanted = request.args.get("status") or None
    query = select(Tip).order_by(Tip.created_at.desc(), Tip.id).limit(200)
    if wanted in {s.value for s in Status}:
        query = query.where(Tip.status == wanted)
    tips = request_session().scalars(query).all()
    return render_template(
        "tips/desk.html",
        commune=g.commune,
        tips=tips,
        statuses=[s.value for s in Status],
        wanted=wanted,
    )


def _tip_page(
    tip_id: uuid.UUID,
    refusal: Refusal | None = None,
    identity: dict[str, Any] | None = None,
) -> Any:
    tip = read_tip(tip_id)
    db = request_session()
    staff = named(db, staff_of(db, g.commune))
    return (
        render_template(
            "tips/tip.html",
            commune=g.commune,
            tip=tip,
            messages=service.messages_of(db, tip.id),
            people=service.people_of(db, tip.id),
            moves=sorted(s.value for s in service.MOVES[tip.status]),
            outcomes=[o.value for o in Outcome],
            staff=staff,
            hamlets=_hamlets(),
            can_triage=caller_holds("tips:triage"),
            can_unseal=caller_holds("tips:unseal"),
            identity=identity,
            refusal=refusal,
        ),
        refusal.status if refusal else 200,
    )


@bp.get("/work/<uuid:item_id>")
@requires("work:read")
def work_item(item_id: uuid.UUID) -> Any:
    """Where the tap on a work item about a tip leads: the tip's page for the
    desk (its own permission is checked there), the person's file for the
    health desk's advice to consider a test (health staff read no tips)."""
    db = request_session()
    item = db.scalars(
        select(WorkItem).where(WorkItem.id == item_id, WorkItem.origin == service.NAME)
    ).first()
    if item is None or item.subject_id is None:
        raise NotFound("No work item about a tip has that id.")
    slug = g.commune.slug
    if item.kind == service.DRUG_TEST and item.person_id is not None:
        return redirect(
            url_for("people_web.person", commune=slug, person_id=item.person_id)
        )
    return redirect(url_for(".tip_page", commune=slug, tip_id=item.subject_id))


@bp.get("/<uuid:tip_id>")
@requires("tips:read")
def tip_page(tip_id: uuid.UUID) -> Any:
    return _tip_page(tip_id)


@bp.post("/<uuid:tip_id>/triage")
@requires("tips:triage")
def triage(tip_id: uuid.UUID) -> Any:
    def work() -> None:
        db = request_session()
        tip = service.get(db, tip_id)
        check_version(tip)
        values = read_form(TriageSchema())
        service.triage(db, tip, values, signed_in(), g.commune)
        db.commit()

    _done, refusal = attempt(work)
    if refusal is not None:
        return _tip_page(tip_id, refusal)
    return redirect(url_for("tips_web.tip_page", commune=g.commune.slug, tip_id=tip_id))


@bp.post("/<uuid:tip_id>/ask")
@requires("tips:triage")
def ask(tip_id: uuid.UUID) -> Any:
    def work() -> None:
        db = request_session()
        values = read_form(QuestionSchema())
        service.ask(db, service.get(db, tip_id), values["body"], signed_in())
        db.commit()

    _done, refusal = attempt(work)
    if refusal is not None:
        return _tip_page(tip_id, refusal)
    return redirect(url_for("tips_web.tip_page", commune=g.commune.slug, tip_id=tip_id))


@bp.post("/<uuid:tip_id>/unseal")
@requires("tips:unseal")
def unseal(tip_id: uuid.UUID) -> Any:
    def work() -> dict[str, Any]:
        db = request_session()
        values = read_form(UnsealInSchema())
        opened = service.unseal(
            db, service.get(db, tip_id), values["reason"], signed_in()
        )
        db.commit()
        return opened

    identity, refusal = attempt(work)
    return _tip_page(tip_id, refusal, identity)
